/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The code ranges a stack key hashes words from (bpf/stack_key.bpf.h, bpf/stack_hash.bpf.h), and
 * the sizes of a key's stack window. Plain data, shared by both halves (user space keeps the
 * ranges current: stacks/stack_keys.h).
 */
#ifndef RTPROF_STACK_KEY_H
#define RTPROF_STACK_KEY_H

#define STACK_KEY_MAX_RANGES	 16   /* code ranges the stack key keeps words from */
#define STACK_KEY_WINDOW	 2048 /* most bytes of user stack hashed into a stack key */
#define STACK_KEY_WINDOW_DEFAULT 1024

/* A code range [lo, lo + len) of the target. */
struct stack_key_range {
	__u64 lo;
	__u64 len;
};

/* What BPF knows of the target's code; written by user space at any time (ranges change as
 * libraries load): n first set to 0, then the rest, then n. */
struct stack_key_ranges {
	__u32 n;
	__u32 pad;
	__u64 lo, hi; /* lowest start, highest end of r[] */
	/* The widest hole between two code ranges (where the heap and most mappings live): words
	 * in it are rejected without a search. */
	__u64 gap_lo, gap_hi;
	struct stack_key_range r[STACK_KEY_MAX_RANGES]; /* sorted by lo */
};

enum stack_key_event {
	STACK_KEY_EV_NEW,  /* first sighting of a key (a capture was sent) */
	STACK_KEY_EV_LOST, /* a capture could not be sent (ring buffer full) */
	STACK_KEY_EV_FULL, /* the table of known keys was full */
};

#endif
