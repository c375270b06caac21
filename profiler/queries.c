// SPDX-License-Identifier: GPL-2.0
/*
 * rtprof queries: latency of each query a MySQL/MariaDB server runs, with its text.
 *
 * The BPF half (bpf/queries.bpf.c) times every COM_QUERY between the entry and the return of
 * dispatch_command() (or between mysql:query__start and query__done when the binary has those
 * USDT probes), keeps a log2 histogram of all of them, and sends only the queries at or above the
 * -m threshold, with up to --max-len bytes of text, through a ring buffer. This half prints each
 * query as it arrives and, at the end, the histogram and the top queries grouped by their
 * normalized text (literals replaced by ?).
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/libbpf.h>

#include "bpf/queries.h"
#include "profiler/commands.h"
#include "lib/errors.h"
#include "lib/opts.h"
#include "lib/hist.h"
#include "lib/json.h"
#include "lib/log.h"
#include "profiler/queries.h"
#include "lib/session.h"
#include "lib/signals.h"
#include "runtimes/runtime.h"
#include "runtimes/usdt.h"
#include "queries.skel.h"

_Static_assert(sizeof(struct query_event) == QUERY_EVENT_HDR + QUERY_TEXT_MAX,
	       "query_event layout");
_Static_assert(__builtin_offsetof(struct query_event, text) == QUERY_EVENT_HDR,
	       "query_event header");

#define POLL_MS 100

struct queries_opts {
	struct target_opts target;
	double min_ms;
	unsigned int max_len;
	double duration_s;
	unsigned int top;
	bool json;
	struct opts_output output; /* -o */
};

/* One normalized query: how often and how slow. */
struct query_group {
	char *text;
	__u64 count;
	__u64 total_ns;
	__u64 max_ns;
};

/* Open-addressing table of groups keyed by normalized text. */
struct query_groups {
	struct query_group *slots;
	size_t cap; /* power of two */
	size_t n;
};

struct queries_run {
	const struct queries_opts *opts;
	struct query_groups groups;
	char *norm; /* scratch for normalization */
	__u64 first_ns;
	__u64 shown;
	bool header_done;
};

size_t query_normalize(const char *text, size_t len, char *out, size_t size)
{
	size_t i = 0, o = 0;
	bool space = false;

	if (!size)
		return 0;
#define EMIT(c)                         \
	do {                            \
		if (o + 1 < size)       \
			out[o++] = (c); \
	} while (0)
	while (i < len && text[i]) {
		unsigned char c = (unsigned char)text[i];

		if (isspace(c)) {
			space = o > 0;
			i++;
			continue;
		}
		if (space) {
			EMIT(' ');
			space = false;
		}
		if (c == '\'' || c == '"') {
			/* a string: ends at the same quote not escaped by \ nor doubled */
			i++;
			while (i < len && text[i]) {
				if (text[i] == '\\' && i + 1 < len) {
					i += 2;
					continue;
				}
				if (text[i] == (char)c) {
					if (i + 1 < len && text[i + 1] == (char)c) {
						i += 2;
						continue;
					}
					i++;
					break;
				}
				i++;
			}
			EMIT('?');
			continue;
		}
		if (isdigit(c) && (o == 0 || !(isalnum((unsigned char)out[o - 1]) ||
					       out[o - 1] == '_' || out[o - 1] == '$'))) {
			/* a number: 42, 4.2, 0x2a, 1e-3 */
			i++;
			while (i < len && (isalnum((unsigned char)text[i]) || text[i] == '.' ||
					   ((text[i] == '-' || text[i] == '+') &&
					    (text[i - 1] == 'e' || text[i - 1] == 'E'))))
				i++;
			EMIT('?');
			continue;
		}
		EMIT((char)c);
		i++;
	}
#undef EMIT
	out[o] = '\0';

	/* IN (?, ?, ?) -> IN (?) */
	for (i = 0; i + 4 <= o; i++) {
		size_t j, k;

		if (strncasecmp(out + i, "in", 2) ||
		    (i && (isalnum((unsigned char)out[i - 1]) || out[i - 1] == '_')))
			continue;
		j = i + 2;
		if (j < o && out[j] == ' ')
			j++;
		if (j >= o || out[j] != '(')
			continue;
		k = j + 1;
		for (;;) {
			if (k < o && out[k] == ' ')
				k++;
			if (k >= o || out[k] != '?')
				break;
			k++;
			if (k < o && out[k] == ' ')
				k++;
			if (k < o && out[k] == ',') {
				k++;
				continue;
			}
			break;
		}
		if (k < o && out[k] == ')' && k > j + 2) {
			/* keep "(?" and move ")..." right after it */
			memmove(out + j + 2, out + k, o - k + 1);
			out[j + 1] = '?';
			o -= k - (j + 2);
		}
	}
	return o;
}

