// SPDX-License-Identifier: GPL-2.0
/*
 * Options shared by rtprof flamegraph and rtprof diff.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "flamegraph/cli.h"
#include "flamegraph/folded.h"
#include "flamegraph/svg.h"
#include "lib/errors.h"
#include "lib/log.h"

#define OUT_BUF (1u << 20) /* bytes */

enum {
	OPT_TITLE = 256,
	OPT_SUBTITLE,
	OPT_WIDTH,
	OPT_HEIGHT,
	OPT_MINWIDTH,
	OPT_FONTTYPE,
	OPT_FONTSIZE,
	OPT_FONTWIDTH,
	OPT_COUNTNAME,
	OPT_NAMETYPE,
	OPT_COLORS,
	OPT_HASH,
	OPT_REVERSE,
	OPT_INVERTED,
	OPT_FLAMECHART,
	OPT_NEGATE,
	OPT_NOTES,
	OPT_SORT,
	OPT_FOLDED,
};

static const struct option long_opts[] = {
	{"title", required_argument, NULL, OPT_TITLE},
	{"subtitle", required_argument, NULL, OPT_SUBTITLE},
	{"width", required_argument, NULL, OPT_WIDTH},
	{"height", required_argument, NULL, OPT_HEIGHT},
	{"minwidth", required_argument, NULL, OPT_MINWIDTH},
	{"fonttype", required_argument, NULL, OPT_FONTTYPE},
	{"fontsize", required_argument, NULL, OPT_FONTSIZE},
	{"fontwidth", required_argument, NULL, OPT_FONTWIDTH},
	{"countname", required_argument, NULL, OPT_COUNTNAME},
	{"nametype", required_argument, NULL, OPT_NAMETYPE},
	{"colors", required_argument, NULL, OPT_COLORS},
	{"color", required_argument, NULL, OPT_COLORS},
	{"hash", no_argument, NULL, OPT_HASH},
	{"reverse", no_argument, NULL, OPT_REVERSE},
	{"inverted", no_argument, NULL, OPT_INVERTED},
	{"flamechart", no_argument, NULL, OPT_FLAMECHART},
	{"negate", no_argument, NULL, OPT_NEGATE},
	{"notes", required_argument, NULL, OPT_NOTES},
	{"sort", required_argument, NULL, OPT_SORT},
	{"folded", no_argument, NULL, OPT_FOLDED},
	{"normalize", no_argument, NULL, 'n'},
	{"output", required_argument, NULL, 'o'},
	{"verbose", no_argument, NULL, 'v'},
	{"help", no_argument, NULL, 'h'},
	{},
};

static void usage(FILE *f, bool diff)
{
	if (diff)
		fprintf(f,
			"usage: rtprof diff [OPTIONS] BEFORE AFTER\n\n"
			"Differential flame graph of two folded files: sized by AFTER, red where a "
			"frame\n"
			"grew, blue where it shrank (every frame, parents included, shows its own "
			"change);\n"
			"stacks only in BEFORE are drawn hatched with their BEFORE width.\n\n"
			"  -n, --normalize   scale BEFORE to AFTER's total first\n"
			"  --folded          print 'stack BEFORE AFTER' lines instead of an SVG\n"
			"  --negate          swap red and blue\n");
	else
		fprintf(f, "usage: rtprof flamegraph [OPTIONS] [FOLDED...]\n\n"
			   "Folded stacks ('frame;frame;frame COUNT', from FOLDED files or stdin) "
			   "to an\n"
			   "interactive SVG flame graph. Lines with two counts ('stack BEFORE "
			   "AFTER') make\n"
			   "a differential graph, as rtprof diff.\n\n"
			   "  --folded          print the merged folded stacks instead of an SVG\n"
			   "  --negate          differential input: swap red and blue\n");
	fprintf(f,
		"  -o, --output FILE write there instead of stdout\n"
		"  --title TEXT      title (default \"Flame Graph\")\n"
		"  --subtitle TEXT   second title line\n"
		"  --width PX        image width (default 1200)\n"
		"  --height PX       frame height (default 16)\n"
		"  --minwidth PX|N%%  omit frames narrower than PX pixels or N%% of the total "
		"(0.1)\n"
		"  --fonttype FONT   (default Verdana)   --fontsize N (12)   --fontwidth F (0.59)\n"
		"  --countname NAME  what the counts are (default samples)\n"
		"  --nametype TEXT   what the frames are (default \"Function:\")\n"
		"  --colors PALETTE  hot (default), mem, io, wakeup, java, js, perl, python, red,\n"
		"                    green, blue, aqua, yellow, purple, orange\n"
		"  --hash            colors from a hash of the name weighted to its first letters\n"
		"  --reverse         reverse every stack (leaf first: merge by callee)\n"
		"  --inverted        icicle graph: root at the top\n"
		"  --flamechart      keep the input's order (time), merge only consecutive "
		"samples\n"
		"  --sort name|weight  order of sibling frames (default name: alphabetical)\n"
		"  --notes TEXT      kept in the SVG's <desc>\n"
		"  -v                more messages\n\n"
		"The SVG: hover for details; click (or Tab to a frame and Enter) to zoom, Escape "
		"to\n"
		"reset; Search or Ctrl-F for a regex, 'ic' toggles case; zoom and search are kept "
		"in\n"
		"the URL. A graph taller than the window opens scrolled to its root.\n"
		"Python frames are blue, Ruby frames pink, native ones warm (hot and mem "
		"palettes).\n"
		"Exit: 0 ok (a few invalid lines are counted on stderr), 2 usage, 6 not a folded\n"
		"stack file (a directory, binary data, mostly invalid lines, no stack).\n\n"
		"examples:\n");
	if (diff)
		fprintf(f, "  rtprof diff before.folded after.folded -o diff.svg\n"
			   "  rtprof diff -n --folded before.folded after.folded | sort -k3 -n\n");
	else
		fprintf(f, "  rtprof flamegraph out.folded -o cpu.svg\n"
			   "  rtprof flamegraph --colors java --title 'JVM CPU' < java.folded > "
			   "j.svg\n"
			   "  rtprof flamegraph --reverse --inverted --minwidth 0.5%% a.folded "
			   "b.folded\n");
}

