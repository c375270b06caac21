// SPDX-License-Identifier: GPL-2.0
/*
 * rtprof locks: where the threads of a process wait for each other.
 *
 * bpf/locks.bpf.c is attached with uprobes to the lock functions of the process's C library
 * (runtimes/pthread.c lists them: mutex lock/trylock/timedlock/unlock, rwlock rd/wr, condition
 * waits) and aggregates, per lock address, the time spent waiting (call to return) and holding
 * (acquisition to unlock) with log2 histograms, and per lock and waiting user stack the waits.
 * This half reads those maps once at the end and prints the locks by total wait time.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/locks.h"
#include "profiler/commands.h"
#include "profiler/errors.h"
#include "profiler/hist.h"
#include "profiler/json.h"
#include "profiler/log.h"
#include "profiler/session.h"
#include "profiler/signals.h"
#include "profiler/ustack.h"
#include "runtimes/runtime.h"
#include "runtimes/usdt.h"
#include "locks.skel.h"

_Static_assert(sizeof(struct lock_stat) == 64 + 2 * 8 * LOCK_HIST_SLOTS, "lock_stat layout");
_Static_assert(sizeof(struct lock_stack_key) == 16, "lock_stack_key layout");
_Static_assert(sizeof(struct lock_stack_stat) == 24, "lock_stack_stat layout");

#define POLL_MS		100
#define MAPS_REFRESH_MS 1000
#define MAX_LINKS	64

struct locks_opts {
	struct target_opts target;
	double duration_s;
	unsigned int top;
	unsigned int stacks;
	bool json;
	bool no_cond;
};

struct lock_row {
	__u64 addr;
	struct lock_stat st;
};

struct stack_row {
	struct lock_stack_key key;
	struct lock_stack_stat st;
};

static const char *kind_name(__u32 kind)
{
	switch (kind) {
	case LOCK_KIND_MUTEX:
		return "mutex";
	case LOCK_KIND_RWLOCK_RD:
	case LOCK_KIND_RWLOCK_WR:
		return "rwlock";
	case LOCK_KIND_COND:
		return "cond";
	}
	return "?";
}

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

static void *destroy_link(void *link)
{
	bpf_link__destroy(link);
	return NULL;
}

/*
 * Detach every probe. Each uprobe's removal waits for the kernel to quiesce (about 0.3 s here),
 * one after the other: detaching them from parallel threads lets those waits overlap.
 */
static void destroy_links(struct bpf_link **links, size_t n)
{
	pthread_t tids[MAX_LINKS];
	bool started[MAX_LINKS] = {};
	size_t i;

	for (i = 0; i < n; i++)
		started[i] = !pthread_create(&tids[i], NULL, destroy_link, links[i]);
	for (i = 0; i < n; i++) {
		if (started[i])
			pthread_join(tids[i], NULL);
		else
			bpf_link__destroy(links[i]);
	}
}

static int cmp_lock(const void *a, const void *b)
{
	const struct lock_row *x = a, *y = b;

	if (x->st.wait_total_ns != y->st.wait_total_ns)
		return x->st.wait_total_ns < y->st.wait_total_ns ? 1 : -1;
	if (x->st.acquisitions != y->st.acquisitions)
		return x->st.acquisitions < y->st.acquisitions ? 1 : -1;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int cmp_stack(const void *a, const void *b)
{
	const struct stack_row *x = a, *y = b;

	if (x->key.lock != y->key.lock)
		return x->key.lock < y->key.lock ? -1 : 1;
	if (x->st.wait_total_ns != y->st.wait_total_ns)
		return x->st.wait_total_ns < y->st.wait_total_ns ? 1 : -1;
	return x->key.stack_id - y->key.stack_id;
}

/* All entries of a hash map; *out is malloc'ed, NULL when empty. Returns the count or -errno. */
static long read_map(int fd, size_t key_size, size_t val_size, size_t row_size, void **out)
{
	char key[32], next[32];
	size_t n = 0, cap = 0;
	char *rows = NULL, *r;
	bool first = true;

	while (!bpf_map_get_next_key(fd, first ? NULL : key, next)) {
		first = false;
		memcpy(key, next, key_size);
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			r = realloc(rows, cap * row_size);
			if (!r) {
				free(rows);
				return -ENOMEM;
			}
			rows = r;
		}
		r = rows + n * row_size;
		memcpy(r, key, key_size);
		/* key then value, each at its offset in the row */
		if (bpf_map_lookup_elem(fd, key, r + row_size - val_size))
			continue; /* deleted meanwhile */
		n++;
	}
	*out = rows;
	return (long)n;
}

