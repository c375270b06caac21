// SPDX-License-Identifier: GPL-2.0
/*
 * rtprof profile, kernel half: a perf_event program on the software cpu-clock event of every CPU.
 * Samples of processes in `pids` (the target, and with --follow its children, added by the fork
 * tracepoint) are captured with stack_capture and sent to user space, which unwinds them.
 *
 * With profile_all (-a) every process is sampled but the idle task (pid 0) and rtprof itself
 * (self_pid): `pids` then holds the processes seen so far, a process gets its entry (NEW) at its
 * exec or at its first sample, and loses it at its exit (sched_process_exit of its leader), so the
 * map holds the live processes only.
 *
 * With sample_keys, a sample costs a key, not a capture: a hash of the interrupted stack pointer,
 * of the words of the next key_window bytes of stack that point into the process's code (its
 * return addresses; the code ranges per process in key_ranges, kept by user space), of the kernel
 * stack with -K and of the interpreter frames. The interrupted instruction is not hashed: an
 * interpreter's eval loop, or any long function, is sampled at thousands of instructions under
 * one stack. The first sample of a key is captured in full; the later ones only add one to the
 * count of (key, instruction) in sample_counts, which user space reads: it names the leaf at
 * that instruction and adds the count to the key's stack with that leaf. One in key_verify
 * counted samples is captured again (SC_F_KEY_VERIFY): when its stack differs from the key's,
 * user space marks the key PROFILE_KEY_ALWAYS and its samples are captured in full from then on.
 * A process whose code ranges are not known yet is captured in full.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "bpf/profile.h"
#include "bpf/stack_capture.bpf.h"
#include "bpf/stack_hash.bpf.h"

char LICENSE[] SEC("license") = "GPL";

const volatile bool follow_children = false;
const volatile bool profile_all = false;
const volatile __u32 self_pid = 0;
const volatile bool sample_keys = false;
const volatile __u32 key_window = STACK_KEY_WINDOW_DEFAULT; /* bytes, 64..STACK_KEY_WINDOW */
const volatile __u32 key_verify = 512; /* capture a counted key again 1 time in N; 0: never */

/* The code ranges of each process whose samples get keys (written by user space). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PROFILE_ALL_MAX_PIDS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct stack_key_ranges);
} key_ranges SEC(".maps");

/* Samples counted per key and instruction (not captured), and each key's state (see struct
 * profile_key). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PROFILE_MAX_KEYS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct profile_key);
	__type(value, __u64);
} sample_counts SEC(".maps");

/* The stack window of a key (a perf_event program is not preempted: per CPU is enough). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64[STACK_KEY_WINDOW / 8]);
} key_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PROFILE_MAX_PIDS);
	__type(key, __u32);
	__type(value, __u8); /* enum profile_pid_state */
} pids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20); /* bytes; resized by user space */
} events SEC(".maps");

/* The sample key of the current task (see the top), 0: none (no user stack to hash). */
static __always_inline __u64 sample_key(struct bpf_perf_event_data *ctx, struct task_struct *task,
					__u32 pid, const struct stack_key_ranges *r, __u64 *ip)
{
	__u64 h = 0x9e3779b97f4a7c15ULL, sp, *window;
	struct pt_regs *regs;
	__u32 zero = 0, nw, iflags, nk = 0;
	long n;

	regs = (struct pt_regs *)bpf_task_pt_regs(task);
	window = bpf_map_lookup_elem(&key_scratch, &zero);
	if (!regs || !window || (task->flags & 0x00200000 /* PF_KTHREAD */) || !task->mm)
		return 0;
	*ip = BPF_CORE_READ(regs, ip);
	sp = BPF_CORE_READ(regs, sp);
	nw = stack_key__read(window, sp, key_window);
	if (!nw || !*ip)
		return 0;
	h = stack_key__mix(h, sp);
	h = stack_key__hash(r, window, nw, 0, h);
	if (stack_capture_kernel) {
		/* the window is hashed: its room holds the kernel stack now */
		n = bpf_get_stack(ctx, window, STACK_CAPTURE_MAX_KFRAMES * 8, 0);
		if (n > 0)
			nk = (__u32)n / 8;
		h = stack_key__mix(h, nk);
		for (__u32 i = 0; i < STACK_CAPTURE_MAX_KFRAMES; i++) {
			if (i >= nk)
				break;
			h = stack_key__mix(h, window[i]);
		}
	}
	interp__walk(task, pid, NULL, &h, &iflags);
	return h ? h : 1;
}

/*
 * The key's part of a sample: 0 when the sample was only counted (nothing more to do), else the
 * SC_F_KEY_* flag its capture carries (with k->hash), or -1 for a plain capture.
 */
