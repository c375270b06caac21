// SPDX-License-Identifier: GPL-2.0
/*
 * rtprof calls: count, total, mean and max time per method, aggregated in BPF (calls.bpf.c);
 * user space reads the maps once per interval (or at the end), merges methods whose keys differ
 * but whose names are equal, sorts by total time and prints the top N.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/calls.h"
#include "lib/bpf_util.h"
#include "profiler/commands.h"
#include "lib/errors.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/signals.h"
#include "runtimes/attach.h"
#include "runtimes/probe_cost.h"
#include "calls.skel.h"

_Static_assert(sizeof(struct calls_key) == 24, "calls_key layout");
_Static_assert(sizeof(struct calls_name) == 264, "calls_name layout");

struct method_row {
	struct calls_name name;
	struct calls_stats st;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: rtprof calls [OPTIONS] (-p PID | -- COMMAND [ARGS...])\n"
		"\n"
		"Count calls of every method of a Python, Ruby or JVM program with their total, "
		"mean\n"
		"and maximum time (entry to return), aggregated in BPF. Recursion-safe: each "
		"thread\n"
		"keeps a stack of entry times. A row is one method: JVM methods with their\n"
		"parameters (f(int), f(String)), Python and Ruby ones with FILE:LINE (Python: the\n"
		"def line; a generator has a row per line it resumes at). Tracing costs the "
		"target\n"
		"12 to 15 us a call here: above a rate that slows it 10x, rtprof says so once.\n"
		"\n"
		"  -p, --pid PID          trace a running process\n"
		"  -l, --lang LANG        python, ruby or jvm (default: found from the process)\n"
		"  -m, --method PAT       only methods named PAT (or PREFIX*)\n"
		"  -c, --class PAT        only classes matching PAT (or PREFIX*)\n"
		"  -L, --histogram        log2 histogram of the times of each method\n"
		"  -n, --top N            the N methods with the most total time (default: all)\n"
		"  -i, --interval SECS    print the table of each interval of SECS (JSON: "
		"\"interval\")\n"
		"  -o, --output FILE      results to FILE, \"-\" for stdout (default: stdout; "
		"stderr\n"
		"                         beside a launched command: its stdout stays its own)\n"
		"  -d, --duration SECS    stop after SECS (default: target exit or Ctrl-C)\n"
		"      --json             one JSON object per method: class, method, file, line,\n"
		"                         (JVM: sig, name), count, total_ns, mean_ns, max_ns (and\n"
		"                         hist with -L)\n"
		"      --no-tracepoint    ruby, launched command: do not enable the empty "
		"TracePoint\n"
		"  -v, --verbose          debug output\n"
		"  -h, --help             this help\n"
		"\n"
		"examples:\n"
		"  rtprof calls -n 20 -- python3.11 app.py\n"
		"  rtprof calls -p $(pgrep -n java) -i 5 -L\n"
		"  rtprof calls -c 'java/util/*' -- java -XX:+DTraceMethodProbes Main\n"
		"  rtprof calls -n 20 -- javac -J-XX:+DTraceMethodProbes Main.java\n");
}

static int by_total(const void *a, const void *b)
{
	const struct method_row *x = a, *y = b;

	if (x->st.total_ns != y->st.total_ns)
		return x->st.total_ns < y->st.total_ns ? 1 : -1;
	return x->st.count < y->st.count ? 1 : x->st.count > y->st.count ? -1 : 0;
}

/* The file (or the JVM's signature) and the first line are part of a method's name: two
 * `parse` of two files, or two overloads, stay two rows. */
static bool same_name(const struct calls_name *a, const struct calls_name *b)
{
	return !strcmp(a->klass, b->klass) && !strcmp(a->method, b->method) &&
	       !strcmp(a->file, b->file) && a->line == b->line;
}