static __u64 hash_str(const char *s)
{
	__u64 h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static int groups_grow(struct query_groups *g)
{
	size_t cap = g->cap ? g->cap * 2 : 64, i;
	struct query_group *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (i = 0; i < g->cap; i++) {
		size_t j;

		if (!g->slots[i].text)
			continue;
		for (j = hash_str(g->slots[i].text) & (cap - 1); slots[j].text;
		     j = (j + 1) & (cap - 1))
			;
		slots[j] = g->slots[i];
	}
	free(g->slots);
	g->slots = slots;
	g->cap = cap;
	return 0;
}

static int groups_add(struct query_groups *g, const char *text, __u64 ns)
{
	struct query_group *q;
	size_t j;
	int err;

	if ((g->n + 1) * 2 > g->cap) {
		err = groups_grow(g);
		if (err)
			return err;
	}
	for (j = hash_str(text) & (g->cap - 1); g->slots[j].text; j = (j + 1) & (g->cap - 1)) {
		if (!strcmp(g->slots[j].text, text))
			break;
	}
	q = &g->slots[j];
	if (!q->text) {
		q->text = strdup(text);
		if (!q->text)
			return -ENOMEM;
		g->n++;
	}
	q->count++;
	q->total_ns += ns;
	if (ns > q->max_ns)
		q->max_ns = ns;
	return 0;
}

static void groups_free(struct query_groups *g)
{
	size_t i;

	for (i = 0; i < g->cap; i++)
		free(g->slots[i].text);
	free(g->slots);
	memset(g, 0, sizeof(*g));
}

static int cmp_group_total(const void *a, const void *b)
{
	const struct query_group *x = *(const struct query_group *const *)a;
	const struct query_group *y = *(const struct query_group *const *)b;

	if (x->total_ns != y->total_ns)
		return x->total_ns < y->total_ns ? 1 : -1;
	return strcmp(x->text, y->text);
}

/* Query text for display on one line: control characters become spaces. */
static void print_text_line(FILE *f, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		fputc(iscntrl((unsigned char)s[i]) ? ' ' : s[i], f);
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct queries_run *run = ctx;
	const struct query_event *e = data;
	FILE *out = run->opts->output.f;
	size_t tlen;
	int err;

	if (size < QUERY_EVENT_HDR)
		return 0;
	tlen = e->text_len;
	if (tlen > size - QUERY_EVENT_HDR)
		tlen = size - QUERY_EVENT_HDR;
	if (!run->first_ns)
		run->first_ns = e->start_ns;
	run->shown++;
	if (run->opts->json) {
		fprintf(out,
			"{\"type\":\"query\",\"tid\":%u,\"start_ns\":%" PRIu64
			",\"latency_ns\":%" PRIu64 ",\"len\":%u,\"truncated\":%s,\"query\":",
			e->tid, (uint64_t)e->start_ns, (uint64_t)e->latency_ns, e->len,
			tlen < e->len ? "true" : "false");
		json_strn(out, e->text, tlen);
		fputs("}\n", out);
	} else {
		if (!run->header_done) {
			fprintf(out, "%-10s %-8s %12s  %s\n", "TIME(s)", "TID", "LATENCY(ms)",
				"QUERY");
			run->header_done = true;
		}
		fprintf(out, "%-10.3f %-8u %12.3f  ", (e->start_ns - run->first_ns) / 1e9, e->tid,
			e->latency_ns / 1e6);
		print_text_line(out, e->text, tlen);
		fprintf(out, "%s\n", tlen < e->len ? "..." : "");
	}
	fflush(out);
	query_normalize(e->text, tlen, run->norm, QUERY_TEXT_MAX + 1);
	err = groups_add(&run->groups, run->norm, e->latency_ns);
	return err;
}

static int read_percpu_sum(struct bpf_map *map, __u32 key, __u64 *out, int ncpu)
{
	__u64 vals[ncpu];
	int err, c;

	err = bpf_map__lookup_elem(map, &key, sizeof(key), vals, sizeof(vals), 0);
	if (err)
		return err;
	*out = 0;
	for (c = 0; c < ncpu; c++)
		*out += vals[c];
	return 0;
}

static void print_summary(struct queries_run *run, struct queries_bpf *skel, struct session *s)
{
	const struct queries_opts *o = run->opts;
	FILE *out = o->output.f;
	__u64 stats[QUERY_STAT_NR] = {}, hist[QUERY_HIST_SLOTS] = {};
	struct query_group **sorted = NULL;
	int ncpu = libbpf_num_possible_cpus();
	size_t i, n = 0;
	__u32 k;

	if (ncpu <= 0)
		return;
	for (k = 0; k < QUERY_STAT_NR; k++)
		read_percpu_sum(skel->maps.stats, k, &stats[k], ncpu);
	for (k = 0; k < QUERY_HIST_SLOTS; k++)
		read_percpu_sum(skel->maps.hist, k, &hist[k], ncpu);
	sorted = calloc(run->groups.n ? run->groups.n : 1, sizeof(*sorted));
	if (sorted) {
		for (i = 0; i < run->groups.cap; i++)
			if (run->groups.slots[i].text)
				sorted[n++] = &run->groups.slots[i];
		qsort(sorted, n, sizeof(*sorted), cmp_group_total);
	}
	if (n > o->top)
		n = o->top;
	if (o->json) {
		fprintf(out,
			"{\"type\":\"summary\",\"queries\":%" PRIu64 ",\"shown\":%" PRIu64
			",\"lost\":%" PRIu64 ",\"min_ms\":%g,\"histogram\":",
			(uint64_t)stats[QUERY_STAT_QUERIES], (uint64_t)stats[QUERY_STAT_EMITTED],
			(uint64_t)stats[QUERY_STAT_LOST], o->min_ms);
		hist_print_json(out, hist, QUERY_HIST_SLOTS);
		session__json_end(s, out);
		fputs("}\n", out);
		for (i = 0; i < n; i++) {
			fputs("{\"type\":\"top\",\"query\":", out);
			json_str(out, sorted[i]->text);
			fprintf(out,
				",\"count\":%" PRIu64 ",\"total_ns\":%" PRIu64
				",\"max_ns\":%" PRIu64 "}\n",
				(uint64_t)sorted[i]->count, (uint64_t)sorted[i]->total_ns,
				(uint64_t)sorted[i]->max_ns);
		}
	} else {
		fprintf(out,
			"\n%" PRIu64 " queries finished, %" PRIu64
			" at or above %g ms shown, %" PRIu64 " lost\n\nlatency of all queries:\n",
			(uint64_t)stats[QUERY_STAT_QUERIES], (uint64_t)stats[QUERY_STAT_EMITTED],
			o->min_ms, (uint64_t)stats[QUERY_STAT_LOST]);
		hist_print(out, hist, QUERY_HIST_SLOTS, "  ");
		if (n) {
			fprintf(out, "\ntop queries by total latency (normalized):\n");
			fprintf(out, "  %8s %12s %12s %12s  %s\n", "COUNT", "TOTAL(ms)", "AVG(ms)",
				"MAX(ms)", "QUERY");
		}
		for (i = 0; i < n; i++)
			fprintf(out, "  %8" PRIu64 " %12.3f %12.3f %12.3f  %s\n",
				(uint64_t)sorted[i]->count, sorted[i]->total_ns / 1e6,
				sorted[i]->total_ns / 1e6 / (double)sorted[i]->count,
				sorted[i]->max_ns / 1e6, sorted[i]->text);
	}
	if (stats[QUERY_STAT_LOST])
		pr_warn("queries: %" PRIu64 " queries lost (ring buffer full); raise -m\n",
			(uint64_t)stats[QUERY_STAT_LOST]);
	free(sorted);
}

static bool has_usdt(const char *path, const struct runtime_query_probes *rp)
{
	struct usdt_notes *notes = usdt_notes__read(path);
	bool start = false, done = false;
	size_t i;

	if (!notes)
		return false;
	for (i = 0; i < notes->n; i++) {
		const struct usdt_note *n = &notes->notes[i];

		if (strcmp(n->provider, rp->usdt_provider))
			continue;
		start |= !strcmp(n->name, rp->usdt_start);
		done |= !strcmp(n->name, rp->usdt_done);
	}
	usdt_notes__free(notes);
	return start && done;
}

/* Attach to the server's USDT probes or dispatch_command; -ERR_NOPROBES when it has neither. */
static int attach(struct queries_bpf *skel, int pid, const char *exe, const char *what,
		  struct bpf_link **links)
{
	const struct runtime_query_probes *rp = &mysql_query_probes;
	const struct runtime *rt;
	char real[4096];
	const char *base;
	size_t i;
	int err;

	/* -p gives /proc/PID/exe: name the binary behind it */
	base = realpath(exe, real) ? real : exe;
	base = strrchr(base, '/') ? strrchr(base, '/') + 1 : base;
	if (has_usdt(exe, rp)) {
		links[0] = bpf_program__attach_usdt(skel->progs.usdt_query_start, pid, exe,
						    rp->usdt_provider, rp->usdt_start, NULL);
		if (!links[0]) {
			err = -errno;
			pr_warn("queries %s: cannot attach %s:%s: %s\n", what, rp->usdt_provider,
				rp->usdt_start, err_str(err));
			return err;
		}
		links[1] = bpf_program__attach_usdt(skel->progs.usdt_query_done, pid, exe,
						    rp->usdt_provider, rp->usdt_done, NULL);
		if (!links[1]) {
			err = -errno;
			pr_warn("queries %s: cannot attach %s:%s: %s\n", what, rp->usdt_provider,
				rp->usdt_done, err_str(err));
			return err;
		}
		pr_info("queries %s: tracing USDT %s:%s/%s\n", what, rp->usdt_provider,
			rp->usdt_start, rp->usdt_done);
		return 0;
	}
	for (i = 0; rp->dispatch_symbols[i]; i++) {
		LIBBPF_OPTS(bpf_uprobe_opts, entry, .func_name = rp->dispatch_symbols[i]);
		LIBBPF_OPTS(bpf_uprobe_opts, ret, .func_name = rp->dispatch_symbols[i],
			    .retprobe = true);

		links[0] = bpf_program__attach_uprobe_opts(skel->progs.dispatch_entry, pid, exe, 0,
							   &entry);
		if (!links[0]) {
			err = -errno;
			if (err == -ENOENT || err == -ESRCH)
				continue; /* no such symbol in this binary */
			pr_warn("queries %s: cannot attach uprobe %s: %s\n", what,
				rp->dispatch_symbols[i], err_str(err));
			return err;
		}
		links[1] = bpf_program__attach_uprobe_opts(skel->progs.dispatch_return, pid, exe, 0,
							   &ret);
		if (!links[1]) {
			err = -errno;
			pr_warn("queries %s: cannot attach uretprobe %s: %s\n", what,
				rp->dispatch_symbols[i], err_str(err));
			return err;
		}
		pr_info("queries %s: tracing %s (uprobe/uretprobe, no query USDT probes)\n", what,
			"dispatch_command");
		return 0;
	}
	rt = runtime_for_object(base);
	if (rt && !strcmp(rt->name, "mysql"))
		pr_warn("queries %s: %s has no %s:%s probe and no dispatch_command symbol "
			"(stripped build?)\n",
			what, base, rp->usdt_provider, rp->usdt_start);
	else
		pr_warn("queries %s: %s is not a MySQL/MariaDB server (no %s:%s probe, no "
			"dispatch_command symbol)\n",
			what, base, rp->usdt_provider, rp->usdt_start);
	return -ERR_NOPROBES;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: rtprof queries (-p PID | -- CMD ARGS...) [-m MS] [--max-len BYTES] [-d "
		"SECONDS]\n"
		"                      [--top N] [--json] [-o FILE]\n"
		"\n"
		"Latency and text of each query a MySQL/MariaDB server runs (COM_QUERY), from the\n"
		"mysql:query__start/query__done USDT probes when the server has them, otherwise "
		"from a\n"
		"uprobe/uretprobe pair on dispatch_command(). Each query is printed as it "
		"finishes; at the\n"
		"end a log2 histogram of all query latencies and the top queries by total time, "
		"grouped\n"
		"by normalized text (numbers and strings become ?, IN lists become IN (?)).\n"
		"\n"
		"  -p, --pid PID          trace the server with this PID\n"
		"  -m, --min-ms MS        show only queries at least this slow (default 0: all); "
		"the\n"
		"                         histogram still counts every query\n"
		"  -L, --max-len BYTES    bytes of query text kept (default 256, at most %d)\n"
		"  -o, --output FILE      results to FILE, \"-\" for stdout (default: stdout; "
		"stderr\n"
		"                         beside a launched command: its stdout stays its own)\n"
		"  -d, --duration SEC     stop after SEC seconds (default: until Ctrl-C or exit)\n"
		"  -t, --top N            normalized queries in the summary (default 10)\n"
		"      --json             one JSON object per query (query, latency_ns, tid, ...), "
		"then\n"
		"                         a summary object and one object per top query\n"
		"  -v, --verbose          debug output\n"
		"  -h, --help             this help\n"
		"\n"
		"examples:\n"
		"  rtprof queries -p $(pgrep -n mariadbd) -m 100      # queries slower than 100 "
		"ms\n"
		"  rtprof queries -p $(pgrep -n mysqld) -d 30 --json > q.jsonl\n"
		"  rtprof queries -- mariadbd --datadir=/tmp/db --socket=/tmp/db.sock\n",
		QUERY_TEXT_MAX - 1);
}

static int parse_opts(int argc, char **argv, struct queries_opts *o)
{
	static const struct option longopts[] = {
		{"pid", required_argument, NULL, 'p'},
		{"min-ms", required_argument, NULL, 'm'},
		{"max-len", required_argument, NULL, 'L'},
		{"duration", required_argument, NULL, 'd'},
		{"top", required_argument, NULL, 't'},
		{"json", no_argument, NULL, 'j'},
		{"output", required_argument, NULL, 'o'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	struct opts_common co = {"queries", &o->target, &o->duration_s, usage, &o->output};
	char *end;
	long v;
	int c, err;

	while ((c = getopt_long(argc, argv, "+p:m:L:d:o:t:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			o->min_ms = strtod(optarg, &end);
			if (*end || !*optarg || o->min_ms < 0) {
				fprintf(stderr, "rtprof queries: invalid -m '%s'\n", optarg);
				return -ERR_USAGE;
			}
			break;
		case 'L':
			v = strtol(optarg, &end, 10);
			if (*end || v <= 0 || v > QUERY_TEXT_MAX - 1) {
				fprintf(stderr, "rtprof queries: --max-len must be 1..%d\n",
					QUERY_TEXT_MAX - 1);
				return -ERR_USAGE;
			}
			o->max_len = (unsigned int)v;
			break;
		case 't':
			v = strtol(optarg, &end, 10);
			if (*end || v < 0) {
				fprintf(stderr, "rtprof queries: invalid --top '%s'\n", optarg);
				return -ERR_USAGE;
			}
			o->top = (unsigned int)v;
			break;
		case 'j':
			o->json = true;
			break;
		default:
			err = opts_common__handle(&co, c, optarg);
			if (err)
				return err;
		}
	}
	return opts_common__finish(&co, argc, argv, optind);
}

static __u64 now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000 + (__u64)ts.tv_nsec / 1000000;
}

int cmd_queries(int argc, char **argv)
{
	struct queries_opts opts = {.max_len = 256, .top = 10};
	struct queries_run run = {.opts = &opts};
	struct bpf_link *links[2] = {};
	struct queries_bpf *skel = NULL;
	struct ring_buffer *rb = NULL;
	struct session *s = NULL;
	char what[64];
	__u64 deadline_ms = 0;
	int err, i;

	err = parse_opts(argc, argv, &opts);
	if (err)
		return err > 0 ? 0 : err;
	signals_install();
	run.norm = malloc(QUERY_TEXT_MAX + 1);
	if (!run.norm) {
		err = -ENOMEM;
		goto cleanup;
	}
	s = session__new(&opts.target);
	if (!s) {
		err = -errno; /* session__new said why */
		goto cleanup;
	}
	if (opts.target.pid)
		snprintf(what, sizeof(what), "-p %d", opts.target.pid);
	else
		snprintf(what, sizeof(what), "%s", opts.target.argv[0]);

	skel = queries_bpf__open();
	if (!skel) {
		err = -errno;
		pr_warn("queries: cannot open the BPF program: %s\n", err_str(err));
		goto cleanup;
	}
	skel->rodata->com_query = mysql_query_probes.com_query;
	skel->rodata->max_len = opts.max_len;
	skel->rodata->min_ns = (__u64)(opts.min_ms * 1e6);
	err = queries_bpf__load(skel);
	if (err) {
		pr_warn("queries: cannot load the BPF program: %s\n", err_str(err));
		goto cleanup;
	}
	err = attach(skel, session__pid(s), session__exe(s), what, links);
	if (err)
		goto cleanup;
	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_event, &run, NULL);
	if (!rb) {
		err = -errno;
		pr_warn("queries: cannot create the ring buffer: %s\n", err_str(err));
		goto cleanup;
	}
	err = session__start(s);
	if (err)
		goto cleanup;
	if (opts.duration_s)
		deadline_ms = now_ms() + (__u64)(opts.duration_s * 1000);
	pr_info("queries %s: tracing, Ctrl-C to stop\n", what);
	while (!signals_stop_requested() && session__alive(s)) {
		if (deadline_ms && now_ms() >= deadline_ms)
			break;
		err = ring_buffer__poll(rb, POLL_MS);
		if (err == -EINTR) {
			err = 0;
			continue;
		}
		if (err < 0) {
			pr_warn("queries: ring buffer: %s\n", err_str(err));
			goto cleanup;
		}
		err = 0;
	}
	ring_buffer__consume(rb);
	if (!session__alive(s))
		pr_info("queries %s: process exited\n", what);
	print_summary(&run, skel, s);
	fflush(opts.output.f);
	session__report_end(s, "queries");
cleanup:
	ring_buffer__free(rb);
	for (i = 0; i < 2; i++)
		bpf_link__destroy(links[i]);
	queries_bpf__destroy(skel);
	session__free(s);
	groups_free(&run.groups);
	free(run.norm);
	{
		int e = opts_output__close(&opts.output, "queries");

		err = err ? err : e;
	}
	return err;
}
