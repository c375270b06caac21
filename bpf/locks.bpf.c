// SPDX-License-Identifier: GPL-2.0
/*
 * Lock contention in one process: pthread mutexes, read-write locks and condition waits.
 *
 * One program pair serves every lock function; the BPF cookie of each attachment says what the
 * function does (enum runtime_lock_op) and on what (enum runtime_lock_kind):
 *  - lock/trylock/condwait entry: remember (lock, time) for the thread;
 *  - their return: the wait is entry to return, counted per lock and per waiting user stack (its
 *    stack key, bpf/stack_key.bpf.h, computed at entry: no frame pointers needed; the first time
 *    a key is seen a full capture goes to user space, which unwinds it); on success the hold of
 *    (lock, thread) begins. A condition wait also ends the hold of its mutex at entry and begins
 *    it again at return, since glibc releases and retakes it with internal functions;
 *  - unlock entry: the hold of (lock, thread) ends.
 * When the C library has SDT probes (libc:mutex_entry, mutex_acquired, mutex_release, as Fedora
 * and Arch build glibc), those replace the mutex uprobes: the wait is entry to acquired.
 * Everything is aggregated here, user space reads the maps once at the end (and the captures of
 * new stack keys as they come).
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/usdt.bpf.h>

#include "bpf/locks.h"
#include "bpf/stack_capture.bpf.h"
#include "bpf/stack_key.bpf.h"

/* from runtimes/runtime.h (not includable here) */
#define OP_LOCK	    0
#define OP_TRYLOCK  1
#define OP_UNLOCK   2
#define OP_CONDWAIT 3
#define KIND_MUTEX  0

const volatile bool capture_stacks = true;

struct waiting {
	__u64 lock;
	__u64 mutex; /* condwait: the mutex to hold again */
	__u64 t0_ns;
	__u64 key; /* stack key of the waiting call, 0 without stacks */
	__u32 cookie;
	__u32 pad;
};

struct hold_key {
	__u64 lock;
	__u32 tid;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, struct waiting);
} waits SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct hold_key);
	__type(value, __u64); /* acquired at, ns */
} holds SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64); /* lock address */
	__type(value, struct lock_stat);
} lock_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct lock_stack_key);
	__type(value, struct lock_stack_stat);
} stack_stats SEC(".maps");

/* The stack window of the stack key, per thread (see bpf/stack_key.bpf.h). */
struct key_window {
	__u64 w[STACK_KEY_WINDOW / 8];
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct key_window);
} key_windows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lock_stat);
} zero_stat SEC(".maps");

__u64 dropped = 0;

static __always_inline __u32 log2_slot(__u64 v)
{
	__u32 slot = 0;

	while (v > 1 && slot < LOCK_HIST_SLOTS - 1) {
		v >>= 1;
		slot++;
	}
	return slot;
}

static __always_inline struct lock_stat *stat_of(__u64 lock, __u32 kind)
{
	struct lock_stat *s = bpf_map_lookup_elem(&lock_stats, &lock);
	__u32 zero = 0;

	if (s)
		return s;
	s = bpf_map_lookup_elem(&zero_stat, &zero);
	if (!s)
		return NULL;
	s->kind = kind;
	/* another CPU may have inserted it meanwhile: BPF_NOEXIST failing is fine then */
	bpf_map_update_elem(&lock_stats, &lock, s, BPF_NOEXIST);
	s = bpf_map_lookup_elem(&lock_stats, &lock);
	if (!s)
		__sync_fetch_and_add(&dropped, 1); /* the map is full */
	return s;
}

static __always_inline void update_max(__u64 *max, __u64 v)
{
	if (v > *max)
		*max = v;
}

static __always_inline void hold_begin(__u64 lock, __u32 tid, __u32 kind, __u64 now)
{
	struct hold_key k = {.lock = lock, .tid = tid};
	struct lock_stat *s = stat_of(lock, kind);

	if (s)
		__sync_fetch_and_add(&s->acquisitions, 1);
	if (bpf_map_update_elem(&holds, &k, &now, BPF_ANY))
		__sync_fetch_and_add(&dropped, 1);
}

static __always_inline void hold_end(__u64 lock, __u32 tid, __u64 now)
{
	struct hold_key k = {.lock = lock, .tid = tid};
	__u64 *t0 = bpf_map_lookup_elem(&holds, &k);
	struct lock_stat *s;
	__u64 dt;
	__u32 slot;

	if (!t0)
		return; /* acquired before the trace, or by an untraced path */
	dt = now - *t0;
	bpf_map_delete_elem(&holds, &k);
	s = bpf_map_lookup_elem(&lock_stats, &lock);
	if (!s)
		return;
	__sync_fetch_and_add(&s->holds, 1);
	__sync_fetch_and_add(&s->hold_total_ns, dt);
	update_max(&s->hold_max_ns, dt);
	slot = log2_slot(dt);
	if (slot < LOCK_HIST_SLOTS)
		__sync_fetch_and_add(&s->hold_hist[slot], 1);
}

/* The stack key of a waiting call (0 without stacks), at the lock function's entry or at an SDT
 * probe in its body; sends its capture if new. */
