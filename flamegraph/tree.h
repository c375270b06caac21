/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside of the stack tree, shared by folded.c (building), svg.c (drawing) and frame_counts.c
 * (counting per name) only. Everything else uses flamegraph/folded.h.
 *
 * Nodes live in one array and refer to each other by index. Each node keeps its most recently
 * added child and its next older sibling, so children form a list in reverse insertion order.
 * A parent with few children is searched along that list; the children of one with many are
 * indexed in a hash of (parent, name) -> node. Frame names are
 * interned: one copy of each distinct name in an arena, found through a second hash.
 */
#ifndef RTPROF_FLAMEGRAPH_TREE_H
#define RTPROF_FLAMEGRAPH_TREE_H

#include <stdint.h>
#include <string.h>

#include "flamegraph/folded.h"

#define ST_NONE	     UINT32_MAX /* no node */
#define ST_ROOT_NAME UINT32_MAX

struct st_node {
	uint32_t name;	  /* name id, ST_ROOT_NAME for the root */
	uint32_t parent;  /* ST_NONE for the root */
	uint32_t child;	  /* most recently added child or ST_NONE */
	uint32_t sibling; /* next older sibling or ST_NONE */
	double total;	  /* AFTER count of every stack through this node */
};

struct st_name {
	size_t off; /* in arena, NUL-terminated */
	uint32_t len;
	uint32_t hash;
};

struct st_kid {
	uint32_t parent, name;
	uint32_t node; /* + 1; 0: empty slot */
};

/* A slot of the name index holds what a lookup compares, so a hit costs no names[] access. */
struct st_slot {
	uint32_t hash;
	uint32_t id;  /* + 1; 0: empty slot */
	uint32_t off; /* in arena (the arena stays below 4 GB) */
	uint32_t len;
};

struct stack_tree {
	unsigned flags;
	struct st_node *nodes; /* [0] is the root */
	double *before;	       /* BEFORE column, per node; NULL until used */
	uint32_t n_nodes, cap_nodes;
	struct st_kid *kids; /* (parent, name) -> node, with the key in the slot */
	uint32_t kids_mask;
	uint64_t n_kids;
	uint64_t *indexed; /* per node: its children are in kids (it has many) */
	char *arena;
	size_t arena_len, arena_cap;
	struct st_name *names;
	uint32_t n_names, cap_names;
	struct st_slot *name_idx; /* name hash -> name id + 1 (0: empty), hash kept in the slot */
	uint32_t name_mask;
	size_t stacks;
	/* scratch for adding one stack */
	uint32_t *path;
	size_t path_cap;
};

static inline const char *st_name_str(const struct stack_tree *t, uint32_t name)
{
	return name == ST_ROOT_NAME ? "all" : t->arena + t->names[name].off;
}

static inline uint32_t st_name_len(const struct stack_tree *t, uint32_t name)
{
	return name == ST_ROOT_NAME ? 3 : t->names[name].len;
}

/* Byte order (strcmp's) of two names other than the root's. */
static inline int st_name_cmp(const struct stack_tree *t, uint32_t a, uint32_t b)
{
	const struct st_name *x = &t->names[a], *y = &t->names[b];
	int c = memcmp(t->arena + x->off, t->arena + y->off, x->len < y->len ? x->len : y->len);

	if (c)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

/* Rank of every name id in byte order (strcmp); caller frees. NULL on ENOMEM. */
uint32_t *stack_tree__name_ranks(const struct stack_tree *t);

#endif
