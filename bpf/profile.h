/* SPDX-License-Identifier: GPL-2.0 */
/* Shared between bpf/profile.bpf.c and profiler/profile.c. */
#ifndef RTPROF_PROFILE_H
#define RTPROF_PROFILE_H

#define PROFILE_MAX_PIDS     4096  /* processes followed at once (--follow) */
#define PROFILE_ALL_MAX_PIDS 65536 /* -a: live processes known at once */

#define PROFILE_MAX_KEYS   (1 << 18) /* sample keys counted at once */
#define PROFILE_KEY_ALWAYS (~0ULL)   /* sample_counts: the key stands for several stacks */

/* A sample key (bpf/profile.bpf.c): per thread, so that it names one thread's stack. */
struct profile_key {
	__u32 pid;
	__u32 tid;
	__u64 hash;
};

enum profile_pid_state {
	PROFILE_PID_NEW = 1,  /* to profile, not sampled yet */
	PROFILE_PID_SEEN = 2, /* sampled at least once */
};

#endif