/* Read (and, with delete, reset) the stats; merge rows with equal names. */
static int read_rows(struct calls_bpf *skel, bool del, struct method_row **out, size_t *nout)
{
	struct method_row *rows = NULL, *r;
	struct calls_stats *percpu = NULL;
	struct calls_key *keys = NULL;
	size_t n = 0, cap = 0, nkeys = 0, i, j;
	int ncpu, err, stats_fd = bpf_map__fd(skel->maps.stats);
	int names_fd = bpf_map__fd(skel->maps.names);

	/* Collect the keys first: deleting while iterating would restart the walk. */
	err = bpf_map__keys(skel->maps.stats, sizeof(*keys), (void **)&keys, &nkeys);
	if (err)
		goto out;
	ncpu = libbpf_num_possible_cpus();
	percpu = calloc(ncpu > 0 ? ncpu : 1, sizeof(*percpu));
	if (ncpu <= 0 || !percpu) {
		err = ncpu <= 0 ? ncpu : -ENOMEM;
		goto out;
	}
	for (i = 0; i < nkeys; i++) {
		struct method_row row = {};
		int c, s;

		if (del ? bpf_map_lookup_and_delete_elem(stats_fd, &keys[i], percpu)
			: bpf_map_lookup_elem(stats_fd, &keys[i], percpu))
			continue;
		for (c = 0; c < ncpu; c++) {
			row.st.count += percpu[c].count;
			row.st.total_ns += percpu[c].total_ns;
			if (percpu[c].max_ns > row.st.max_ns)
				row.st.max_ns = percpu[c].max_ns;
			for (s = 0; s < CALLS_HIST_SLOTS; s++)
				row.st.hist[s] += percpu[c].hist[s];
		}
		if (bpf_map_lookup_elem(names_fd, &keys[i], &row.name))
			continue;
		for (j = 0; j < n && !same_name(&rows[j].name, &row.name); j++)
			;
		if (j == n) {
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				r = realloc(rows, cap * sizeof(*rows));
				if (!r) {
					err = -ENOMEM;
					goto out;
				}
				rows = r;
			}
			rows[n++] = row;
			continue;
		}
		rows[j].st.count += row.st.count;
		rows[j].st.total_ns += row.st.total_ns;
		if (row.st.max_ns > rows[j].st.max_ns)
			rows[j].st.max_ns = row.st.max_ns;
		for (int s = 0; s < CALLS_HIST_SLOTS; s++)
			rows[j].st.hist[s] += row.st.hist[s];
	}
	qsort(rows, n, sizeof(*rows), by_total);
out:
	free(keys);
	free(percpu);
	if (err) {
		free(rows);
		return err;
	}
	*out = rows;
	*nout = n;
	return 0;
}

static void print_hist(const struct calls_stats *st, FILE *out)
{
	int lo = -1, hi = -1, s;
	__u64 peak = 0;

	for (s = 0; s < CALLS_HIST_SLOTS; s++) {
		if (!st->hist[s])
			continue;
		if (lo < 0)
			lo = s;
		hi = s;
		if (st->hist[s] > peak)
			peak = st->hist[s];
	}
	for (s = lo; s >= 0 && s <= hi; s++) {
		int bar = (int)(st->hist[s] * 40 / (peak ? peak : 1));

		fprintf(out, "      %12llu -> %-12llu ns : %-10" PRIu64 " |%-40.*s|\n",
			s ? 1ULL << s : 0ULL, (1ULL << (s + 1)) - 1, (uint64_t)st->hist[s], bar,
			"****************************************");
	}
}

/* What printing and the interval tick need. */
struct calls_run {
	struct calls_bpf *skel;
	const struct rt_cmd_opts *opts;
	const struct rt_tracer *tracer;
	const char *sep;   /* between class and method */
	int interval;	   /* intervals printed */
	__u64 total_calls; /* in the intervals printed */
	struct rt_cost cost;
};

/* "Class.method(int, String)" (JVM), "Class#method" (Ruby), "function" (Python). */
static void method_name(const struct calls_run *run, const struct calls_name *m, char *out,
			size_t size)
{
	char sig[256] = "";

	if (run->tracer->signature && m->sig[0])
		run->tracer->signature(m->sig, sig, sizeof(sig));
	snprintf(out, size, "%s%s%s%s", m->klass, m->klass[0] ? run->sep : "", m->method, sig);
}

