// SPDX-License-Identifier: GPL-2.0
/*
 * rtprof compare BASE NEW: did NEW get slower than BASE, and in which functions?
 *
 * The unit that varies is the run (where the process was placed, caches, clock frequency, the
 * machine's other load), not the sample: the samples of one run are not independent repeats.
 * So each function gets one value per run, its share of that run's samples (self: stacks that
 * end in it; total: stacks that contain it), and BASE's runs are compared with NEW's by a
 * one-sided exact Mann-Whitney U test (lib/stats.h). The functions tested are the top --top by
 * BASE's median share, plus any other whose NEW median reaches --min-share (new functions);
 * Holm's step-down keeps the chance of any false alarm among them at --alpha. A function is a
 * regression only when its test is significant after Holm AND its Hodges-Lehmann shift (the
 * median of every NEW - BASE difference) is at least --min-share percentage points AND at
 * least --min-change percent of its BASE median.
 *
 * With m and n runs the smallest p-value the exact test can give is 1 / C(m+n, n); when that
 * is above alpha / K (K functions tested) nothing can ever be significant, so compare gives no
 * verdict and says how many runs per side are needed (exit 0, or 8 with --inconclusive fail).
 *
 * Per function also the minimum detectable change (lib/stats.h, struct stats_mdc): the smallest
 * true shift this gate flags with probability --power when that function alone changes (so
 * Holm's first step, alpha / K), given the function's run-to-run noise (the pooled SD of its
 * shares on both sides) and the minimum effect (the HL shift must reach it).
 *
 * Input per side: a record directory (DIR/run-NN.folded or .pb.gz, and DIR/manifest.json,
 * whose kernel, CPU and frequency are compared between the sides), one profile file, or a
 * comma-separated list of them; every file goes through flamegraph/profile_file.h.
 * Output: a table like benchstat's on stdout; on request Markdown (one table, for a CI job
 * summary), JUnit XML (one test case per tested function), JSON, and the differential flame
 * graph of the merged runs (rtprof diff -n: sized by NEW, BASE scaled to NEW's total).
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "flamegraph/folded.h"
#include "flamegraph/frame_counts.h"
#include "flamegraph/profile_file.h"
#include "flamegraph/svg.h"
#include "lib/errors.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/opts.h"
#include "lib/stats.h"
#include "profiler/commands.h"

#define COMPARE_TOP	   20
#define COMPARE_ALPHA	   0.05
#define COMPARE_MIN_CHANGE 5.0 /* % of the BASE median */
#define COMPARE_MIN_SHARE  0.5 /* percentage points */
#define COMPARE_LEVEL	   0.95
#define COMPARE_POWER	   0.8
#define NAME_COLS	   24	      /* width of the function column of the text table */
#define TEXT_COLS	   100	      /* width of the text report */
#define MANIFEST_MAX	   (1u << 20) /* bytes */
#define TOLERANCE	   (1 + 1e-9) /* p-values that equal alpha count as reaching it */

struct compare_opts {
	const char *markdown, *junit, *json, *svg;
	bool by_total;
	long top;
	double alpha, min_change, min_share, power;
	bool inconclusive_fail;
	const char *base_arg, *new_arg;
};

struct side {
	const char *name; /* "base", "new" */
	const char *arg;
	char **files;
	size_t n;
	char *manifest;	 /* DIR/manifest.json, NULL when none */
	double *samples; /* per run */
	double samples_med;
};

struct func {
	char *name;
	double *self, *total; /* per run, % of its samples: BASE runs, then NEW runs */
	double base_med, new_med;
	double shift, lo, hi;	    /* Hodges-Lehmann shift and CI, percentage points */
	double rel, rel_lo, rel_hi; /* the same, % of base_med (inf for a new function) */
	double p, p_holm;
	double sd;	     /* pooled SD of the runs' shares, percentage points */
	double mdc, mdc_rel; /* minimum detectable change: pp, % of base_med (inf: none/new) */
	bool tested, significant, regression;
};

struct compare {
	struct compare_opts o;
	struct side side[2]; /* BASE, NEW */
	size_t runs;
	struct func *funcs;
	size_t n_funcs, cap_funcs;
	uint32_t *index; /* name hash -> funcs index + 1, 0 empty */
	size_t index_mask;
	size_t *tested; /* report order */
	size_t n_tested, n_top;
	unsigned int needed; /* runs per side for any verdict */
	bool possible;
	size_t n_regressions;
	char *warnings[4];
	size_t n_warnings;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: rtprof compare BASE NEW [--by self|total] [--top K] [--alpha A]\n"
		"                      [--min-change PCT] [--min-share PP] [--power P]\n"
		"                      [--inconclusive pass|fail]\n"
		"                      [--markdown FILE] [--junit FILE] [--json FILE] [--svg "
		"FILE]\n"
		"\n"
		"Is NEW slower than BASE, and where? BASE and NEW are directories written by "
		"rtprof\n"
		"record (run-NN.folded or .pb.gz and manifest.json), profile files, or "
		"comma-separated\n"
		"lists of profile files. Per function, its share of each run's samples; a "
		"one-sided\n"
		"exact Mann-Whitney U test over the runs (NEW > BASE) for the top K functions of "
		"BASE\n"
		"and any other reaching --min-share in NEW, Holm-corrected. A regression is "
		"significant\n"
		"AND at least --min-change %% of the BASE share AND --min-share percentage "
		"points.\n"
		"\n"
		"      --by self|total     share of stacks ending in the function (default) or\n"
		"                          containing it\n"
		"      --top K             functions of BASE tested (default %d)\n"
		"      --alpha A           family-wise false-alarm rate (default %g)\n"
		"      --min-change PCT    smallest relative change that counts (default %g%%)\n"
		"      --min-share PP      smallest change in percentage points that counts, and "
		"the\n"
		"                          NEW share a function outside the top K needs to be "
		"tested\n"
		"                          (default %g)\n"
		"      --power P           the minimum detectable change (mdc) is the smallest "
		"change\n"
		"                          flagged with probability P (default %g)\n"
		"      --inconclusive pass|fail\n"
		"                          too few runs for any verdict: exit 0 (default) or 8\n"
		"      --markdown FILE     one Markdown table (for $GITHUB_STEP_SUMMARY)\n"
		"      --junit FILE        JUnit XML, one test case per tested function\n"
		"      --json FILE         every figure as JSON\n"
		"      --svg FILE          differential flame graph of the merged runs (NEW "
		"sized,\n"
		"                          BASE normalized to NEW's total, as rtprof diff -n)\n"
		"  -v, --verbose           debug output\n"
		"  -h, --help              this help\n"
		"\n"
		"exit: 0 no significant regression, 7 regression (named on stderr, worst first),\n"
		"      8 too few runs with --inconclusive fail, 2 usage, 6 unreadable input\n"
		"\n"
		"examples:\n"
		"  rtprof compare base/ head/ --markdown summary.md --junit junit.xml\n"
		"  rtprof compare a1.folded,a2.folded,a3.folded b1.folded,b2.folded,b3.folded\n",
		COMPARE_TOP, COMPARE_ALPHA, COMPARE_MIN_CHANGE, COMPARE_MIN_SHARE, COMPARE_POWER);
}