static int parse_num(const char *name, const char *arg, double min, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(arg, &end);
	if (errno || end == arg || *end || !(*v >= min) || *v > 1e9) {
		pr_warn("%s: invalid value '%s'\n", name, arg);
		return -ERR_USAGE;
	}
	return 0;
}

static bool font_ok(const char *s)
{
	for (; *s; s++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr(" ,-_.'", *s)))
			return false;
	}
	return true;
}

int flamegraph_cli__parse(struct flamegraph_cli *cli, int argc, char **argv, bool diff)
{
	struct flamegraph_opts *o = &cli->opts;
	const char *cmd = diff ? "diff" : "flamegraph";
	double v;
	int c, err;

	memset(cli, 0, sizeof(*cli));
	flamegraph_opts__init(o);
	optind = 1;
	while ((c = getopt_long(argc, argv, diff ? "no:vh" : "o:vh", long_opts, NULL)) != -1) {
		err = 0;
		switch (c) {
		case OPT_TITLE:
			o->title = optarg;
			break;
		case OPT_SUBTITLE:
			o->subtitle = optarg;
			break;
		case OPT_WIDTH:
			err = parse_num("--width", optarg, 100, &v);
			o->width = (int)v;
			break;
		case OPT_HEIGHT:
			err = parse_num("--height", optarg, 2, &v);
			o->frameheight = (int)v;
			break;
		case OPT_MINWIDTH: {
			char buf[64];
			size_t n = strlen(optarg);

			o->minwidth_pct = n && optarg[n - 1] == '%';
			snprintf(buf, sizeof(buf), "%.*s", (int)(n - o->minwidth_pct), optarg);
			err = parse_num("--minwidth", buf, 0, &o->minwidth);
			break;
		}
		case OPT_FONTTYPE:
			if (!font_ok(optarg)) {
				pr_warn("%s: --fonttype: '%s' is not a font name\n", cmd, optarg);
				err = -ERR_USAGE;
			}
			o->fonttype = optarg;
			break;
		case OPT_FONTSIZE:
			err = parse_num("--fontsize", optarg, 1, &o->fontsize);
			break;
		case OPT_FONTWIDTH:
			err = parse_num("--fontwidth", optarg, 0.01, &o->fontwidth);
			break;
		case OPT_COUNTNAME:
			o->countname = optarg;
			break;
		case OPT_NAMETYPE:
			o->nametype = optarg;
			break;
		case OPT_COLORS:
			if (!flamegraph_palette_ok(optarg)) {
				pr_warn("%s: --colors: unknown palette '%s'\n", cmd, optarg);
				err = -ERR_USAGE;
			}
			o->colors = optarg;
			break;
		case OPT_HASH:
			o->hash = true;
			break;
		case OPT_REVERSE:
			cli->reverse = true;
			break;
		case OPT_INVERTED:
			o->inverted = true;
			break;
		case OPT_FLAMECHART:
			o->flamechart = true;
			break;
		case OPT_NEGATE:
			o->negate = true;
			break;
		case OPT_NOTES:
			o->notes = optarg;
			break;
		case OPT_SORT:
			if (strcmp(optarg, "name") && strcmp(optarg, "weight")) {
				pr_warn("%s: --sort: 'name' or 'weight', not '%s'\n", cmd, optarg);
				err = -ERR_USAGE;
			}
			o->sort_weight = !strcmp(optarg, "weight");
			break;
		case OPT_FOLDED:
			cli->folded = true;
			break;
		case 'n':
			if (!diff) {
				pr_warn("%s: -n is for rtprof diff\n", cmd);
				err = -ERR_USAGE;
			}
			cli->normalize = true;
			break;
		case 'o':
			cli->output = optarg;
			break;
		case 'v':
			log_set_level(LOG_DEBUG);
			break;
		case 'h':
			usage(stdout, diff);
			return 1;
		default:
			usage(stderr, diff);
			return -ERR_USAGE;
		}
		if (err)
			return err;
	}
	cli->files = argv + optind;
	cli->n_files = argc - optind;
	if (diff && cli->n_files != 2) {
		pr_warn("diff: needs two files, BEFORE and AFTER (see rtprof diff --help)\n");
		return -ERR_USAGE;
	}
	if (o->flamechart && o->sort_weight) {
		pr_warn("%s: --flamechart keeps the input's order; --sort does not apply\n", cmd);
		return -ERR_USAGE;
	}
	return 0;
}