static __always_inline __u64 waiting_key(struct pt_regs *ctx, bool at_entry)
{
	struct key_window *kw;
	__u64 key;

	if (!capture_stacks)
		return 0;
	kw = bpf_task_storage_get(&key_windows, bpf_get_current_task_btf(), NULL,
				  BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!kw)
		return 0;
	key = stack_key(ctx, kw->w, at_entry);
	note_stack(ctx, key);
	return key;
}

static __always_inline void wait_done(__u64 lock, __u32 kind, __u64 dt, __u64 key)
{
	struct lock_stat *s = stat_of(lock, kind);
	struct lock_stack_key sk = {.lock = lock, .stack_key = key};
	struct lock_stack_stat *ss, zero = {};
	__u32 slot;

	if (!s)
		return;
	s->kind = kind;
	__sync_fetch_and_add(&s->waits, 1);
	__sync_fetch_and_add(&s->wait_total_ns, dt);
	update_max(&s->wait_max_ns, dt);
	slot = log2_slot(dt);
	if (slot < LOCK_HIST_SLOTS)
		__sync_fetch_and_add(&s->wait_hist[slot], 1);
	ss = bpf_map_lookup_elem(&stack_stats, &sk);
	if (!ss) {
		bpf_map_update_elem(&stack_stats, &sk, &zero, BPF_NOEXIST);
		ss = bpf_map_lookup_elem(&stack_stats, &sk);
		if (!ss) {
			__sync_fetch_and_add(&dropped, 1);
			return;
		}
	}
	__sync_fetch_and_add(&ss->waits, 1);
	__sync_fetch_and_add(&ss->wait_total_ns, dt);
	update_max(&ss->wait_max_ns, dt);
}

SEC("uprobe")
int BPF_KPROBE(lock_entry, void *lock, void *mutex)
{
	__u64 now = bpf_ktime_get_ns();
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u32 cookie = (__u32)bpf_get_attach_cookie(ctx);
	struct waiting w = {
		.lock = (__u64)lock,
		.t0_ns = now,
		.cookie = cookie,
	};

	if (LOCK_COOKIE_OP(cookie) == OP_CONDWAIT) {
		w.mutex = (__u64)mutex;
		hold_end(w.mutex, tid, now);
	}
	if (LOCK_COOKIE_OP(cookie) != OP_TRYLOCK)
		w.key = waiting_key(ctx, true);
	if (bpf_map_update_elem(&waits, &tid, &w, BPF_ANY))
		__sync_fetch_and_add(&dropped, 1);
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(lock_return, int ret)
{
	__u64 now = bpf_ktime_get_ns();
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct waiting *w = bpf_map_lookup_elem(&waits, &tid);
	__u32 op, kind;
	__u64 lock, mutex, dt, key;

	if (!w)
		return 0;
	key = w->key;
	op = LOCK_COOKIE_OP(w->cookie);
	kind = LOCK_COOKIE_KIND(w->cookie);
	lock = w->lock;
	mutex = w->mutex;
	dt = now - w->t0_ns;
	bpf_map_delete_elem(&waits, &tid);
	switch (op) {
	case OP_LOCK:
		wait_done(lock, kind, dt, key);
		if (ret == 0)
			hold_begin(lock, tid, kind, now);
		break;
	case OP_TRYLOCK:
		if (ret == 0)
			hold_begin(lock, tid, kind, now);
		break;
	case OP_CONDWAIT:
		wait_done(lock, kind, dt, key);
		/* the mutex is held again on return, also after a timeout */
		hold_begin(mutex, tid, KIND_MUTEX, now);
		break;
	}
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(unlock_entry, void *lock)
{
	hold_end((__u64)lock, (__u32)bpf_get_current_pid_tgid(), bpf_ktime_get_ns());
	return 0;
}

SEC("usdt")
int BPF_USDT(sdt_mutex_entry, void *mutex)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct waiting w = {
		.lock = (__u64)mutex,
		.t0_ns = bpf_ktime_get_ns(),
		.cookie = (OP_LOCK << 8) | KIND_MUTEX,
	};

	w.key = waiting_key(ctx, false);
	if (bpf_map_update_elem(&waits, &tid, &w, BPF_ANY))
		__sync_fetch_and_add(&dropped, 1);
	return 0;
}

SEC("usdt")
int BPF_USDT(sdt_mutex_acquired, void *mutex)
{
	__u64 now = bpf_ktime_get_ns();
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct waiting *w = bpf_map_lookup_elem(&waits, &tid);
	__u64 dt, key;

	if (!w || w->lock != (__u64)mutex)
		return 0;
	dt = now - w->t0_ns;
	key = w->key;
	bpf_map_delete_elem(&waits, &tid);
	wait_done((__u64)mutex, KIND_MUTEX, dt, key);
	hold_begin((__u64)mutex, tid, KIND_MUTEX, now);
	return 0;
}

SEC("usdt")
int BPF_USDT(sdt_mutex_release, void *mutex)
{
	hold_end((__u64)mutex, (__u32)bpf_get_current_pid_tgid(), bpf_ktime_get_ns());
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
