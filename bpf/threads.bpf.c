// SPDX-License-Identifier: GPL-2.0
/*
 * Thread lifecycle of one process (all threads with tgid == target_tgid).
 *
 * The kernel side sees every thread: sched_process_fork (the clone, in the creator's context),
 * sched_wakeup_new (the new thread is runnable: its start), task_rename (a new name) and
 * sched_process_exit. A uprobe on pthread_create adds what only user space knows: the start
 * routine and the creating user stack, kept per creator thread until its clone() arrives; the
 * uretprobe forgets them. These are BTF tracepoints: they need neither tracefs nor kprobes.
 *
 * The creating stack is a stack key (bpf/stack_key.bpf.h) computed at pthread_create's entry: no
 * frame pointers needed, interpreter frames included when the thread runs one. The first call
 * with a new key sends a full capture through the ring buffer `captures` (before the creation
 * event, which carries the key), and user space unwinds it with CFI while the process runs.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "bpf/threads.h"
#include "bpf/stack_capture.bpf.h"
#include "bpf/stack_key.bpf.h"

const volatile __u32 target_tgid = 0;

struct pending_create {
	__u64 start_routine;
	__u64 stack_key;
};

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
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32); /* creator tid */
	__type(value, struct pending_create);
} pending SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

__u64 lost = 0; /* events dropped because the ring buffer was full */

static __always_inline void emit(__u32 type, struct task_struct *task, __u32 creator,
				 const struct pending_create *pc, const char *comm)
{
	struct thread_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		__sync_fetch_and_add(&lost, 1);
		return;
	}
	e->ts_ns = bpf_ktime_get_ns();
	e->type = type;
	e->tid = task->pid;
	e->creator_tid = creator;
	e->start_routine = pc ? pc->start_routine : 0;
	e->pad = 0;
	e->stack_key = pc ? pc->stack_key : 0;
	if (comm)
		bpf_probe_read_kernel_str(e->comm, sizeof(e->comm), comm);
	else
		bpf_probe_read_kernel_str(e->comm, sizeof(e->comm), task->comm);
	bpf_ringbuf_submit(e, 0);
}

SEC("uprobe")
int BPF_KPROBE(pthread_create_entry, void *thread, void *attr, void *start_routine)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct pending_create pc = {.start_routine = (__u64)start_routine};
	struct key_window *kw;

	kw = bpf_task_storage_get(&key_windows, bpf_get_current_task_btf(), NULL,
				  BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (kw) {
		pc.stack_key = stack_key(ctx, kw->w, true);
		note_stack(ctx, pc.stack_key);
	}
	bpf_map_update_elem(&pending, &tid, &pc, BPF_ANY);
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(pthread_create_return)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	bpf_map_delete_elem(&pending, &tid);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 creator = (__u32)bpf_get_current_pid_tgid();
	struct pending_create *pc;

	if (child->tgid != target_tgid)
		return 0;
	pc = bpf_map_lookup_elem(&pending, &creator);
	emit(THREAD_CREATE, child, creator, pc, NULL);
	if (pc)
		bpf_map_delete_elem(&pending, &creator);
	return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(on_wakeup_new, struct task_struct *task)
{
	if (task->tgid != target_tgid)
		return 0;
	emit(THREAD_START, task, 0, NULL, NULL);
	return 0;
}

SEC("tp_btf/task_rename")
int BPF_PROG(on_rename, struct task_struct *task, const char *comm)
{
	if (task->tgid != target_tgid)
		return 0;
	emit(THREAD_RENAME, task, 0, NULL, comm);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_exit, struct task_struct *task)
{
	if (task->tgid != target_tgid)
		return 0;
	emit(THREAD_EXIT, task, 0, NULL, NULL);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
