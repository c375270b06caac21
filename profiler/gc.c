// SPDX-License-Identifier: GPL-2.0
/*
 * rtprof gc: one line per garbage collection (Python generation and objects collected; Ruby mark
 * and sweep phases; JVM collections with memory pool usage before and after; V8 collector type)
 * with start and duration, a --min filter applied in BPF, and a summary with a log2 histogram of
 * durations per kind at the end.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "bpf/gc.h"
#include "lib/bpf_util.h"
#include "profiler/commands.h"
#include "lib/errors.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/signals.h"
#include "runtimes/attach.h"
#include "gc.skel.h"

_Static_assert(sizeof(struct gc_event) == 184, "gc_event layout");

#define MAX_POOLS  32
#define MAX_KINDS  16
#define HIST_SLOTS 40

struct pool_usage {
	char manager[64];
	char name[64];
	__s64 before, after;
	__u64 committed, max;
};

struct kind_summary {
	char kind[32];
	__u64 count, total_ns, max_ns;
	__u64 hist[HIST_SLOTS];
};

struct gc_ctx {
	const struct rt_cmd_opts *opts;
	const char *runtime;
	__u64 t0;
	__u64 received;
	struct pool_usage pools[MAX_POOLS];
	size_t npools;
	struct kind_summary kinds[MAX_KINDS];
	size_t nkinds;
	struct ring_buffer *rb;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: rtprof gc [OPTIONS] (-p PID | -- COMMAND [ARGS...])\n"
		"\n"
		"Print each garbage collection of a Python, Ruby, JVM or Node program: start, "
		"duration\n"
		"and kind, then a summary with a histogram of durations per kind.\n"
		"  python: generation (gen0..gen2) and objects collected (gc__start/gc__done)\n"
		"  ruby:   mark and sweep phases (gc__mark__*, gc__sweep__*; lazy sweeping shows\n"
		"          as several sweep steps)\n"
		"  jvm:    full or young collection (gc__begin/end), memory pools before -> after\n"
		"  node:   scavenge, mark-compact or minor-mark-compact (uprobes on V8's\n"
		"          Heap::PerformGarbageCollection)\n"
		"\n"
		"  -p, --pid PID          trace a running process\n"
		"  -l, --lang LANG        python, ruby, jvm or node (default: found from the "
		"process)\n"
		"      --min MS           only collections lasting at least MS milliseconds (in "
		"BPF)\n"
		"  -o, --output FILE      results to FILE, \"-\" for stdout (default: stdout; "
		"stderr\n"
		"                         beside a launched command: its stdout stays its own)\n"
		"  -d, --duration SECS    stop after SECS (default: target exit or Ctrl-C)\n"
		"      --json             one JSON object per collection, then one per kind "
		"summary\n"
		"  -v, --verbose          debug output\n"
		"  -h, --help             this help\n"
		"\n"
		"examples:\n"
		"  rtprof gc -- python3.11 app.py\n"
		"  rtprof gc -p $(pgrep -n java) --min 5\n"
		"  rtprof gc --json -- node --expose-gc app.js\n");
}

static const char *kind_name(const struct gc_event *e, char *buf, size_t size)
{
	static const char *const v8[] = {"scavenge", "mark-compact", "minor-mark-compact"};

	switch (e->phase) {
	case GC_PY:
		snprintf(buf, size, "gen%lld", (long long)e->kind);
		return buf;
	case GC_RB_MARK:
		return "mark";
	case GC_RB_SWEEP:
		return "sweep";
	case GC_JVM:
		return e->kind ? "full" : "young";
	case GC_NODE:
		if (e->kind >= 0 && e->kind < 3)
			return v8[e->kind];
		snprintf(buf, size, "collector%lld", (long long)e->kind);
		return buf;
	}
	return "?";
}

static void add_summary(struct gc_ctx *gc, const char *kind, __u64 dur)
{
	struct kind_summary *k = NULL;
	size_t i;
	int slot = 0;

	for (i = 0; i < gc->nkinds; i++) {
		if (!strcmp(gc->kinds[i].kind, kind))
			k = &gc->kinds[i];
	}
	if (!k) {
		if (gc->nkinds == MAX_KINDS)
			return;
		k = &gc->kinds[gc->nkinds++];
		snprintf(k->kind, sizeof(k->kind), "%s", kind);
	}
	k->count++;
	k->total_ns += dur;
	if (dur > k->max_ns)
		k->max_ns = dur;
	while (slot < HIST_SLOTS - 1 && (dur >> (slot + 1)))
		slot++;
	k->hist[slot]++;
}

static void note_pool(struct gc_ctx *gc, const struct gc_event *e)
{
	struct pool_usage *p = NULL;
	char name[64];
	size_t i;

	snprintf(name, sizeof(name), "%.63s", e->name + 64);
	for (i = 0; i < gc->npools; i++) {
		if (!strcmp(gc->pools[i].name, name))
			p = &gc->pools[i];
	}
	if (!p) {
		if (gc->npools == MAX_POOLS)
			return;
		p = &gc->pools[gc->npools++];
		snprintf(p->name, sizeof(p->name), "%s", name);
		snprintf(p->manager, sizeof(p->manager), "%.63s", e->name);
		p->before = p->after = -1;
	}
	if (e->type == GC_EV_POOL_BEFORE)
		p->before = e->value;
	else
		p->after = e->value;
	p->committed = e->committed;
	p->max = e->max;
}

static void print_pools(struct gc_ctx *gc)
{
	FILE *out = gc->opts->output.f;
	size_t i;

	if (gc->opts->json) {
		fputs(",\"pools\":[", out);
		for (i = 0; i < gc->npools; i++) {
			const struct pool_usage *p = &gc->pools[i];

			fputs(i ? ",{\"name\":" : "{\"name\":", out);
			json_str(out, p->name);
			fputs(",\"manager\":", out);
			json_str(out, p->manager);
			fprintf(out,
				",\"before\":%lld,\"after\":%lld,\"committed\":%llu,\"max\":%lld}",
				(long long)p->before, (long long)p->after,
				(unsigned long long)p->committed, (long long)p->max);
		}
		fputc(']', out);
		return;
	}
	for (i = 0; i < gc->npools; i++) {
		const struct pool_usage *p = &gc->pools[i];

		fprintf(out, "%30s %-32s %10.1f -> %10.1f KiB\n", "", p->name, p->before / 1024.0,
			p->after / 1024.0);
	}
}

static int handle_event(void *ctx, void *data, size_t size)
{
	struct gc_ctx *gc = ctx;
	FILE *out = gc->opts->output.f;
	const struct gc_event *e = data;
	char buf[32];
	const char *kind;

	if (size < sizeof(*e))
		return 0;
	if (e->type != GC_EV_COLLECTION) {
		/* Pools of a collection that was not reported (shorter than --min) are dropped
		 * when the next collection's first report arrives. */
		if (e->type == GC_EV_POOL_BEFORE && gc->npools && gc->pools[0].after != -1)
			gc->npools = 0;
		note_pool(gc, e);
		return 0;
	}
	gc->received++;
	kind = kind_name(e, buf, sizeof(buf));
	add_summary(gc, kind, e->dur_ns);
	if (gc->opts->json) {
		fprintf(out,
			"{\"runtime\":\"%s\",\"tid\":%u,\"ts_ns\":%" PRIu64 ",\"dur_ns\":%" PRIu64
			",\"kind\":",
			gc->runtime, e->tid, (uint64_t)e->ts_ns, (uint64_t)e->dur_ns);
		json_str(out, kind);
		if (e->phase == GC_PY)
			fprintf(out, ",\"generation\":%lld,\"collected\":%lld", (long long)e->kind,
				(long long)e->value);
		if (e->phase == GC_NODE)
			fprintf(out, ",\"collector\":%lld", (long long)e->kind);
		if (e->phase == GC_JVM)
			print_pools(gc);
		fputs("}\n", out);
	} else {
		fprintf(out, "%12.6f %7u %-6s %-20s %10.3f ms",
			((double)e->ts_ns - (double)gc->t0) / 1e9, e->tid, gc->runtime, kind,
			e->dur_ns / 1e6);
		if (e->phase == GC_PY)
			fprintf(out, "  collected %lld", (long long)e->value);
		if (e->phase == GC_JVM && gc->npools)
			fprintf(out, "  %s", gc->pools[0].manager);
		fputc('\n', out);
		if (e->phase == GC_JVM)
			print_pools(gc);
	}
	gc->npools = 0;
	return 0;
}

