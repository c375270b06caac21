// SPDX-License-Identifier: GPL-2.0
/* Code ranges for the stack keys: see stacks/stack_keys.h. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stacks/stack_keys.h"
#include "symbolize/maps.h"

_Static_assert(sizeof(struct stack_key_range) == 16, "stack_key_range layout");
_Static_assert(sizeof(struct stack_key_ranges) == 40 + 16 * STACK_KEY_MAX_RANGES,
	       "stack_key_ranges layout");

#define MAX_CODE_MAPS 64

static bool is_code(const struct proc_map *pm)
{
	return pm->perms[2] == 'x' && proc_map__is_file(pm);
}

static int cmp_range(const void *a, const void *b)
{
	const struct stack_key_range *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

size_t stack_key_ranges__count(const struct proc_maps *maps)
{
	size_t i, n = 0;

	for (i = 0; i < maps->n; i++)
		n += is_code(&maps->maps[i]);
	return n;
}

size_t stack_key_ranges__count_jit(const struct proc_maps *maps)
{
	size_t i, n = 0;

	for (i = 0; i < maps->n; i++) {
		const struct proc_map *pm = &maps->maps[i];

		n += pm->perms[2] == 'x' && !proc_map__is_file(pm) &&
		     !(pm->path &&
		       (!strcmp(pm->path, "[vdso]") || !strcmp(pm->path, "[vsyscall]")));
	}
	return n;
}

size_t stack_key_ranges__set(struct stack_key_ranges *dst, const struct proc_maps *maps)
{
	struct stack_key_range r[MAX_CODE_MAPS];
	__u64 gap_lo = 0, gap_hi = 0;
	size_t i, n = 0;

	for (i = 0; i < maps->n && n < MAX_CODE_MAPS; i++) {
		const struct proc_map *pm = &maps->maps[i];

		if (is_code(pm))
			r[n++] = (struct stack_key_range){.lo = pm->start,
							  .len = pm->end - pm->start};
	}
	qsort(r, n, sizeof(r[0]), cmp_range);
	/* More ranges than BPF takes: join the closest neighbours. */
	while (n > STACK_KEY_MAX_RANGES) {
		size_t best = 0;
		__u64 gap, best_gap = UINT64_MAX;

		for (i = 0; i + 1 < n; i++) {
			gap = r[i + 1].lo - (r[i].lo + r[i].len);
			if (gap < best_gap) {
				best_gap = gap;
				best = i;
			}
		}
		r[best].len = r[best + 1].lo + r[best + 1].len - r[best].lo;
		memmove(&r[best + 1], &r[best + 2], (n - best - 2) * sizeof(r[0]));
		n--;
	}
	for (i = 0; i + 1 < n; i++) {
		__u64 end = r[i].lo + r[i].len;

		if (r[i + 1].lo > end && r[i + 1].lo - end > gap_hi - gap_lo) {
			gap_lo = end;
			gap_hi = r[i + 1].lo;
		}
	}
	/* BPF may read while this changes: the worst is one key computed with half a list. */
	dst->n = 0;
	__sync_synchronize();
	for (i = 0; i < n; i++)
		dst->r[i] = r[i];
	dst->gap_lo = gap_lo;
	dst->gap_hi = gap_hi;
	dst->lo = n ? r[0].lo : 0;
	dst->hi = n ? r[n - 1].lo + r[n - 1].len : 0;
	__sync_synchronize();
	dst->n = (__u32)n;
	return n;
}
