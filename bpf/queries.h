/* SPDX-License-Identifier: GPL-2.0 */
/* Shared by queries.bpf.c and profiler/queries.c: one finished query and the summary counters. */
#ifndef RTPROF_BPF_QUERIES_H
#define RTPROF_BPF_QUERIES_H

#define QUERY_TEXT_MAX	 4096 /* text buffer; --max-len is at most QUERY_TEXT_MAX - 1 */
#define QUERY_HIST_SLOTS 64   /* log2 buckets of latency in ns */

/* Counters in the stats array (indices). */
enum query_stat {
	QUERY_STAT_QUERIES, /* COM_QUERY commands that finished */
	QUERY_STAT_EMITTED, /* of those, at or above the threshold and sent to user space */
	QUERY_STAT_LOST,    /* at or above the threshold, but the ring buffer was full */
	QUERY_STAT_MISSED,  /* a return without a recorded start (probe attached mid-query) */
	QUERY_STAT_NR,
};

/*
 * A query in flight (per thread, in the "inflight" map) and, once finished, the event sent to
 * user space: the same bytes, header then text, truncated to the header plus text_len.
 */
struct query_event {
	__u64 start_ns;	  /* bpf_ktime_get_ns() at entry */
	__u64 latency_ns; /* 0 while in flight */
	__u32 tid;
	__u32 len;	/* full length of the query as the server received it */
	__u32 text_len; /* bytes of text copied (min(len, max_len)) */
	__u32 pad;
	char text[QUERY_TEXT_MAX];
};

#define QUERY_EVENT_HDR 32 /* offsetof(struct query_event, text) */

#endif
