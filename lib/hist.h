/* SPDX-License-Identifier: GPL-2.0 */
/*
 * log2 histograms of durations in nanoseconds, as the BPF side fills them: bucket i counts values
 * v with 2^i <= v < 2^(i+1) (bucket 0 also holds 0 and 1).
 */
#ifndef RTPROF_HIST_H
#define RTPROF_HIST_H

#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

/* Text: one line per bucket from the first to the last non-empty one, with a bar of stars. */
void hist_print(FILE *f, const __u64 *slots, size_t n, const char *indent);
/* JSON array of {"low_ns","high_ns","count"} for the non-empty buckets. */
void hist_print_json(FILE *f, const __u64 *slots, size_t n);
/* Human duration: "812ns", "12.3us", "4.56ms", "1.20s". */
void fmt_duration(char *buf, size_t size, __u64 ns);

#endif