/* A percentage: "5", "5%", "0.5pp". */
static int parse_pct(const char *opt, const char *arg, double *out)
{
	char buf[64];
	size_t n = strlen(arg);

	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	memcpy(buf, arg, n);
	buf[n] = 0;
	if (n > 2 && !strcmp(buf + n - 2, "pp"))
		buf[n - 2] = 0;
	else if (n > 1 && buf[n - 1] == '%')
		buf[n - 1] = 0;
	return opts_number("compare", opt, buf, out);
}

static int parse_opts(int argc, char **argv, struct compare_opts *o)
{
	enum {
		OPT_MARKDOWN = 256,
		OPT_JUNIT,
		OPT_JSON,
		OPT_SVG,
		OPT_BY,
		OPT_TOP,
		OPT_ALPHA,
		OPT_MIN_CHANGE,
		OPT_MIN_SHARE,
		OPT_INCONCLUSIVE,
		OPT_POWER,
	};
	static const struct option longopts[] = {
		{"markdown", required_argument, NULL, OPT_MARKDOWN},
		{"junit", required_argument, NULL, OPT_JUNIT},
		{"json", required_argument, NULL, OPT_JSON},
		{"svg", required_argument, NULL, OPT_SVG},
		{"by", required_argument, NULL, OPT_BY},
		{"top", required_argument, NULL, OPT_TOP},
		{"alpha", required_argument, NULL, OPT_ALPHA},
		{"min-change", required_argument, NULL, OPT_MIN_CHANGE},
		{"min-share", required_argument, NULL, OPT_MIN_SHARE},
		{"inconclusive", required_argument, NULL, OPT_INCONCLUSIVE},
		{"power", required_argument, NULL, OPT_POWER},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	struct opts_common co = {"compare", NULL, NULL, usage};
	int c, err = 0;

	o->top = COMPARE_TOP;
	o->alpha = COMPARE_ALPHA;
	o->min_change = COMPARE_MIN_CHANGE;
	o->min_share = COMPARE_MIN_SHARE;
	o->power = COMPARE_POWER;
	optind = 1;
	while (!err && (c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_MARKDOWN:
			o->markdown = optarg;
			break;
		case OPT_JUNIT:
			o->junit = optarg;
			break;
		case OPT_JSON:
			o->json = optarg;
			break;
		case OPT_SVG:
			o->svg = optarg;
			break;
		case OPT_BY:
			if (strcmp(optarg, "self") && strcmp(optarg, "total")) {
				fprintf(stderr,
					"rtprof compare: --by wants self or total, not '%s'\n",
					optarg);
				return -ERR_USAGE;
			}
			o->by_total = !strcmp(optarg, "total");
			break;
		case OPT_TOP:
			err = opts_long("compare", "--top", optarg, 1, 100000, &o->top);
			break;
		case OPT_ALPHA:
			err = opts_number("compare", "--alpha", optarg, &o->alpha);
			if (!err && (o->alpha <= 0 || o->alpha >= 1)) {
				fprintf(stderr,
					"rtprof compare: --alpha wants 0 < A < 1, not '%s'\n",
					optarg);
				err = -ERR_USAGE;
			}
			break;
		case OPT_POWER:
			err = opts_number("compare", "--power", optarg, &o->power);
			if (!err && (o->power <= 0 || o->power >= 1)) {
				fprintf(stderr,
					"rtprof compare: --power wants 0 < P < 1, not '%s'\n",
					optarg);
				err = -ERR_USAGE;
			}
			break;
		case OPT_MIN_CHANGE:
			err = parse_pct("--min-change", optarg, &o->min_change);
			break;
		case OPT_MIN_SHARE:
			err = parse_pct("--min-share", optarg, &o->min_share);
			break;
		case OPT_INCONCLUSIVE:
			if (strcmp(optarg, "pass") && strcmp(optarg, "fail")) {
				fprintf(stderr,
					"rtprof compare: --inconclusive wants pass or fail, not "
					"'%s'\n",
					optarg);
				return -ERR_USAGE;
			}
			o->inconclusive_fail = !strcmp(optarg, "fail");
			break;
		default:
			err = opts_common__handle(&co, c, optarg);
		}
	}
	if (err)
		return err;
	if (argc - optind != 2) {
		fprintf(stderr, "rtprof compare: wants BASE and NEW (see rtprof compare --help)\n");
		return -ERR_USAGE;
	}
	o->base_arg = argv[optind];
	o->new_arg = argv[optind + 1];
	return 0;
}

/* ---- the runs of a side ---- */

static int add_file(struct side *s, const char *path)
{
	char **files = realloc(s->files, (s->n + 1) * sizeof(*files));

	if (!files)
		return -ENOMEM;
	s->files = files;
	s->files[s->n] = strdup(path);
	if (!s->files[s->n])
		return -ENOMEM;
	s->n++;
	return 0;
}

/* run-NN.folded or run-NN.pb.gz: NN, and the rank of the format (pprof preferred). */
static bool run_file(const char *name, long *num, int *rank)
{
	char *end;

	if (strncmp(name, "run-", 4) || name[4] < '0' || name[4] > '9')
		return false;
	*num = strtol(name + 4, &end, 10);
	if (!strcmp(end, ".pb.gz"))
		*rank = 0;
	else if (!strcmp(end, ".folded"))
		*rank = 1;
	else
		return false;
	return true;
}

struct run_entry {
	long num;
	int rank;
	char *name;
};

static int cmp_run(const void *a, const void *b)
{
	const struct run_entry *x = a, *y = b;

	if (x->num != y->num)
		return x->num < y->num ? -1 : 1;
	return x->rank - y->rank;
}

static char *read_small_file(const char *path, size_t max)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t n;

	if (!f)
		return NULL;
	buf = malloc(max + 1);
	if (buf) {
		n = fread(buf, 1, max, f);
		buf[n] = 0;
	}
	fclose(f);
	return buf;
}