static void print_summary(const struct gc_ctx *gc)
{
	FILE *out = gc->opts->output.f;
	size_t i;
	int s;

	for (i = 0; i < gc->nkinds; i++) {
		const struct kind_summary *k = &gc->kinds[i];

		if (gc->opts->json) {
			fprintf(out, "{\"summary\":true,\"runtime\":\"%s\",\"kind\":", gc->runtime);
			json_str(out, k->kind);
			fprintf(out,
				",\"count\":%" PRIu64 ",\"total_ns\":%" PRIu64
				",\"max_ns\":%" PRIu64 ",\"hist\":[",
				(uint64_t)k->count, (uint64_t)k->total_ns, (uint64_t)k->max_ns);
			for (s = 0; s < HIST_SLOTS; s++)
				fprintf(out, "%s%" PRIu64, s ? "," : "", (uint64_t)k->hist[s]);
			fputs("]}\n", out);
			continue;
		}
		fprintf(out,
			"\n%s %s: %" PRIu64
			" collections, total %.3f ms, mean %.3f ms, max %.3f ms\n",
			gc->runtime, k->kind, (uint64_t)k->count, k->total_ns / 1e6,
			k->count ? k->total_ns / 1e6 / k->count : 0, k->max_ns / 1e6);
		for (s = 0; s < HIST_SLOTS; s++) {
			int bar = (int)(k->hist[s] * 40 / (k->count ? k->count : 1));

			if (!k->hist[s])
				continue;
			fprintf(out, "  %12llu -> %-12llu us : %-8" PRIu64 " |%-40.*s|\n",
				(s ? 1ULL << s : 0ULL) / 1000, ((1ULL << (s + 1)) - 1) / 1000,
				(uint64_t)k->hist[s], bar,
				"****************************************");
		}
	}
}

