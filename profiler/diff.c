// SPDX-License-Identifier: GPL-2.0
/*
 * rtprof diff BEFORE AFTER: a differential flame graph. Both files go into one stack tree, BEFORE
 * in a second column; the renderer sizes frames by AFTER, colors each frame (parents included)
 * by its own change, and keeps subtrees that exist only in BEFORE, hatched, with their BEFORE
 * width. -n scales BEFORE to AFTER's total first; --folded prints "stack BEFORE AFTER" lines.
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

static int read_col(struct stack_tree *t, const char *path, enum stack_col col, size_t *stacks)
{
	FILE *f = NULL;
	size_t bad = 0, before = stack_tree__stacks(t);
	int err;

	f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	if (!f) {
		err = -errno;
		pr_warn("diff %s: %s\n", path, err_str(err));
		return err;
	}
	err = stack_tree__parse_file_col(t, f, col, &bad);
	if (err)
		pr_warn("diff %s: %s\n", path, err_str(err));
	else if (bad)
		pr_warn("diff %s: ignored %zu invalid line%s (not 'frame;...;frame COUNT')\n", path,
			bad, bad == 1 ? "" : "s");
	*stacks = stack_tree__stacks(t) - before;
	if (f != stdin)
		fclose(f);
	return err;
}

int cmd_diff(int argc, char **argv)
{
	struct flamegraph_cli cli;
	struct stack_tree *t = NULL;
	size_t n_before = 0, n_after = 0;
	double tb, ta;
	int err;

	err = flamegraph_cli__parse(&cli, argc, argv, true);
	if (err)
		return err > 0 ? 0 : err;
	t = stack_tree__new();
	if (!t) {
		err = -errno;
		goto cleanup;
	}
	stack_tree__set_flags(t, (cli.reverse ? STACK_TREE_REVERSE : 0) |
					 (cli.opts.flamechart ? STACK_TREE_FLAMECHART : 0));
	err = read_col(t, cli.files[0], STACK_COL_BEFORE, &n_before);
	if (!err)
		err = read_col(t, cli.files[1], STACK_COL_AFTER, &n_after);
	if (err)
		goto cleanup;
	if (!n_before || !n_after) {
		pr_warn("diff %s: no valid stack\n", n_before ? cli.files[1] : cli.files[0]);
		err = -ERR_BADINPUT;
		goto cleanup;
	}
	tb = stack_tree__total(t, STACK_COL_BEFORE);
	ta = stack_tree__total(t, STACK_COL_AFTER);
	if (cli.normalize && tb > 0 && ta > 0)
		stack_tree__scale(t, STACK_COL_BEFORE, ta / tb);
	pr_debug("diff: %zu stacks before (total %g), %zu after (total %g)\n", n_before, tb,
		 n_after, ta);
	err = flamegraph_cli__write(&cli, t, "diff");
cleanup:
	stack_tree__free(t);
	return err;
}
