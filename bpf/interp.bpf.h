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
 * Cost: 3 reads to find the thread's first frame (key, slot, frame; 4 with a cframe), then two
 * reads per frame: frame_size bytes of the frame, and 24 bytes of its code object's identity. Ruby:
 * 5 reads to the first control frame (module id, DTV, TLS block, ec, its header), then two per
 * frame (the control frame and its environment), and for a block one more per outer environment up
 * to its method's (bench/ruby_frames.sh).
 */
#ifndef RTPROF_INTERP_BPF_H
#define RTPROF_INTERP_BPF_H

#include "bpf/interp.h"

#define INTERP_FRAME_BUF 128 /* bytes: frame_size and every offset are below this */

/*
 * Every read of the target's memory goes through interp__read. A sampler runs in the target
 * thread and reads its own memory (bpf_probe_read_user); a sleepable task iterator (rtprof dump,
 * bpf/dump.bpf.c) defines INTERP_READ_TASK before including this file and reads the memory of the
 * task it visits (bpf_copy_from_user_task, which may fault pages in).
 */
#ifdef INTERP_READ_TASK
#define interp__read(dst, n, src, task) bpf_copy_from_user_task(dst, n, (void *)(src), task, 0)
#else
#define interp__read(dst, n, src, task) bpf_probe_read_user(dst, n, (void *)(src))
#endif

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, INTERP_MAX_PROCS);
	__type(key, __u32);
	__type(value, struct interp_proc);
} interp_procs SEC(".maps");

