// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the pprof reader (flamegraph/pprof_read.c), which reads untrusted files
 * in `rtprof export`: the input is a pprof profile, gzipped or raw. What it accepts is written
 * again as folded text, as speedscope JSON and as pprof (flamegraph/formats.h), and that pprof
 * must read back as the same stacks: a difference aborts, as a sanitizer finding does.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flamegraph/folded.h"
#include "flamegraph/formats.h"
#include "flamegraph/pprof.h"

/* decompressed bytes: the fuzzer's memory and time, not the command's limit */
#define MAX_BYTES (1u << 20)

static char *folded_of(const struct stack_tree *t, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (!f)
		abort();
	if (stack_tree__write_folded(t, f))
		abort();
	fclose(f);
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct pprof_value_type vt = {"samples", "count"};
	struct pprof_read_opts ro = {.max_bytes = MAX_BYTES};
	struct pprof_opts po = {.sample_types = &vt, .n_sample_types = 1};
	struct stack_tree *t = stack_tree__new(), *back = stack_tree__new();
	struct pprof_read_info info;
	char *a = NULL, *b = NULL, *pb = NULL;
	size_t a_len = 0, b_len = 0, pb_len = 0;
	static FILE *sink;
	FILE *f;

	if (!t || !back)
		abort();
	if (!sink)
		sink = fopen("/dev/null", "w");
	if (!sink)
		abort();
	if (pprof_read(data, size, &ro, t, &info))
		goto cleanup;
	/* sums of values beyond 2^53 are not exact in the tree's doubles: no identity to check */
	if (stack_tree__total(t, STACK_COL_AFTER) > 9007199254740992.0)
		goto cleanup;
	a = folded_of(t, &a_len);
	stack_tree__write_speedscope(t, "fuzz", "none", sink);
	f = open_memstream(&pb, &pb_len);
	if (!f || stack_tree__write_pprof(t, &po, f, NULL))
		abort();
	fclose(f);
	if (pprof_read(pb, pb_len, &ro, back, &info))
		abort();
	b = folded_of(back, &b_len);
	if (a_len != b_len || memcmp(a, b, a_len))
		abort();
cleanup:
	free(a);
	free(b);
	free(pb);
	stack_tree__free(t);
	stack_tree__free(back);
	return 0;
}
