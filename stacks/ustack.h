/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User stacks of the threads and locks commands: frame-pointer chains the kernel walked with
 * bpf_get_stackid(BPF_F_USER_STACK) into a BPF_MAP_TYPE_STACK_TRACE (aggregated in BPF, one id
 * per distinct stack), resolved with the shared symbolizer (symbolize/symbolize.h): functions,
 * inlined frames, source lines. The process's modules are snapshotted while it runs (refresh),
 * so stacks still resolve after it exits.
 */
#ifndef RTPROF_USTACK_H
#define RTPROF_USTACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

struct ustacks;

/* NULL with errno. map_fd: a BPF_MAP_TYPE_STACK_TRACE of depth frames. first_exact: the first
 * frame of each stack is the exact address of an instruction (a uprobe at function entry); the
 * others are return addresses, resolved at address - 1 as debuggers do. */
struct ustacks *ustacks__new(int pid, int map_fd, unsigned int depth, bool first_exact);
void ustacks__free(struct ustacks *u);
/* Snapshot (the first time) or re-read the process's mappings. */
int ustacks__refresh(struct ustacks *u);
/* Resolve a stack now (while the process runs), so that its modules are in the snapshot. */
void ustacks__touch(struct ustacks *u, int stack_id);
/* Frames of a stack id into ips (at most max); returns the count or a negative error. */
int ustacks__get(struct ustacks *u, int stack_id, __u64 *ips, unsigned int max);
/* The function at an exact address (a start routine), "module+0xOFF" or "[unknown]". */
void ustacks__format(struct ustacks *u, __u64 ip, char *buf, size_t size);
/* Print a stack innermost first: text, one frame a line after indent ("function (file:line)",
 * inlined frames marked); or a JSON array of {"function","module","offset","file","line",
 * "inlined"}. A non-zero caller_ip is inserted as the second frame (the return address of a
 * function whose entry the stack was taken at, which a frame-pointer walk misses). */
void ustacks__print(struct ustacks *u, FILE *f, int stack_id, __u64 caller_ip, const char *indent,
		    bool json);

#endif
