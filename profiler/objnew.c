// SPDX-License-Identifier: GPL-2.0
/*
 * rtprof objnew: allocations by type, counted in BPF (objnew.bpf.c) and read once per interval
 * (or at the end). Ruby: object__create per class, string/array/hash__create with their
 * lengths; JVM: object__alloc per class with its size in bytes (needs -XX:+DTraceAllocProbes).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/objnew.h"
#include "lib/bpf_util.h"
#include "profiler/commands.h"
#include "lib/errors.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/signals.h"
#include "runtimes/attach.h"
#include "objnew.skel.h"

_Static_assert(sizeof(struct objnew_key) == 16, "objnew_key layout");

struct type_row {
	char name[OBJNEW_NAME_LEN + 16];
	__u32 kind;
	const char *unit; /* what bytes counts */
	struct objnew_stats st;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: rtprof objnew [OPTIONS] (-p PID | -- COMMAND [ARGS...])\n"
		   "\n"
		   "Count allocations by type, aggregated in BPF.\n"
		   "  ruby: objects per class (object__create), strings (bytes = their lengths), "
		   "arrays\n"
		   "        and hashes (elements)\n"
		   "  jvm:  objects per class with their sizes (object__alloc; needs\n"
		   "        -XX:+DTraceAllocProbes)\n"
		   "\n"
		   "  -p, --pid PID          trace a running process\n"
		   "  -l, --lang LANG        ruby or jvm (default: found from the process)\n"
		   "  -n, --top N            the N types with the most allocations (default: all)\n"
		   "  -i, --interval SECS    print (and reset) the table every SECS\n"
		   "  -o, --output FILE      results to FILE, \"-\" for stdout (default: stdout; "
		   "stderr\n"
		   "                         beside a launched command: its stdout stays its own)\n"
		   "  -d, --duration SECS    stop after SECS (default: target exit or Ctrl-C)\n"
		   "      --json             one JSON object per type: type, count, bytes, unit\n"
		   "  -v, --verbose          debug output\n"
		   "  -h, --help             this help\n"
		   "\n"
		   "examples:\n"
		   "  rtprof objnew -n 10 -- ruby app.rb\n"
		   "  rtprof objnew -p $(pgrep -n java) -i 5\n");
}

static int by_count(const void *a, const void *b)
{
	const struct type_row *x = a, *y = b;

	return x->st.count < y->st.count ? 1 : x->st.count > y->st.count ? -1 : 0;
}

static void row_name(const struct objnew_key *k, const struct objnew_name *n, struct type_row *r)
{
	r->unit = "bytes";
	switch (k->kind) {
	case OBJNEW_RB_STRING:
		snprintf(r->name, sizeof(r->name), "String");
		break;
	case OBJNEW_RB_ARRAY:
		snprintf(r->name, sizeof(r->name), "Array");
		r->unit = "elements";
		break;
	case OBJNEW_RB_HASH:
		snprintf(r->name, sizeof(r->name), "Hash");
		r->unit = "entries";
		break;
	default:
		snprintf(r->name, sizeof(r->name), "%s", n->klass[0] ? n->klass : "?");
		if (k->kind == OBJNEW_RB_OBJECT)
			r->unit = "";
	}
}

static int read_rows(struct objnew_bpf *skel, bool del, struct type_row **out, size_t *nout)
{
	int stats_fd = bpf_map__fd(skel->maps.stats), names_fd = bpf_map__fd(skel->maps.names);
	struct objnew_key *keys = NULL;
	struct type_row *rows = NULL;
	size_t nkeys = 0, n = 0, i, j;

	if (bpf_map__keys(skel->maps.stats, sizeof(*keys), (void **)&keys, &nkeys))
		goto nomem;
	rows = calloc(nkeys ? nkeys : 1, sizeof(*rows));
	if (!rows)
		goto nomem;
	for (i = 0; i < nkeys; i++) {
		struct objnew_name name = {};
		struct type_row r = {};

		if (del ? bpf_map_lookup_and_delete_elem(stats_fd, &keys[i], &r.st)
			: bpf_map_lookup_elem(stats_fd, &keys[i], &r.st))
			continue;
		bpf_map_lookup_elem(names_fd, &keys[i], &name);
		row_name(&keys[i], &name, &r);
		r.kind = keys[i].kind;
		for (j = 0; j < n && (rows[j].kind != r.kind || strcmp(rows[j].name, r.name)); j++)
			;
		if (j == n) {
			rows[n++] = r;
		} else {
			rows[j].st.count += r.st.count;
			rows[j].st.bytes += r.st.bytes;
		}
	}
	qsort(rows, n, sizeof(*rows), by_count);
	free(keys);
	*out = rows;
	*nout = n;
	return 0;
nomem:

	free(keys);
	free(rows);
	return -ENOMEM;
}

