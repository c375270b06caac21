// SPDX-License-Identifier: GPL-2.0
/*
 * flow: every call and return of the runtime's methods, with a per-thread depth kept here, sent
 * through a ring buffer. Method and class filters are applied here (after the depth is updated,
 * so depths stay true); events that do not fit in the ring buffer are counted as lost.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "bpf/rt_args.bpf.h"

const volatile char method_pat[RT_PAT_LEN] = {};
const volatile __u32 method_pat_len = 0; /* 0: no method filter */
const volatile bool method_prefix = false;
const volatile char class_pat[RT_PAT_LEN] = {};
const volatile __u32 class_pat_len = 0;
const volatile bool class_prefix = false;

#define RB_SIZE (16 << 20)

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, RB_SIZE);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);   /* tid */
	__type(value, __s32); /* depth: calls seen and not yet returned */
} depths SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct flow_event);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FLOW_NCOUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

static __always_inline void count(__u32 which)
{
	__u64 *n = bpf_map_lookup_elem(&counters, &which);

	if (n)
		(*n)++;
}

static __always_inline bool wanted(const struct flow_event *e)
{
	if (method_pat_len &&
	    !rt_match(e->method, (const char *)method_pat, method_pat_len, method_prefix))
		return false;
	if (class_pat_len &&
	    !rt_match(e->klass, (const char *)class_pat, class_pat_len, class_prefix))
		return false;
	return true;
}

SEC("usdt")
int on_method(struct pt_regs *ctx)
{
	__u64 cookie = bpf_usdt_cookie(ctx);
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), ev = RT_COOKIE_EVENT(cookie);
	struct rt_method_ptrs p;
	struct flow_event *e;
	__s32 zero = 0, *d, depth;
	__u32 zero_key = 0;
	bool unmatched = false;

	if (rt_method_ptrs(ctx, RT_COOKIE_LAYOUT(cookie), &p))
		return 0;
	d = bpf_map_lookup_elem(&depths, &tid);
	if (!d) {
		bpf_map_update_elem(&depths, &tid, &zero, BPF_NOEXIST);
		d = bpf_map_lookup_elem(&depths, &tid);
		if (!d)
			return 0;
	}
	if (ev == RT_EV_ENTRY) {
		depth = *d;
		*d = depth + 1;
	} else if (*d > 0) {
		depth = *d - 1;
		*d = depth;
	} else {
		depth = 0;
		unmatched = true;
	}

	/* Build the event in a per-CPU buffer and filter it before it takes ring buffer room. */
	e = bpf_map_lookup_elem(&scratch, &zero_key);
	if (!e)
		return 0;
	e->ts_ns = bpf_ktime_get_ns();
	e->tid = tid;
	e->line = p.line;
	e->depth = depth;
	e->dir = (__u8)ev;
	e->unmatched = unmatched;
	e->cfunc = !!(cookie & RT_COOKIE_CFUNC);
	e->pad = 0;
	RT_READ_STR(e->method, p.method, p.method_len);
	RT_READ_STR(e->klass, p.klass, p.klass_len);
	if (!wanted(e)) {
		count(FLOW_FILTERED);
		return 0;
	}
	RT_READ_STR(e->file, p.file, 0);
	/* Wake the reader only when a good part of the buffer is waiting: it also reads on a short
	 * timer, so a wakeup per event would only cost. */
	if (bpf_ringbuf_output(&events, e, sizeof(*e),
			       bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) > RB_SIZE / 8 ?
				       BPF_RB_FORCE_WAKEUP :
				       BPF_RB_NO_WAKEUP)) {
		count(FLOW_LOST);
		return 0;
	}
	count(FLOW_SENT);
	return 0;
}

/* Does nothing: attached at a rarely run site only to hold a semaphore up (ref_ctr_offset). */
SEC("uprobe")
int hold_sema(struct pt_regs *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
