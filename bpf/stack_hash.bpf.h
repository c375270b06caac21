/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hash behind a stack key (BPF only): the words of a window of user stack that point into the
 * target's code ranges (bpf/stack_key.h), i.e. its return addresses, mixed into 64 bits. Used by
 * bpf/stack_key.bpf.h (memleak, locks, threads: keys at a probed call) and by profile's sample
 * keys (bpf/profile.bpf.c).
 */
#ifndef RTPROF_STACK_HASH_BPF_H
#define RTPROF_STACK_HASH_BPF_H

#include "bpf/stack_key.h"

/* A global function: the verifier checks it once, not at every word of every program. */
__noinline int stack_key__in_code(const struct stack_key_ranges *r, __u64 w)
{
	__u32 n;

	if (!r)
		return 0;
	n = r->n;
	for (__u32 i = 0; i < STACK_KEY_MAX_RANGES; i++) {
		if (i >= n || w < r->r[i].lo)
			break; /* sorted: below this range means in no range (heap pointers) */
		if (w - r->r[i].lo < r->r[i].len)
			return 1;
	}
	return 0;
}

static __always_inline __u64 stack_key__mix(__u64 h, __u64 w)
{
	h ^= w;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 32;
	return h;
}

/* Read up to len bytes (at most STACK_KEY_WINDOW) of user stack from sp into window, shrinking
 * the read near the top of the stack, where it may cross into unmapped memory. Returns the
 * number of words read (0: none). */
static __always_inline __u32 stack_key__read(__u64 *window, __u64 sp, __u32 len)
{
	for (int i = 0; i < 5; i++) {
		__u32 l = len;

		if (l > STACK_KEY_WINDOW)
			l = STACK_KEY_WINDOW;
		if (l < 8)
			break;
		if (bpf_probe_read_user(window, l, (void *)sp) == 0)
			return l / 8;
		len = l / 2;
	}
	return 0;
}

/* Mix into h the words window[from..nw) that point into the code ranges r (every word when r
 * has none). */
static __always_inline __u64 stack_key__hash(const struct stack_key_ranges *r, const __u64 *window,
					     __u32 nw, __u32 from, __u64 h)
{
	bool all = r->n == 0; /* code ranges not known yet: hash every word */
	__u64 lo = r->lo, hi = r->hi, glo = r->gap_lo, ghi = r->gap_hi;

	for (__u32 i = from; i < STACK_KEY_WINDOW / 8; i++) {
		__u64 w;

		if (i >= nw)
			break;
		w = window[i];
		if (all || (w >= lo && w < hi && (w < glo || w >= ghi) && stack_key__in_code(r, w)))
			h = stack_key__mix(h, w);
	}
	return h;
}

#endif
