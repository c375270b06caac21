// SPDX-License-Identifier: GPL-2.0
/*
 * rtprof flow: every method call and return of a runtime, indented by depth per thread. Depths
 * and filters are handled in BPF (usdt_events.bpf.c); events come through a ring buffer; at the
 * end the counts of events sent, lost and filtered out are printed, so nothing goes missing
 * without being counted.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/usdt_events.h"
#include "lib/bpf_util.h"
#include "lib/chrome_trace.h"
#include "profiler/commands.h"
#include "lib/errors.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/signals.h"
#include "runtimes/attach.h"
#include "runtimes/probe_cost.h"
#include "usdt_events.skel.h"

_Static_assert(sizeof(struct flow_event) == 48, "flow_event layout");
_Static_assert(sizeof(struct flow_name) == 264, "flow_name layout");

#define NAME_BUCKETS 16384

/* Names already fetched from the BPF names map, so that a syscall is made once per method. */
struct name_entry {
	struct flow_key key;
	struct flow_name name;
	struct name_entry *next;
};

struct flow_ctx {
	const struct rt_cmd_opts *opts;
	int names_fd;
	struct chrome_trace *trace; /* --trace, written at the end to trace_file */
	FILE *trace_file;
	struct name_entry **buckets;
	__u64 unnamed;	 /* events whose names were not in the map (map full) */
	const char *sep; /* between class and method */
	__u64 t0;
	__u64 received, method_events;
	struct ring_buffer *rb;
	__u64 read_until_ns; /* a read of the ring buffer returns by then (see handle_event) */
	const struct rt_tracer *tracer;
	struct usdt_events_bpf *skel;
	struct rt_cost cost;
};

/* A read of the ring buffer returns after this long even if events keep coming: the probes
 * refill it while it is read, so a reader slower than the target (a slow pipe on stdout)
 * would otherwise never get back to check -d or Ctrl-C. */
#define READ_SLICE_NS (100 * 1000000ULL) /* 100 ms */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: rtprof flow [OPTIONS] (-p PID | -- COMMAND [ARGS...])\n"
		"\n"
		"Print every method call and return of a Python, Ruby or JVM program, indented by\n"
		"call depth per thread, with the thread id and the time in seconds since rtprof\n"
		"placed its probes (never negative; --json: CLOCK_MONOTONIC ns).\n"
		"\n"
		"  -p, --pid PID          trace a running process\n"
		"  -l, --lang LANG        python, ruby or jvm (default: found from the process)\n"
		"  -m, --method PAT       only methods named PAT, or starting with PREFIX if PAT "
		"is\n"
		"                         PREFIX* (applied in BPF; depths still count every call)\n"
		"  -c, --class PAT        only classes matching PAT (same form)\n"
		"  -o, --output FILE      results to FILE, \"-\" for stdout (default: stdout; "
		"stderr\n"
		"                         beside a launched command: its stdout stays its own)\n"
		"  -d, --duration SECS    stop after SECS (default: target exit or Ctrl-C)\n"
		"      --buffer KB        ring buffer size (power of two, default 16384); events\n"
		"                         that find it full are counted as lost\n"
		"      --json             one JSON object per event: tid, ts_ns, dir, depth, "
		"class,\n"
		"                         method, file, line\n"
		"      --trace FILE       also write the calls as Chrome Trace Event JSON (one "
		"complete\n"
		"                         event per call, per thread; chrome://tracing, "
		"Perfetto,\n"
		"                         speedscope)\n"
		"      --no-tracepoint    ruby, launched command: do not enable the empty "
		"TracePoint\n"
		"  -v, --verbose          debug output\n"
		"  -h, --help             this help\n"
		"\n"
		"Python 3.11 fires function__entry for Python-to-Python calls only on its tracing\n"
		"path: rtprof holds the `line` probe's semaphore up while tracing (the kernel "
		"lowers\n"
		"it again when rtprof exits, however it exits). Ruby fires method probes only "
		"while a\n"
		"TracePoint is on; the JVM needs -XX:+DTraceMethodProbes. Node: not available.\n"
		"\n"
		"examples:\n"
		"  rtprof flow -- python3.11 app.py\n"
		"  rtprof flow -p $(pgrep -n ruby) -c 'Net*'\n"
		"  rtprof flow -m 'handle*' --json -- java -XX:+DTraceMethodProbes -jar app.jar\n");
}

