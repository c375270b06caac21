/* SPDX-License-Identifier: GPL-2.0 */
/* Shared between bpf/profile.bpf.c and profiler/profile.c. */
#ifndef RTPROF_PROFILE_H
#define RTPROF_PROFILE_H

#define PROFILE_MAX_PIDS 4096 /* processes followed at once (--follow) */

#endif
