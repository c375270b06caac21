/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Method events of language runtimes, shared by the BPF programs of flow, calls and objnew and by
 * user space. A probe is attached with a BPF cookie that says how to read its arguments (the
 * layout) and what it means (the event), so one program serves every runtime:
 *
 *	cookie = RT_COOKIE(layout, event)
 *
 * Layouts (argument order of the probes):
 *	RT_L_PY	    python:function__entry/return(filename, funcname, lineno)
 *	RT_L_RUBY   ruby:method__* / cmethod__*(classname, method, filename, lineno)
 *	RT_L_JVM    hotspot:method__entry/return(tid, class, class_len, method, method_len,
 *		    sig, sig_len); strings are not NUL-terminated, read by their lengths
 */
#ifndef RTPROF_BPF_USDT_EVENTS_H
#define RTPROF_BPF_USDT_EVENTS_H

#ifndef __bpf__
#include <linux/types.h>
#include <stdbool.h>
#endif

enum rt_layout {
	RT_L_PY = 1,
	RT_L_RUBY = 2,
	RT_L_JVM = 3,
};

enum rt_event {
	RT_EV_ENTRY = 1,
	RT_EV_RETURN = 2,
};

#define RT_COOKIE(layout, event) (((__u64)(layout) << 8) | (__u64)(event))
#define RT_COOKIE_LAYOUT(c)	 ((__u32)((c) >> 8) & 0xff)
/* Set in the cookie of probes of functions written in C (Ruby's cmethod__*). */
#define RT_COOKIE_CFUNC	   (1ULL << 16)
#define RT_COOKIE_EVENT(c) ((__u32)(c)&0xff)

#define RT_CLASS_LEN  64
#define RT_METHOD_LEN 64
#define RT_FILE_LEN   128
#define RT_PAT_LEN    32

/*
 * The method and class filters of flow and calls (-m, -c), one `const volatile struct rt_filter
 * filter` in each BPF object, filled by rt_filter__set() before load and applied by
 * rt_filter_wanted() (rt_args.bpf.h) once per method, when its names are first read. A pattern
 * is NAME (exact) or PREFIX* (prefix, stored without the '*'); a length of 0 is no filter.
 */
struct rt_filter {
	char method_pat[RT_PAT_LEN];
	char class_pat[RT_PAT_LEN];
	__u32 method_len;
	__u32 class_len;
	__u8 method_prefix;
	__u8 class_prefix;
	__u8 pad[6];
};

/*
 * A method as flow names it: the string addresses the runtime passed (stable while the method
 * exists, like calls' keys). Its names are read once, the first time the key is seen, into the
 * names map (with the filters' verdict); events carry only the key. The third string is the
 * source file, or for the JVM (no file) the signature, so that overloads stay apart.
 */
struct flow_key {
	__u64 klass, method, file; /* file: the signature's address for the JVM */
};

struct flow_name {
	char klass[RT_CLASS_LEN];
	char method[RT_METHOD_LEN];
	union {
		char file[RT_FILE_LEN]; /* Python, Ruby */
		char sig[RT_FILE_LEN];	/* JVM: "(ILjava/lang/String;)V" as the JVM writes it */
	};
	__u8 wanted; /* passes the method and class filters */
	__u8 pad[7];
};

/* One call or return, sent through the ring buffer by flow. */
struct flow_event {
	__u64 ts_ns; /* bpf_ktime_get_ns() */
	__u32 tid;
	__u32 line;	/* 0 when the runtime does not give it */
	__s32 depth;	/* of the call this event belongs to, per thread, 0 = outermost seen */
	__u8 dir;	/* RT_EV_ENTRY or RT_EV_RETURN */
	__u8 unmatched; /* a return whose call was not seen (trace started inside it) */
	__u8 cfunc;	/* a C function of the runtime (Ruby cmethod) */
	__u8 pad;
	struct flow_key key;
};

/* Counters of flow, one per CPU: events sent, events lost (ring buffer full), filtered out. */
enum flow_counter {
	FLOW_SENT,
	FLOW_LOST,
	FLOW_FILTERED,
	FLOW_NAMES_FULL, /* names map full: such events are sent and printed as "?" */
	FLOW_NCOUNTERS,
};

#endif
