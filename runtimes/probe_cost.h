/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What tracing method calls costs the target, and the one warning when it is too much.
 *
 * Every traced call stops its thread twice in the kernel (a uprobe hit at the entry probe and
 * one at the return probe), and the traps also slow down the target's own work around them
 * (caches, TLB). Measured on this machine kind (Debian 12 VM, kernel 6.18, a hit 4.8-6.0 us):
 *	Python 3.11, flow_py.py bench (a loop of calls): 130,000 calls, 5 ms untraced, 1.5 s
 *	    traced: 11.5 us a call, 300x slower
 *	JDK 17 -XX:+DTraceMethodProbes, RtTarget bench (a loop of calls): 400,000 calls, 8-14 ms
 *	    untraced, 4.9-5.4 s traced: 11.1-13.4 us a call (2.2-2.4 hits), traced at 82,000-92,000
 *	    calls per CPU second, 350-600x slower
 *	javac -J-XX:+DTraceMethodProbes compiling one small file: 8.4 M calls, 0.5 s untraced, 96 s
 *	    traced (190x); traced at 62,000-80,000 calls per CPU second with hits of 4.95 us: 15 us,
 *	    3.0 hits a call once its own work slowed down by the traps is counted
 * So a call costs c = 3 hits, about 15 us. A thread that does w of its own work between calls
 * runs (w + c) / w times slower and is traced at 1 / (w + c) calls per second of its CPU time;
 * 10x slower is w = c / 9, a traced rate of 0.9 / c = 60,000 calls per CPU second: above it the
 * probes cost the target more than about 10x, and sampling (rtprof profile) is the tool. The
 * rate is taken per second of the target's CPU time (utime + stime of all its threads: the
 * traps are charged to them), so idle time and the number of threads do not matter. A loop of
 * nothing but calls (c = 2.3 hits) is warned about from 3x on: better early than not at all.
 *
 * A uprobe hit costs 4 us on one host of this kind and 18 us on another (docs/benchmarks.md),
 * and even a loop of calls is traced at only 1.1 to 1.5 times the threshold rate: with c fixed,
 * a slower host would never reach it. So c is measured when tracing starts, on rtprof itself:
 * a no-op uprobe on a nop, hit 5 x 400 times (about 12 ms), the median batch, times 3; 15 us
 * when nothing could be measured.
 */
#ifndef RTPROF_PROBE_COST_H
#define RTPROF_PROBE_COST_H

#include <stdbool.h>
#include <linux/types.h>

#define RT_COST_CALL_NS	      15000 /* c, one traced call, when no hit could be measured */
#define RT_COST_HITS_PER_CALL 3.0   /* c in measured hits: entry, return, the work around */
#define RT_COST_SLOWDOWN      10    /* warn above this slowdown: a rate of (1 - 1/10) / c */

struct bpf_program;

struct rt_cost {
	int pid;
	bool warned;
	bool started;
	__u64 call_ns;	  /* c: measured, or RT_COST_CALL_NS */
	double warn_rate; /* traced calls per CPU second at RT_COST_SLOWDOWN */
	__u64 calls0;	  /* traced calls at the start of the window */
	__u64 cpu0_ticks; /* the target's CPU time then */
	__u64 last_ns;	  /* when it was last checked */
};

/* Watch process pid. noop: a BPF program of the command that does nothing (SEC("uprobe")),
 * attached to rtprof itself for a moment to measure what a uprobe hit costs now; NULL or a
 * failure: RT_COST_CALL_NS. */
void rt_cost__init(struct rt_cost *c, int pid, struct bpf_program *noop);
/* Called often (every read): at most once a second it compares the traced calls so far
 * (calls() is only called then, it may be costly) with the target's CPU time, and says once
 * on stderr when the rate is above warn_rate, with the alternative. */
void rt_cost__check(struct rt_cost *c, const char *cmd_name, __u64 (*calls)(void *ctx), void *ctx);

#endif