static const struct flow_name *name_of(struct flow_ctx *fc, const struct flow_key *k)
{
	static const struct flow_name unknown = {.klass = "", .method = "?", .file = ""};
	size_t h = (size_t)((k->klass * 31 + k->method) * 31 + k->file);
	struct name_entry *n;

	h = (h ^ (h >> 17) ^ (h >> 31)) % NAME_BUCKETS;
	for (n = fc->buckets[h]; n; n = n->next) {
		if (!memcmp(&n->key, k, sizeof(*k)))
			return &n->name;
	}
	n = calloc(1, sizeof(*n));
	if (!n)
		return &unknown;
	if (bpf_map_lookup_elem(fc->names_fd, k, &n->name)) {
		free(n);
		fc->unnamed++;
		return &unknown;
	}
	n->key = *k;
	n->next = fc->buckets[h];
	fc->buckets[h] = n;
	return &n->name;
}

static int handle_event(void *ctx, void *data, size_t size);

/* --trace: each event also goes into the Chrome trace, named as the text output names it:
 * "Class.method(int, String)" with a signature (JVM), else "Class.method (file)". */
static int handle_event_traced(void *ctx, void *data, size_t size)
{
	struct flow_ctx *fc = ctx;
	const struct flow_event *ev = data;
	const struct flow_name *e;
	char name[RT_CLASS_LEN + RT_METHOD_LEN + RT_FILE_LEN + 256], sig[256] = "", path[64];
	char comm[64] = "";
	bool file;
	FILE *f;

	if (size < sizeof(*ev))
		return 0;
	if (!chrome_trace__has_thread(fc->trace, ev->tid)) {
		snprintf(path, sizeof(path), "/proc/%u/comm", ev->tid);
		f = fopen(path, "re");
		if (f && fgets(comm, sizeof(comm), f))
			comm[strcspn(comm, "\n")] = 0;
		if (f)
			fclose(f);
		snprintf(name, sizeof(name), "%s-%u", comm[0] ? comm : "thread", ev->tid);
		chrome_trace__thread_name(fc->trace, ev->tid, name);
	}
	if (ev->dir == RT_EV_ENTRY) {
		e = name_of(fc, &ev->key);
		if (fc->tracer->signature && e->sig[0])
			fc->tracer->signature(e->sig, sig, sizeof(sig));
		file = !fc->tracer->signature && e->file[0];
		snprintf(name, sizeof(name), "%s%s%s%s%s%s%s", e->klass, e->klass[0] ? fc->sep : "",
			 e->method, sig, file ? " (" : "", file ? e->file : "", file ? ")" : "");
		chrome_trace__call(fc->trace, ev->tid, ev->ts_ns, ev->depth, name);
	} else if (!ev->unmatched) {
		chrome_trace__return(fc->trace, ev->tid, ev->ts_ns, ev->depth);
	}
	return handle_event(ctx, data, size);
}

/* --trace FILE: opened before anything starts, so that a bad path costs no trace. */
static int open_trace(struct flow_ctx *fc, const char *path)
{
	int err;

	fc->trace = chrome_trace__new();
	if (!fc->trace)
		return -ENOMEM;
	fc->trace_file = fopen(path, "we");
	if (!fc->trace_file) {
		err = -errno;
		pr_warn("flow --trace %s: %s\n", path, err_str(err));
		return err;
	}
	return 0;
}

static int write_trace(struct flow_ctx *fc, const char *path, struct rt_trace *tr)
{
	char pname[64];
	int err;

	snprintf(pname, sizeof(pname), "%s %d", rt_trace__tracer(tr)->name, rt_trace__pid(tr));
	err = chrome_trace__write(fc->trace, rt_trace__pid(tr), pname, fc->trace_file);
	if (fclose(fc->trace_file) && !err)
		err = -errno;
	fc->trace_file = NULL;
	if (err)
		pr_warn("flow --trace %s: %s\n", path, err_str(err));
	else
		pr_info("flow: %llu calls written to %s\n",
			(unsigned long long)chrome_trace__calls(fc->trace), path);
	return err;
}

static void free_names(struct flow_ctx *fc)
{
	struct name_entry *n, *next;
	size_t i;

	for (i = 0; fc->buckets && i < NAME_BUCKETS; i++) {
		for (n = fc->buckets[i]; n; n = next) {
			next = n->next;
			free(n);
		}
	}
	free(fc->buckets);
}

