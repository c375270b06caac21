/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gc: collections of every runtime, shared by gc.bpf.c and profiler/gc.c.
 *
 * A begin probe and an end probe of the same phase are paired per thread; the pair becomes one
 * gc_event with start and duration. The cookie of each probe says which phase it is and which
 * argument it carries:
 *	cookie = phase | GC_ARG_KIND (begin: arg 0 is the kind) | GC_ARG_VALUE (end: arg 0 is the
 *	value, e.g. objects collected)
 * JVM memory pools report usage before and after each collection as separate pool events.
 */
#ifndef RTPROF_BPF_GC_H
#define RTPROF_BPF_GC_H

#ifndef __bpf__
#include <linux/types.h>
#endif

enum gc_phase {
	GC_PY = 1,   /* python gc__start(generation) .. gc__done(collected) */
	GC_RB_MARK,  /* ruby gc__mark__begin .. gc__mark__end */
	GC_RB_SWEEP, /* ruby gc__sweep__begin .. gc__sweep__end */
	GC_JVM,	     /* hotspot gc__begin(full) .. gc__end */
	GC_NODE,     /* V8 Heap::PerformGarbageCollection(collector, ...) entry .. return */
	GC_NPHASES,
};

#define GC_ARG_KIND   (1ULL << 8)
#define GC_ARG_VALUE  (1ULL << 9)
#define GC_POOL_AFTER (1ULL << 10) /* pool probe: after (end) rather than before */
#define GC_PHASE(c)   ((__u32)(c)&0xff)

enum gc_event_type {
	GC_EV_COLLECTION = 1,
	GC_EV_POOL_BEFORE,
	GC_EV_POOL_AFTER,
};

#define GC_NAME_LEN 128 /* two halves: manager at 0, pool at 64 */

struct gc_event {
	__u64 ts_ns; /* start (pool events: when reported) */
	__u64 dur_ns;
	__u32 tid;
	__u16 type;	 /* gc_event_type */
	__u16 phase;	 /* gc_phase */
	__s64 kind;	 /* python generation, JVM full (1) or not, V8 collector */
	__s64 value;	 /* python: objects collected (-1 unknown); pool: used bytes */
	__u64 committed; /* pool events */
	__u64 max;
	char name[GC_NAME_LEN]; /* pool events: manager and pool names */
};

enum gc_counter {
	GC_SENT,
	GC_LOST,
	GC_FILTERED, /* shorter than --min */
	GC_UNPAIRED, /* an end without its begin (trace started inside a collection) */
	GC_NCOUNTERS,
};

#endif
