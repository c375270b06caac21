/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Command line and inputs of `rtprof flamegraph` and `rtprof diff`: both take the same drawing
 * options (flamegraph.pl's names and defaults) and the same folded files, so they share one
 * option parser and one reader that tells a folded file from something else.
 */
#ifndef RTPROF_FLAMEGRAPH_CLI_H
#define RTPROF_FLAMEGRAPH_CLI_H

#include <stdbool.h>

#include "flamegraph/svg.h"

struct flamegraph_cli {
	struct flamegraph_opts opts;
	const char *output; /* -o FILE, NULL: stdout */
	bool folded;	    /* --folded: print merged folded stacks instead of an SVG */
	bool reverse;	    /* --reverse */
	bool normalize;	    /* diff -n */
	char **files;	    /* the operands */
	int n_files;
};

/*
 * Parse argv (argv[0] is the command name). diff selects rtprof diff's extra option (-n).
 * Returns 0, 1 when --help was printed (the caller returns 0), or -ERR_USAGE.
 */
int flamegraph_cli__parse(struct flamegraph_cli *cli, int argc, char **argv, bool diff);

/* Open the output named by -o (stdout when none) with a large buffer; NULL and errno on error. */
FILE *flamegraph_cli__open_output(const struct flamegraph_cli *cli);
/* Close it; returns 0 or a negative errno (a failed write shows up here). */
int flamegraph_cli__close_output(const struct flamegraph_cli *cli, FILE *f);

struct stack_tree;

/*
 * Read one input (path "-" is standard input) into t: as pairs (col < 0: a line with two counts
 * is BEFORE AFTER) or every count into column col. What is wrong with it is said on stderr, in
 * one line that starts with cmd and the path. Returns 0, a negative errno (the input cannot be
 * opened or read), or -ERR_BADINPUT when it is not a folded stack file: a directory, binary data
 * (a NUL byte in its first 64 KiB), or lines that are mostly not stacks (more invalid lines than
 * valid ones). A mostly good file is read and its invalid lines are counted on stderr; an empty
 * one is said to be empty and returns 0. *stacks (may be NULL) gets its number of valid lines.
 */
int flamegraph_cli__read(struct stack_tree *t, const char *cmd, const char *path, int col,
			 size_t *stacks);

/* Write t as the options ask (--folded or SVG) to -o or stdout; errors are reported on stderr
 * in the name of cmd. Returns 0 or a negative error. */
int flamegraph_cli__write(const struct flamegraph_cli *cli, const struct stack_tree *t,
			  const char *cmd);

#endif