static void print_rows(const struct type_row *rows, size_t n, const struct rt_cmd_opts *o)
{
	FILE *out = o->output.f;
	size_t i, lim = o->top && (size_t)o->top < n ? (size_t)o->top : n;

	if (!o->json)
		fprintf(out, "%-48s %12s %16s\n", "TYPE", "COUNT", "BYTES/ELEMENTS");
	for (i = 0; i < lim; i++) {
		const struct type_row *r = &rows[i];

		if (o->json) {
			fputs("{\"type\":", out);
			json_str(out, r->name);
			fprintf(out, ",\"count\":%" PRIu64, (uint64_t)r->st.count);
			if (r->unit[0])
				fprintf(out, ",\"%s\":%" PRIu64, r->unit, (uint64_t)r->st.bytes);
			fputs("}\n", out);
		} else if (r->unit[0]) {
			fprintf(out, "%-48s %12" PRIu64 " %16" PRIu64 " %s\n", r->name,
				(uint64_t)r->st.count, (uint64_t)r->st.bytes, r->unit);
		} else {
			fprintf(out, "%-48s %12" PRIu64 " %16s\n", r->name, (uint64_t)r->st.count,
				"-");
		}
	}
	if (!o->json && lim < n)
		fprintf(out, "(%zu more types; -n to show more)\n", n - lim);
	fflush(out);
}

/* What the interval tick needs. */
struct objnew_run {
	struct objnew_bpf *skel;
	const struct rt_cmd_opts *opts;
};

/* Print (and reset) the table of the interval that ends. */
static int print_interval(void *ctx)
{
	struct objnew_run *run = ctx;
	struct type_row *rows = NULL;
	size_t n = 0;
	int err;

	err = read_rows(run->skel, true, &rows, &n);
	if (err)
		return err;
	if (!run->opts->json)
		fputc('\n', run->opts->output.f);
	print_rows(rows, n, run->opts);
	free(rows);
	return 0;
}

int cmd_objnew(int argc, char **argv)
{
	struct rt_cmd_opts opts = {};
	struct objnew_bpf *skel = NULL;
	struct rt_trace *tr = NULL;
	struct type_row *rows = NULL;
	struct rt_seen seen = {};
	struct rt_run_opts run_opts = {};
	struct objnew_run run = {.opts = &opts};
	size_t n = 0, i;
	int err;

	err = rt_cmd_opts__parse(&opts, "objnew", RT_OPT_INTERVAL, argc, argv, usage);
	if (err)
		return err > 0 ? 0 : err;
	signals_install();
	skel = objnew_bpf__open();
	if (!skel) {
		err = -errno;
		pr_warn("objnew: cannot open the BPF object: %s\n", err_str(err));
		goto cleanup;
	}
	tr = rt_trace__new("objnew", RT_CMD_OBJNEW, opts.lang, &opts.target);
	if (!tr) {
		err = -errno;
		goto cleanup;
	}
	err = objnew_bpf__load(skel);
	if (err) {
		err = rt_load_error("objnew", err);
		goto cleanup;
	}
	err = rt_trace__attach(tr, skel->obj);
	if (err)
		goto cleanup;
	err = rt_trace__start(tr);
	if (err)
		goto cleanup;
	run.skel = skel;
	run_opts.duration_s = opts.duration_s;
	run_opts.interval_s = opts.interval_s;
	err = rt_trace__run(tr, &run_opts, print_interval, &run);
	if (err)
		goto cleanup;
	err = read_rows(skel, opts.interval_s > 0, &rows, &n);
	if (err)
		goto cleanup;
	print_rows(rows, n, &opts);
	for (i = 0; i < n; i++)
		seen.events += rows[i].st.count;
	fprintf(stderr, "objnew: %" PRIu64 " allocations of %zu types\n", (uint64_t)seen.events, n);
	rt_trace__report(tr, &seen);
cleanup:
	free(rows);
	rt_trace__free(tr);
	objnew_bpf__destroy(skel);
	{
		int e = opts_output__close(&opts.output, "objnew");

		err = err ? err : e;
	}
	return err;
}
