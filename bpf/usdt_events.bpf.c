// SPDX-License-Identifier: GPL-2.0
/*
 * flow: every call and return of the runtime's methods, with a per-thread depth kept here, sent
 * through a ring buffer. An event carries the method's key (the string addresses the runtime
 * passed); names are read once per key into the names map, where the verdict of the method and
 * class filters is kept too (filters apply after the depth is updated, so depths stay true).
 * Events that do not fit in the ring buffer are counted as lost.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "bpf/rt_args.bpf.h"

const volatile struct rt_filter filter = {};

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
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct flow_key);
	__type(value, struct flow_name);
} names SEC(".maps");

/* Room to read names in (too big for the BPF stack). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct flow_name);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FLOW_NCOUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

/* The names of a method seen for the first time: read once, filters applied once. */
static __noinline bool first_sight(struct flow_key *k, struct rt_method_ptrs *p)
{
	__u32 zero = 0;
	struct flow_name *n = bpf_map_lookup_elem(&scratch, &zero);

	if (!n || !k || !p)
		return false;
	RT_READ_STR(n->method, p->method, p->method_len);
	RT_READ_STR(n->klass, p->klass, p->klass_len);
	RT_READ_STR(n->file, p->file, p->file_len);
	n->wanted = rt_filter_wanted(&filter, n->method, n->klass);
	if (bpf_map_update_elem(&names, k, n, BPF_NOEXIST) == -E2BIG)
		rt_count(&counters, FLOW_NAMES_FULL);
	return n->wanted;
}

SEC("usdt")
int on_method(struct pt_regs *ctx)
{
	__u64 cookie = bpf_usdt_cookie(ctx);
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), ev = RT_COOKIE_EVENT(cookie);
	struct rt_method_ptrs p;
	struct flow_event e;
	struct flow_name *n;
	__s32 zero = 0, *d, depth;
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

	e.key.klass = p.klass;
	e.key.method = p.method;
	e.key.file = p.file;
	n = bpf_map_lookup_elem(&names, &e.key);
	if (n ? !n->wanted : !first_sight(&e.key, &p)) {
		rt_count(&counters, FLOW_FILTERED);
		return 0;
	}
	e.ts_ns = bpf_ktime_get_ns();
	e.tid = tid;
	e.line = p.line;
	e.depth = depth;
	e.dir = (__u8)ev;
	e.unmatched = unmatched;
	e.cfunc = !!(cookie & RT_COOKIE_CFUNC);
	e.pad = 0;
	/* Wake the reader only when a good part of the buffer is waiting: it also reads on a short
	 * timer, so a wakeup per event would only cost. */
	if (bpf_ringbuf_output(&events, &e, sizeof(e),
			       bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >
					       bpf_ringbuf_query(&events, BPF_RB_RING_SIZE) / 8
				       ? BPF_RB_FORCE_WAKEUP
				       : BPF_RB_NO_WAKEUP)) {
		rt_count(&counters, FLOW_LOST);
		return 0;
	}
	rt_count(&counters, FLOW_SENT);
	return 0;
}

/* Does nothing: attached at a rarely run site only to hold a semaphore up (ref_ctr_offset). */
SEC("uprobe")
int hold_sema(struct pt_regs *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
