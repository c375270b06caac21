/* SPDX-License-Identifier: GPL-2.0 */
/* Shared by threads.bpf.c and profiler/threads.c: thread lifecycle events. */
#ifndef RTPROF_BPF_THREADS_H
#define RTPROF_BPF_THREADS_H

#define THREAD_COMM_LEN 16

enum thread_event_type {
	THREAD_CREATE = 1, /* a new thread of the target: tid, by creator_tid */
	THREAD_START = 2,  /* the new thread was woken for the first time */
	THREAD_RENAME = 3, /* prctl(PR_SET_NAME), pthread_setname_np, exec */
	THREAD_EXIT = 4,
};

struct thread_event {
	__u64 ts_ns;	     /* bpf_ktime_get_ns() */
	__u64 start_routine; /* CREATE through pthread_create: its start_routine, else 0 */
	__u32 type;	     /* enum thread_event_type */
	__u32 tid;
	__u32 creator_tid; /* CREATE: the thread that called clone() */
	__u32 pad;
	__u64 stack_key; /* CREATE through pthread_create: the stack key (bpf/stack_key.bpf.h) of
			  * the call, taken at its entry; its first sighting sent a capture
			  * through the ring buffer `captures` before this event. 0: none */
	char comm[THREAD_COMM_LEN];
};

#endif
