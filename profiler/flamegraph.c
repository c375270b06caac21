// SPDX-License-Identifier: GPL-2.0
/*
 * rtprof flamegraph: folded stacks (files or stdin) to an interactive SVG flame graph, or back to
 * merged folded text with --folded. The work is in flamegraph/ (folded.c: parse and merge,
 * svg.c: draw); this file reads the inputs and reports what was wrong with them.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "flamegraph/cli.h"
#include "flamegraph/folded.h"
#include "flamegraph/svg.h"
#include "profiler/commands.h"
#include "lib/errors.h"
#include "lib/log.h"

/* Parse one input ("-" is stdin) into t; col < 0 keeps two-count lines differential. */
static int read_input(struct stack_tree *t, const char *cmd, const char *path, int col)
{
	FILE *f = NULL;
	size_t bad = 0, before = stack_tree__stacks(t);
	int err;

	f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	if (!f) {
		err = -errno;
		pr_warn("%s %s: %s\n", cmd, path, err_str(err));
		return err;
	}
	if (col < 0)
		err = stack_tree__parse_file(t, f, &bad);
	else
		err = stack_tree__parse_file_col(t, f, (enum stack_col)col, &bad);
	if (err)
		pr_warn("%s %s: %s\n", cmd, path, err_str(err));
	else if (bad)
		pr_warn("%s %s: ignored %zu invalid line%s (not 'frame;...;frame COUNT')\n", cmd,
			path, bad, bad == 1 ? "" : "s");
	if (!err && stack_tree__stacks(t) == before)
		pr_warn("%s %s: no valid stack\n", cmd, path);
	if (f != stdin)
		fclose(f);
	return err;
}

int cmd_flamegraph(int argc, char **argv)
{
	struct flamegraph_cli cli;
	struct stack_tree *t = NULL;
	char *stdin_only[] = {"-"};
	char **files;
	int err, i, n;

	err = flamegraph_cli__parse(&cli, argc, argv, false);
	if (err)
		return err > 0 ? 0 : err;
	files = cli.n_files ? cli.files : stdin_only;
	n = cli.n_files ? cli.n_files : 1;
	t = stack_tree__new();
	if (!t) {
		err = -errno;
		goto cleanup;
	}
	stack_tree__set_flags(t, (cli.reverse ? STACK_TREE_REVERSE : 0) |
					 (cli.opts.flamechart ? STACK_TREE_FLAMECHART : 0));
	for (i = 0; i < n; i++) {
		err = read_input(t, "flamegraph", files[i], -1);
		if (err)
			goto cleanup;
	}
	if (!stack_tree__stacks(t)) {
		pr_warn("flamegraph: no valid stack in the input\n");
		err = -ERR_BADINPUT;
		goto cleanup;
	}
	err = flamegraph_cli__write(&cli, t, "flamegraph");
cleanup:
	stack_tree__free(t);
	return err;
}
