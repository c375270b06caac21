/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The flame graph renderer: a stack tree to a self-contained interactive SVG (its own embedded
 * script: hover details, click or Enter to zoom, Escape to reset, regex search with Ctrl-F,
 * zoom and search kept in the URL; a graph taller than the window opens scrolled to its root,
 * with the title, Search and details floating on screen). A differential tree (rtprof diff) is
 * drawn sized by AFTER, red where a frame grew, blue where it shrank, and frames only in BEFORE
 * hatched.
 */
#ifndef RTPROF_FLAMEGRAPH_SVG_H
#define RTPROF_FLAMEGRAPH_SVG_H

#include <stdbool.h>
#include <stdio.h>

#include "flamegraph/folded.h"

struct flamegraph_opts {
	const char *title;     /* NULL: "Flame Graph", "Icicle Graph", "Flame Chart", ... */
	const char *subtitle;  /* NULL: none */
	const char *countname; /* "samples" */
	const char *nametype;  /* "Function:" */
	const char *colors;    /* palette, "hot" */
	const char *fonttype;  /* "Verdana" */
	const char *notes;     /* NULL: none; kept in a <desc> element */
	int width;	       /* image width, 1200 px */
	int frameheight;       /* 16 px */
	double fontsize;       /* 12 */
	double fontwidth;      /* average character width relative to fontsize, 0.59 */
	double minwidth;       /* omit frames narrower than this: 0.1 px, or % of the total */
	bool minwidth_pct;     /* minwidth is a percentage of the total */
	bool hash;	       /* colors from the name's perceptual hash (flamegraph.pl --hash) */
	bool inverted;	       /* icicle graph: root at the top */
	bool flamechart;       /* the tree was built in time order (title only) */
	bool negate;	       /* differential: swap red and blue */
	bool sort_weight;      /* children by weight, heaviest first (default: by name) */
};

void flamegraph_opts__init(struct flamegraph_opts *o); /* flamegraph.pl defaults */

/* Palette names accepted in opts.colors, NULL-terminated. */
extern const char *const flamegraph_palettes[];
bool flamegraph_palette_ok(const char *name);

/*
 * The kind of a frame, from its name alone; the default palettes (hot, and memleak's mem) give
 * interpreter frames and markers colors of their own. An interpreter frame ends with
 * " (FILE)" or " (FILE:LINE)" after a label, the group closing the name (rtprof's Python and
 * Ruby frames, py-spy's); it is Ruby's when FILE ends in ".rb", is "<internal:...>", "(eval...)"
 * or "-e", or when the label can only be Ruby's ("Foo#bar", "block in ...", "<main>",
 * "<top (required)>", "<class:...>", "<module:...>", "rescue in"/"ensure in ...", a name
 * ending in ? or !), Python's otherwise. C++ parameter lists ("foo(int)", "operator()") have no
 * space before their parenthesis and GCC clone suffixes ("foo (.constprop.0)") are not files.
 * Kernel frames end with "_[k]"; "[unknown python]" and "[unknown ruby]" are interpreter
 * frames; "[truncated]", "[incomplete]", "[unknown]" and "[unmatched]" are markers; any other
 * name in brackets ("[java interpreted]", "[vdso]") is native.
 */
enum flamegraph_frame_kind {
	FG_FRAME_NATIVE,
	FG_FRAME_KERNEL,
	FG_FRAME_PYTHON,
	FG_FRAME_RUBY,
	FG_FRAME_MARKER,
};
enum flamegraph_frame_kind flamegraph_frame_kind(const char *name, size_t len);

/* Write the SVG. -ERR_BADINPUT when the tree holds no count at all. */
int flamegraph__write_svg(const struct stack_tree *t, const struct flamegraph_opts *o, FILE *f);

#endif