/* DIR/run-NN.* in run order, one file per run; DIR/manifest.json when there is one. */
static int side_from_dir(struct side *s, const char *dir)
{
	struct run_entry *runs = NULL, *r;
	size_t n = 0, cap = 0, i;
	struct dirent *de;
	char path[4096];
	DIR *d;
	int err = 0, rank;
	long num;

	d = opendir(dir);
	if (!d) {
		err = -errno;
		pr_warn("compare %s: %s\n", dir, err_str(err));
		return err;
	}
	while ((de = readdir(d))) {
		if (!run_file(de->d_name, &num, &rank))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			r = realloc(runs, cap * sizeof(*runs));
			if (!r) {
				err = -ENOMEM;
				goto cleanup;
			}
			runs = r;
		}
		runs[n].num = num;
		runs[n].rank = rank;
		runs[n].name = strdup(de->d_name);
		if (!runs[n++].name) {
			err = -ENOMEM;
			goto cleanup;
		}
	}
	if (!n) {
		pr_warn("compare %s: no run-NN.folded or run-NN.pb.gz in this directory (written "
			"by rtprof record)\n",
			dir);
		err = -ERR_BADINPUT;
		goto cleanup;
	}
	qsort(runs, n, sizeof(*runs), cmp_run);
	for (i = 0; i < n && !err; i++) {
		if (i > 0 && runs[i].num == runs[i - 1].num)
			continue; /* the same run in another format: the first (pprof) wins */
		snprintf(path, sizeof(path), "%s/%s", dir, runs[i].name);
		err = add_file(s, path);
	}
	snprintf(path, sizeof(path), "%s/manifest.json", dir);
	s->manifest = read_small_file(path, MANIFEST_MAX);
	if (!s->manifest)
		pr_debug("compare %s: no manifest.json: the environments are not compared\n", dir);
cleanup:
	for (i = 0; i < n; i++)
		free(runs[i].name);
	free(runs);
	closedir(d);
	return err;
}

static int side_init(struct side *s, const char *name, const char *arg)
{
	struct stat st;
	char *list, *tok, *save = NULL;
	int err = 0;

	s->name = name;
	s->arg = arg;
	if (stat(arg, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return side_from_dir(s, arg);
		return add_file(s, arg);
	}
	if (!strchr(arg, ',')) {
		err = -errno;
		pr_warn("compare %s: %s\n", arg, err_str(err));
		return err;
	}
	list = strdup(arg);
	if (!list)
		return -ENOMEM;
	for (tok = strtok_r(list, ",", &save); tok && !err; tok = strtok_r(NULL, ",", &save)) {
		if (stat(tok, &st) || !S_ISREG(st.st_mode)) {
			err = errno ? -errno : -ERR_BADINPUT;
			pr_warn("compare %s: %s\n", tok,
				S_ISDIR(st.st_mode) ? "a directory in a list of files"
						    : err_str(err));
			break;
		}
		err = add_file(s, tok);
	}
	free(list);
	return err;
}

static void side_free(struct side *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->files[i]);
	free(s->files);
	free(s->manifest);
	free(s->samples);
}

/* ---- the function table ---- */

