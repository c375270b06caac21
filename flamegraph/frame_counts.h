/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Counts per frame name of a stack tree, as a profile's function table shows them: a name's
 * self count is the count of the stacks that end in it; its total count is the count of the
 * stacks that contain it, once per stack however often it recurs in that stack. rtprof compare
 * turns them into each function's share of the samples of one run.
 */
#ifndef RTPROF_FLAMEGRAPH_FRAME_COUNTS_H
#define RTPROF_FLAMEGRAPH_FRAME_COUNTS_H

#include <stddef.h>

#include "flamegraph/folded.h"

/* Distinct frame names in the tree; their ids are 0 .. stack_tree__names() - 1. */
size_t stack_tree__names(const struct stack_tree *t);
/* The name with this id (NUL-terminated, owned by the tree). */
const char *stack_tree__name(const struct stack_tree *t, size_t id);

/*
 * Fill self[id] and total[id] (arrays of stack_tree__names() doubles) from column col.
 * 0 or -ENOMEM.
 */
int stack_tree__frame_counts(const struct stack_tree *t, enum stack_col col, double *self,
			     double *total);

#endif
