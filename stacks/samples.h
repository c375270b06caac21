/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The distinct stacks of a profile as frame records (struct stack_frame), next to the stack tree
 * of names that folded stacks and flame graphs read: exporters that need more than names (pprof:
 * addresses, modules, inline chains, files and lines) read these. Frames are interned (equal
 * records share one pointer), stacks too (equal frame sequences of the same thread or process
 * share one entry, whose weight and count add up).
 */
#ifndef RTPROF_SAMPLES_H
#define RTPROF_SAMPLES_H

#include <stddef.h>
#include <linux/types.h>

#include "stacks/stacks.h"

struct sample_table;

struct sample_table *sample_table__new(void);
void sample_table__free(struct sample_table *t);
/* Add one capture's frames (innermost first) of thread tid of process pid (comm: its name, up to
 * 16 bytes, not NUL-terminated when 16 long), with weight. Threads and processes are kept apart
 * when keep_tid / keep_pid; with keep_tid a thread's names too (as folded stacks keep their
 * "comm-TID" roots apart). 0 or -ENOMEM. */
int sample_table__add(struct sample_table *t, const struct stack_frame *f, size_t n, int pid,
		      int tid, const char *comm, double weight, bool keep_pid, bool keep_tid);
int sample_table__foreach(const struct sample_table *t,
			  int (*fn)(void *ctx, const struct stacks_sample *sm), void *ctx);
size_t sample_table__count(const struct sample_table *t);

#endif
