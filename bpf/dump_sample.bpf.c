// SPDX-License-Identifier: GPL-2.0
/*
 * rtprof dump, the threads on a CPU: a perf_event program on a cpu-clock event of each thread the
 * iterator (bpf/dump.bpf.c) found running, whose saved registers are stale. Its first sample is
 * captured as the samplers capture (bpf/stack_capture.bpf.h: registers, user stack, interpreter
 * frames) and sent to user space, which is woken; later samples of the thread are dropped. A light
 * skeleton of its own: the iterator reads memory with a sleepable helper, this program cannot.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "bpf/dump.h"
#include "bpf/stack_capture.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* The threads already captured. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DUMP_SAMPLE_MAX_THREADS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, __u8);
} dump_sampled SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, DUMP_RINGBUF_BYTES); /* resized by user space */
} events SEC(".maps");

SEC("perf_event")
int dump_sample(struct bpf_perf_event_data *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct stack_capture *c;
	__u8 one = 1;

	if (bpf_map_update_elem(&dump_sampled, &tid, &one, BPF_NOEXIST))
		return 0;
	c = stack_capture__fill(ctx, true);
	if (c && stack_capture__submit(&events, c, true))
		bpf_map_delete_elem(&dump_sampled, &tid); /* lost: its next sample tries again */
	return 0;
}
