// SPDX-License-Identifier: GPL-2.0
/*
 * gc: pair each collection's begin and end probes per thread and send one event per collection
 * (and one per JVM memory pool report) through a ring buffer. Collections shorter than min_ns
 * are counted, not sent.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/usdt.bpf.h>

#include "bpf/gc.h"
#include "bpf/rt_args.bpf.h"

const volatile __u64 min_ns = 0;

struct start_key {
	__u32 tid;
	__u32 phase;
};

struct start_val {
	__u64 ts;
	__s64 kind;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct start_key);
	__type(value, struct start_val);
} starts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, GC_NCOUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

static __always_inline int begin(__u32 phase, __s64 kind)
{
	struct start_key k = {.tid = (__u32)bpf_get_current_pid_tgid(), .phase = phase};
	struct start_val v = {.ts = bpf_ktime_get_ns(), .kind = kind};

	bpf_map_update_elem(&starts, &k, &v, BPF_ANY);
	return 0;
}

static __always_inline int end(__u32 phase, __s64 value)
{
	struct start_key k = {.tid = (__u32)bpf_get_current_pid_tgid(), .phase = phase};
	__u64 now = bpf_ktime_get_ns();
	struct start_val *v = bpf_map_lookup_elem(&starts, &k);
	struct gc_event *e;
	__u64 ts;
	__s64 kind;

	if (!v) {
		rt_count(&counters, GC_UNPAIRED);
		return 0;
	}
	ts = v->ts;
	kind = v->kind;
	bpf_map_delete_elem(&starts, &k);
	if (now - ts < min_ns) {
		rt_count(&counters, GC_FILTERED);
		return 0;
	}
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		rt_count(&counters, GC_LOST);
		return 0;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->ts_ns = ts;
	e->dur_ns = now - ts;
	e->tid = k.tid;
	e->type = GC_EV_COLLECTION;
	e->phase = (__u16)phase;
	e->kind = kind;
	e->value = value;
	bpf_ringbuf_submit(e, 0);
	rt_count(&counters, GC_SENT);
	return 0;
}

SEC("usdt")
int gc_begin(struct pt_regs *ctx)
{
	__u64 c = bpf_usdt_cookie(ctx);
	long kind = 0;

	if (c & GC_ARG_KIND)
		bpf_usdt_arg(ctx, 0, &kind);
	return begin(GC_PHASE(c), kind);
}

SEC("usdt")
int gc_end(struct pt_regs *ctx)
{
	__u64 c = bpf_usdt_cookie(ctx);
	long value = -1;

	if (c & GC_ARG_VALUE)
		bpf_usdt_arg(ctx, 0, &value);
	return end(GC_PHASE(c), value);
}

/* hotspot:mem__pool__gc__begin/end(mgr, mgr_len, pool, pool_len, init, used, committed, max) */
SEC("usdt")
int gc_pool(struct pt_regs *ctx)
{
	__u64 c = bpf_usdt_cookie(ctx);
	long mgr = 0, mgr_len = 0, pool = 0, pool_len = 0, used = 0, committed = 0, max = 0;
	struct gc_event *e;
	__u32 n, m;

	bpf_usdt_arg(ctx, 0, &mgr);
	bpf_usdt_arg(ctx, 1, &mgr_len);
	bpf_usdt_arg(ctx, 2, &pool);
	bpf_usdt_arg(ctx, 3, &pool_len);
	bpf_usdt_arg(ctx, 5, &used);
	bpf_usdt_arg(ctx, 6, &committed);
	bpf_usdt_arg(ctx, 7, &max);
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		rt_count(&counters, GC_LOST);
		return 0;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->ts_ns = bpf_ktime_get_ns();
	e->tid = (__u32)bpf_get_current_pid_tgid();
	e->type = (c & GC_POOL_AFTER) ? GC_EV_POOL_AFTER : GC_EV_POOL_BEFORE;
	e->phase = GC_JVM;
	e->value = used;
	e->committed = committed;
	e->max = max;
	/* "manager/<NULs>pool": each read by its length (not NUL-terminated) into a half */
	m = mgr_len > 63 ? 63 : (__u32)mgr_len;
	asm volatile("%[m] &= 63" : [m] "+r"(m));
	if (bpf_probe_read_user(e->name, m, (const void *)mgr))
		e->name[0] = '\0';
	n = pool_len > 63 ? 63 : (__u32)pool_len;
	asm volatile("%[n] &= 63" : [n] "+r"(n));
	if (bpf_probe_read_user(e->name + 64, n, (const void *)pool))
		e->name[64] = '\0';
	bpf_ringbuf_submit(e, 0);
	rt_count(&counters, GC_SENT);
	return 0;
}

/* V8: Heap::PerformGarbageCollection(GarbageCollector collector, ...): this in rdi, the
 * collector in esi. */
SEC("uprobe")
int node_gc_enter(struct pt_regs *ctx)
{
	return begin(GC_NODE, (__s64)(__u32)PT_REGS_PARM2(ctx));
}

SEC("uretprobe")
int node_gc_exit(struct pt_regs *ctx)
{
	return end(GC_NODE, -1);
}

char LICENSE[] SEC("license") = "GPL";
