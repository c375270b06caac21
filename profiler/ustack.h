/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User stacks captured with bpf_get_stackid(BPF_F_USER_STACK) (frame pointers) by the threads and
 * locks commands, printed as MODULE+0xFILE_OFFSET frames. A stop-gap until the shared stack
 * pipeline (profiler/stacks.h, symbolize/) is merged: then frames get function names from it.
 *
 * Frames are placed through a snapshot of the target's maps, refreshed while the target runs so
 * that stacks of a process that has exited by the end can still be placed.
 */
#ifndef RTPROF_USTACK_H
#define RTPROF_USTACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

struct ustacks;

/* NULL with errno. map_fd: a BPF_MAP_TYPE_STACK_TRACE of depth frames. */
struct ustacks *ustacks__new(int pid, int map_fd, unsigned int depth);
void ustacks__free(struct ustacks *u);
/* Re-read /proc/PID/maps; keeps the previous snapshot when the process is gone. */
int ustacks__refresh(struct ustacks *u);
/* Frames of a stack id into ips (at most max); returns the count or a negative error. */
int ustacks__get(struct ustacks *u, int stack_id, __u64 *ips, unsigned int max);
/* "libc.so.6+0x8a3f0", or "0x7f..." when no file mapping holds ip. */
void ustacks__format(struct ustacks *u, __u64 ip, char *buf, size_t size);
/* Print a stack: text, one frame a line after indent; or a JSON array of frame strings. A
 * non-zero caller_ip is inserted as the second frame (the return address of a function whose
 * entry the stack was taken at, which a frame-pointer walk misses). */
void ustacks__print(struct ustacks *u, FILE *f, int stack_id, __u64 caller_ip, const char *indent,
		    bool json);

#endif
