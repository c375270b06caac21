// SPDX-License-Identifier: GPL-2.0
/*
 * rtprof export IN -o OUT: converts a profile between folded stacks and pprof (and to speedscope
 * JSON or an SVG flame graph). IN is recognized by its content: a gzip stream or a protobuf
 * message that decodes as a pprof profile is pprof (flamegraph/pprof_read.c), anything else
 * folded text; OUT's format comes from its extension (flamegraph/formats.h). The stacks go
 * through a stack tree of names, so what is written carries names and counts: pprof written from
 * folded text has one Function and one Location per distinct frame name, no mapping.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "flamegraph/folded.h"
#include "flamegraph/formats.h"
#include "flamegraph/pprof.h"
#include "flamegraph/svg.h"
#include "profiler/commands.h"
#include "lib/errors.h"
#include "lib/log.h"

#define EXPORT_READ_CHUNK (1u << 20)

struct export_opts {
	const char *in;
	const char *out;
	const char *sample_type; /* pprof input: the value to read */
	const char *title;	 /* SVG title */
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: rtprof export IN -o OUT [--sample-type NAME] [--title TEXT]\n"
		"\n"
		"Convert a profile: IN is folded stacks or a pprof profile (gzipped or not; \"-\" "
		"for\n"
		"stdin), recognized by its content; OUT's extension picks what is written:\n"
		"  .pb.gz             pprof (gzipped protobuf)\n"
		"  .folded            folded stacks\n"
		"  .speedscope.json   speedscope JSON\n"
		"  .svg               flame graph\n"
		"\n"
		"  -o, --output OUT       the file to write\n"
		"      --sample-type NAME pprof input: the value to read (default: the profile's\n"
		"                         default_sample_type, else its last sample type)\n"
		"      --title TEXT       SVG title\n"
		"  -v, --verbose          debug output\n"
		"  -h, --help             this help\n"
		"\n"
		"examples:\n"
		"  rtprof export cpu.folded -o cpu.pb.gz\n"
		"  rtprof export cpu.pb.gz -o cpu.folded\n"
		"  rtprof export heap.pb.gz --sample-type inuse_objects -o objects.svg\n");
}

static int parse_opts(int argc, char **argv, struct export_opts *o)
{
	static const struct option longopts[] = {
		{"output", required_argument, NULL, 'o'},
		{"sample-type", required_argument, NULL, 0x100},
		{"title", required_argument, NULL, 0x101},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o->out = optarg;
			break;
		case 0x100:
			o->sample_type = optarg;
			break;
		case 0x101:
			o->title = optarg;
			break;
		case 'v':
			log_set_level(LOG_DEBUG);
			break;
		case 'h':
			usage(stdout);
			return 1;
		default: /* getopt said which option, in one line */
			return -ERR_USAGE;
		}
	}
	if (optind + 1 != argc || !o->out) {
		fprintf(stderr, "rtprof export: %s (see rtprof export --help)\n",
			optind >= argc	    ? "an input (IN) is needed"
			: optind + 1 < argc ? "one input only"
					    : "an output (-o OUT) is needed");
		return -ERR_USAGE;
	}
	o->in = argv[optind];
	if (output_format_of(o->out) == OUTPUT_UNKNOWN) {
		fprintf(stderr, "rtprof export: -o %s: unknown extension (one of %s)\n", o->out,
			OUTPUT_EXTENSIONS);
		return -ERR_USAGE;
	}
	return 0;
}

/* The whole of path ("-": stdin) in *buf. */
static int read_all(const char *path, char **buf, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "re") : stdin;
	size_t cap = 0, n = 0, got;
	struct stat st;
	char *b = NULL;
	int err = 0;

	if (!f)
		return -errno;
	if (!fstat(fileno(f), &st) && S_ISDIR(st.st_mode)) {
		fclose(f);
		return -EISDIR;
	}
	/* a file: its size at once (a pipe: in growing chunks) */
	if (!fstat(fileno(f), &st) && S_ISREG(st.st_mode) && st.st_size > 0) {
		cap = (size_t)st.st_size + EXPORT_READ_CHUNK + 1;
		b = malloc(cap);
		if (!b)
			cap = 0;
	}
	do {
		if (cap - n < EXPORT_READ_CHUNK) {
			char *p = realloc(b, cap ? cap * 2 : EXPORT_READ_CHUNK + 1);

			if (!p) {
				err = -ENOMEM;
				break;
			}
			b = p;
			cap = cap ? cap * 2 : EXPORT_READ_CHUNK + 1;
		}
		got = fread(b + n, 1, cap - n - 1, f);
		n += got;
	} while (got);
	if (!err && ferror(f))
		err = -EIO;
	if (f != stdin)
		fclose(f);
	if (err) {
		free(b);
		return err;
	}
	b[n] = 0;
	*buf = b;
	*len = n;
	return 0;
}

/* What was read, for the output: the sample type and unit of the counts. */
struct input {
	bool pprof;
	char type[64], unit[64];
	int64_t period;
};

