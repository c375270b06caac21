/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Structures shared by the two halves of rtprof memleak (bpf/memleak.bpf.c, profiler/memleak.c).
 * Fixed widths, no pointers, explicit padding.
 */
#ifndef RTPROF_MEMLEAK_H
#define RTPROF_MEMLEAK_H

/* Probed functions; also the index of each in the attach table. */
enum memleak_fn {
	MLK_FN_MALLOC,
	MLK_FN_CALLOC,
	MLK_FN_REALLOC,
	MLK_FN_REALLOCARRAY,
	MLK_FN_POSIX_MEMALIGN,
	MLK_FN_ALIGNED_ALLOC,
	MLK_FN_MEMALIGN,
	MLK_FN_VALLOC,
	MLK_FN_PVALLOC,
	MLK_FN_FREE,
	MLK_FN_MMAP,
	MLK_FN_MUNMAP,
	MLK_FN_MREMAP,
	MLK_FN_COUNT,
};

/* Counters (a per-CPU array, summed by user space). */
enum memleak_counter {
	MLK_C_ALLOCS,	       /* allocations entered into the table */
	MLK_C_FREES,	       /* frees that removed a tracked allocation */
	MLK_C_FREE_UNTRACKED,  /* frees of addresses not in the table (allocated before attach,
				  or not sampled) */
	MLK_C_TABLE_FULL,      /* allocations lost because the table was full */
	MLK_C_NEW_STACKS,      /* first sightings of a stack key (a capture was sent) */
	MLK_C_STACK_LOST,      /* captures that could not be sent (ring buffer full) */
	MLK_C_STACKS_FULL,     /* the table of known stack keys was full */
	MLK_C_NESTED,	       /* allocator calls made by the allocator itself, not counted */
	MLK_C_SAMPLED_OUT,     /* allocations the sampler skipped */
	MLK_C_UNMAP_UNTRACKED, /* munmap of a range not in the table (the allocator releasing a
				  large chunk through a tail call, or a mapping made before attach)
				*/
	MLK_C_COUNT,
};

/* One outstanding allocation: value of the table keyed by its address. */
struct memleak_alloc {
	__u64 size;	 /* bytes asked for */
	__u64 stack_key; /* the call site's stack key */
	__u64 ts_ns;	 /* CLOCK_MONOTONIC time of the allocation */
};

#endif
