/* SPDX-License-Identifier: GPL-2.0 */
/*
 * calls: per-method call statistics aggregated in BPF, shared by calls.bpf.c and
 * profiler/calls.c. A method is keyed by the string addresses its runtime passes to the probe
 * (they stay put while the method exists) and, for Python, the line its calls enter at:
 * python (filename, funcname, entry line: the def line, which tells apart two methods of one
 * name in one file; a generator resumed at a yield enters there), ruby (class, method), JVM
 * (class, method, signature: overloads stay apart). Its names are read once, when the key is
 * first seen, into the names map; the filters are evaluated then too and remembered there.
 */
#ifndef RTPROF_BPF_CALLS_H
#define RTPROF_BPF_CALLS_H

#include "bpf/usdt_events.h"

#define CALLS_MAX_DEPTH	 127 /* entry timestamps kept per thread; deeper calls are not timed */
#define CALLS_HIST_SLOTS 40  /* log2 buckets of nanoseconds */

struct calls_key {
	__u64 a, b, c;
};

struct calls_stats {
	__u64 count;
	__u64 total_ns;
	__u64 max_ns;
	__u64 hist[CALLS_HIST_SLOTS]; /* only with the histogram on */
};

struct calls_name {
	char klass[RT_CLASS_LEN];
	char method[RT_METHOD_LEN];
	union {
		char file[RT_FILE_LEN]; /* Python, Ruby methods; empty for Ruby C methods */
		char sig[RT_FILE_LEN];	/* JVM: "(ILjava/lang/String;)V" as the JVM writes it */
	};
	__u32 line;  /* where the first call entered: Python def line, Ruby first line; or 0 */
	__u8 wanted; /* passes the filters */
	__u8 cfunc;
	__u8 pad[2];
};

struct calls_stack {
	__u32 depth;
	__u32 pad;
	__u64 ts[CALLS_MAX_DEPTH];
	__u32 line[CALLS_MAX_DEPTH]; /* the line each call entered at (Python, Ruby) */
	__u32 pad2;
};

/* Rare conditions only: nothing is counted on the common path (events are the stats' counts). */
enum calls_counter {
	CALLS_UNMATCHED, /* returns whose entry was not seen */
	CALLS_TOO_DEEP,	 /* returns deeper than CALLS_MAX_DEPTH, not timed */
	CALLS_NCOUNTERS,
};

#endif
