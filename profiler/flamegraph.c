// SPDX-License-Identifier: GPL-2.0
/*
 * rtprof flamegraph: folded stacks (files or stdin) to an interactive SVG flame graph, or back to
 * merged folded text with --folded. The work is in flamegraph/ (folded.c: parse and merge,
 * svg.c: draw; cli.c: options, and reading the inputs with what was wrong with them).
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
		err = flamegraph_cli__read(t, "flamegraph", files[i], -1, NULL);
		if (err)
			goto cleanup;
	}
	if (!stack_tree__stacks(t)) {
		/* each input said it was empty */
		err = -ERR_BADINPUT;
		goto cleanup;
	}
	err = flamegraph_cli__write(&cli, t, "flamegraph");
cleanup:
	stack_tree__free(t);
	return err;
}
