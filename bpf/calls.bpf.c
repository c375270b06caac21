// SPDX-License-Identifier: GPL-2.0
/*
 * calls: a per-thread stack of entry timestamps and lines (recursion-safe), and per method:
 * count, total, max and optionally a log2 histogram of the time between entry and return. No
 * string is read per event: a method is keyed by the string addresses the runtime passes (and
 * Python's entry line); its names are read once, the first time its key is seen.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "bpf/calls.h"
#include "bpf/rt_args.bpf.h"

const volatile bool histogram = false;
const volatile struct rt_filter filter = {};

/* Per-thread stacks live in task storage: found from the task, no hash lookup per event. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct calls_stack);
} stacks SEC(".maps");

/* Per CPU: plain increments, no atomic instructions; user space adds the CPUs up. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct calls_key);
	__type(value, struct calls_stats);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct calls_key);
	__type(value, struct calls_name);
} names SEC(".maps");

/* Zeroed values to insert from (too big for the BPF stack). */
struct zeros {
	struct calls_stack stack;
	struct calls_name name;
	struct calls_stats stats;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct zeros);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CALLS_NCOUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

static __always_inline __u32 log2u64(__u64 v)
{
	__u32 r = 0, shift;

	shift = (v > 0xffffffff) << 5;
	v >>= shift;
	r = shift;
	shift = (v > 0xffff) << 4;
	v >>= shift;
	r |= shift;
	shift = (v > 0xff) << 3;
	v >>= shift;
	r |= shift;
	shift = (v > 0xf) << 2;
	v >>= shift;
	r |= shift;
	shift = (v > 0x3) << 1;
	v >>= shift;
	r |= shift;
	r |= (v >> 1);
	return r;
}

/* The key needs only the string addresses: fetch just those arguments on the common path.
 * Python names no class: two methods `parse` of one file share both strings (CPython interns
 * names), and only the line their calls enter at (the def line) tells them apart. */
static __always_inline void key_of(struct pt_regs *ctx, __u32 layout, __u32 line,
				   struct calls_key *k)
{
	switch (layout) {
	case RT_L_PY: /* (filename, funcname, line) */
		k->a = rt_arg(ctx, 0);
		k->b = rt_arg(ctx, 1);
		k->c = line;
		break;
	case RT_L_RUBY: /* (class, method, file, line) */
		k->a = rt_arg(ctx, 0);
		k->b = rt_arg(ctx, 1);
		k->c = 0;
		break;
	default: /* JVM (tid, class, len, method, len, sig, len) */
		k->a = rt_arg(ctx, 1);
		k->b = rt_arg(ctx, 3);
		k->c = rt_arg(ctx, 5);
		break;
	}
}

/* The stats of a method seen for the first time: read its names once, apply the filters. */
static __noinline struct calls_stats *first_sight(struct calls_key *k, struct rt_method_ptrs *p,
						  bool cfunc, __u32 line)
{
	__u32 zero = 0;
	struct zeros *z = bpf_map_lookup_elem(&scratch, &zero);
	struct calls_name *n;

	if (!z || !k || !p)
		return NULL;
	n = bpf_map_lookup_elem(&names, k);
	if (!n) {
		n = &z->name;
		RT_READ_STR(n->klass, p->klass, p->klass_len);
		RT_READ_STR(n->method, p->method, p->method_len);
		n->file[0] = '\0';
		n->line = 0;
		/* a C method's file and line are its caller's: not shown */
		if (!cfunc) {
			RT_READ_STR(n->file, p->file, p->file_len);
			n->line = line;
		}
		n->cfunc = cfunc;
		n->wanted = rt_filter_wanted(&filter, n->method, n->klass);
		bpf_map_update_elem(&names, k, n, BPF_NOEXIST);
	}
	if (!n->wanted)
		return NULL;
	__builtin_memset(&z->stats, 0, sizeof(z->stats));
	bpf_map_update_elem(&stats, k, &z->stats, BPF_NOEXIST);
	return bpf_map_lookup_elem(&stats, k);
}

/* The line a call enters at: Python's def line, the first line of a Ruby method's body. */
static __always_inline __u32 entry_line(struct pt_regs *ctx)
{
	switch (RT_COOKIE_LAYOUT(bpf_usdt_cookie(ctx))) {
	case RT_L_PY: /* (filename, funcname, line) */
		return (__u32)rt_arg(ctx, 2);
	case RT_L_RUBY: /* (class, method, file, line) */
		return (__u32)rt_arg(ctx, 3);
	}
	return 0;
}

/*
 * Entry: push the time and the line. One argument at most (none for the JVM): the line is the
 * only thing an entry knows that its return does not.
 */
SEC("usdt")
int calls_entry(struct pt_regs *ctx)
{
	__u64 now = bpf_ktime_get_ns();
	struct calls_stack *st;
	__u32 d;

	st = bpf_task_storage_get(&stacks, bpf_get_current_task_btf(), NULL,
				  BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!st)
		return 0;
	d = st->depth;
	if (d < CALLS_MAX_DEPTH) {
		st->ts[d] = now;
		st->line[d] = entry_line(ctx);
	}
	st->depth = d + 1;
	return 0;
}

/* Return: pop the time and account it to the method. One program per layout, so that the
 * layout is a constant and only the key's arguments are fetched. */
static __always_inline int calls_return(struct pt_regs *ctx, __u32 layout)
{
	__u64 now = bpf_ktime_get_ns(), dur;
	struct calls_stack *st;
	struct rt_method_ptrs p;
	struct calls_stats *s;
	struct calls_key k;
	__u32 d, line;

	st = bpf_task_storage_get(&stacks, bpf_get_current_task_btf(), NULL, 0);
	if (!st || !st->depth) {
		rt_count(&counters, CALLS_UNMATCHED);
		return 0;
	}
	d = --st->depth;
	if (d >= CALLS_MAX_DEPTH) {
		rt_count(&counters, CALLS_TOO_DEEP);
		return 0;
	}
	dur = now - st->ts[d];
	line = st->line[d];
	key_of(ctx, layout, line, &k);
	s = bpf_map_lookup_elem(&stats, &k);
	if (!s) {
		if (rt_method_ptrs(ctx, layout, &p))
			return 0;
		s = first_sight(&k, &p, !!(bpf_usdt_cookie(ctx) & RT_COOKIE_CFUNC), line);
		if (!s)
			return 0;
	}
	s->count++;
	s->total_ns += dur;
	if (dur > s->max_ns)
		s->max_ns = dur;
	if (histogram) {
		__u32 slot = log2u64(dur);

		if (slot >= CALLS_HIST_SLOTS)
			slot = CALLS_HIST_SLOTS - 1;
		s->hist[slot]++;
	}
	return 0;
}

SEC("usdt")
int calls_return_py(struct pt_regs *ctx)
{
	return calls_return(ctx, RT_L_PY);
}

SEC("usdt")
int calls_return_rb(struct pt_regs *ctx)
{
	return calls_return(ctx, RT_L_RUBY);
}

SEC("usdt")
int calls_return_jvm(struct pt_regs *ctx)
{
	return calls_return(ctx, RT_L_JVM);
}

SEC("uprobe")
int hold_sema(struct pt_regs *ctx)
{
	return 0;
}

/* The no-op used by bench/calls.sh as the baseline on the same probes. */
SEC("usdt")
int noop_usdt(struct pt_regs *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
