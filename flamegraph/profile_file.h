/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading a recorded profile file, whatever its format, into a stack tree: the one loader of
 * the commands that take profiles rtprof recorded (rtprof compare). The format comes from the
 * file's bytes, not its name: gzip (1f 8b), or a NUL byte among the first 64 KiB (a raw
 * protobuf), is pprof, read by flamegraph/pprof.h (its default sample type, each Location's
 * lines as frames, thread labels as "NAME-TID" roots); anything else is folded text.
 */
#ifndef RTPROF_FLAMEGRAPH_PROFILE_FILE_H
#define RTPROF_FLAMEGRAPH_PROFILE_FILE_H

#include <stddef.h>

#include "flamegraph/folded.h"

enum profile_format {
	PROFILE_FORMAT_FOLDED,
	PROFILE_FORMAT_PPROF,
};

/*
 * Add the stacks of the file at path to column col of t; *stacks (may be NULL) gets the number
 * of stacks read. Problems are reported on stderr in the name of cmd ("compare run-01.folded:
 * ..."). 0, -ERR_BADINPUT (unreadable format, no stack at all) or a negative errno.
 */
int profile_file__load(struct stack_tree *t, const char *path, enum stack_col col, const char *cmd,
		       size_t *stacks);

/* The format of the file at path from its first bytes. 0 or a negative errno. */
int profile_file__format(const char *path, enum profile_format *fmt);

#endif
