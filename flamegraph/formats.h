/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The output formats rtprof writes, chosen by a file name's extension (-o FILE), and a stack
 * tree of names (folded stacks, or a pprof profile read back) written as pprof or speedscope:
 * frames carry only their names, one Function and one Location per distinct name.
 *
 *	.folded            folded stacks		.svg                flame graph
 *	.pb.gz             pprof (gzipped protobuf)	.speedscope.json    speedscope JSON
 */
#ifndef RTPROF_FLAMEGRAPH_FORMATS_H
#define RTPROF_FLAMEGRAPH_FORMATS_H

#include <stddef.h>
#include <stdio.h>

#include "flamegraph/pprof.h"

struct stack_tree;

enum output_format {
	OUTPUT_UNKNOWN = 0,
	OUTPUT_FOLDED,
	OUTPUT_SVG,
	OUTPUT_PPROF,
	OUTPUT_SPEEDSCOPE,
};

/* The format a file name asks for, by its extension; OUTPUT_UNKNOWN for any other. */
enum output_format output_format_of(const char *path);
/* "folded", "svg", "pprof", "speedscope". */
const char *output_format_name(enum output_format f);
/* The extensions, for messages: ".folded, .svg, .pb.gz, .speedscope.json". */
#define OUTPUT_EXTENSIONS ".folded, .svg, .pb.gz, .speedscope.json"

/* The files a command writes (--folded, --svg, --pprof, --speedscope, -o), in the order given. */
#define OUTPUTS_MAX 16
struct outputs {
	struct output {
		enum output_format format;
		const char *path;
	} v[OUTPUTS_MAX];
	size_t n;
};

/* Add path as format (OUTPUT_UNKNOWN: by its extension). 0, -EINVAL for an unknown extension,
 * -E2BIG beyond OUTPUTS_MAX. */
int outputs__add(struct outputs *o, enum output_format format, const char *path);
/* Before a command starts its target: create every output file ("-" is stdout) so that a path
 * that cannot be written is said at once, in one line "rtprof CMD: output PATH: REASON", rather
 * than after the run. 0 or -ERR_BADINPUT. */
int outputs__check(const struct outputs *o, const char *cmd);
/* The first output of that format, or NULL. */
const char *outputs__path(const struct outputs *o, enum output_format format);

/* The stacks of t (AFTER column) as pprof: one sample per stack with one value, its count
 * rounded to an integer (*rounded counts the stacks whose count was not one; may be NULL).
 * o gives the one sample type, period, times. 0 or -errno. */
int stack_tree__write_pprof(const struct stack_tree *t, const struct pprof_opts *o, FILE *f,
			    size_t *rounded);

/* The stacks of t as one sampled speedscope profile called name, weights in unit. */
int stack_tree__write_speedscope(const struct stack_tree *t, const char *name, const char *unit,
				 FILE *f);

/* speedscope's unit for a pprof unit ("count" and unknown ones: "none"). */
const char *speedscope_unit(const char *pprof_unit);

#endif
