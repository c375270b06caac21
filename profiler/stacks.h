/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The stack pipeline shared by profile, memleak and locks:
 *
 *	capture record (bpf/stack_capture.h, from the ring buffer)
 *	  -> unwind the user stack (symbolize/unwind.h: CFI over the copied stack bytes; or the
 *	     frame-pointer chain when no bytes were copied)
 *	  -> symbolize (symbolize/symbolize.h: functions, inline frames, JIT maps; kernel frames
 *	     from /proc/kallsyms)
 *	  -> add to a stack tree (flamegraph/folded.h) with the record's weight
 *
 * Root first, a stack reads: [thread "comm-TID" with per_thread] [marker] user frames, outermost
 * first, then kernel frames with a "_[k]" suffix. The marker is "[truncated]" when unwinding ran
 * out of copied stack, and "[incomplete]" when it stopped for another reason, so a partial stack
 * is never merged with complete ones. Results of symbolization are cached per address.
 */
#ifndef RTPROF_STACKS_H
#define RTPROF_STACKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

#include "bpf/stack_capture.h"

struct stack_tree;
struct symbolizer_opts;

struct stacks_opts {
	bool kernel;	  /* add kernel frames (when the capture has them) */
	bool user;	  /* add user frames (default true via stacks_opts__init) */
	bool per_thread;  /* root frame "comm-TID" */
	bool per_process; /* root frame "comm-PID" (ignored with per_thread) */
	bool fp_only;	  /* use the frame-pointer chain, do not unwind the copied stack */
	const struct symbolizer_opts *sym; /* NULL: defaults */
};

void stacks_opts__init(struct stacks_opts *o);

struct stacks_stats {
	__u64 records;	   /* captures added */
	double weight;	   /* sum of their weights */
	__u64 complete;	   /* user stack unwound to its outermost frame */
	__u64 truncated;   /* ran out of copied stack: "[truncated]" */
	__u64 incomplete;  /* stopped for another reason: "[incomplete]" */
	__u64 kernel_only; /* no user stack (sampled in a kernel thread context) */
};

struct stacks;

/* NULL and errno on failure. */
struct stacks *stacks__new(const struct stacks_opts *o);
void stacks__free(struct stacks *s);

/* Snapshot pid's mappings now, for the unwinder and the symbolizer (call when a process is first
 * seen: a short-lived one may be gone by the time its samples are processed). */
int stacks__track(struct stacks *s, int pid);

/* Unwind, symbolize and add one capture of size bytes (header and stack bytes). Captures of a
 * process seen for the first time are tracked first. Returns 0 or a negative errno
 * (-ERR_BADINPUT for a malformed record). */
int stacks__add(struct stacks *s, const struct stack_capture *c, size_t size);

const struct stack_tree *stacks__tree(const struct stacks *s);
void stacks__stats(const struct stacks *s, struct stacks_stats *st);

/* Print the n functions with the most self weight ("top functions"), one per line with their
 * share, indented by indent spaces. unit: "samples", "bytes", ... */
void stacks__print_top(const struct stacks *s, FILE *f, int n, const char *unit);

#endif