static __always_inline int count_sample(struct bpf_perf_event_data *ctx, __u32 pid,
					struct profile_key *k)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct stack_key_ranges *r;
	struct profile_key ks;
	__u64 *n, *st, zero = 0, one = 1;

	r = bpf_map_lookup_elem(&key_ranges, &pid);
	if (!r || !r->n)
		return -1;
	k->pid = pid;
	k->tid = (__u32)bpf_get_current_pid_tgid();
	k->hash = sample_key(ctx, task, pid, r, &k->ip);
	if (!k->hash)
		return -1;
	ks = *k;
	ks.ip = 0;
	st = bpf_map_lookup_elem(&sample_counts, &ks);
	if (!st) {
		/* a full table (or another CPU's insert of the same key): a plain capture */
		if (bpf_map_update_elem(&sample_counts, &ks, &zero, BPF_NOEXIST))
			return -1;
		bpf_map_update_elem(&sample_counts, k, &zero, BPF_NOEXIST);
		return SC_F_KEY_FIRST;
	}
	if (*st == PROFILE_KEY_ALWAYS)
		return SC_F_KEY_ALWAYS;
	n = bpf_map_lookup_elem(&sample_counts, k);
	if (!n) {
		/* a new leaf of a known key */
		if (!bpf_map_update_elem(&sample_counts, k, &one, BPF_NOEXIST))
			return 0;
		n = bpf_map_lookup_elem(&sample_counts, k);
		if (!n)
			return -1; /* the table is full */
	} else if (key_verify && bpf_get_prandom_u32() % key_verify == 0) {
		return SC_F_KEY_VERIFY;
	}
	__sync_fetch_and_add(n, 1);
	return 0;
}

SEC("perf_event")
int profile_sample(struct bpf_perf_event_data *ctx)
{
	struct profile_key k = {};
	int key_flag = -1;
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct stack_capture *c;
	bool first;
	__u8 *seen;

	if (!pid)
		return 0;
	seen = bpf_map_lookup_elem(&pids, &pid);
	if (!seen) {
		struct task_struct *task = bpf_get_current_task_btf();
		__u8 one = PROFILE_PID_NEW;

		if (!profile_all || pid == self_pid)
			return 0;
		/* -a: a process running since before the start, its first sample; not one that
		 * is exiting (its entry went at sched_process_exit) */
		if (!(task->flags & 0x4 /* PF_EXITING */)) {
			bpf_map_update_elem(&pids, &pid, &one, BPF_NOEXIST);
			seen = bpf_map_lookup_elem(&pids, &pid);
			if (!seen) { /* the map is full: counted as lost */
				stack_capture__count_lost();
				return 0;
			}
		}
	}
	first = seen && *seen == PROFILE_PID_NEW;
	if (sample_keys && !first) {
		key_flag = count_sample(ctx, pid, &k);
		if (!key_flag)
			return 0;
	}
	c = stack_capture__fill(ctx, true);
	if (!c)
		return 0;
	c->cookie = bpf_ktime_get_ns(); /* CLOCK_MONOTONIC: the interval of --every */
	if (key_flag > 0) {
		c->key = k.hash;
		c->flags |= key_flag;
	}
	/* wake user space at a process's first sample: it snapshots the maps while it lives */
	if (first) {
		*seen = PROFILE_PID_SEEN;
		c->flags |= SC_F_NEW_IMAGE;
	}
	/* a key whose first capture is lost is forgotten: a later sample tries again */
	if (stack_capture__submit(&events, c, first) && key_flag == SC_F_KEY_FIRST) {
		k.ip = 0;
		bpf_map_delete_elem(&sample_counts, &k);
	}
	return 0;
}

SEC("raw_tp/sched_process_fork")
int BPF_PROG(profile_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ppid = BPF_CORE_READ(parent, tgid);
	__u32 cpid = BPF_CORE_READ(child, tgid);
	__u8 one = PROFILE_PID_NEW;

	if (!follow_children || ppid == cpid || !bpf_map_lookup_elem(&pids, &ppid))
		return 0;
	bpf_map_update_elem(&pids, &cpid, &one, BPF_ANY);
	return 0;
}

/* After an exec the process's mappings are new: its next sample is a first one again. */
SEC("raw_tp/sched_process_exec")
int BPF_PROG(profile_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 pid = BPF_CORE_READ(p, tgid);
	__u8 *seen = bpf_map_lookup_elem(&pids, &pid);
	__u8 one = PROFILE_PID_NEW;

	bpf_map_delete_elem(&key_ranges, &pid); /* new code: new ranges, read at its next capture */
	if (seen)
		*seen = PROFILE_PID_NEW;
	else if (profile_all && pid != self_pid) /* learnt at its exec */
		bpf_map_update_elem(&pids, &pid, &one, BPF_NOEXIST);
	return 0;
}

/* -a: a process's entry goes with its leader (a thread left behind is taken as new again). */
SEC("raw_tp/sched_process_exit")
int BPF_PROG(profile_exit, struct task_struct *p)
{
	__u32 pid = BPF_CORE_READ(p, tgid);

	if (BPF_CORE_READ(p, pid) != pid)
		return 0;
	if (profile_all)
		bpf_map_delete_elem(&pids, &pid);
	bpf_map_delete_elem(&key_ranges, &pid);
	return 0;
}
