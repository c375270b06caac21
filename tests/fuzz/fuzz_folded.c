// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for folded stacks: the rest of the input after the first byte is a folded
 * file, parsed into a stack tree and written out again, as `rtprof flamegraph FILE` and `rtprof
 * diff` do. The first byte chooses the way:
 *   bits 0-1  parser: the buffer parser (differential lines allowed), the stream parser on the
 *             same bytes, or the one-column stream parser into AFTER or BEFORE
 *   bit 2     --reverse
 *   bit 3     flame chart (merge only with the latest child)
 *   bit 4     write an SVG instead of folded text
 *   bits 5-7  SVG: icicle, children by weight, minimum width as a percentage
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flamegraph/folded.h"
#include "flamegraph/svg.h"

static int parse(struct stack_tree *t, unsigned mode, const uint8_t *data, size_t size)
{
	size_t bad = 0;
	FILE *f;
	int err;

	if (mode == 0)
		return stack_tree__parse_buf(t, (const char *)data, size, &bad);
	/* fmemopen() refuses an empty buffer; the stream parsers see the same bytes */
	f = size ? fmemopen((void *)data, size, "r") : NULL;
	if (!f)
		return 0;
	if (mode == 1)
		err = stack_tree__parse_file(t, f, &bad);
	else if (mode == 2)
		err = stack_tree__parse_file_col(t, f, STACK_COL_AFTER, &bad);
	else
		err = stack_tree__parse_file_col(t, f, STACK_COL_BEFORE, &bad);
	fclose(f);
	return err;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	struct stack_tree *t = NULL;
	unsigned sel, flags = 0;
	char count[48];

	if (size < 1)
		return 0;
	if (!sink)
		sink = fopen("/dev/null", "w");
	if (!sink)
		abort();
	sel = data[0];
	t = stack_tree__new();
	if (!t)
		return 0;
	if (sel & 4)
		flags |= STACK_TREE_REVERSE;
	if (sel & 8)
		flags |= STACK_TREE_FLAMECHART;
	stack_tree__set_flags(t, flags);
	if (parse(t, sel & 3, data + 1, size - 1))
		goto cleanup;

	stack_count_str(stack_tree__total(t, STACK_COL_AFTER), count, sizeof(count));
	stack_count_str(stack_tree__total(t, STACK_COL_BEFORE), count, sizeof(count));
	if (sel & 16) {
		struct flamegraph_opts o;

		flamegraph_opts__init(&o);
		o.inverted = sel & 32;
		o.sort_weight = sel & 64;
		o.flamechart = flags & STACK_TREE_FLAMECHART;
		if (sel & 128) {
			o.minwidth = 0.5; /* % */
			o.minwidth_pct = true;
		}
		flamegraph__write_svg(t, &o, sink);
	} else {
		stack_tree__write_folded(t, sink);
	}
cleanup:
	stack_tree__free(t);
	return 0;
}
