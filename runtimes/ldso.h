/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which shared libraries a program will map, found the way glibc's dynamic loader finds them,
 * before the program runs: the probe object of a launched runtime is the libpython or libruby
 * the loader will really load, not a file of the same name somewhere else (pyenv's python3.11
 * loads its own libpython3.11.so.1.0 through its RUNPATH, not Debian's).
 *
 * The dependencies are walked breadth first from the executable, as the loader maps them
 * (LD_PRELOAD first), a name already loaded (by its DT_SONAME or a name it was asked for)
 * being the same object. A DT_NEEDED name with a '/' is a path; any other is looked up in:
 *   1. DT_RPATH of the object that needs it, then of the object that loaded that one, up to
 *      the executable; only when the object has no DT_RUNPATH (an object with both has its
 *      DT_RPATH ignored, as ld.so does);
 *   2. LD_LIBRARY_PATH of the environment the program gets (':' or ';' separated, an empty
 *      entry is the current folder);
 *   3. DT_RUNPATH of the object that needs it (its own dependencies only);
 *   4. the loader cache (/etc/ld.so.cache, "glibc-ld.so.cache1.1" entries for x86-64);
 *   5. the system folders (/lib/x86_64-linux-gnu, /usr/lib/x86_64-linux-gnu, /lib, /usr/lib);
 *      4 and 5 are skipped for an object linked with -z nodeflib.
 * $ORIGIN (the folder of the object; for the executable its real path, as /proc/self/exe
 * gives it), $LIB and $PLATFORM are replaced in paths. A file of another ELF class or machine
 * is skipped and the search goes on. Not modelled: glibc-hwcaps and legacy hwcap subfolders,
 * secure-execution (setuid) rules, dlopen() at run time.
 */
#ifndef RTPROF_LDSO_H
#define RTPROF_LDSO_H

#include <stddef.h>

struct ldso_opts {
	const char *ld_library_path;	/* as the program will get it; NULL: unset */
	const char *ld_preload;		/* likewise */
	const char *cache;		/* NULL: /etc/ld.so.cache; "": no cache */
	const char *const *system_dirs; /* NULL-ended; NULL: the x86-64 Debian folders */
};

/* The options for a program launched with this process's environment. */
void ldso_opts__from_env(struct ldso_opts *o);

/*
 * The library the executable at exe will load whose file name (the last part of the DT_NEEDED
 * name, or of an LD_PRELOAD entry) matches the fnmatch pattern glob, first in load order:
 * its path (as the loader would open it) in out. 0; -ENOENT when no such library is needed;
 * -ELIBACC when one is needed but the loader would not find it (its name is in out then);
 * -ENAMETOOLONG; -errno when exe cannot be read.
 */
int ldso_find(const char *exe, const char *glob, const struct ldso_opts *o, char *out, size_t size);

/* One DT_NEEDED-style name looked up in the loader cache file (NULL: /etc/ld.so.cache):
 * 0 with the path, -ENOENT, or -errno / -ENOEXEC for a cache that cannot be read. */
int ldso_cache_lookup(const char *cache, const char *name, char *out, size_t size);

#endif
