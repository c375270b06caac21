// SPDX-License-Identifier: GPL-2.0
/*
 * Query latency of a MySQL/MariaDB server.
 *
 * Two ways in, same maps:
 *  - uprobe/uretprobe on dispatch_command(enum_server_command cmd, THD *, char *packet, uint len,
 *    bool): at entry, when cmd is COM_QUERY, the start time and up to max_len bytes of the packet
 *    (the query text) go into a per-thread slot; at return the latency is computed;
 *  - USDT mysql:query__start(query, connid, db, user, host) / mysql:query__done(status) when the
 *    binary has them (MySQL 5.x builds with DTrace): the query is a NUL-terminated string.
 * Every finished query lands in a log2 latency histogram here; only those at or above min_ns
 * travel to user space through the ring buffer, and the ones that do not fit are counted.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/usdt.bpf.h>

#include "bpf/queries.h"

const volatile __u32 com_query = 3; /* enum_server_command value of COM_QUERY */
const volatile __u32 max_len = 256; /* bytes of text to keep, below QUERY_TEXT_MAX */
const volatile __u64 min_ns = 0;    /* send queries at least this slow */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32); /* tid */
	__type(value, struct query_event);
} inflight SEC(".maps");

/* A zeroed slot to insert from: struct query_event is too big for the BPF stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct query_event);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, QUERY_HIST_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} hist SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, QUERY_STAT_NR);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

static __always_inline void count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &idx);

	if (v)
		(*v)++;
}

static __always_inline __u32 log2_slot(__u64 v)
{
	__u32 slot = 0;

	while (v > 1 && slot < QUERY_HIST_SLOTS - 1) {
		v >>= 1;
		slot++;
	}
	return slot;
}

/* A fresh in-flight slot for the current thread, or NULL. */
static __always_inline struct query_event *slot_new(__u32 tid)
{
	__u32 zero = 0;
	struct query_event *e = bpf_map_lookup_elem(&scratch, &zero);

	if (!e)
		return NULL;
	e->start_ns = 0;
	e->latency_ns = 0;
	e->tid = tid;
	e->len = 0;
	e->text_len = 0;
	if (bpf_map_update_elem(&inflight, &tid, e, BPF_ANY))
		return NULL;
	return bpf_map_lookup_elem(&inflight, &tid);
}

/* Bound a copy size for the verifier: clang may otherwise test one register and use another. */
static __always_inline __u64 text_bound(__u64 n)
{
	if (n > QUERY_TEXT_MAX - 1)
		n = QUERY_TEXT_MAX - 1;
	asm volatile("%[n] &= %[mask]" : [n] "+r"(n) : [mask] "i"(QUERY_TEXT_MAX - 1));
	return n;
}

static __always_inline int query_start(const char *text, __u64 len, bool is_string)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct query_event *e = slot_new(tid);
	__u32 n;
	long got;

	if (!e)
		return 0;
	n = max_len;
	if (!is_string && len < n)
		n = len;
	if (is_string) {
		/* room for the NUL that bpf_probe_read_user_str always writes */
		__u32 size = text_bound(n + 1);

		got = bpf_probe_read_user_str(e->text, size, text);
		/* the count includes the NUL; keep the text without it */
		n = got > 0 ? (__u32)got - 1 : 0;
		/* the full length is unknown; a full buffer means the text was cut */
		e->len = got == size ? n + 1 : n;
	} else {
		n = text_bound(n);
		if (bpf_probe_read_user(e->text, n, text))
			n = 0;
		e->len = (__u32)len;
	}
	e->text_len = n;
	e->start_ns = bpf_ktime_get_ns();
	return 0;
}

static __always_inline int query_done(void)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct query_event *e = bpf_map_lookup_elem(&inflight, &tid);
	__u32 slot, size;
	__u64 *h;

	if (!e) {
		count(QUERY_STAT_MISSED);
		return 0;
	}
	e->latency_ns = bpf_ktime_get_ns() - e->start_ns;
	count(QUERY_STAT_QUERIES);
	slot = log2_slot(e->latency_ns);
	h = bpf_map_lookup_elem(&hist, &slot);
	if (h)
		(*h)++;
	if (e->latency_ns >= min_ns) {
		size = text_bound(e->text_len) + QUERY_EVENT_HDR;
		if (bpf_ringbuf_output(&events, e, size, 0))
			count(QUERY_STAT_LOST);
		else
			count(QUERY_STAT_EMITTED);
	}
	bpf_map_delete_elem(&inflight, &tid);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(dispatch_entry, __u32 cmd, void *thd, const char *packet, __u32 len)
{
	if (cmd != com_query)
		return 0;
	return query_start(packet, len, false);
}

SEC("uretprobe")
int BPF_KRETPROBE(dispatch_return)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	/* other commands never made a slot: do not count them as missed */
	if (!bpf_map_lookup_elem(&inflight, &tid))
		return 0;
	return query_done();
}

SEC("usdt")
int BPF_USDT(usdt_query_start, const char *query)
{
	return query_start(query, 0, true);
}

SEC("usdt")
int BPF_USDT(usdt_query_done, int status)
{
	return query_done();
}

char LICENSE[] SEC("license") = "GPL";