static uint32_t hash_name(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static int grow_index(struct compare *c)
{
	size_t mask = c->index_mask ? 2 * c->index_mask + 1 : 1023, i, j;
	uint32_t *idx = calloc(mask + 1, sizeof(*idx));

	if (!idx)
		return -ENOMEM;
	for (i = 0; i < c->n_funcs; i++) {
		for (j = hash_name(c->funcs[i].name) & mask; idx[j]; j = (j + 1) & mask)
			;
		idx[j] = (uint32_t)i + 1;
	}
	free(c->index);
	c->index = idx;
	c->index_mask = mask;
	return 0;
}

static struct func *func_get(struct compare *c, const char *name)
{
	struct func *f;
	size_t j;

	if ((c->n_funcs + 1) * 2 > c->index_mask && grow_index(c))
		return NULL;
	for (j = hash_name(name) & c->index_mask; c->index[j]; j = (j + 1) & c->index_mask) {
		f = &c->funcs[c->index[j] - 1];
		if (!strcmp(f->name, name))
			return f;
	}
	if (c->n_funcs == c->cap_funcs) {
		size_t cap = c->cap_funcs ? 2 * c->cap_funcs : 256;

		f = realloc(c->funcs, cap * sizeof(*f));
		if (!f)
			return NULL;
		c->funcs = f;
		c->cap_funcs = cap;
	}
	f = &c->funcs[c->n_funcs];
	memset(f, 0, sizeof(*f));
	f->name = strdup(name);
	f->self = calloc(c->runs, sizeof(*f->self));
	f->total = calloc(c->runs, sizeof(*f->total));
	if (!f->name || !f->self || !f->total) {
		free(f->name);
		free(f->self);
		free(f->total);
		return NULL;
	}
	c->index[j] = (uint32_t)++c->n_funcs;
	return f;
}

/* One run: its shares per function into column run of the table. */
static int load_run(struct compare *c, const char *path, size_t run, double *samples)
{
	struct stack_tree *t = stack_tree__new();
	double *self = NULL, *total = NULL, all;
	size_t n, i;
	struct func *f;
	int err;

	if (!t)
		return -ENOMEM;
	err = profile_file__load(t, path, STACK_COL_AFTER, "compare", NULL);
	if (err)
		goto cleanup;
	all = stack_tree__total(t, STACK_COL_AFTER);
	*samples = all;
	if (all <= 0) {
		pr_warn("compare %s: no samples\n", path);
		err = -ERR_BADINPUT;
		goto cleanup;
	}
	n = stack_tree__names(t);
	self = malloc((n + 1) * sizeof(*self));
	total = malloc((n + 1) * sizeof(*total));
	if (!self || !total) {
		err = -ENOMEM;
		goto cleanup;
	}
	err = stack_tree__frame_counts(t, STACK_COL_AFTER, self, total);
	for (i = 0; i < n && !err; i++) {
		if (self[i] <= 0 && total[i] <= 0)
			continue;
		f = func_get(c, stack_tree__name(t, i));
		if (!f) {
			err = -ENOMEM;
			break;
		}
		f->self[run] = 100 * self[i] / all;
		f->total[run] = 100 * total[i] / all;
	}
cleanup:
	free(self);
	free(total);
	stack_tree__free(t);
	return err;
}

/* ---- the test ---- */

static const double *values(const struct compare *c, const struct func *f)
{
	return c->o.by_total ? f->total : f->self;
}

static int cmp_base_share(const void *a, const void *b, void *arg)
{
	const struct compare *c = arg;
	const struct func *x = &c->funcs[*(const size_t *)a], *y = &c->funcs[*(const size_t *)b];

	if (x->base_med != y->base_med)
		return x->base_med > y->base_med ? -1 : 1;
	if (x->new_med != y->new_med)
		return x->new_med > y->new_med ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Report order: regressions first, the largest shift first; then by the larger median. */
static int cmp_report(const void *a, const void *b, void *arg)
{
	const struct compare *c = arg;
	const struct func *x = &c->funcs[*(const size_t *)a], *y = &c->funcs[*(const size_t *)b];
	double mx = fmax(x->base_med, x->new_med), my = fmax(y->base_med, y->new_med);

	if (x->regression != y->regression)
		return x->regression ? -1 : 1;
	if (x->regression && x->shift != y->shift)
		return x->shift > y->shift ? -1 : 1;
	if (mx != my)
		return mx > my ? -1 : 1;
	return strcmp(x->name, y->name);
}

/*
 * Per tested function, the smallest shift flagged with probability --power if it alone
 * changed: the exact test at alpha / K (Holm's first step) on normal runs with the function's
 * pooled SD, and the Hodges-Lehmann shift at least the minimum effect (the larger of
 * --min-share and --min-change of its BASE median).
 */
static int minimum_detectable(struct compare *c)
{
	size_t m = c->side[0].n, n = c->side[1].n, i;
	struct stats_mdc *mdc = NULL;
	struct func *f;
	double floor_pp;

	if (c->possible) {
		mdc = stats_mdc__new(m, n, c->o.alpha / (double)c->n_tested);
		if (!mdc)
			return -errno;
	}
	for (i = 0; i < c->n_tested; i++) {
		f = &c->funcs[c->tested[i]];
		f->sd = stats_pooled_sd(values(c, f), m, values(c, f) + m, n);
		floor_pp = fmax(c->o.min_share, c->o.min_change / 100 * f->base_med);
		if (!mdc)
			f->mdc = INFINITY;
		else if (!(f->sd > 0)) /* no noise at all: the minimum effect decides */
			f->mdc = floor_pp;
		else
			f->mdc = f->sd * stats_mdc__shift(mdc, c->o.power, floor_pp / f->sd);
		f->mdc_rel = f->base_med > 0 ? 100 * f->mdc / f->base_med : INFINITY;
	}
	stats_mdc__free(mdc);
	return 0;
}

static int analyse(struct compare *c)
{
	size_t m = c->side[0].n, n = c->side[1].n, i, *order = NULL;
	double *p = NULL, *adj = NULL;
	struct func *f;
	int err = 0;

	order = malloc((c->n_funcs + 1) * sizeof(*order));
	c->tested = malloc((c->n_funcs + 1) * sizeof(*c->tested));
	if (!order || !c->tested)
		return -ENOMEM;
	for (i = 0; i < c->n_funcs; i++) {
		f = &c->funcs[i];
		f->base_med = stats_median(values(c, f), m);
		f->new_med = stats_median(values(c, f) + m, n);
		order[i] = i;
	}
	qsort_r(order, c->n_funcs, sizeof(*order), cmp_base_share, c);
	/* the top of BASE, then whatever else reaches --min-share in NEW */
	for (i = 0; i < c->n_funcs && c->n_tested < (size_t)c->o.top; i++) {
		f = &c->funcs[order[i]];
		if (f->base_med <= 0)
			break;
		f->tested = true;
		c->tested[c->n_tested++] = order[i];
	}
	c->n_top = c->n_tested;
	for (i = 0; i < c->n_funcs; i++) {
		f = &c->funcs[order[i]];
		if (!f->tested && f->new_med >= c->o.min_share && f->new_med > 0) {
			f->tested = true;
			c->tested[c->n_tested++] = order[i];
		}
	}
	free(order);
	if (!c->n_tested) {
		pr_warn("compare: no function has samples in %s\n", c->side[0].arg);
		return -ERR_BADINPUT;
	}
	c->needed = stats_mwu_runs_needed(c->o.alpha, c->n_tested);
	c->possible = stats_mwu_min_p(m, n) <= c->o.alpha / (double)c->n_tested * TOLERANCE;
	p = malloc(c->n_tested * sizeof(*p));
	adj = malloc(c->n_tested * sizeof(*adj));
	if (!p || !adj) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (i = 0; i < c->n_tested; i++) {
		f = &c->funcs[c->tested[i]];
		f->p = stats_mwu_greater(values(c, f), m, values(c, f) + m, n);
		if (isnan(f->p)) {
			err = -ENOMEM;
			goto cleanup;
		}
		p[i] = f->p;
		err = stats_hl_shift(values(c, f), m, values(c, f) + m, n, COMPARE_LEVEL, &f->shift,
				     &f->lo, &f->hi);
		if (err < -1)
			goto cleanup;
		err = 0;
		if (f->base_med > 0) {
			f->rel = 100 * f->shift / f->base_med;
			f->rel_lo = 100 * f->lo / f->base_med;
			f->rel_hi = 100 * f->hi / f->base_med;
		} else {
			f->rel = f->rel_lo = f->rel_hi = INFINITY;
		}
	}
	err = stats_holm(p, c->n_tested, adj);
	if (err)
		goto cleanup;
	for (i = 0; i < c->n_tested; i++) {
		f = &c->funcs[c->tested[i]];
		f->p_holm = adj[i];
		f->significant = c->possible && adj[i] <= c->o.alpha * TOLERANCE;
		f->regression = f->significant && f->shift >= c->o.min_share &&
				(f->base_med <= 0 || f->rel >= c->o.min_change);
		c->n_regressions += f->regression;
	}
	err = minimum_detectable(c);
	if (err)
		goto cleanup;
	qsort_r(c->tested, c->n_tested, sizeof(*c->tested), cmp_report, c);
cleanup:
	free(p);
	free(adj);
	return err;
}

/* ---- the environments ---- */

static void warn_env(struct compare *c, const char *what, const char *base, const char *new)
{
	char *w;

	if (asprintf(&w, "base and new ran on different %s: '%s' and '%s'", what, base, new) < 0)
		return;
	pr_warn("compare: warning: %s\n", w);
	if (c->n_warnings < sizeof(c->warnings) / sizeof(c->warnings[0]))
		c->warnings[c->n_warnings++] = w;
	else
		free(w);
}

static void compare_env(struct compare *c)
{
	static const struct {
		const char *key, *what;
	} fields[] = {
		{"cpu_model", "CPUs"},
		{"kernel", "kernels"},
	};
	const char *a = c->side[0].manifest, *b = c->side[1].manifest;
	char va[512], vb[512];
	double ha, hb;
	size_t i;

	if (!a || !b)
		return;
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (json_get_string(a, fields[i].key, va, sizeof(va)) ||
		    json_get_string(b, fields[i].key, vb, sizeof(vb)))
			continue;
		if (strcmp(va, vb))
			warn_env(c, fields[i].what, va, vb);
	}
	if (!json_get_number(a, "frequency_hz", &ha) && !json_get_number(b, "frequency_hz", &hb) &&
	    ha != hb) {
		snprintf(va, sizeof(va), "%g Hz", ha);
		snprintf(vb, sizeof(vb), "%g Hz", hb);
		warn_env(c, "sampling frequencies", va, vb);
	}
}

/* ---- reports ---- */

static void fmt_pct(char *buf, size_t size, double v, bool sign)
{
	if (isinf(v))
		snprintf(buf, size, "new");
	else if (isnan(v))
		snprintf(buf, size, "-");
	else if (fabs(v) >= 99999.5)
		snprintf(buf, size, sign ? "%+.0e%%" : "%.0e%%", v);
	else if (fabs(v) >= 99.95)
		snprintf(buf, size, sign ? "%+.0f%%" : "%.0f%%", v);
	else
		snprintf(buf, size, sign ? "%+.1f%%" : "%.1f%%", v);
}

static void fmt_share(char *buf, size_t size, double v)
{
	snprintf(buf, size, v >= 99.995 ? "%.1f%%" : "%.2f%%", v);
}

static void fmt_ci(char *buf, size_t size, const struct func *f)
{
	char lo[24], hi[24];

	if (isnan(f->lo)) {
		snprintf(buf, size, "-");
		return;
	}
	if (isinf(f->rel)) { /* a new function: the interval in percentage points */
		snprintf(buf, size, "[%+.2f, %+.2f]pp", f->lo, f->hi);
		return;
	}
	fmt_pct(lo, sizeof(lo), f->rel_lo, true);
	fmt_pct(hi, sizeof(hi), f->rel_hi, true);
	snprintf(buf, size, "[%s, %s]", lo, hi);
}

/* The minimum detectable change relative to base; in percentage points for a new function;
 * "-" when nothing can be flagged. */
static void fmt_mdc(char *buf, size_t size, const struct func *f)
{
	if (isinf(f->mdc) || isnan(f->mdc))
		snprintf(buf, size, "-");
	else if (isinf(f->mdc_rel))
		snprintf(buf, size, "%.2fpp", f->mdc);
	else
		fmt_pct(buf, size, f->mdc_rel, false);
}

static void fmt_p(char *buf, size_t size, double p)
{
	snprintf(buf, size, p >= 0.0001 || p == 0 ? "%.4f" : "%.0e", p);
}

static const char *metric(const struct compare *c)
{
	return c->o.by_total ? "total" : "self";
}

/* Status word of a tested function. */
static const char *status(const struct compare *c, const struct func *f)
{
	if (f->regression)
		return "REGRESSION";
	if (f->significant)
		return "below min";
	return "";
}

/* The function column: at most cols characters (UTF-8 aware), cut with "..". */
static void put_name(FILE *out, const char *name, int cols)
{
	size_t len = strlen(name), i, chars = 0, cut = len;
	int pad;

	for (i = 0; i < len; i++) {
		if (((unsigned char)name[i] & 0xc0) == 0x80)
			continue;
		if (chars == (size_t)cols - 2)
			cut = i;
		chars++;
	}
	if (chars > (size_t)cols) {
		fwrite(name, 1, cut, out);
		fputs("..", out);
		return;
	}
	fputs(name, out);
	for (pad = cols - (int)chars; pad > 0; pad--)
		fputc(' ', out);
}

static void verdict_text(const struct compare *c, char *buf, size_t size)
{
	const struct func *f;
	size_t i, off;

	if (!c->possible) {
		snprintf(buf, size,
			 "no verdict: need >= %u runs per side to reach significance with %zu "
			 "functions tested at alpha %g (have %zu and %zu)",
			 c->needed, c->n_tested, c->o.alpha, c->side[0].n, c->side[1].n);
		return;
	}
	if (!c->n_regressions) {
		snprintf(buf, size, "no significant regression (%zu functions tested)",
			 c->n_tested);
		return;
	}
	off = (size_t)snprintf(buf, size, "REGRESSION in");
	for (i = 0; i < c->n_tested && off < size; i++) {
		char rel[24];

		f = &c->funcs[c->tested[i]];
		if (!f->regression)
			continue;
		fmt_pct(rel, sizeof(rel), f->rel, true);
		off += (size_t)snprintf(buf + off, size - off, "%s %s (%s, %+.2f pp)", i ? "," : "",
					f->name, rel, f->shift);
	}
}

/* text after prefix, words wrapped at TEXT_COLS, later lines indented like the first's text */
static void put_wrapped(FILE *out, const char *prefix, const char *text)
{
	size_t col = strlen(prefix), indent = col, w;
	const char *p = text;

	fputs(prefix, out);
	while (*p) {
		while (*p == ' ')
			p++;
		w = strcspn(p, " ");
		if (!w)
			break;
		if (col > indent && col + 1 + w > TEXT_COLS) {
			fprintf(out, "\n%*s", (int)indent, "");
			col = indent;
		} else if (col > indent) {
			fputc(' ', out);
			col++;
		}
		fwrite(p, 1, w, out);
		col += w;
		p += w;
	}
	fputc('\n', out);
}

static void write_text(const struct compare *c, FILE *out)
{
	char base[16], new[16], pp[16], change[24], ci[64], mdc[24], p[16], verdict[2048], *line;
	const struct func *f;
	size_t i, s;

	for (s = 0; s < 2; s++) {
		if (asprintf(&line, "%zu run%s of %s, median %.0f samples", c->side[s].n,
			     c->side[s].n == 1 ? "" : "s", c->side[s].arg,
			     c->side[s].samples_med) < 0)
			continue;
		put_wrapped(out, s ? "new  " : "base ", line);
		free(line);
	}
	fprintf(out, "\n");
	put_name(out, "function", NAME_COLS);
	fprintf(out, " %7s %7s %6s %8s %-17s %7s %6s\n", "base", "new", "pp", "change", "95% CI",
		"mdc", "p");
	for (i = 0; i < c->n_tested; i++) {
		f = &c->funcs[c->tested[i]];
		fmt_share(base, sizeof(base), f->base_med);
		fmt_share(new, sizeof(new), f->new_med);
		snprintf(pp, sizeof(pp), "%+.2f", f->shift);
		if (f->significant)
			fmt_pct(change, sizeof(change), f->rel, true);
		else
			snprintf(change, sizeof(change), "~");
		fmt_ci(ci, sizeof(ci), f);
		fmt_mdc(mdc, sizeof(mdc), f);
		fmt_p(p, sizeof(p), f->p_holm);
		put_name(out, f->name, NAME_COLS);
		fprintf(out, " %7s %7s %6s %8s %-17s %7s %6s%s%s\n", base, new, pp, change, ci, mdc,
			p, *status(c, f) ? " " : "", status(c, f));
	}
	fprintf(out,
		"\n%s share of samples, median of the runs; pp: Hodges-Lehmann shift "
		"(percentage\npoints); change: the shift relative to base, ~ when not "
		"significant; p: one-sided\nMann-Whitney U (new > base), Holm-adjusted over "
		"%zu functions (%zu top of base + %zu\nother); regression: p <= %g, change >= "
		"%g%% and >= %g pp\n",
		metric(c), c->n_tested, c->n_top, c->n_tested - c->n_top, c->o.alpha,
		c->o.min_change, c->o.min_share);
	if (asprintf(&line,
		     "mdc: minimum detectable change, the smallest change flagged with probability "
		     "%g if that function alone changed (p <= %g / %zu, the minimum effect; normal "
		     "run-to-run noise with the SD of its runs)%s",
		     c->o.power, c->o.alpha, c->n_tested,
		     c->possible ? "" : "; - : these runs can flag nothing") >= 0) {
		put_wrapped(out, "", line);
		free(line);
	}
	verdict_text(c, verdict, sizeof(verdict));
	fputc('\n', out);
	put_wrapped(out, "verdict: ", verdict);
}

/* Markdown: a name in a code span; '|' escaped for the table, backticks replaced. */
static void md_name(FILE *out, const char *s)
{
	fputc('`', out);
	for (; *s; s++) {
		if (*s == '|')
			fputs("\\|", out);
		else if (*s == '`')
			fputc('\'', out);
		else if ((unsigned char)*s >= 0x20)
			fputc(*s, out);
	}
	fputc('`', out);
}

static void write_markdown(const struct compare *c, FILE *out)
{
	char base[16], new[16], change[24], ci[64], mdc[24], p[16], verdict[2048];
	const struct func *f;
	size_t i;

	verdict_text(c, verdict, sizeof(verdict));
	fprintf(out, "### rtprof compare: %s\n\n", verdict);
	fprintf(out, "| function | base | new | pp | change | 95%% CI | mdc | p (Holm) | |\n"
		     "|---|---:|---:|---:|---:|---|---:|---:|---|\n");
	for (i = 0; i < c->n_tested; i++) {
		f = &c->funcs[c->tested[i]];
		fmt_share(base, sizeof(base), f->base_med);
		fmt_share(new, sizeof(new), f->new_med);
		if (f->significant)
			fmt_pct(change, sizeof(change), f->rel, true);
		else
			snprintf(change, sizeof(change), "~");
		fmt_ci(ci, sizeof(ci), f);
		fmt_mdc(mdc, sizeof(mdc), f);
		fmt_p(p, sizeof(p), f->p_holm);
		fputs("| ", out);
		md_name(out, f->name);
		fprintf(out, " | %s | %s | %+.2f | %s | %s | %s | %s | %s |\n", base, new, f->shift,
			change, ci, mdc, p, f->regression ? ":x: **regression**" : status(c, f));
	}
	fprintf(out,
		"\nbase: %zu runs, new: %zu runs; %s share of samples (median of the runs); "
		"one-sided Mann-Whitney U, Holm over %zu functions; regression = p <= %g and "
		"change >= %g%% and >= %g pp; mdc = the smallest change flagged with probability "
		"%g if that function alone changed.\n",
		c->side[0].n, c->side[1].n, metric(c), c->n_tested, c->o.alpha, c->o.min_change,
		c->o.min_share, c->o.power);
	for (i = 0; i < c->n_warnings; i++)
		fprintf(out, "\n> warning: %s\n", c->warnings[i]);
}

/* XML text: markup escaped; bytes that are not valid UTF-8, and controls, as '?'. */
static void xml_str(FILE *out, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i, n;

	while (*u) {
		switch (*u) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		case '\'':
			fputs("&apos;", out);
			break;
		default:
			if (*u < 0x20 && *u != '\t') {
				fputc('?', out);
				break;
			}
			if (*u < 0x80) {
				fputc(*u, out);
				break;
			}
			n = *u >= 0xf0 && *u <= 0xf4 ? 4 : *u >= 0xe0 ? 3 : *u >= 0xc2 ? 2 : 0;
			for (i = 1; i < n && (u[i] & 0xc0) == 0x80; i++)
				;
			if (!n || i < n || *u > 0xf4) {
				fputc('?', out);
				break;
			}
			fwrite(u, 1, n, out);
			u += n;
			continue;
		}
		u++;
	}
}

