/* SPDX-License-Identifier: GPL-2.0 */
/* Shared by locks.bpf.c and profiler/locks.c: per-lock and per-waiting-stack statistics. */
#ifndef RTPROF_BPF_LOCKS_H
#define RTPROF_BPF_LOCKS_H

#define LOCK_HIST_SLOTS 40 /* log2 buckets of ns: up to 2^40 ns (18 minutes) */

/* BPF cookie of an attached lock function: op (enum runtime_lock_op) << 8 | kind. */
#define LOCK_COOKIE(op, kind) (((op) << 8) | (kind))
#define LOCK_COOKIE_OP(c)     (((c) >> 8) & 0xff)
#define LOCK_COOKIE_KIND(c)   ((c)&0xff)

struct lock_stat {
	__u32 kind; /* enum runtime_lock_kind of the last operation seen */
	__u32 pad;
	__u64 waits; /* blocking lock calls (and condition waits) that returned */
	__u64 wait_total_ns;
	__u64 wait_max_ns;
	__u64 acquisitions; /* successful lock and trylock calls */
	__u64 holds;	    /* unlocks paired with a traced acquisition */
	__u64 hold_total_ns;
	__u64 hold_max_ns;
	__u64 wait_hist[LOCK_HIST_SLOTS];
	__u64 hold_hist[LOCK_HIST_SLOTS];
};

struct lock_stack_key {
	__u64 lock;
	__u64 stack_key; /* stack key (bpf/stack_key.bpf.h) of the waiting call, 0: none */
};

struct lock_stack_stat {
	__u64 waits;
	__u64 wait_total_ns;
	__u64 wait_max_ns;
};

#endif
