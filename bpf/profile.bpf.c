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
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "bpf/profile.h"
#include "bpf/stack_capture.bpf.h"

char LICENSE[] SEC("license") = "GPL";

const volatile bool follow_children = false;
const volatile bool profile_all = false;
const volatile __u32 self_pid = 0;

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

SEC("perf_event")
int profile_sample(struct bpf_perf_event_data *ctx)
{
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
	c = stack_capture__fill(ctx, true);
	if (!c)
		return 0;
	c->cookie = bpf_ktime_get_ns(); /* CLOCK_MONOTONIC: the interval of --every */
	/* wake user space at a process's first sample: it snapshots the maps while it lives */
	first = seen && *seen == PROFILE_PID_NEW;
	if (first) {
		*seen = PROFILE_PID_SEEN;
		c->flags |= SC_F_NEW_IMAGE;
	}
	stack_capture__submit(&events, c, first);
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

	if (profile_all && BPF_CORE_READ(p, pid) == pid)
		bpf_map_delete_elem(&pids, &pid);
	return 0;
}
