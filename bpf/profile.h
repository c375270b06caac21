/* SPDX-License-Identifier: GPL-2.0 */
/* Shared between bpf/profile.bpf.c and profiler/profile.c. */
#ifndef RTPROF_PROFILE_H
#define RTPROF_PROFILE_H

#define PROFILE_MAX_PIDS     4096  /* processes followed at once (--follow) */
#define PROFILE_ALL_MAX_PIDS 65536 /* -a: live processes known at once */

#define PROFILE_MAX_KEYS   (1 << 18) /* sample keys and their leaves counted at once */
#define PROFILE_KEY_ALWAYS (~0ULL)   /* sample_counts: the key stands for several stacks */

/*
 * A sample key (bpf/profile.bpf.c): per thread, so that it names one thread's stack. The hash
 * leaves out the interrupted instruction: a key's samples are counted per instruction (its leaf,
 * ip), and user space names each leaf itself. The entry with ip 0 is the key's own: its state
 * (0: known; PROFILE_KEY_ALWAYS: capture every sample).
 */
struct profile_key {
	__u32 pid;
	__u32 tid;
	__u64 hash;
	__u64 ip; /* the user instruction pointer of the samples counted; 0: the key's state */
};

enum profile_pid_state {
	PROFILE_PID_NEW = 1,  /* to profile, not sampled yet */
	PROFILE_PID_SEEN = 2, /* sampled at least once */
};

#endif
