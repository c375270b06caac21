// SPDX-License-Identifier: GPL-2.0
/*
 * Self and total counts per frame name (flamegraph/frame_counts.h). A node's own count (stacks
 * that end there) is its count minus its children's; each node with an own count adds it to
 * every distinct name on its path to the root. Nodes are created after their parents, so one
 * backward pass over the node array sums the children.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flamegraph/frame_counts.h"
#include "flamegraph/tree.h"

size_t stack_tree__names(const struct stack_tree *t)
{
	return t->n_names;
}

const char *stack_tree__name(const struct stack_tree *t, size_t id)
{
	return st_name_str(t, (uint32_t)id);
}

static double node_count(const struct stack_tree *t, uint32_t i, enum stack_col col)
{
	if (col == STACK_COL_BEFORE)
		return t->before ? t->before[i] : 0;
	return t->nodes[i].total;
}

int stack_tree__frame_counts(const struct stack_tree *t, enum stack_col col, double *self,
			     double *total)
{
	double *own = NULL;
	uint32_t *seen = NULL, i, j, name;
	int err = 0;

	memset(self, 0, t->n_names * sizeof(*self));
	memset(total, 0, t->n_names * sizeof(*total));
	own = malloc((size_t)t->n_nodes * sizeof(*own));
	seen = malloc(((size_t)t->n_names + 1) * sizeof(*seen));
	if (!own || !seen) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (i = 0; i < t->n_nodes; i++)
		own[i] = node_count(t, i, col);
	for (i = t->n_nodes; i-- > 1;)
		own[t->nodes[i].parent] -= node_count(t, i, col);
	/* seen[name] = the node whose path last counted that name (ST_NONE: none yet) */
	for (i = 0; i < t->n_names; i++)
		seen[i] = ST_NONE;
	for (i = 1; i < t->n_nodes; i++) {
		if (own[i] <= 1e-9 * node_count(t, i, col)) /* rounding of fractional counts */
			continue;
		self[t->nodes[i].name] += own[i];
		for (j = i; j != 0 && j != ST_NONE; j = t->nodes[j].parent) {
			name = t->nodes[j].name;
			if (seen[name] == i)
				continue;
			seen[name] = i;
			total[name] += own[i];
		}
	}
cleanup:
	free(own);
	free(seen);
	return err;
}
