/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Room flamegraph/: stack trees to pictures and files (folded stacks, SVG, diffs). May use lib/
 * and bpf/ headers; not symbolize/ (same level) nor anything above.
 *
 * Folded stacks and the stack tree they merge into.
 *
 * The folded format is one stack per line, root first, frames separated by ';', then white space
 * and a count: "main;parse;strlen 12". Counts may be fractional. A line that ends with two counts
 * ("stack BEFORE AFTER") is a differential line, as flamegraph.pl and `rtprof diff --folded` write.
 *
 * A stack tree holds each distinct frame name once (interned) and one node per distinct path
 * from the root; each node counts every stack that passes through it. A tree may hold a second
 * column, BEFORE, which makes it a differential tree (rtprof diff).
 */
#ifndef RTPROF_FLAMEGRAPH_FOLDED_H
#define RTPROF_FLAMEGRAPH_FOLDED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct stack_tree;

/* Where parsed or added counts go. */
enum stack_col {
	STACK_COL_AFTER = 0, /* the main column; the only one of a plain tree */
	STACK_COL_BEFORE = 1,
};

/* Options that change how stacks are merged; set them before adding any stack. */
enum stack_tree_flags {
	STACK_TREE_REVERSE = 1 << 0,	/* reverse each stack: leaf becomes root (--reverse) */
	STACK_TREE_FLAMECHART = 1 << 1, /* merge a frame only with its parent's latest child */
};

struct stack_tree *stack_tree__new(void);
void stack_tree__free(struct stack_tree *t);
int stack_tree__set_flags(struct stack_tree *t, unsigned flags);

/* Add count to the stack frames[0..n) given root first. */
int stack_tree__add(struct stack_tree *t, const char *const *frames, size_t n, double count);
/* The same into a column; frames are n (pointer, length) pairs, not NUL-terminated. */
int stack_tree__add_col(struct stack_tree *t, const char *const *frames, const size_t *lens,
			size_t n, double count, enum stack_col col);

/*
 * Parse folded text; invalid lines are counted in *bad_lines (may be NULL), not fatal. Blank
 * lines are ignored. Returns 0 or a negative errno (read or memory errors); the stream parsers
 * also return -ERR_BADINPUT, and stop reading, when the first 64 KiB of the stream hold a NUL
 * byte (binary data: an executable, a compressed file, /dev/zero).
 * stack_tree__parse_file() takes two-count lines as differential (BEFORE AFTER); the _col
 * variant puts every count into one column and takes the last count of a two-count line.
 */
int stack_tree__parse_file(struct stack_tree *t, FILE *f, size_t *bad_lines);
int stack_tree__parse_file_col(struct stack_tree *t, FILE *f, enum stack_col col,
			       size_t *bad_lines);
int stack_tree__parse_buf(struct stack_tree *t, const char *buf, size_t len, size_t *bad_lines);

/* Number of lines (valid stacks) parsed or added so far. */
size_t stack_tree__stacks(const struct stack_tree *t);
/* Sum of the counts of a column. */
double stack_tree__total(const struct stack_tree *t, enum stack_col col);
/* Multiply every count of a column by factor (rtprof diff -n). */
void stack_tree__scale(struct stack_tree *t, enum stack_col col, double factor);
bool stack_tree__is_diff(const struct stack_tree *t);

/*
 * Write the tree back as folded lines, one per stack with a count of its own, children in
 * alphabetical order (insertion order for a flame chart): "a;b;c COUNT", or "a;b;c BEFORE AFTER"
 * for a differential tree.
 */
int stack_tree__write_folded(const struct stack_tree *t, FILE *f);

/* Call fn for every stack with a count of its own (the AFTER column), root first, in the order
 * stack_tree__write_folded writes them; stops at and returns fn's first non-zero result. */
int stack_tree__foreach(const struct stack_tree *t,
			int (*fn)(void *ctx, const char *const *frames, size_t n, double count),
			void *ctx);

/* Format a count: integers without decimals, others with up to 6 decimals. buf >= 48 bytes. */
const char *stack_count_str(double v, char *buf, size_t size);

#endif
