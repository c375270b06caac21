/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Calls and returns to Chrome Trace Event JSON (rtprof flow --trace), as chrome://tracing,
 * Perfetto's legacy importer and speedscope read it: one complete event ("ph":"X", ts and dur in
 * microseconds) per call, on its thread's track, written per thread in order of start time, each
 * one inside its caller's; a "thread_name" metadata event ("ph":"M") per thread and a
 * "process_name" one. No per-call args: speedscope makes them part of the frame's name.
 *
 * Calls are matched to returns by their depth on the thread (flow's BPF side keeps it): a
 * return closes the open call of its depth, and any deeper call still open (its return was lost
 * or filtered out) ends with it; a call closes open calls at its depth or deeper the same way. A
 * return whose call was never seen (the trace began inside it) is counted, not drawn; a call
 * still open at the end ends at the thread's last event. So every thread's events nest.
 * Everything is kept in memory until chrome_trace__write() (about 24 bytes per call).
 */
#ifndef RTPROF_CHROME_TRACE_H
#define RTPROF_CHROME_TRACE_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>

struct chrome_trace;

struct chrome_trace *chrome_trace__new(void);
void chrome_trace__free(struct chrome_trace *ct);

/* Has a thread with this id been seen (by a call, a return or a name)? */
bool chrome_trace__has_thread(const struct chrome_trace *ct, __u32 tid);
/* Name a thread (its "thread_name"; default "thread TID"). 0 or -ENOMEM. */
int chrome_trace__thread_name(struct chrome_trace *ct, __u32 tid, const char *name);

/* A call of name at ts_ns (any clock, non-decreasing per thread) and depth. 0 or -ENOMEM. */
int chrome_trace__call(struct chrome_trace *ct, __u32 tid, __u64 ts_ns, int depth,
		       const char *name);
/* The return of the call at depth. 0 or -ENOMEM. */
int chrome_trace__return(struct chrome_trace *ct, __u32 tid, __u64 ts_ns, int depth);

/* Calls recorded, and returns that matched no call. */
__u64 chrome_trace__calls(const struct chrome_trace *ct);
__u64 chrome_trace__unmatched(const struct chrome_trace *ct);

/* Write the trace of process pid (named process_name); times count from the earliest event.
 * 0 or a negative errno. */
int chrome_trace__write(const struct chrome_trace *ct, int pid, const char *process_name, FILE *f);

#endif