static void print_stack_rows(struct ustacks *u, const struct stack_row *rows, size_t n,
			     unsigned int max, bool json)
{
	size_t i;

	for (i = 0; i < n && i < max; i++) {
		const struct stack_row *s = &rows[i];

		if (json) {
			printf("%s{\"waits\":%" PRIu64 ",\"wait_total_ns\":%" PRIu64
			       ",\"wait_max_ns\":%" PRIu64 ",\"stack\":",
			       i ? "," : "", (uint64_t)s->st.waits, (uint64_t)s->st.wait_total_ns,
			       (uint64_t)s->st.wait_max_ns);
			ustacks__print(u, stdout, s->key.stack_id, 0, NULL, true);
			fputc('}', stdout);
		} else {
			char tot[32], mx[32];

			fmt_duration(tot, sizeof(tot), s->st.wait_total_ns);
			fmt_duration(mx, sizeof(mx), s->st.wait_max_ns);
			printf("    %" PRIu64 " waits, %s total, %s max, from:\n",
			       (uint64_t)s->st.waits, tot, mx);
			ustacks__print(u, stdout, s->key.stack_id, 0, "        ", false);
		}
	}
}

static int report(const struct locks_opts *o, struct locks_bpf *skel, struct ustacks *u)
{
	struct lock_row *locks = NULL;
	struct stack_row *stacks = NULL;
	long nlocks, nstacks;
	size_t i, j = 0;
	int err = 0;

	nlocks = read_map(bpf_map__fd(skel->maps.lock_stats), sizeof(__u64),
			  sizeof(struct lock_stat), sizeof(struct lock_row), (void **)&locks);
	nstacks = read_map(bpf_map__fd(skel->maps.stack_stats), sizeof(struct lock_stack_key),
			   sizeof(struct lock_stack_stat), sizeof(struct stack_row),
			   (void **)&stacks);
	if (nlocks < 0 || nstacks < 0) {
		err = nlocks < 0 ? (int)nlocks : (int)nstacks;
		goto cleanup;
	}
	qsort(locks, (size_t)nlocks, sizeof(*locks), cmp_lock);
	qsort(stacks, (size_t)nstacks, sizeof(*stacks), cmp_stack);
	if (!o->json)
		printf("%ld lock%s used; the %u with the most wait time:\n", nlocks,
		       nlocks == 1 ? "" : "s", o->top < nlocks ? o->top : (unsigned int)nlocks);
	for (i = 0; i < (size_t)nlocks && i < o->top; i++) {
		const struct lock_row *l = &locks[i];
		const struct stack_row *first;
		size_t ns = 0;
		char where[512];

		ustacks__format(u, l->addr, where, sizeof(where));
		if (!strcmp(where, "[unknown]"))
			where[0] = '\0'; /* heap or stack: no symbol */
		/* this lock's stacks, sorted by wait, are contiguous in the sorted array */
		first = NULL;
		for (j = 0; j < (size_t)nstacks; j++) {
			if (stacks[j].key.lock != l->addr)
				continue;
			if (!first)
				first = &stacks[j];
			ns++;
		}
		if (o->json) {
			printf("{\"type\":\"lock\",\"rank\":%zu,\"address\":%" PRIu64
			       ",\"location\":",
			       i + 1, (uint64_t)l->addr);
			json_str(stdout, where[0] ? where : NULL);
			printf(",\"kind\":\"%s\",\"waits\":%" PRIu64 ",\"wait_total_ns\":%" PRIu64
			       ",\"wait_max_ns\":%" PRIu64 ",\"acquisitions\":%" PRIu64
			       ",\"holds\":%" PRIu64 ",\"hold_total_ns\":%" PRIu64
			       ",\"hold_max_ns\":%" PRIu64 ",\"wait_hist\":",
			       kind_name(l->st.kind), (uint64_t)l->st.waits,
			       (uint64_t)l->st.wait_total_ns, (uint64_t)l->st.wait_max_ns,
			       (uint64_t)l->st.acquisitions, (uint64_t)l->st.holds,
			       (uint64_t)l->st.hold_total_ns, (uint64_t)l->st.hold_max_ns);
			hist_print_json(stdout, l->st.wait_hist, LOCK_HIST_SLOTS);
			fputs(",\"hold_hist\":", stdout);
			hist_print_json(stdout, l->st.hold_hist, LOCK_HIST_SLOTS);
			fputs(",\"stacks\":[", stdout);
			if (first)
				print_stack_rows(u, first, ns, o->stacks, true);
			fputs("]}\n", stdout);
			continue;
		}
		{
			char wt[32], wa[32], wm[32], ht[32], ha[32], hm[32];

			fmt_duration(wt, sizeof(wt), l->st.wait_total_ns);
			fmt_duration(wa, sizeof(wa),
				     l->st.waits ? l->st.wait_total_ns / l->st.waits : 0);
			fmt_duration(wm, sizeof(wm), l->st.wait_max_ns);
			fmt_duration(ht, sizeof(ht), l->st.hold_total_ns);
			fmt_duration(ha, sizeof(ha),
				     l->st.holds ? l->st.hold_total_ns / l->st.holds : 0);
			fmt_duration(hm, sizeof(hm), l->st.hold_max_ns);
			printf("\n#%zu %s 0x%" PRIx64 "%s%s%s\n", i + 1, kind_name(l->st.kind),
			       (uint64_t)l->addr, where[0] ? " (" : "", where, where[0] ? ")" : "");
			printf("  waited: %" PRIu64 " times, %s total, %s avg, %s max\n",
			       (uint64_t)l->st.waits, wt, wa, wm);
			printf("  held:   %" PRIu64 " times (%" PRIu64 " acquisitions), %s total, "
			       "%s avg, %s max\n",
			       (uint64_t)l->st.holds, (uint64_t)l->st.acquisitions, ht, ha, hm);
			if (l->st.waits) {
				printf("  wait time:\n");
				hist_print(stdout, l->st.wait_hist, LOCK_HIST_SLOTS, "    ");
			}
			if (l->st.holds) {
				printf("  hold time:\n");
				hist_print(stdout, l->st.hold_hist, LOCK_HIST_SLOTS, "    ");
			}
			if (first) {
				printf("  waiting stacks:\n");
				print_stack_rows(u, first, ns, o->stacks, false);
			}
		}
	}
	if (o->json)
		printf("{\"type\":\"summary\",\"locks\":%ld,\"dropped\":%" PRIu64 "}\n", nlocks,
		       (uint64_t)skel->bss->dropped);
	if (skel->bss->dropped)
		pr_warn("locks: %" PRIu64 " updates dropped (BPF maps full): figures are low\n",
			(uint64_t)skel->bss->dropped);
cleanup:
	free(locks);
	free(stacks);
	return err;
}