/* Read IN into a new tree *tp. */
static int read_input(const struct export_opts *o, struct stack_tree **tp, struct input *in)
{
	struct pprof_read_opts ro = {.sample_type = o->sample_type};
	struct pprof_read_info info;
	struct stack_tree *t = stack_tree__new();
	size_t len = 0, bad = 0;
	char *buf = NULL;
	int err;

	if (!t)
		return -errno;
	err = read_all(o->in, &buf, &len);
	if (err == -EISDIR) {
		pr_warn("export %s: is a directory, not a profile\n", o->in);
		err = -ERR_BADINPUT;
		goto cleanup;
	}
	if (err) {
		pr_warn("export %s: %s\n", o->in, err_str(err));
		goto cleanup;
	}
	err = pprof_read(buf, len, &ro, t, &info);
	if (!err) {
		in->pprof = true;
		snprintf(in->type, sizeof(in->type), "%s", info.sample_type);
		snprintf(in->unit, sizeof(in->unit), "%s", info.unit);
		in->period = info.period;
		if (info.skipped)
			pr_info("export %s: %llu samples with a %s value <= 0 left out\n", o->in,
				(unsigned long long)info.skipped, info.sample_type);
		if (!info.samples) {
			pr_warn("export %s: no sample with a %s value above 0\n", o->in,
				info.sample_type);
			err = -ERR_BADINPUT;
		}
		goto cleanup;
	}
	if (err != -ERR_BADINPUT || info.gzip || o->sample_type) {
		/* gzip, or a sample type asked for: it had to be pprof */
		pr_warn("export %s: %s\n", o->in, err == -ERR_BADINPUT ? info.error : err_str(err));
		goto cleanup;
	}
	/* not pprof: folded text, in a tree of its own (the attempt may have added stacks) */
	stack_tree__free(t);
	t = stack_tree__new();
	if (!t) {
		err = -errno;
		goto cleanup;
	}
	err = stack_tree__parse_buf(t, buf, len, &bad);
	if (err) {
		pr_warn("export %s: %s\n", o->in, err_str(err));
	} else if (!stack_tree__stacks(t)) {
		pr_warn("export %s: neither pprof nor folded stacks (no 'frame;...;frame COUNT' "
			"line)\n",
			o->in);
		err = -ERR_BADINPUT;
	} else if (stack_tree__is_diff(t)) {
		pr_warn("export %s: differential folded stacks (two counts per line) cannot be "
			"exported\n",
			o->in);
		err = -ERR_BADINPUT;
	} else if (bad) {
		pr_warn("export %s: ignored %zu invalid line%s (not 'frame;...;frame COUNT')\n",
			o->in, bad, bad == 1 ? "" : "s");
	}
cleanup:
	free(buf);
	if (err) {
		stack_tree__free(t);
		t = NULL;
	}
	*tp = t;
	return err;
}

static int write_output(const struct export_opts *o, const struct stack_tree *t,
			const struct input *in)
{
	enum output_format fmt = output_format_of(o->out);
	struct flamegraph_opts fo;
	FILE *f = fopen(o->out, "we");
	size_t rounded = 0;
	int err = 0;

	if (!f) {
		err = -errno;
		pr_warn("export -o %s: %s\n", o->out, err_str(err));
		return err;
	}
	switch (fmt) {
	case OUTPUT_FOLDED:
		err = stack_tree__write_folded(t, f);
		break;
	case OUTPUT_SVG:
		flamegraph_opts__init(&fo);
		if (o->title)
			fo.title = o->title;
		if (in->pprof && strcmp(in->unit, "count"))
			fo.countname = in->unit;
		else if (in->pprof)
			fo.countname = in->type;
		err = flamegraph__write_svg(t, &fo, f);
		break;
	case OUTPUT_SPEEDSCOPE: {
		const char *base = strrchr(o->in, '/');

		err = stack_tree__write_speedscope(t, base ? base + 1 : o->in,
						   in->pprof ? speedscope_unit(in->unit) : "none",
						   f);
		break;
	}
	case OUTPUT_PPROF: {
		struct pprof_value_type vt = {in->pprof ? in->type : "samples",
					      in->pprof ? in->unit : "count"};
		struct pprof_opts po = {
			.sample_types = &vt, .n_sample_types = 1, .default_sample_type = vt.type};

		if (in->pprof && in->period) {
			po.period_type = vt;
			po.period = in->period;
		}
		err = stack_tree__write_pprof(t, &po, f, &rounded);
		if (!err && rounded)
			pr_warn("export -o %s: %zu stacks had a count that is not an integer: "
				"rounded\n",
				o->out, rounded);
		break;
	}
	default:
		err = -ERR_USAGE;
	}
	if (fclose(f) && !err)
		err = -errno;
	if (err)
		pr_warn("export -o %s: %s\n", o->out, err_str(err));
	return err;
}

int cmd_export(int argc, char **argv)
{
	struct export_opts o = {};
	struct stack_tree *t = NULL;
	struct input in = {};
	int err;

	err = parse_opts(argc, argv, &o);
	if (err)
		return err > 0 ? 0 : err;
	err = read_input(&o, &t, &in);
	if (!err)
		err = write_output(&o, t, &in);
	stack_tree__free(t);
	return err;
}