/*
 * One test case's figures, the same words for a failure and a pass: the medians, the shift with
 * its interval, Holm's p, and the minimum detectable change (relative to base as in the text
 * table, and in percentage points as the JSON's mdc_pp, both rounded as printed there).
 */
static void junit_figures(const struct compare *c, const struct func *f, char *buf, size_t size)
{
	char change[24], ci[64], p[16], mdc[64], rel[24];

	fmt_pct(change, sizeof(change), f->rel, true);
	fmt_ci(ci, sizeof(ci), f);
	fmt_p(p, sizeof(p), f->p_holm);
	if (isinf(f->mdc) || isnan(f->mdc)) {
		snprintf(mdc, sizeof(mdc), "mdc -: these runs can flag nothing");
	} else if (isinf(f->mdc_rel)) {
		snprintf(mdc, sizeof(mdc), "mdc %.2f pp at power %g", f->mdc, c->o.power);
	} else {
		fmt_mdc(rel, sizeof(rel), f);
		snprintf(mdc, sizeof(mdc), "mdc %s (%.2f pp) at power %g", rel, f->mdc, c->o.power);
	}
	snprintf(buf, size, "%s share %.2f%% -> %.2f%% (%s, %+.2f pp, 95%% CI %s), p=%s (Holm); %s",
		 metric(c), f->base_med, f->new_med, change, f->shift, ci, p, mdc);
}

