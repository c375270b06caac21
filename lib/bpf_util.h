/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small readers of BPF maps shared by the commands: the sum over CPUs of a per-CPU __u64 value,
 * and the list of a map's keys (to read or delete entries without restarting a walk); and
 * whether this process holds the privileges BPF tracing needs.
 */
#ifndef RTPROF_BPF_UTIL_H
#define RTPROF_BPF_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct bpf_map;

/* Sum the per-CPU __u64 values of key in a per-CPU map into *sum. 0 or a negative errno
 * (*sum is 0 then). */
int percpu_map__sum_u64(const struct bpf_map *map, const void *key, size_t key_size, __u64 *sum);
/* The same for entry index of a per-CPU array (counters); 0 when it cannot be read. */
__u64 percpu_array__sum_u64(const struct bpf_map *map, __u32 index);

/* Every key of map, in a malloc'ed array of *n keys of key_size bytes each (NULL when the map
 * is empty). 0 or -ENOMEM. */
int bpf_map__keys(const struct bpf_map *map, size_t key_size, void **keys, size_t *n);

/* Does this process hold what loading BPF programs and placing uprobes need: CAP_SYS_ADMIN, or
 * CAP_BPF with CAP_PERFMON? When it does, an EPERM or EACCES from the kernel is not a matter of
 * running as root (the verifier refuses a program with EACCES, for one). */
bool bpf_privileged(void);

#endif
