// SPDX-License-Identifier: GPL-2.0
/*
 * rtprof dump, kernel half: a sleepable task iterator over the threads of one process (the link's
 * pid filter). For each thread it fills a stack capture (bpf/stack_capture.bpf.h) from the task's
 * saved user registers (bpf_task_pt_regs) and a copy of its user stack, walks its interpreter
 * frames with the samplers' walkers, and sends it through a ring buffer. Memory of the visited
 * task is read with bpf_copy_from_user_task (INTERP_READ_TASK), which may fault pages in: hence
 * iter.s. Each thread also writes one byte to the iterator's file, so that a read of one byte
 * visits one thread. The thread is not stopped; a thread off-CPU cannot change its saved registers,
 * and its stack below them stays as it was while it sleeps.
 */
#define INTERP_READ_TASK
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "bpf/dump.h"
#include "bpf/stack_capture.bpf.h"

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 dump_pid = 0; /* tgid; the link's filter already keeps only its threads */

__u64 dump_visited = 0; /* threads of dump_pid the iterator saw */
__u64 dump_sent = 0;	/* captures written to the ring buffer */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, DUMP_RINGBUF_BYTES);
} events SEC(".maps");

#define TASK_INTERRUPTIBLE_   0x1
#define TASK_UNINTERRUPTIBLE_ 0x2
#define TASK_STOPPED_	      0x4
#define TASK_TRACED_	      0x8

static __always_inline __u32 dump_state(struct task_struct *task)
{
	__u32 st = BPF_CORE_READ(task, __state);

	if (BPF_CORE_READ(task, on_cpu))
		return DUMP_RUNNING;
	if (st == 0)
		return DUMP_RUNNABLE;
	if (st & TASK_INTERRUPTIBLE_)
		return DUMP_SLEEPING;
	if (st & TASK_UNINTERRUPTIBLE_)
		return DUMP_DISK;
	if (st & (TASK_STOPPED_ | TASK_TRACED_))
		return DUMP_STOPPED;
	return DUMP_OTHER;
}

SEC("iter.s/task")
int dump_task(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	__u32 zero = 0, state;
	struct stack_capture *c;
	struct pt_regs *regs;
	long n, sc = -1;

	if (!task || task->tgid != dump_pid)
		return 0;
	dump_visited++;
	/* one slot: the iterator runs in one reader at a time (the light skeleton cannot size
	 * the map per CPU before load) */
	c = bpf_map_lookup_elem(&stack_capture_scratch, &zero);
	if (!c)
		return 0;
	c->pid = task->tgid;
	c->tid = task->pid;
	c->weight = 1;
	c->flags = 0;
	c->stack_len = 0;
	c->kframes = 0;
	c->fpframes = 0;
	c->iframes = 0;
	c->iflags = 0;
	BPF_CORE_READ_STR_INTO(&c->comm, task, comm);
	state = dump_state(task);

	/* where it waits in the kernel (shown with -K) */
	n = bpf_get_task_stack(task, c->kstack, sizeof(c->kstack), 0);
	if (n > 0)
		c->kframes = n / 8;
	regs = (struct pt_regs *)bpf_task_pt_regs(task);
	if (!regs || (task->flags & 0x00200000 /* PF_KTHREAD */)) {
		c->flags |= SC_F_NO_USER;
		__builtin_memset(c->regs, 0, sizeof(c->regs));
		c->cookie = DUMP_COOKIE(state, -1);
		goto out;
	}
	stack_capture__regs(c, regs);
	/* orig_ax: the system call a thread off-CPU sleeps in (-1: it entered the kernel
	 * otherwise); of a thread on a CPU it is stale */
	if (state != DUMP_RUNNING)
		sc = BPF_CORE_READ(regs, orig_ax);
	c->cookie = DUMP_COOKIE(state, sc);
	if (c->kframes)
		c->flags |= SC_F_KERNEL_MODE;
	stack_capture__copy_stack(c, task);
	stack_capture__interp(c, task);
out:
	if (stack_capture__submit(&events, c, false) == 0)
		dump_sent++;
	/* one byte per thread: user space reads the iterator one byte at a time, so each read
	 * runs this program for one thread, and empties the ring buffer in between (it holds one
	 * capture at a time, not all of them) */
	bpf_seq_write(ctx->meta->seq, &state, 1);
	return 0;
}