/* interval: 1, 2, ... with -i (the last, partial one included), 0 without */
static void print_rows(const struct method_row *rows, size_t n, const struct calls_run *run,
		       int interval)
{
	FILE *out = run->opts->output.f;
	const struct rt_cmd_opts *o = run->opts;
	size_t i, lim = o->top && (size_t)o->top < n ? (size_t)o->top : n;
	bool files = !run->tracer->signature; /* the JVM passes no file */
	int s, width = 40; /* of the METHOD column: the longest name shown, up to 120 */
	char name[512];

	for (i = 0; i < lim && !o->json; i++) {
		method_name(run, &rows[i].name, name, sizeof(name));
		if ((int)strlen(name) > width)
			width = strlen(name) < 120 ? (int)strlen(name) : 120;
	}
	if (!o->json && interval)
		fprintf(out, "interval %d\n", interval);
	if (!o->json)
		fprintf(out, "%-*s %10s %14s %12s %12s%s\n", width, "METHOD", "COUNT", "TOTAL_us",
			"MEAN_us", "MAX_us", files ? "  FILE:LINE" : "");
	for (i = 0; i < lim; i++) {
		const struct method_row *r = &rows[i];
		double mean = r->st.count ? (double)r->st.total_ns / r->st.count : 0;

		if (o->json) {
			if (interval)
				fprintf(out, "{\"interval\":%d,\"class\":", interval);
			else
				fputs("{\"class\":", out);
			json_str(out, r->name.klass);
			fputs(",\"method\":", out);
			json_str(out, r->name.method);
			if (files) {
				fputs(",\"file\":", out);
				json_str(out, r->name.file[0] ? r->name.file : NULL);
				if (r->name.line)
					fprintf(out, ",\"line\":%u", r->name.line);
			} else {
				fputs(",\"file\":null,\"sig\":", out);
				json_str(out, r->name.sig[0] ? r->name.sig : NULL);
				method_name(run, &r->name, name, sizeof(name));
				fputs(",\"name\":", out);
				json_str(out, name);
			}
			fprintf(out,
				",\"count\":%" PRIu64 ",\"total_ns\":%" PRIu64
				",\"mean_ns\":%.0f,\"max_ns\":%" PRIu64,
				(uint64_t)r->st.count, (uint64_t)r->st.total_ns, mean,
				(uint64_t)r->st.max_ns);
			if (o->hist) {
				fputs(",\"hist\":[", out);
				for (s = 0; s < CALLS_HIST_SLOTS; s++)
					fprintf(out, "%s%" PRIu64, s ? "," : "",
						(uint64_t)r->st.hist[s]);
				fputc(']', out);
			}
			fputs("}\n", out);
			continue;
		}
		method_name(run, &r->name, name, sizeof(name));
		fprintf(out, "%-*s %10" PRIu64 " %14.1f %12.3f %12.1f", width, name,
			(uint64_t)r->st.count, r->st.total_ns / 1e3, mean / 1e3,
			r->st.max_ns / 1e3);
		if (files && r->name.file[0])
			fprintf(out, "  %s:%u", r->name.file, r->name.line);
		fputc('\n', out);
		if (o->hist)
			print_hist(&r->st, out);
	}
	if (!o->json && lim < n)
		fprintf(out, "(%zu more methods; -n to show more)\n", n - lim);
	fflush(out);
}

static __u64 sum_rows(const struct method_row *rows, size_t n, bool methods_only)
{
	__u64 total = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!methods_only || !rows[i].name.cfunc)
			total += rows[i].st.count;
	}
	return total;
}

/* Was any method written in the language (not a C function) seen, filtered out or not? */
static bool any_method(struct calls_bpf *skel)
{
	int fd = bpf_map__fd(skel->maps.names);
	struct calls_key key, next;
	struct calls_name name;
	void *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		if (!bpf_map_lookup_elem(fd, &next, &name) && !name.cfunc)
			return true;
		key = next;
		prev = &key;
	}
	return false;
}

/* Calls timed so far (those of printed intervals included), for the cost check: one lookup
 * per method, done once a second. */
static __u64 calls_so_far(void *ctx)
{
	struct calls_run *run = ctx;
	int fd = bpf_map__fd(run->skel->maps.stats), ncpu = libbpf_num_possible_cpus(), c;
	struct calls_stats *percpu = calloc(ncpu > 0 ? ncpu : 1, sizeof(*percpu));
	struct calls_key key, next;
	__u64 total = run->total_calls;
	void *prev = NULL;

	while (percpu && !bpf_map_get_next_key(fd, prev, &next)) {
		if (!bpf_map_lookup_elem(fd, &next, percpu)) {
			for (c = 0; c < ncpu; c++)
				total += percpu[c].count;
		}
		key = next;
		prev = &key;
	}
	free(percpu);
	return total;
}