/* Attach every lock function of the C library; returns the number attached or -errno. */
static int attach(struct locks_bpf *skel, int pid, const char *libc, const char *sdt_obj,
		  const char *what, bool no_cond, struct bpf_link **links, size_t *nlinks)
{
	const struct runtime_pthread_probes *pp = &pthread_probes;
	const struct runtime_lock_func *f;
	int attached = 0, err;

	if (sdt_obj) {
		struct bpf_program *progs[] = {skel->progs.sdt_mutex_entry,
					       skel->progs.sdt_mutex_acquired,
					       skel->progs.sdt_mutex_release};
		const char *names[] = {pp->sdt_mutex_entry, pp->sdt_mutex_acquired,
				       pp->sdt_mutex_release};
		size_t i;

		for (i = 0; i < 3; i++) {
			links[*nlinks] = bpf_program__attach_usdt(progs[i], pid, sdt_obj,
								  pp->sdt_provider, names[i], NULL);
			if (!links[*nlinks]) {
				err = -errno;
				pr_warn("locks %s: cannot attach %s:%s in %s: %s\n", what,
					pp->sdt_provider, names[i], sdt_obj, err_str(err));
				return err;
			}
			(*nlinks)++;
		}
		attached += 3;
		pr_info("locks %s: mutexes through the SDT probes %s:%s/%s/%s of %s\n", what,
			pp->sdt_provider, pp->sdt_mutex_entry, pp->sdt_mutex_acquired,
			pp->sdt_mutex_release, sdt_obj);
	}

	for (f = pthread_probes.lock_funcs; f->symbol; f++) {
		LIBBPF_OPTS(bpf_uprobe_opts, uo, .bpf_cookie = LOCK_COOKIE(f->op, f->kind));
		__u64 off;

		if (no_cond && f->op == LOCK_OP_CONDWAIT)
			continue;
		/* the SDT probes see mutex lock and unlock (not trylock, which has none) */
		if (sdt_obj && f->kind == LOCK_KIND_MUTEX && f->op != LOCK_OP_TRYLOCK)
			continue;
		err = runtime_symbol_offset(libc, f->symbol, &off);
		if (err) {
			pr_debug("locks %s: %s not in %s: %s\n", what, f->symbol, libc,
				 err_str(err));
			continue;
		}
		if (*nlinks + 2 > MAX_LINKS)
			break;
		if (f->op == LOCK_OP_UNLOCK) {
			links[*nlinks] = bpf_program__attach_uprobe_opts(skel->progs.unlock_entry,
									 pid, libc, off, &uo);
		} else {
			links[*nlinks] = bpf_program__attach_uprobe_opts(skel->progs.lock_entry,
									 pid, libc, off, &uo);
			if (links[*nlinks]) {
				uo.retprobe = true;
				(*nlinks)++;
				links[*nlinks] = bpf_program__attach_uprobe_opts(
					skel->progs.lock_return, pid, libc, off, &uo);
			}
		}
		if (!links[*nlinks]) {
			err = -errno;
			pr_warn("locks %s: cannot attach %s: %s\n", what, f->symbol, err_str(err));
			return err;
		}
		(*nlinks)++;
		attached++;
	}
	return attached;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: rtprof locks (-p PID | -- CMD ARGS...) [-d SECONDS] [--top N] [--stacks "
		"N]\n"
		"                    [--no-stacks] [--no-cond] [--json]\n"
		"\n"
		"Lock contention: time threads spend waiting in pthread_mutex_lock/timedlock,\n"
		"pthread_rwlock_rdlock/wrlock and pthread_cond_wait/timedwait (call to return), "
		"and\n"
		"holding locks (acquisition to unlock), per lock address with log2 histograms and "
		"per\n"
		"waiting stack (frame pointers). Uprobes on the C library's exported functions;\n"
		"aggregated in BPF, printed at the end, the locks with the most wait time first.\n"
		"\n"
		"  -p, --pid PID          trace this process\n"
		"  -d, --duration SEC     stop after SEC seconds (default: until Ctrl-C or exit)\n"
		"  -t, --top N            locks to show (default 10)\n"
		"  -s, --stacks N         waiting stacks per lock (default 3)\n"
		"      --no-stacks        do not capture stacks (cheaper)\n"
		"      --no-cond          leave condition waits out (idle threads waiting for "
		"work\n"
		"                         wait on condition variables: that is not contention)\n"
		"      --json             one JSON object per lock, then a summary object\n"
		"  -v, --verbose          debug output\n"
		"  -h, --help             this help\n"
		"\n"
		"examples:\n"
		"  rtprof locks -- ./server --threads 8\n"
		"  rtprof locks -p $(pgrep -n mariadbd) -d 10 --top 5\n");
}