static void print_event(struct flow_ctx *fc, const struct flow_event *ev)
{
	const struct flow_name *e = name_of(fc, &ev->key);
	FILE *out = fc->opts->output.f;
	bool call = ev->dir == RT_EV_ENTRY;
	char sig[256] = "";

	if (fc->opts->json) {
		fprintf(out,
			"{\"tid\":%u,\"ts_ns\":%" PRIu64 ",\"dir\":\"%s\",\"depth\":%d,\"class\":",
			ev->tid, (uint64_t)ev->ts_ns, call ? "call" : "return", ev->depth);
		json_str(out, e->klass);
		fputs(",\"method\":", out);
		json_str(out, e->method);
		if (fc->tracer->signature) {
			fputs(",\"file\":null,\"sig\":", out);
			json_str(out, e->sig[0] ? e->sig : NULL);
		} else {
			fputs(",\"file\":", out);
			json_str(out, e->file[0] ? e->file : NULL);
		}
		if (ev->line)
			fprintf(out, ",\"line\":%u", ev->line);
		if (ev->unmatched)
			fputs(",\"unmatched\":true", out);
		fputs("}\n", out);
		return;
	}
	if (fc->tracer->signature && e->sig[0])
		fc->tracer->signature(e->sig, sig, sizeof(sig));
	fprintf(out, "%12.6f %7u %*s%s %s%s%s%s",
		ev->ts_ns > fc->t0 ? (double)(ev->ts_ns - fc->t0) / 1e9 : 0.0, ev->tid,
		2 * (ev->depth > 200 ? 200 : ev->depth), "", call ? "->" : "<-", e->klass,
		e->klass[0] ? fc->sep : "", e->method, sig);
	if (!fc->tracer->signature && e->file[0])
		fprintf(out, "  %s:%u", e->file, ev->line);
	fputc('\n', out);
}

/* One event of the ring buffer. Returning -EAGAIN ends the read (the event is consumed). */
static int handle_event(void *ctx, void *data, size_t size)
{
	struct flow_ctx *fc = ctx;
	const struct flow_event *ev = data;

	if (size < sizeof(*ev))
		return 0;
	fc->received++;
	if (!ev->cfunc)
		fc->method_events++;
	print_event(fc, ev);
	if (!(fc->received & 255) && rt_monotonic_ns() > fc->read_until_ns)
		return -EAGAIN;
	return 0;
}

/* Calls traced so far, for the cost check: two events each, printed, lost or filtered out. */
static __u64 calls_so_far(void *ctx)
{
	struct flow_ctx *fc = ctx;

	return (fc->received + percpu_array__sum_u64(fc->skel->maps.counters, FLOW_LOST) +
		percpu_array__sum_u64(fc->skel->maps.counters, FLOW_FILTERED)) /
	       2;
}

/* Events come without a wakeup until an eighth of the buffer waits: read on a short timer as
 * well, and flush after each read so that a pipe or file sees events as they come. */
static int read_events(void *ctx, int timeout_ms)
{
	struct flow_ctx *fc = ctx;
	int err;

	fc->read_until_ns = rt_monotonic_ns() + timeout_ms * 1000000ULL + READ_SLICE_NS;
	err = ring_buffer__poll(fc->rb, timeout_ms);
	if (err >= 0)
		err = ring_buffer__consume(fc->rb);
	fflush(fc->opts->output.f);
	if (err < 0 && err != -EINTR && err != -EAGAIN)
		return err;
	rt_cost__check(&fc->cost, "flow", calls_so_far, fc);
	return 0;
}

/* After the probes are gone: read every event left in the ring buffer. A program that was
 * running when its probe went away may still add one, so read again until the count of events
 * sent agrees, for a short while. Returns the events sent but never read (normally 0). */
static __u64 drain(struct ring_buffer *rb, struct usdt_events_bpf *skel, struct flow_ctx *fc,
		   __u64 *sent)
{
	int i;

	fc->read_until_ns = UINT64_MAX; /* nothing comes any more: read to the end */
	for (i = 0; i < 10; i++) {
		ring_buffer__consume(rb);
		*sent = percpu_array__sum_u64(skel->maps.counters, FLOW_SENT);
		if (*sent <= fc->received)
			break;
		usleep(10000); /* 10 ms; also after Ctrl-C */
	}
	return *sent > fc->received ? *sent - fc->received : 0;
}