/* The wait of the event loop: sleep, then see what the probes cost the target. */
static int wait_and_check(void *ctx, int timeout_ms)
{
	struct calls_run *run = ctx;

	signals_sleep_ms(timeout_ms);
	rt_cost__check(&run->cost, "calls", calls_so_far, run);
	return 0;
}

/* Print (and reset) the table of the interval that ends. */
static int print_interval(void *ctx)
{
	struct calls_run *run = ctx;
	struct method_row *rows = NULL;
	size_t n = 0;
	int err;

	err = read_rows(run->skel, true, &rows, &n);
	if (err)
		return err;
	if (!run->opts->json)
		putchar('\n');
	print_rows(rows, n, run, ++run->interval);
	run->total_calls += sum_rows(rows, n, false);
	free(rows);
	return 0;
}

int cmd_calls(int argc, char **argv)
{
	struct rt_cmd_opts opts = {};
	struct calls_bpf *skel = NULL;
	struct rt_trace *tr = NULL;
	struct method_row *rows = NULL;
	struct rt_seen seen = {};
	struct rt_run_opts run_opts = {};
	struct calls_run run = {.opts = &opts};
	size_t n = 0;
	int err;

	err = rt_cmd_opts__parse(&opts, "calls", RT_OPT_FILTER | RT_OPT_INTERVAL | RT_OPT_HIST,
				 argc, argv, usage);
	if (err)
		return err > 0 ? 0 : err;
	signals_install();
	skel = calls_bpf__open();
	if (!skel) {
		err = -errno;
		pr_warn("calls: cannot open the BPF object: %s\n", err_str(err));
		goto cleanup;
	}
	skel->rodata->histogram = opts.hist;
	err = rt_filter__set(&skel->rodata->filter, "calls", &opts);
	if (err)
		goto cleanup;
	tr = rt_trace__new("calls", RT_CMD_CALLS, opts.lang, &opts.target);
	if (!tr) {
		err = -errno;
		goto cleanup;
	}
	run.tracer = rt_trace__tracer(tr);
	run.sep = !strcmp(run.tracer->name, "ruby") ? "#" : ".";
	err = calls_bpf__load(skel);
	if (err) {
		err = rt_load_error("calls", err);
		goto cleanup;
	}
	/* bench/calls.sh: the same probes with a program that does nothing, for the baseline */
	if (getenv("RTPROF_CALLS_NOOP"))
		rt_trace__alias_prog(tr, "*", "noop_usdt");
	err = rt_trace__attach(tr, skel->obj);
	if (err)
		goto cleanup;
	rt_cost__init(&run.cost, rt_trace__pid(tr), skel->progs.hold_sema);
	err = rt_trace__start(tr);
	if (err)
		goto cleanup;
	pr_info("calls: tracing %s process %d (Ctrl-C to stop)\n", rt_trace__tracer(tr)->name,
		rt_trace__pid(tr));
	run.skel = skel;
	run_opts.wait = wait_and_check;
	run_opts.duration_s = opts.duration_s;
	run_opts.interval_s = opts.interval_s;
	err = rt_trace__run(tr, &run_opts, print_interval, &run);
	if (err)
		goto cleanup;
	err = read_rows(skel, opts.interval_s > 0, &rows, &n);
	if (err)
		goto cleanup;
	print_rows(rows, n, &run, opts.interval_s > 0 ? ++run.interval : 0);
	seen.events = 2 * (run.total_calls + sum_rows(rows, n, false));
	seen.method_events = any_method(skel) ? 1 : 0;
	fprintf(stderr,
		"calls: %" PRIu64 " calls timed, %zu methods, %" PRIu64
		" returns without a seen entry, %" PRIu64 " returns too deep to time\n",
		(uint64_t)seen.events / 2, n,
		(uint64_t)percpu_array__sum_u64(skel->maps.counters, CALLS_UNMATCHED),
		(uint64_t)percpu_array__sum_u64(skel->maps.counters, CALLS_TOO_DEEP));
	rt_trace__report(tr, &seen);
cleanup:
	free(rows);
	rt_trace__free(tr);
	calls_bpf__destroy(skel);
	{
		int e = opts_output__close(&opts.output, "calls");

		err = err ? err : e;
	}
	return err;
}