/*
 * JUnit XML. A regression's figures are both the failure's message (Jenkins and most readers
 * show it) and its text (GitLab shows only the text); the other cases carry theirs as
 * <system-out> (Jenkins shows it for every case). The mdc's meaning follows the figures.
 */
static void write_junit(const struct compare *c, FILE *out)
{
	char figures[256], verdict[2048], *note = NULL;
	const struct func *f;
	size_t i;

	verdict_text(c, verdict, sizeof(verdict));
	if (asprintf(&note,
		     "mdc: minimum detectable change, the smallest change flagged with probability "
		     "%g if this function alone changed",
		     c->o.power) < 0)
		note = NULL;
	fprintf(out,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<testsuites name=\"rtprof compare\" tests=\"%zu\" failures=\"%zu\" "
		"skipped=\"%zu\">\n"
		"  <testsuite name=\"rtprof compare (%s share)\" tests=\"%zu\" failures=\"%zu\" "
		"errors=\"0\" skipped=\"%zu\">\n",
		c->n_tested, c->n_regressions, c->possible ? 0 : c->n_tested, metric(c),
		c->n_tested, c->n_regressions, c->possible ? 0 : c->n_tested);
	fputs("    <properties>\n      <property name=\"verdict\" value=\"", out);
	xml_str(out, verdict);
	fputs("\"/>\n", out);
	fprintf(out, "      <property name=\"power\" value=\"%g\"/>\n", c->o.power);
	for (i = 0; i < c->n_warnings; i++) {
		fputs("      <property name=\"warning\" value=\"", out);
		xml_str(out, c->warnings[i]);
		fputs("\"/>\n", out);
	}
	fputs("    </properties>\n", out);
	for (i = 0; i < c->n_tested; i++) {
		f = &c->funcs[c->tested[i]];
		junit_figures(c, f, figures, sizeof(figures));
		fprintf(out, "    <testcase classname=\"rtprof.compare.%s\" name=\"", metric(c));
		xml_str(out, f->name);
		fputs("\" time=\"0\">\n", out);
		if (f->regression) {
			fputs("      <failure type=\"regression\" message=\"", out);
			xml_str(out, figures);
			fputs("\">", out);
		} else {
			if (!c->possible)
				fprintf(out,
					"      <skipped message=\"need &gt;= %u runs per "
					"side\"/>\n",
					c->needed);
			fputs("      <system-out>", out);
		}
		xml_str(out, figures);
		if (note) {
			fputc('\n', out);
			xml_str(out, note);
		}
		fputs(f->regression ? "</failure>\n" : "</system-out>\n", out);
		fputs("    </testcase>\n", out);
	}
	fputs("  </testsuite>\n</testsuites>\n", out);
	free(note);
}