/* Events are printed as they come: flushed after each read, so that a file given with -o holds
 * every event printed so far. */
static int read_events(void *ctx, int timeout_ms)
{
	struct gc_ctx *gc = ctx;
	int err;

	err = ring_buffer__poll(gc->rb, timeout_ms);
	fflush(gc->opts->output.f);
	return err;
}

int cmd_gc(int argc, char **argv)
{
	struct rt_cmd_opts opts = {};
	struct gc_ctx *gc = NULL;
	struct gc_bpf *skel = NULL;
	struct ring_buffer *rb = NULL;
	struct rt_trace *tr = NULL;
	struct rt_seen seen = {};
	struct rt_run_opts run_opts = {.wait = read_events, .wait_ms = 100};
	int err;

	err = rt_cmd_opts__parse(&opts, "gc", RT_OPT_MIN, argc, argv, usage);
	if (err)
		return err > 0 ? 0 : err;
	signals_install();
	gc = calloc(1, sizeof(*gc));
	if (!gc) {
		err = -ENOMEM;
		goto cleanup;
	}
	gc->opts = &opts;
	skel = gc_bpf__open();
	if (!skel) {
		err = -errno;
		pr_warn("gc: cannot open the BPF object: %s\n", err_str(err));
		goto cleanup;
	}
	skel->rodata->min_ns = (__u64)(opts.min_ms * 1e6);
	tr = rt_trace__new("gc", RT_CMD_GC, opts.lang, &opts.target);
	if (!tr) {
		err = -errno;
		goto cleanup;
	}
	gc->runtime = rt_trace__tracer(tr)->name;
	err = gc_bpf__load(skel);
	if (err) {
		err = rt_load_error("gc", err);
		goto cleanup;
	}
	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), handle_event, gc, NULL);
	if (!rb) {
		err = -errno;
		goto cleanup;
	}
	gc->rb = rb;
	gc->t0 = rt_monotonic_ns(); /* before the probes: no time is negative */
	err = rt_trace__attach(tr, skel->obj);
	if (err)
		goto cleanup;
	err = rt_trace__start(tr);
	if (err)
		goto cleanup;
	run_opts.duration_s = opts.duration_s;
	err = rt_trace__run(tr, &run_opts, NULL, gc);
	rt_trace__detach(tr); /* nothing comes after the last read: the counts are final */
	ring_buffer__consume(rb);
	print_summary(gc);
	fflush(opts.output.f);
	fprintf(stderr,
		"gc: %" PRIu64 " collections, %" PRIu64 " lost, %" PRIu64
		" shorter than --min, %" PRIu64 " ends without a seen start\n",
		(uint64_t)gc->received,
		(uint64_t)percpu_array__sum_u64(skel->maps.counters, GC_LOST),
		(uint64_t)percpu_array__sum_u64(skel->maps.counters, GC_FILTERED),
		(uint64_t)percpu_array__sum_u64(skel->maps.counters, GC_UNPAIRED));
	seen.events = gc->received;
	rt_trace__report(tr, &seen);
cleanup:
	ring_buffer__free(rb);
	rt_trace__free(tr);
	gc_bpf__destroy(skel);
	free(gc);
	{
		int e = opts_output__close(&opts.output, "gc");

		err = err ? err : e;
	}
	return err;
}
