/* SPDX-License-Identifier: GPL-2.0 */
/*
 * BPF half of the interpreter frames (see bpf/interp.h): the walker every program that captures
 * stacks uses (through bpf/stack_capture.bpf.h and bpf/stack_key.bpf.h).
 *
 * The thread's own interpreter state, not the one holding the GIL: CPython keeps each thread's
 * PyThreadState in thread-specific data under the key _PyRuntime's autoTSSkey holds (what
 * PyGILState_GetThisThreadState reads), so a thread that released the GIL to hash a buffer in C
 * still gets its Python callers. glibc keeps thread-specific data in struct pthread, at a fixed
 * offset from the thread pointer (the task's fs base); user space measured that layout
 * (stacks/interp.c) and wrote it into the process's struct interp_proc.
 *
 * Cost: 3 reads to find the thread's first frame (key, slot, frame; 4 with a cframe), then one
 * read of frame_size bytes per frame.
 */
#ifndef RTPROF_INTERP_BPF_H
#define RTPROF_INTERP_BPF_H

#include "bpf/interp.h"

#define INTERP_FRAME_BUF 128 /* bytes: frame_size and every offset are below this */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, INTERP_MAX_PROCS);
	__type(key, __u32);
	__type(value, struct interp_proc);
} interp_procs SEC(".maps");

static __always_inline __u64 interp__read_u64(__u64 addr, bool *err)
{
	__u64 v = 0;

	if (bpf_probe_read_user(&v, sizeof(v), (void *)addr))
		*err = true;
	return v;
}

/* The first (innermost) frame of the current thread, or 0 (*flags says why). */
static __always_inline __u64 interp__first_frame(struct task_struct *task,
						 const struct interp_proc *ip, __u32 *flags)
{
	__u64 fs = BPF_CORE_READ(task, thread.fsbase), slot, tstate, frame;
	bool err = false;
	__u32 key = 0;

	if (bpf_probe_read_user(&key, sizeof(key), (void *)ip->tss_key_addr)) {
		*flags |= IW_READ_ERR;
		return 0;
	}
	if (key < 32) {
		slot = fs + ip->tsd_first + (__u64)key * ip->tsd_entry + ip->tsd_data;
	} else {
		slot = interp__read_u64(fs + ip->tsd_second + (__u64)(key / 32) * 8, &err);
		if (!slot) {
			*flags |= err ? IW_READ_ERR : IW_NO_THREAD;
			return 0;
		}
		slot += (__u64)(key % 32) * ip->tsd_entry + ip->tsd_data;
	}
	tstate = interp__read_u64(slot, &err);
	if (!tstate) {
		*flags |= err ? IW_READ_ERR : IW_NO_THREAD;
		return 0;
	}
	frame = interp__read_u64(tstate + ip->ts_frame, &err);
	if (frame && (ip->walk == PY_WALK_311 || ip->walk == PY_WALK_312))
		frame = interp__read_u64(frame + ip->cframe_current, &err);
	if (err)
		*flags |= IW_READ_ERR;
	return frame;
}

/* Fields of a frame read into a stack buffer: 8-byte fields at 8-aligned offsets, bytes anywhere
 * below INTERP_FRAME_BUF (the masks keep the verifier's bounds). */
static __always_inline __u64 interp__field_u64(const __u8 *buf, __u32 off)
{
	__u64 v;

	__builtin_memcpy(&v, buf + (off & (INTERP_FRAME_BUF - 8)), sizeof(v));
	return v;
}

/*
 * Walk the current thread's interpreter frames, innermost first. Each frame goes to out[i]
 * (when out is not NULL) and is mixed into *hash (when hash is not NULL) by mix(). Returns the
 * number of frames; *flags gets enum interp_walk_flags (0 when the process has no interpreter).
 */
static __always_inline __u32 interp__walk(struct task_struct *task, __u32 pid,
					  struct interp_frame *out, __u64 *hash,
					  __u64 (*mix)(__u64, __u64), __u32 *flags)
{
	const struct interp_proc *ip = bpf_map_lookup_elem(&interp_procs, &pid);
	__u8 buf[INTERP_FRAME_BUF];
	__u32 n = 0, max, size;
	__u64 frame;

	*flags = 0;
	if (!ip || ip->kind != INTERP_PYTHON)
		return 0;
	*flags = IW_WALKED;
	__builtin_memset(buf, 0, sizeof(buf));
	frame = interp__first_frame(task, ip, flags);
	max = ip->max_frames < INTERP_MAX_FRAMES ? ip->max_frames : INTERP_MAX_FRAMES;
	size = ip->frame_size <= INTERP_FRAME_BUF ? ip->frame_size : INTERP_FRAME_BUF;
	for (__u32 i = 0; i < INTERP_MAX_FRAMES; i++) {
		__u64 code, instr, flg = 0;

		if (!frame)
			break;
		if (i >= max) {
			*flags |= IW_TRUNCATED;
			break;
		}
		if (size < 8 || bpf_probe_read_user(buf, size, (void *)frame)) {
			*flags |= IW_READ_ERR;
			break;
		}
		code = interp__field_u64(buf, ip->f_code);
		instr = interp__field_u64(buf, ip->f_instr);
		switch (ip->walk) {
		case PY_WALK_FRAMEOBJ:
			instr = (__u32)instr; /* int f_lasti */
			flg = IF_ENTRY | IF_LASTI;
			break;
		case PY_WALK_311:
			if (buf[ip->f_is_entry & (INTERP_FRAME_BUF - 1)])
				flg = IF_ENTRY;
			break;
		default: /* 3.12, 3.13: an activation starts with a shim frame (owner 3) */
			if (buf[ip->f_owner & (INTERP_FRAME_BUF - 1)] == 3)
				flg = IF_SHIM;
			break;
		}
		instr = (instr & INTERP_INSTR_MASK) | (flg << INTERP_FLAGS_SHIFT);
		if (out) {
			out[i & (INTERP_MAX_FRAMES - 1)].code = code;
			out[i & (INTERP_MAX_FRAMES - 1)].instr = instr;
		}
		if (hash) {
			*hash = mix(*hash, code);
			if (ip->key_instr)
				*hash = mix(*hash, instr);
		}
		n = i + 1;
		frame = interp__field_u64(buf, ip->f_previous);
	}
	return n;
}

#endif