static void json_runs(FILE *out, const double *v, size_t n)
{
	size_t i;

	fputc('[', out);
	for (i = 0; i < n; i++) {
		if (i)
			fputc(',', out);
		json_num(out, v[i], 4);
	}
	fputc(']', out);
}

static void write_json(const struct compare *c, FILE *out)
{
	char verdict[2048];
	const struct func *f;
	size_t i, s, m = c->side[0].n;

	verdict_text(c, verdict, sizeof(verdict));
	fprintf(out, "{\"verdict\":\"%s\",\"message\":",
		!c->possible	   ? "inconclusive"
		: c->n_regressions ? "regression"
				   : "pass");
	json_str(out, verdict);
	fprintf(out,
		",\"by\":\"%s\",\"alpha\":%g,\"min_change_pct\":%g,\"min_share_pp\":%g,"
		"\"power\":%g,\"top\":%ld,\"tests\":%zu,\"runs_needed\":%u,\"possible\":%s",
		metric(c), c->o.alpha, c->o.min_change, c->o.min_share, c->o.power, c->o.top,
		c->n_tested, c->needed, c->possible ? "true" : "false");
	for (s = 0; s < 2; s++) {
		fprintf(out, ",\"%s\":{\"source\":", c->side[s].name);
		json_str(out, c->side[s].arg);
		fputs(",\"files\":[", out);
		for (i = 0; i < c->side[s].n; i++) {
			if (i)
				fputc(',', out);
			json_str(out, c->side[s].files[i]);
		}
		fputs("],\"samples\":", out);
		json_runs(out, c->side[s].samples, c->side[s].n);
		fputc('}', out);
	}
	fputs(",\"warnings\":[", out);
	for (i = 0; i < c->n_warnings; i++) {
		if (i)
			fputc(',', out);
		json_str(out, c->warnings[i]);
	}
	fputs("],\"functions\":[", out);
	for (i = 0; i < c->n_tested; i++) {
		f = &c->funcs[c->tested[i]];
		fputs(i ? ",\n{\"name\":" : "\n{\"name\":", out);
		json_str(out, f->name);
		fputs(",\"base_pct\":", out);
		json_num(out, f->base_med, 4);
		fputs(",\"new_pct\":", out);
		json_num(out, f->new_med, 4);
		fputs(",\"shift_pp\":", out);
		json_num(out, f->shift, 4);
		fputs(",\"ci_pp\":[", out);
		json_num(out, f->lo, 4);
		fputc(',', out);
		json_num(out, f->hi, 4);
		fputs("],\"change_pct\":", out);
		json_num(out, f->rel, 2);
		fputs(",\"ci_pct\":[", out);
		json_num(out, f->rel_lo, 2);
		fputc(',', out);
		json_num(out, f->rel_hi, 2);
		/* null: these runs can flag nothing (or, for mdc_pct, a new function) */
		fputs("],\"run_sd_pp\":", out);
		json_num(out, f->sd, 6);
		fputs(",\"mdc_pp\":", out);
		json_num(out, f->mdc, 6);
		fputs(",\"mdc_pct\":", out);
		json_num(out, f->mdc_rel, 2);
		fprintf(out, ",\"p\":%.6g,\"p_holm\":%.6g,\"significant\":%s,\"regression\":%s",
			f->p, f->p_holm, f->significant ? "true" : "false",
			f->regression ? "true" : "false");
		/* the tested metric's shares per run, then both metrics */
		fputs(",\"base_runs\":", out);
		json_runs(out, values(c, f), m);
		fputs(",\"new_runs\":", out);
		json_runs(out, values(c, f) + m, c->side[1].n);
		fputs(",\"self_pct\":{\"base\":", out);
		json_runs(out, f->self, m);
		fputs(",\"new\":", out);
		json_runs(out, f->self + m, c->side[1].n);
		fputs("},\"total_pct\":{\"base\":", out);
		json_runs(out, f->total, m);
		fputs(",\"new\":", out);
		json_runs(out, f->total + m, c->side[1].n);
		fputs("}}", out);
	}
	fputs("]}\n", out);
}

