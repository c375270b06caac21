/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Cheap stack keys, shared by memleak, locks and threads (moved here from bpf/memleak.bpf.c).
 *
 * A stack key is a hash of the words of the caller's stack (the first key_window bytes above the
 * stack pointer at a probed function's entry) that point into the target's code, i.e. its return
 * addresses (plus a few stable code pointers). It needs no frame pointers and no unwinding: one
 * copy and a loop. The first time a key is seen, and only then, note_stack() sends a full stack
 * capture (bpf/stack_capture.bpf.h) through the ring buffer `captures`; user space resolves it
 * once (stacks/stacks.h, stacks__resolve) and keeps key -> frames.
 *
 * The top part (types and sizes) is plain data, also included by user space
 * (stacks/stack_keys.h), which keeps the code ranges current (stack_key_ranges__set).
 *
 * BPF users: include bpf/stack_capture.bpf.h first; optionally define STACK_KEY_COUNT(event)
 * (event: STACK_KEY_EV_NEW, _LOST, _FULL) before including this file to count what happens to
 * keys; give stack_key() a per-thread buffer of STACK_KEY_WINDOW bytes (a per-CPU one could be
 * overwritten by another thread while this one is preempted).
 */
#ifndef RTPROF_STACK_KEY_BPF_H
#define RTPROF_STACK_KEY_BPF_H

#include "bpf/stack_key.h"

#ifdef __bpf__

#include "bpf/stack_hash.bpf.h"

#ifndef STACK_KEY_COUNT
#define STACK_KEY_COUNT(event) \
	do {                   \
	} while (0)
#endif

const volatile __u32 verify_keys = 1024; /* re-capture a known key 1 time in N; 0: never */
const volatile __u32 key_window = STACK_KEY_WINDOW_DEFAULT; /* bytes; a power of two, 64..2048 */

struct stack_key_ranges stack_key_ranges = {};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1 << 16);
	__type(key, __u64);
	__type(value, __u8);
} stack_keys SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} captures SEC(".maps");

/* The stack key of the current call; window: STACK_KEY_WINDOW bytes of per-thread scratch.
 * at_entry: ctx is at a function's entry, where the first word is the return address into the
 * caller (always part of the key); elsewhere (an SDT probe in a function's body) it is a local
 * and counts only if it points into code. Never 0. */
static __always_inline __u64 stack_key(struct pt_regs *ctx, __u64 *window, bool at_entry)
{
	__u64 h = 0x9e3779b97f4a7c15ULL;
	__u32 nw, iflags;

	nw = stack_key__read(window, PT_REGS_SP(ctx), key_window);
	if (!nw)
		return 1;
	/* The return address into the caller is always part of the key. */
	if (at_entry)
		h = stack_key__mix(h, window[0]);
	h = stack_key__hash(&stack_key_ranges, window, nw, at_entry, h);
	/* Interpreter frames: two Python functions allocating through the same native path have
	 * the same native words. */
	interp__walk(bpf_get_current_task_btf(), bpf_get_current_pid_tgid() >> 32, NULL, &h,
		     &iflags);
	return h ? h : 1;
}

/*
 * First sighting of key: send a full capture of the stack to user space (its cookie is the key).
 * Later sightings send one again with probability 1/verify_keys, marked by weight 1, so that user
 * space can check that the key still stands for the same frames (two paths that differ only
 * beyond the key window share a key).
 */
static __always_inline void note_stack(struct pt_regs *ctx, __u64 key)
{
	struct stack_capture *c;
	__u64 weight = 0;
	__u8 one = 1;
	long err;

	if (bpf_map_lookup_elem(&stack_keys, &key)) {
		if (!verify_keys || bpf_get_prandom_u32() % verify_keys)
			return;
		weight = 1;
	} else {
		err = bpf_map_update_elem(&stack_keys, &key, &one, BPF_NOEXIST);
		if (err) {
			if (err != -17 /* EEXIST */)
				STACK_KEY_COUNT(STACK_KEY_EV_FULL);
			return;
		}
	}
	c = stack_capture__fill(ctx, false);
	err = -1;
	if (c) {
		c->cookie = key;
		c->weight = weight;
		/* rare: wake user space, to resolve it while the process lives */
		err = stack_capture__submit(&captures, c, true);
	}
	if (weight)
		return;
	if (err) {
		/* Forget the key so that a later call tries again. */
		bpf_map_delete_elem(&stack_keys, &key);
		STACK_KEY_COUNT(STACK_KEY_EV_LOST);
		return;
	}
	STACK_KEY_COUNT(STACK_KEY_EV_NEW);
}

#endif /* __bpf__ */
#endif