FILE *flamegraph_cli__open_output(const struct flamegraph_cli *cli)
{
	FILE *f = cli->output ? fopen(cli->output, "w") : stdout;

	if (!f)
		return NULL;
	setvbuf(f, NULL, _IOFBF, OUT_BUF);
	return f;
}

int flamegraph_cli__close_output(const struct flamegraph_cli *cli, FILE *f)
{
	int err = 0;

	if (!f)
		return 0;
	if (fflush(f) || ferror(f))
		err = errno ? -errno : -EIO;
	if (f != stdout && fclose(f) && !err)
		err = -errno;
	return err;
}

#define FOLDED_LINE "'frame;...;frame COUNT'"

int flamegraph_cli__read(struct stack_tree *t, const char *cmd, const char *path, int col,
			 size_t *stacks)
{
	const char *name = strcmp(path, "-") ? path : "stdin";
	size_t bad = 0, good, before = stack_tree__stacks(t);
	FILE *f = NULL;
	struct stat st;
	int err = 0;

	if (stacks)
		*stacks = 0;
	f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	if (!f) {
		err = -errno;
		pr_warn("%s %s: %s\n", cmd, name, err_str(err));
		goto cleanup;
	}
	if (!fstat(fileno(f), &st) && S_ISDIR(st.st_mode)) {
		pr_warn("%s %s: is a directory, not a folded stack file\n", cmd, name);
		err = -ERR_BADINPUT;
		goto cleanup;
	}
	if (col < 0)
		err = stack_tree__parse_file(t, f, &bad);
	else
		err = stack_tree__parse_file_col(t, f, (enum stack_col)col, &bad);
	good = stack_tree__stacks(t) - before;
	if (err == -ERR_BADINPUT)
		pr_warn("%s %s: not a folded stack file (binary data)\n", cmd, name);
	else if (err)
		pr_warn("%s %s: %s\n", cmd, name, err_str(err));
	else if (bad && !good)
		pr_warn("%s %s: not a folded stack file: no valid stack in %zu line%s "
			"(not " FOLDED_LINE ")\n",
			cmd, name, bad, bad == 1 ? "" : "s");
	else if (bad > good)
		/* text, but not stacks: a README, a log, perf script output */
		pr_warn("%s %s: not a folded stack file: %zu of its %zu lines are not " FOLDED_LINE
			"\n",
			cmd, name, bad, bad + good);
	else if (bad)
		pr_warn("%s %s: ignored %zu invalid line%s (not " FOLDED_LINE ")\n", cmd, name, bad,
			bad == 1 ? "" : "s");
	else if (!good)
		pr_warn("%s %s: empty, no stack\n", cmd, name);
	if (!err && bad > good)
		err = -ERR_BADINPUT;
	if (!err && stacks)
		*stacks = good;
cleanup:
	if (f && f != stdin)
		fclose(f);
	return err;
}

int flamegraph_cli__write(const struct flamegraph_cli *cli, const struct stack_tree *t,
			  const char *cmd)
{
	FILE *out;
	int err, e;

	out = flamegraph_cli__open_output(cli);
	if (!out) {
		err = -errno;
		pr_warn("%s %s: %s\n", cmd, cli->output, err_str(err));
		return err;
	}
	if (cli->folded)
		err = stack_tree__write_folded(t, out);
	else
		err = flamegraph__write_svg(t, &cli->opts, out);
	if (err == -ERR_BADINPUT)
		pr_warn("%s: every count is zero, nothing to draw\n", cmd);
	else if (err)
		pr_warn("%s: cannot write: %s\n", cmd, err_str(err));
	e = flamegraph_cli__close_output(cli, out);
	if (!err && e) {
		err = e;
		pr_warn("%s: cannot write: %s\n", cmd, err_str(err));
	}
	return err;
}