/* The differential flame graph of the merged runs, as rtprof diff -n draws it. */
static int write_svg(const struct compare *c, FILE *out)
{
	struct stack_tree *t = stack_tree__new();
	struct flamegraph_opts fo;
	double tb, ta;
	size_t s, i;
	int err = 0;

	if (!t)
		return -ENOMEM;
	for (s = 0; s < 2 && !err; s++) {
		for (i = 0; i < c->side[s].n && !err; i++)
			err = profile_file__load(t, c->side[s].files[i],
						 s ? STACK_COL_AFTER : STACK_COL_BEFORE, "compare",
						 NULL);
	}
	if (!err) {
		tb = stack_tree__total(t, STACK_COL_BEFORE);
		ta = stack_tree__total(t, STACK_COL_AFTER);
		if (tb > 0 && ta > 0)
			stack_tree__scale(t, STACK_COL_BEFORE, ta / tb);
		flamegraph_opts__init(&fo);
		fo.title = "rtprof compare: new against base (base normalized)";
		fo.countname = "samples";
		err = flamegraph__write_svg(t, &fo, out);
	}
	stack_tree__free(t);
	return err;
}

static int write_file(const struct compare *c, const char *opt, const char *path,
		      int (*fn)(const struct compare *, FILE *))
{
	FILE *f = strcmp(path, "-") ? fopen(path, "we") : stdout;
	int err;

	if (!f) {
		err = -errno;
		pr_warn("compare %s %s: %s\n", opt, path, err_str(err));
		return err;
	}
	err = fn(c, f);
	if (f != stdout) {
		if (fclose(f) && !err)
			err = -errno;
	} else if (fflush(f) && !err) {
		err = -errno;
	}
	if (err)
		pr_warn("compare %s %s: %s\n", opt, path, err_str(err));
	return err;
}

#define VOID_WRITER(name)                                        \
	static int name##_file(const struct compare *c, FILE *f) \
	{                                                        \
		name(c, f);                                      \
		return ferror(f) ? -EIO : 0;                     \
	}
VOID_WRITER(write_markdown)
VOID_WRITER(write_junit)
VOID_WRITER(write_json)

int cmd_compare(int argc, char **argv)
{
	struct compare c = {};
	size_t s, i, run = 0;
	const struct func *f;
	int err;

	err = parse_opts(argc, argv, &c.o);
	if (err)
		return err > 0 ? 0 : err;
	err = side_init(&c.side[0], "base", c.o.base_arg);
	if (!err)
		err = side_init(&c.side[1], "new", c.o.new_arg);
	if (err)
		goto cleanup;
	c.runs = c.side[0].n + c.side[1].n;
	for (s = 0; s < 2 && !err; s++) {
		c.side[s].samples = calloc(c.side[s].n, sizeof(double));
		if (!c.side[s].samples) {
			err = -ENOMEM;
			break;
		}
		for (i = 0; i < c.side[s].n && !err; i++)
			err = load_run(&c, c.side[s].files[i], run++, &c.side[s].samples[i]);
		c.side[s].samples_med = stats_median(c.side[s].samples, c.side[s].n);
	}
	if (err)
		goto cleanup;
	pr_debug("compare: %zu + %zu runs, %zu functions\n", c.side[0].n, c.side[1].n, c.n_funcs);
	compare_env(&c);
	err = analyse(&c);
	if (err)
		goto cleanup;
	write_text(&c, stdout);
	fflush(stdout);
	if (c.o.markdown)
		err = write_file(&c, "--markdown", c.o.markdown, write_markdown_file);
	if (!err && c.o.junit)
		err = write_file(&c, "--junit", c.o.junit, write_junit_file);
	if (!err && c.o.json)
		err = write_file(&c, "--json", c.o.json, write_json_file);
	if (!err && c.o.svg)
		err = write_file(&c, "--svg", c.o.svg, write_svg);
	if (err)
		goto cleanup;
	if (c.n_regressions) {
		char rel[24];

		for (i = 0; i < c.n_tested; i++) {
			f = &c.funcs[c.tested[i]];
			if (!f->regression)
				continue;
			fmt_pct(rel, sizeof(rel), f->rel, true);
			pr_warn("compare: regression: %s: %s share %.2f%% -> %.2f%% (%s, %+.2f pp, "
				"p=%.2g)\n",
				f->name, metric(&c), f->base_med, f->new_med, rel, f->shift,
				f->p_holm);
		}
		err = -ERR_REGRESSION;
	} else if (!c.possible) {
		pr_warn("compare: no verdict: need >= %u runs per side (have %zu and %zu)\n",
			c.needed, c.side[0].n, c.side[1].n);
		if (c.o.inconclusive_fail)
			err = -ERR_INCONCLUSIVE;
	}
cleanup:
	for (s = 0; s < 2; s++)
		side_free(&c.side[s]);
	for (i = 0; i < c.n_funcs; i++) {
		free(c.funcs[i].name);
		free(c.funcs[i].self);
		free(c.funcs[i].total);
	}
	free(c.funcs);
	free(c.index);
	free(c.tested);
	for (i = 0; i < c.n_warnings; i++)
		free(c.warnings[i]);
	return err;
}