static __always_inline __u64 interp__read_u64(struct task_struct *task, __u64 addr, bool *err)
{
	__u64 v = 0;

	if (interp__read(&v, sizeof(v), addr, task))
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

	if (interp__read(&key, sizeof(key), ip->tss_key_addr, task)) {
		*flags |= IW_READ_ERR;
		return 0;
	}
	if (key < 32) {
		slot = fs + ip->tsd_first + (__u64)key * ip->tsd_entry + ip->tsd_data;
	} else {
		slot = interp__read_u64(task, fs + ip->tsd_second + (__u64)(key / 32) * 8, &err);
		if (!slot) {
			*flags |= err ? IW_READ_ERR : IW_NO_THREAD;
			return 0;
		}
		slot += (__u64)(key % 32) * ip->tsd_entry + ip->tsd_data;
	}
	tstate = interp__read_u64(task, slot, &err);
	if (!tstate) {
		*flags |= err ? IW_READ_ERR : IW_NO_THREAD;
		return 0;
	}
	frame = interp__read_u64(task, tstate + ip->ts_frame, &err);
	if (frame && (ip->walk == PY_WALK_311 || ip->walk == PY_WALK_312))
		frame = interp__read_u64(task, frame + ip->cframe_current, &err);
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

static __always_inline __u64 interp__mix(__u64 h, __u64 w)
{
	h ^= w;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 32;
	return h;
}

/* The state of one walk, shared by the steps bpf_loop() calls (each step is verified once, not
 * once per iteration of an unrolled loop). */
struct interp_walk {
	const struct interp_proc *ip;
	struct task_struct *task;    /* whose memory interp__read reads */
	struct interp_frame *out;    /* NULL: no frames kept */
	__u64 *hash;		     /* NULL: no key */
	__u64 next;		     /* Python: the next frame; Ruby: the next control frame */
	__u64 last_code, last_ident; /* Python: the last code object read, and its identity */
	__u64 end;		     /* Ruby: the last control frame to look at */
	__u32 n, max, flags;
};

/* Keep one frame: into out and into the key. */
static __always_inline void interp__emit(struct interp_walk *w, __u64 code, __u64 instr, __u64 flg,
					 __u64 me)
{
	instr = (instr & INTERP_INSTR_MASK) | (flg << INTERP_FLAGS_SHIFT);
	if (w->out) {
		w->out[w->n & (INTERP_MAX_FRAMES - 1)].code = code;
		w->out[w->n & (INTERP_MAX_FRAMES - 1)].instr = instr;
		w->out[w->n & (INTERP_MAX_FRAMES - 1)].me = me;
	}
	if (w->hash) {
		*w->hash = interp__mix(*w->hash, code);
		if (w->ip->key_instr)
			*w->hash = interp__mix(*w->hash, instr);
		if (me) /* the method's class names the frame too */
			*w->hash = interp__mix(*w->hash, me);
	}
	w->n++;
}

/* One CPython frame; 1 ends the walk. */
static long interp__py_step(__u64 i, void *arg)
{
	struct interp_walk *w = arg;
	const struct interp_proc *ip = w->ip;
	__u8 buf[INTERP_FRAME_BUF] = {};
	__u64 code, instr, flg = 0, id[3], ident = 0;
	__u32 size;

	if (!w->next)
		return 1;
	if (w->n >= w->max) {
		w->flags |= IW_TRUNCATED;
		return 1;
	}
	size = ip->frame_size <= INTERP_FRAME_BUF ? ip->frame_size : INTERP_FRAME_BUF;
	if (size < 8 || interp__read(buf, size, w->next, w->task)) {
		w->flags |= IW_READ_ERR;
		return 1;
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
	/* (a recursive call's frame has its caller's code: read once) */
	if (ip->code_ident && code == w->last_code) {
		ident = w->last_ident;
	} else if (ip->code_ident &&
		   !interp__read(id, sizeof(id), code + ip->code_ident, w->task)) {
		ident = interp_code_ident(id[0], id[1], id[2]);
		w->last_code = code;
		w->last_ident = ident;
	}
	interp__emit(w, code, instr, flg, ident);
	w->next = interp__field_u64(buf, ip->f_previous);
	return 0;
}

#define RB_FRAME_MAGIC_MASK  0x7fff0001
#define RB_FRAME_MAGIC_CFUNC 0x55550001
#define RB_FRAME_FLAG_FINISH 0x20
#define RB_ENV_FLAG_LOCAL    0x2 /* the method's own environment, not a block's */
#define RB_T_MASK	     0x1f
#define RB_T_IMEMO	     0x1a
#define RB_IMEMO_MENT	     6 /* (flags >> 12) & 0xf of a method entry */
#define RB_ENV_HOPS	     6 /* outer environments looked at for a block's method entry */

/*
 * The method entry of a frame whose environment is env (ep[-2], ep[-1], ep[0]), as Ruby's
 * rb_vm_frame_method_entry finds it: a block's environments are chained (ep[-1] is the outer
 * one, tagged in its low 2 bits) up to the method's own (local) one, whose ep[-2] is the method
 * entry, or an svar or a cref (user space tells them apart). A block's own ep[-2] is 0, or a
 * cref (instance_eval), or a method entry (define_method): only there is the object's type
 * read. 0 when the chain is longer than RB_ENV_HOPS or cannot be read.
 */
static __always_inline __u64 interp__rb_me(struct task_struct *task, __u64 me_cref, __u64 specval,
					   __u64 flags)
{
	__u64 env[3] = {me_cref, specval, flags}, hdr = 0, prev;

	for (int i = 0; i < RB_ENV_HOPS; i++) {
		if (env[2] & RB_ENV_FLAG_LOCAL)
			return env[0];
		if (env[0] && !interp__read(&hdr, sizeof(hdr), env[0], task) &&
		    (hdr & RB_T_MASK) == RB_T_IMEMO && ((hdr >> 12) & 0xf) == RB_IMEMO_MENT)
			return env[0];
		prev = env[1] & ~3ULL;
		if (!prev || interp__read(env, sizeof(env), prev - 16, task))
			return 0;
	}
	return 0;
}

/* One Ruby control frame; 1 ends the walk. */
static long interp__rb_step(__u64 i, void *arg)
{
	struct interp_walk *w = arg;
	const struct interp_proc *ip = w->ip;
	__u8 buf[INTERP_FRAME_BUF] = {};
	__u64 code, instr, ep, fl, flg = 0, env[3], me;

	if (!w->next || w->next > w->end)
		return 1;
	if (w->n >= w->max) {
		w->flags |= IW_TRUNCATED;
		return 1;
	}
	if (interp__read(buf, 64, w->next, w->task)) {
		w->flags |= IW_READ_ERR;
		return 1;
	}
	w->next += ip->cfp_size;
	ep = interp__field_u64(buf, ip->cfp_ep);
	if (!ep || interp__read(env, sizeof(env), ep - 16, w->task)) {
		w->flags |= IW_READ_ERR;
		return 1;
	}
	fl = env[2]; /* ep[0]: the frame's flags */
	code = interp__field_u64(buf, ip->cfp_iseq);
	instr = interp__field_u64(buf, ip->cfp_pc);
	if ((fl & RB_FRAME_MAGIC_MASK) == RB_FRAME_MAGIC_CFUNC) {
		code = env[0]; /* ep[-2]: the method entry */
		instr = 0;
		flg = IF_CFUNC;
		me = code;
	} else if (!code || !instr) {
		return 0; /* a dummy frame, or one without code */
	} else {
		me = interp__rb_me(w->task, env[0], env[1], fl);
	}
	if (fl & RB_FRAME_FLAG_FINISH)
		flg |= IF_ENTRY;
	interp__emit(w, code, instr, flg, me);
	return 0;
}

/* Ruby: the execution context of the thread, a TLS variable of libruby, and from it the
 * current control frame and the end of the frames (the two outermost are dummies). */
static __always_inline bool interp__rb_start(struct task_struct *task, struct interp_walk *w)
{
	const struct interp_proc *ip = w->ip;
	__u64 fs = BPF_CORE_READ(task, thread.fsbase), dtv, blk, ec, modid, ec_hdr[3];
	bool err = false;

	modid = interp__read_u64(task, ip->dtpmod_addr, &err);
	dtv = interp__read_u64(task, fs + 8, &err);
	if (err || !modid || !dtv || modid > 4096) {
		w->flags |= err ? IW_READ_ERR : IW_NO_THREAD;
		return false;
	}
	blk = interp__read_u64(task, dtv + modid * 16, &err);
	if (err || !blk || blk == (__u64)-1) {
		w->flags |= err ? IW_READ_ERR : IW_NO_THREAD;
		return false;
	}
	ec = interp__read_u64(task, blk + ip->tls_off, &err);
	if (err || !ec) {
		w->flags |= err ? IW_READ_ERR : IW_NO_THREAD;
		return false;
	}
	/* rb_execution_context_t starts with vm_stack, vm_stack_size (VALUEs), cfp (3.0-3.3) */
	if (interp__read(ec_hdr, sizeof(ec_hdr), ec, task)) {
		w->flags |= IW_READ_ERR;
		return false;
	}
	w->next = ec_hdr[2];
	w->end = ec_hdr[0] + ec_hdr[1] * 8 - 2 * (__u64)ip->cfp_size;
	return true;
}

/*
 * Walk the current thread's interpreter frames, innermost first. Each frame goes to out[i]
 * (when out is not NULL) and is mixed into *hash (when hash is not NULL). Returns the number of
 * frames; *flags gets enum interp_walk_flags (0 when the process has no interpreter).
 */
static __always_inline __u32 interp__walk(struct task_struct *task, __u32 pid,
					  struct interp_frame *out, __u64 *hash, __u32 *flags)
{
	struct interp_walk w = {.task = task, .out = out, .hash = hash};

	*flags = 0;
	w.ip = bpf_map_lookup_elem(&interp_procs, &pid);
	if (!w.ip)
		return 0;
	w.flags = IW_WALKED;
	w.max = w.ip->max_frames < INTERP_MAX_FRAMES ? w.ip->max_frames : INTERP_MAX_FRAMES;
	if (w.ip->kind == INTERP_PYTHON) {
		w.next = interp__first_frame(task, w.ip, &w.flags);
		bpf_loop(INTERP_MAX_FRAMES, interp__py_step, &w, 0);
	} else if (w.ip->kind == INTERP_RUBY && interp__rb_start(task, &w)) {
		bpf_loop(INTERP_MAX_FRAMES, interp__rb_step, &w, 0);
	}
	*flags = w.flags;
	return w.n;
}

#endif
