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
	err = flamegraph_cli__read(t, "diff", cli.files[0], STACK_COL_BEFORE, &n_before);
	if (!err)
		err = flamegraph_cli__read(t, "diff", cli.files[1], STACK_COL_AFTER, &n_after);
	if (err)
		goto cleanup;
	if (!n_before || !n_after) {
		/* the empty one said so */
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
