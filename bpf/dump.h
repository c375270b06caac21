/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared between bpf/dump.bpf.c and profiler/dump.c: what rtprof dump adds to each thread's stack
 * capture (bpf/stack_capture.h). The capture's cookie holds the thread's state as the iterator saw
 * it: DUMP_COOKIE(state, syscall), read back with DUMP_STATE() and DUMP_SYSCALL().
 */
#ifndef RTPROF_DUMP_H
#define RTPROF_DUMP_H

enum dump_state {
	DUMP_RUNNING = 1,  /* on a CPU at the time of the dump (its saved registers are stale) */
	DUMP_RUNNABLE = 2, /* TASK_RUNNING, waiting for a CPU */
	DUMP_SLEEPING = 3, /* TASK_INTERRUPTIBLE */
	DUMP_DISK = 4,	   /* TASK_UNINTERRUPTIBLE */
	DUMP_STOPPED = 5,  /* stopped by a signal or traced */
	DUMP_OTHER = 6,	   /* exiting, or a state not listed */
};

/* syscall: the system call the thread is in (orig_ax), or -1. */
#define DUMP_COOKIE(state, syscall) (((__u64)(state) << 32) | (__u32)(syscall))
#define DUMP_STATE(cookie)	    ((__u32)((cookie) >> 32) & 0xff)
/* Set by user space: the stack is a sample taken while the thread ran (profile's program). */
#define DUMP_F_SAMPLED	     (1ULL << 40)
#define DUMP_SYSCALL(cookie) ((__s32)(__u32)(cookie))

/* The ring buffer's size: user space takes each thread's capture before the next thread is
 * visited, so it needs room for one (profiler/dump.c checks that a few fit). */
#define DUMP_RINGBUF_BYTES (1 << 20)

/* The threads of one dump that bpf/dump_sample.bpf.c can take at their next sample. */
#define DUMP_SAMPLE_MAX_THREADS 4096

#endif
