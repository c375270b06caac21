// SPDX-License-Identifier: GPL-2.0
/*
 * rtprof profile, kernel half: a perf_event program on the software cpu-clock event of every CPU.
 * Samples of processes in `pids` (the target, and with --follow its children, added by the fork
 * tracepoint) are captured with stack_capture and sent to user space, which unwinds them.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "bpf/profile.h"
#include "bpf/stack_capture.bpf.h"

char LICENSE[] SEC("license") = "GPL";

const volatile bool follow_children = false;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PROFILE_MAX_PIDS);
	__type(key, __u32);
	__type(value, __u8);
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

	if (!pid || !bpf_map_lookup_elem(&pids, &pid))
		return 0;
	c = stack_capture__fill(ctx, true);
	if (!c)
		return 0;
	stack_capture__submit(&events, c);
	return 0;
}

SEC("raw_tp/sched_process_fork")
int BPF_PROG(profile_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ppid = BPF_CORE_READ(parent, tgid);
	__u32 cpid = BPF_CORE_READ(child, tgid);
	__u8 one = 1;

	if (!follow_children || ppid == cpid || !bpf_map_lookup_elem(&pids, &ppid))
		return 0;
	bpf_map_update_elem(&pids, &cpid, &one, BPF_ANY);
	return 0;
}
