/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Timed sampling: one software cpu-clock perf event per online CPU at hz samples per second,
 * each running a BPF perf_event program (rtprof top; the same steps as rtprof profile's).
 */
#ifndef RTPROF_CPU_CLOCK_H
#define RTPROF_CPU_CLOCK_H

struct bpf_program;
struct bpf_link;

/* Attach prog to a cpu-clock event of every online CPU: *links (malloc'ed, *n of them, destroy
 * each and free the array, also on failure) . 0 or a negative errno, said on stderr with cmd
 * and the CPU. */
int cpu_clock__attach(const char *cmd, struct bpf_program *prog, int hz, struct bpf_link ***links,
		      int *n);

#endif
