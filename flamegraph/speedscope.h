/* SPDX-License-Identifier: GPL-2.0 */
/*
 * speedscope's own JSON format (https://www.speedscope.app/file-format-schema.json): one file
 * with a shared table of frames and one or more "sampled" profiles, each a list of stacks (root
 * first, as frame indexes) with a weight each. Frames are interned by (name, file); a profile
 * covers [0, sum of its weights] in its unit. The bytes depend only on the calls made.
 */
#ifndef RTPROF_FLAMEGRAPH_SPEEDSCOPE_H
#define RTPROF_FLAMEGRAPH_SPEEDSCOPE_H

#include <stddef.h>
#include <stdio.h>

struct speedscope_frame {
	const char *name;
	const char *file; /* NULL when unknown */
};

struct speedscope;

/* name: the file's name (shown by speedscope); unit: "none", "nanoseconds", "bytes", ...
 * (speedscope's units). NULL and errno on failure. */
struct speedscope *speedscope__new(const char *name, const char *unit);
void speedscope__free(struct speedscope *s);

/* Start a new sampled profile called name (the samples that follow go to it). 0 or -ENOMEM. */
int speedscope__profile(struct speedscope *s, const char *name);
/* Add a stack f[0..n), ROOT FIRST, with weight (> 0) to the current profile (one is started,
 * named after the file, when none was). 0 or -ENOMEM. */
int speedscope__sample(struct speedscope *s, const struct speedscope_frame *f, size_t n,
		       double weight);
/* Number of profiles started. */
size_t speedscope__profiles(const struct speedscope *s);

/* Write the JSON document to f. 0 or -EIO. */
int speedscope__write(const struct speedscope *s, FILE *f);

#endif