static int parse_uint(const char *arg, const char *name, unsigned int *v)
{
	char *end;
	long x = strtol(arg, &end, 10);

	if (*end || !*arg || x < 0 || x > 1000000) {
		fprintf(stderr, "rtprof locks: invalid %s '%s'\n", name, arg);
		return -ERR_USAGE;
	}
	*v = (unsigned int)x;
	return 0;
}

static int parse_opts(int argc, char **argv, struct locks_opts *o, bool *no_stacks)
{
	static const struct option longopts[] = {
		{"pid", required_argument, NULL, 'p'}, {"duration", required_argument, NULL, 'd'},
		{"top", required_argument, NULL, 't'}, {"stacks", required_argument, NULL, 's'},
		{"no-stacks", no_argument, NULL, 'S'}, {"no-cond", no_argument, NULL, 'C'},
		{"json", no_argument, NULL, 'j'},      {"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},      {},
	};
	char *end;
	int c, err = 0;

	while ((c = getopt_long(argc, argv, "+p:d:t:s:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			err = target_parse_pid("locks", optarg, &o->target.pid);
			break;
		case 'd':
			o->duration_s = strtod(optarg, &end);
			if (*end || o->duration_s <= 0) {
				fprintf(stderr, "rtprof locks: invalid -d '%s'\n", optarg);
				err = -ERR_USAGE;
			}
			break;
		case 't':
			err = parse_uint(optarg, "--top", &o->top);
			break;
		case 's':
			err = parse_uint(optarg, "--stacks", &o->stacks);
			break;
		case 'S':
			*no_stacks = true;
			break;
		case 'C':
			o->no_cond = true;
			break;
		case 'j':
			o->json = true;
			break;
		case 'v':
			log_set_level(LOG_DEBUG);
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			usage(stderr);
			return -ERR_USAGE;
		}
		if (err)
			return err;
	}
	return target_opts__finish(&o->target, "locks", argc, argv, optind);
}

int cmd_locks(int argc, char **argv)
{
	struct locks_opts opts = {.top = 10, .stacks = 3};
	struct bpf_link *links[MAX_LINKS] = {};
	struct locks_bpf *skel = NULL;
	struct ustacks *u = NULL;
	struct session *s = NULL;
	char libc[4096], what[64];
	__u64 deadline_ns = 0, refresh_ns = 0, refresh_ms = 5;
	size_t nlinks = 0;
	const char *sdt_obj = NULL;
	bool no_stacks = false;
	int err, pid;

	err = parse_opts(argc, argv, &opts, &no_stacks);
	if (err)
		return err > 0 ? 0 : err;
	signals_install();
	s = session__new(&opts.target);
	if (!s) {
		err = -errno;
		goto cleanup;
	}
	pid = session__pid(s);
	if (opts.target.pid)
		snprintf(what, sizeof(what), "-p %d", pid);
	else
		snprintf(what, sizeof(what), "%s", opts.target.argv[0]);
	err = pthread_find_libc(pid, libc, sizeof(libc));
	if (err) {
		pr_warn("locks %s: no C library mapped (static binary?): no pthread functions to "
			"trace\n",
			what);
		err = err == -ENOENT ? -ERR_NOPROBES : err;
		goto cleanup;
	}
	skel = locks_bpf__open();
	if (!skel) {
		err = -errno;
		pr_warn("locks: cannot open the BPF program: %s\n", err_str(err));
		goto cleanup;
	}
	skel->rodata->capture_stacks = !no_stacks;
	err = locks_bpf__load(skel);
	if (err) {
		pr_warn("locks: cannot load the BPF program: %s\n", err_str(err));
		goto cleanup;
	}
	u = ustacks__new(pid, bpf_map__fd(skel->maps.stacks), LOCK_STACK_DEPTH, false);
	if (!u) {
		err = -errno;
		goto cleanup;
	}
	/* SDT probes in the C library, or in the program itself (a libc linked in; tests) */
	if (pthread_has_mutex_sdt(libc))
		sdt_obj = libc;
	else if (pthread_has_mutex_sdt(session__exe(s)))
		sdt_obj = session__exe(s);
	err = attach(skel, pid, libc, sdt_obj, what, opts.no_cond, links, &nlinks);
	if (err <= 0) {
		if (!err) {
			pr_warn("locks %s: no pthread lock function found in %s\n", what, libc);
			err = -ERR_NOPROBES;
		}
		goto cleanup;
	}
	pr_debug("locks %s: %d lock functions attached in %s\n", what, err, libc);
	err = session__start(s);
	if (err)
		goto cleanup;
	if (opts.duration_s)
		deadline_ns = mono_ns() + (__u64)(opts.duration_s * 1e9);
	pr_info("locks %s: tracing, Ctrl-C to stop\n", what);
	while (!signals_stop_requested() && session__alive(s)) {
		__u64 now = mono_ns();

		if (deadline_ns && now >= deadline_ns)
			break;
		if (now >= refresh_ns) {
			/* libraries are mapped just after exec: look often at first */
			ustacks__refresh(u);
			refresh_ms =
				refresh_ms * 2 > MAPS_REFRESH_MS ? MAPS_REFRESH_MS : refresh_ms * 2;
			refresh_ns = now + refresh_ms * 1000000ULL;
		}
		signals_sleep_ms(refresh_ms < POLL_MS ? (unsigned int)refresh_ms : POLL_MS);
	}
	err = report(&opts, skel, u);
cleanup:
	destroy_links(links, nlinks);
	ustacks__free(u);
	locks_bpf__destroy(skel);
	session__free(s);
	return err;
}
