/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Runtimes are data. Each runtime file (python.c, ruby.c, ...) exports a descriptor; one generic
 * loop uses them. A descriptor says how to recognize the runtime among the objects a process maps
 * and, as commands grow, which probes serve which command and what to tell the user when a probe
 * exists but the runtime keeps it silent.
 */
#ifndef RTPROF_RUNTIME_H
#define RTPROF_RUNTIME_H

struct runtime {
	const char *name;		 /* "python", "ruby", "jvm", ... */
	const char *const *object_globs; /* fnmatch patterns on an object's file name, NULL-ended */
};

/* The runtime whose objects match path's file name, or NULL. */
const struct runtime *runtime_for_object(const char *path);

/* All known runtimes, NULL-ended. */
extern const struct runtime *const runtimes[];

#endif
