/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pprof profiles (perftools.profiles.Profile, google/pprof proto/profile.proto), written and read
 * by hand: protobuf varints and length-delimited fields, gzip through zlib. No dependency on a
 * protobuf library; the input types below know nothing of rtprof's pipeline (stacks/ adapts its
 * frames to them), so any stack source can be exported.
 *
 * Writing. Each sample is a list of frames, LEAF FIRST (pprof's order). The writer interns:
 *  - one Function per (function, system name, file, start line);
 *  - one Location per distinct (module, address, chain of lines): a frame flagged inlined shares
 *    the Location of the next (outer) frame, as an extra Line, so Location.line[0] is the
 *    innermost inlined callee and the last line the function it was inlined into;
 *  - one Mapping per module (frames without a module get Locations without mapping or address:
 *    interpreter frames, markers, names read from folded text). What a module's mapping says
 *    (build id, code range) comes from a callback at its first sight; the range is otherwise
 *    that of the addresses seen. Modules the callback calls programs come first (mapping[0] is
 *    the main binary), then the others, each group in the order first seen.
 * Ids are 1, 2, 3... in the order first seen, string_table[0] is "", and the bytes depend only on
 * the calls made (gzip without a file name or time stamp): the same input gives the same file.
 *
 * Reading (pprof_read.c): samples, locations, lines, functions, labels and the string table of
 * what this writer or Go's pprof package writes, packed or not, gzipped or raw, every index
 * checked; the result is a stack tree of names (flamegraph/folded.h), one stack per sample.
 */
#ifndef RTPROF_FLAMEGRAPH_PPROF_H
#define RTPROF_FLAMEGRAPH_PPROF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct stack_tree;

/* One frame of a sample. */
struct pprof_frame {
	const char *function;	 /* Function.name (required) */
	const char *system_name; /* Function.system_name; NULL: the same as function */
	const char *file;	 /* Function.filename; NULL when unknown */
	int64_t line;		 /* Line.line; 0 when unknown */
	int64_t start_line;	 /* Function.start_line; 0 when unknown */
	const char *module;	 /* Mapping.filename; NULL: no mapping, no address */
	uint64_t address;	 /* Location.address, in the module's (ELF) address space */
	bool inlined;		 /* inlined into the next (outer) frame: one Location with it */
};

/* What a Mapping says of its module, from pprof_opts.module_info. */
struct pprof_mapping {
	char build_id[2 * 64 + 1]; /* hex; "" when unknown */
	uint64_t start, limit, file_offset;
	bool known_range; /* start/limit/file_offset are set (else: the addresses seen) */
	bool main;	  /* a program, not a library: listed first */
};

struct pprof_value_type {
	const char *type, *unit; /* "samples"/"count", "cpu"/"nanoseconds", "inuse_space"/"bytes" */
};

struct pprof_label {
	const char *key;
	const char *str; /* a string label; NULL: numeric */
	int64_t num;
	const char *num_unit; /* NULL: none */
};

struct pprof_opts {
	const struct pprof_value_type *sample_types; /* every sample has this many values */
	size_t n_sample_types;
	struct pprof_value_type period_type; /* type NULL: none */
	int64_t period;
	const char *default_sample_type; /* a sample type's name, or NULL */
	int64_t time_nanos, duration_nanos;
	const char *comment; /* NULL: none */
	/* At a module's first sight: fill m (zeroed; copied when the callback returns) and return
	 * 0, or return non-zero when nothing is known. NULL: nothing is ever known. */
	int (*module_info)(void *ctx, const char *module, struct pprof_mapping *m);
	void *ctx;
};

struct pprof_writer;

/* NULL and errno on failure. The strings of o are copied. */
struct pprof_writer *pprof_writer__new(const struct pprof_opts *o);
void pprof_writer__free(struct pprof_writer *w);

/* Add one sample: frames f[0..n) leaf first, values[o.n_sample_types], labels. 0 or -errno
 * (-EINVAL for a frame without a function name). */
int pprof_writer__sample(struct pprof_writer *w, const struct pprof_frame *f, size_t n,
			 const int64_t *values, const struct pprof_label *labels, size_t n_labels);

/* The same, faster for frames that repeat: keys[i] stands for frame f[i] (the pointer of an
 * interned record, a name in a table), and EQUAL KEYS MUST MEAN EQUAL FRAMES for as long as the
 * writer lives: a location is then looked up by its frames' keys alone. */
int pprof_writer__sample_keyed(struct pprof_writer *w, const struct pprof_frame *f,
			       const void *const *keys, size_t n, const int64_t *values,
			       const struct pprof_label *labels, size_t n_labels);

/* Samples added so far; values per sample (the number of sample types). */
size_t pprof_writer__samples(const struct pprof_writer *w);
size_t pprof_writer__n_values(const struct pprof_writer *w);

/* Encode the profile and write it gzipped to f. 0 or -errno. */
int pprof_writer__write(struct pprof_writer *w, FILE *f);

/* ---- reading ---- */

/* Does buf start like a gzip stream? */
bool pprof_is_gzip(const void *buf, size_t len);

struct pprof_read_opts {
	const char *sample_type; /* the value to read, by name; NULL: default_sample_type, else the
				    last one (as pprof does) */
	size_t max_bytes;	 /* the largest decompressed profile accepted; 0: 1 GiB */
};

struct pprof_read_info {
	char sample_type[64], unit[64]; /* of the value read */
	int64_t period;
	uint64_t samples; /* samples added to the tree */
	uint64_t skipped; /* samples with a value <= 0 (not added) */
	bool gzip;	  /* the input was gzipped */
	char error[160];  /* why the input was refused: one line, no newline */
};

/*
 * Decode the pprof profile in buf (gzipped or raw) into t: one stack per sample, root first, each
 * Location expanded into its lines (the last line outermost), each frame named by its
 * Function.name ("0xADDRESS" or "MODULE+0xADDRESS" for a Location without lines). A sample that
 * carries the labels thread_name (string) and thread_id (number) gets "NAME-TID" as its root, as
 * `rtprof profile -T` writes. Returns 0, -ERR_BADINPUT (info->error says why), or -ENOMEM.
 */
int pprof_read(const void *buf, size_t len, const struct pprof_read_opts *o, struct stack_tree *t,
	       struct pprof_read_info *info);

#endif
