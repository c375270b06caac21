/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space half of the stack keys (bpf/stack_key.bpf.h, bpf/stack_key.h), shared by memleak,
 * locks, threads and profile: keep the code ranges BPF hashes stack words from in step with the
 * target's mappings.
 */
#ifndef RTPROF_STACK_KEYS_H
#define RTPROF_STACK_KEYS_H

#include <stddef.h>
#include <linux/types.h>

#include "bpf/stack_key.h"

struct proc_maps;

/* The executable file mappings of maps, into dst (a BPF program's stack_key_ranges global, which
 * BPF may read meanwhile: at worst one key is computed with half a list). More mappings than BPF
 * takes are joined with their closest neighbours. Returns the number of ranges set. */
size_t stack_key_ranges__set(struct stack_key_ranges *dst, const struct proc_maps *maps);
/* Executable mappings that are not files ([vdso] aside): JIT code. */
size_t stack_key_ranges__count_jit(const struct proc_maps *maps);

/* Code (executable file) mappings in maps: when it has not changed, the ranges need no update. */
size_t stack_key_ranges__count(const struct proc_maps *maps);

#endif