int cmd_flow(int argc, char **argv)
{
	struct rt_cmd_opts opts = {};
	struct flow_ctx fc = {.opts = &opts};
	struct usdt_events_bpf *skel = NULL;
	struct ring_buffer *rb = NULL;
	struct rt_trace *tr = NULL;
	struct rt_seen seen = {};
	struct rt_run_opts run_opts = {.wait = read_events, .wait_ms = 50};
	__u64 lost, filtered, sent, unread;
	int err;

	err = rt_cmd_opts__parse(&opts, "flow", RT_OPT_FILTER | RT_OPT_BUFFER | RT_OPT_TRACE, argc,
				 argv, usage);
	if (err)
		return err > 0 ? 0 : err;
	signals_install();
	/* flushed after each read of the buffer and at the end, also after Ctrl-C or -d */
	setvbuf(opts.output.f, NULL, _IOFBF, 1 << 20);
	skel = usdt_events_bpf__open();
	if (!skel) {
		err = -errno;
		pr_warn("flow: cannot open the BPF object: %s\n", err_str(err));
		goto cleanup;
	}
	err = rt_filter__set(&skel->rodata->filter, "flow", &opts);
	if (!err && opts.buffer_kb)
		err = bpf_map__set_max_entries(skel->maps.events, opts.buffer_kb * 1024);
	if (err)
		goto cleanup;
	tr = rt_trace__new("flow", RT_CMD_FLOW, opts.lang, &opts.target);
	if (!tr) {
		err = -errno;
		goto cleanup;
	}
	fc.tracer = rt_trace__tracer(tr);
	fc.skel = skel;
	fc.sep = !strcmp(fc.tracer->name, "ruby") ? "#" : ".";
	fc.buckets = calloc(NAME_BUCKETS, sizeof(*fc.buckets));
	if (!fc.buckets) {
		err = -ENOMEM;
		goto cleanup;
	}
	if (opts.trace_path) {
		err = open_trace(&fc, opts.trace_path);
		if (err)
			goto cleanup;
	}
	err = usdt_events_bpf__load(skel);
	if (err) {
		err = rt_load_error("flow", err);
		goto cleanup;
	}
	fc.names_fd = bpf_map__fd(skel->maps.names);
	rb = ring_buffer__new(bpf_map__fd(skel->maps.events),
			      fc.trace ? handle_event_traced : handle_event, &fc, NULL);
	if (!rb) {
		err = -errno;
		goto cleanup;
	}
	fc.rb = rb;
	/* The time origin of the text output: the moment before the first probe is placed, so
	 * that no event (of a running process, with -p) can come before it. */
	fc.t0 = rt_monotonic_ns();
	err = rt_trace__attach(tr, skel->obj);
	if (err)
		goto cleanup;
	rt_cost__init(&fc.cost, rt_trace__pid(tr), skel->progs.hold_sema);
	err = rt_trace__start(tr);
	if (err)
		goto cleanup;
	run_opts.duration_s = opts.duration_s;
	err = rt_trace__run(tr, &run_opts, NULL, &fc);
	/* Final counts: stop the probes first, then read what is left in the ring buffer. */
	rt_trace__detach(tr);
	unread = drain(rb, skel, &fc, &sent);
	fflush(opts.output.f);
	lost = percpu_array__sum_u64(skel->maps.counters, FLOW_LOST);
	filtered = percpu_array__sum_u64(skel->maps.counters, FLOW_FILTERED);
	fprintf(stderr, "flow: %" PRIu64 " events, %" PRIu64 " lost, %" PRIu64 " filtered out\n",
		(uint64_t)fc.received, (uint64_t)(lost + unread), (uint64_t)filtered);
	if (unread)
		pr_warn("flow: %" PRIu64 " of the lost events were sent but could not be read "
			"from the ring buffer\n",
			(uint64_t)unread);
	if (fc.unnamed)
		pr_warn("flow: %" PRIu64
			" events of methods whose names did not fit in the names map "
			"(printed as ?)\n",
			(uint64_t)fc.unnamed);
	seen.events = fc.received + filtered + lost + unread;
	seen.method_events = fc.method_events;
	rt_trace__report(tr, &seen);
	if (fc.trace) {
		int e = write_trace(&fc, opts.trace_path, tr);

		err = err ? err : e;
	}
cleanup:
	ring_buffer__free(rb);
	rt_trace__free(tr);
	usdt_events_bpf__destroy(skel);
	free_names(&fc);
	{
		int e = opts_output__close(&opts.output, "flow");

		err = err ? err : e;
	}
	chrome_trace__free(fc.trace);
	if (fc.trace_file)
		fclose(fc.trace_file);
	return err;
}
