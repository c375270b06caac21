/* SPDX-License-Identifier: GPL-2.0 */
/* Shared by usdt_count.bpf.c and profiler/probes.c: hit counters per probe site. */
#ifndef RTPROF_BPF_USDT_COUNT_H
#define RTPROF_BPF_USDT_COUNT_H

/* Default size of the hits array; user space resizes it to the number of sites before load. */
#define USDT_COUNT_MAX_SITES 1

#endif
