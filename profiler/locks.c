// SPDX-License-Identifier: GPL-2.0
/*
 * rtprof locks: where the threads of a process wait for each other.
 *
 * bpf/locks.bpf.c is attached with uprobes to the lock functions of the process's C library
 * (runtimes/pthread.c lists them: mutex lock/trylock/timedlock/unlock, rwlock rd/wr, condition
 * waits) and aggregates, per lock address, the time spent waiting (call to return) and holding
 * (acquisition to unlock) with log2 histograms, and per lock and waiting stack key the waits.
 * This half keeps the code ranges of the stack keys current (stacks/stack_keys.h), unwinds and
 * symbolizes the capture of each new key as it comes (stacks/stacks.h: CFI, no frame pointers
 * needed) and prints the locks by total wait time.
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
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/locks.h"
#include "profiler/commands.h"
#include "lib/errors.h"
#include "lib/opts.h"
#include "lib/hist.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/session.h"
#include "lib/signals.h"
#include "stacks/capture_queue.h"
#include "stacks/stack_keys.h"
#include "stacks/stacks.h"
#include "symbolize/maps.h"
#include "runtimes/runtime.h"
#include "runtimes/usdt.h"
#include "locks.skel.h"

_Static_assert(sizeof(struct lock_stat) == 64 + 2 * 8 * LOCK_HIST_SLOTS, "lock_stat layout");
_Static_assert(sizeof(struct lock_stack_key) == 16, "lock_stack_key layout");
_Static_assert(sizeof(struct lock_stack_stat) == 24, "lock_stack_stat layout");

#define POLL_MS		100
#define MAPS_REFRESH_MS 1000
#define MAX_LINKS	64
#define CAPTURE_READ_MS 10 /* the capture reader's poll */

struct locks_opts {
	struct target_opts target;
	double duration_s;
	unsigned int top;
	unsigned int stacks;
	bool json;
	bool no_cond;
	bool native_only;	   /* no interpreter frames in the waiting stacks */
	struct opts_output output; /* -o */
};

struct lock_row {
	__u64 addr;
	struct lock_stat st;
};

struct stack_row {
	struct lock_stack_key key;
	struct lock_stack_stat st;
};

/* The frames of one stack key, innermost (the waiting caller) first, ending with the marker
 * "[truncated]" or "[incomplete]" when the unwinding stopped early. */
struct key_stack {
	__u64 key;
	__u64 same; /* the first key seen with the same frames (keys differ by stack words) */
	size_t n;
	struct stack_frame *f;
};

/* Resolving the waiting stacks. */
struct lock_stacks {
	int pid;
	struct stacks *pipeline;
	struct stack_frames *frames; /* of one capture */
	/* captures of new keys: a reader thread reads what must be read while the process lives
	 * (interpreter code objects) as each arrives, before the slow unwinding here */
	struct capture_queue *captures;
	struct key_stack *keys;
	size_t n, cap;
	size_t n_code_maps; /* code mappings at the last code-range update */
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
	return x->key.stack_key < y->key.stack_key ? -1 : x->key.stack_key > y->key.stack_key;
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

static void lock_stacks__free(struct lock_stacks *ls)
{
	size_t i;

	if (!ls)
		return;
	capture_queue__free(ls->captures);
	for (i = 0; i < ls->n; i++)
		free(ls->keys[i].f);
	free(ls->keys);
	free(ls->frames);
	stacks__free(ls->pipeline);
	free(ls);
}

/* captures_fd: the ring buffer of captures of new stack keys. */
static struct lock_stacks *lock_stacks__new(int pid, int interp_map_fd, int captures_fd)
{
	struct lock_stacks *ls = calloc(1, sizeof(*ls));
	struct stacks_opts so;
	int err;

	if (!ls)
		return NULL;
	ls->pid = pid;
	stacks_opts__init(&so);
	so.interp_map_fd = interp_map_fd;
	ls->pipeline = stacks__new(&so);
	ls->frames = malloc(sizeof(*ls->frames));
	if (ls->pipeline && ls->frames)
		ls->captures = capture_queue__new(ls->pipeline, captures_fd, CAPTURE_READ_MS);
	if (!ls->captures) {
		err = errno ? errno : ENOMEM;
		lock_stacks__free(ls);
		errno = err;
		return NULL;
	}
	return ls;
}

/* While the process runs: snapshot its mappings for the symbolizer and the unwinder, and give
 * BPF the code ranges of the stack keys when they changed. */
static void lock_stacks__refresh(struct lock_stacks *ls, struct locks_bpf *skel)
{
	struct proc_maps *maps = proc_maps__read(ls->pid);
	size_t n;

	if (!maps)
		return;
	n = stack_key_ranges__count(maps);
	if (n != ls->n_code_maps) {
		ls->n_code_maps = n;
		n = stack_key_ranges__set(&skel->bss->stack_key_ranges, maps);
		pr_debug("locks: %zu code ranges for the stack keys\n", n);
		stacks__track(ls->pipeline, ls->pid);
	}
	proc_maps__free(maps);
}

static const struct key_stack *lock_stacks__find(const struct lock_stacks *ls, __u64 key)
{
	size_t i;

	for (i = 0; i < ls->n; i++)
		if (ls->keys[i].key == key)
			return &ls->keys[i];
	return NULL;
}

/* A launched command maps its libraries right after exec: wait (briefly) until the C library is
 * there, so that the stack keys know the code ranges from the first lock call on. */
static void wait_for_libc(struct lock_stacks *ls, struct locks_bpf *skel, const char *libc)
{
	struct proc_maps *maps;
	bool found = false;
	size_t i;
	int tries;

	for (tries = 0; tries < 2000 && !found; tries++) {
		maps = proc_maps__read(ls->pid);
		for (i = 0; maps && i < maps->n && !found; i++) {
			const struct proc_map *pm = &maps->maps[i];
			size_t lp = strlen(libc), mp = pm->path ? strlen(pm->path) : 0;

			/* libc is the same path seen through /proc/PID/root */
			found = pm->perms[2] == 'x' && mp && mp <= lp &&
				!strcmp(libc + lp - mp, pm->path);
		}
		proc_maps__free(maps);
		if (!found)
			usleep(500);
	}
	lock_stacks__refresh(ls, skel);
}

static bool is_marker(const struct stack_frame *f)
{
	return !strcmp(f->name, "[truncated]") || !strcmp(f->name, "[incomplete]");
}

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static bool same_frame(const struct stack_frame *a, const struct stack_frame *b)
{
	return str_eq(a->name, b->name) && str_eq(a->file, b->file) &&
	       str_eq(a->module, b->module) && a->line == b->line && a->offset == b->offset &&
	       a->inlined == b->inlined;
}

/* A capture of a new stack key (ring buffer callback): unwind and symbolize it now, while the
 * process lives. */
static int on_capture(void *ctx, void *data, size_t size)
{
	struct lock_stacks *ls = ctx;
	const struct stack_capture *c = data;
	const struct stack_frame *f = ls->frames->f;
	struct key_stack *ks;
	size_t i, k, skip = 0, n;

	if (size < STACK_CAPTURE_HDR_SIZE || lock_stacks__find(ls, c->cookie) ||
	    stacks__resolve(ls->pipeline, c, size, ls->frames))
		return 0;
	n = ls->frames->n;
	/* the first address is in the lock function the capture was taken in: the stack starts at
	 * its caller, as the report always showed it (skip its frames, inline ones included) */
	while (skip < n && !is_marker(&f[skip]) && f[skip].inlined)
		skip++;
	if (skip < n && !is_marker(&f[skip]))
		skip++;
	n -= skip;
	f += skip;
	if (ls->n == ls->cap) {
		size_t cap = ls->cap ? ls->cap * 2 : 64;
		struct key_stack *kk = realloc(ls->keys, cap * sizeof(*kk));

		if (!kk)
			return 0;
		ls->keys = kk;
		ls->cap = cap;
	}
	ks = &ls->keys[ls->n];
	*ks = (struct key_stack){.key = c->cookie, .same = c->cookie};
	if (n) {
		ks->f = malloc(n * sizeof(*ks->f));
		if (!ks->f)
			return 0;
		memcpy(ks->f, f, n * sizeof(*ks->f));
		ks->n = n;
	}
	for (i = 0; i < ls->n; i++) {
		const struct key_stack *o = &ls->keys[i];

		if (o->n != ks->n)
			continue;
		for (k = 0; k < ks->n && same_frame(&o->f[k], &ks->f[k]); k++)
			;
		if (k == ks->n) {
			ks->same = o->same;
			break;
		}
	}
	ls->n++;
	return 0;
}

static int cmp_stack_key(const void *a, const void *b)
{
	const struct stack_row *x = a, *y = b;

	if (x->key.lock != y->key.lock)
		return x->key.lock < y->key.lock ? -1 : 1;
	return x->key.stack_key < y->key.stack_key ? -1 : x->key.stack_key > y->key.stack_key;
}

/* Rows of keys with the same frames become one (the first key's). Returns the new count. */
static size_t merge_stack_rows(const struct lock_stacks *ls, struct stack_row *rows, size_t n)
{
	size_t i, out = 0;

	for (i = 0; i < n; i++) {
		const struct key_stack *ks = lock_stacks__find(ls, rows[i].key.stack_key);

		if (ks)
			rows[i].key.stack_key = ks->same;
	}
	qsort(rows, n, sizeof(*rows), cmp_stack_key);
	for (i = 0; i < n; i++) {
		struct stack_row *o = out ? &rows[out - 1] : NULL;

		if (o && !cmp_stack_key(o, &rows[i])) {
			o->st.waits += rows[i].st.waits;
			o->st.wait_total_ns += rows[i].st.wait_total_ns;
			if (rows[i].st.wait_max_ns > o->st.wait_max_ns)
				o->st.wait_max_ns = rows[i].st.wait_max_ns;
			continue;
		}
		rows[out++] = rows[i];
	}
	return out;
}

/* The function at an exact address (a lock variable), or "" when unknown. */
static void lock_stacks__format(struct lock_stacks *ls, __u64 addr, char *buf, size_t size)
{
	const char *fn = stacks__function(ls->pipeline, ls->pid, addr);

	snprintf(buf, size, "%s", fn ? fn : "");
}

static const char *base_name(const char *path)
{
	const char *b = path ? strrchr(path, '/') : NULL;

	return b ? b + 1 : path;
}

/* Print the stack of key innermost first: text, one frame a line after indent, or a JSON array
 * of {"function","module","offset","file","line","inlined"}; an incomplete unwinding ends with
 * a frame "[truncated]" or "[incomplete]". */
static void print_stack(struct lock_stacks *ls, __u64 key, const char *indent, bool json, FILE *out)
{
	const struct key_stack *ks = key ? lock_stacks__find(ls, key) : NULL;
	size_t i, n = ks ? ks->n : 0, nu;

	/* A thread's stack ends at its start routine's caller (start_thread), as frame-pointer
	 * walks always showed it: the clone system call below it is left out. */
	nu = n && is_marker(&ks->f[n - 1]) ? n - 1 : n;
	if (nu == n && n > 1 &&
	    (!strcmp(ks->f[n - 1].name, "clone3") || !strcmp(ks->f[n - 1].name, "clone"))) {
		for (n--; n > 1 && ks->f[n - 1].inlined; n--)
			;
		nu = n;
	}
	if (json)
		fputc('[', out);
	for (i = 0; i < n; i++) {
		const struct stack_frame *s = &ks->f[i];

		if (!json) {
			fprintf(out, "%s%s%s", indent, s->name, s->inlined ? " (inlined)" : "");
			if (s->file)
				fprintf(out, " %s:%d", base_name(s->file), s->line);
			else if (s->module)
				fprintf(out, " [%s]", base_name(s->module));
			fputc('\n', out);
			continue;
		}
		fputs(i ? "," : "", out);
		/* the return address as in the ELF file (resolved at address - 1) */
		stack_frame__json(s, out, s->offset + (s->module != NULL));
	}
	if (json)
		fputc(']', out);
	else if (!nu)
		fprintf(out, "%s(no stack)\n", indent);
}

static void print_stack_rows(struct lock_stacks *ls, const struct stack_row *rows, size_t n,
			     unsigned int max, bool json, FILE *out)
{
	size_t i;

	for (i = 0; i < n && i < max; i++) {
		const struct stack_row *s = &rows[i];

		if (json) {
			fprintf(out,
				"%s{\"waits\":%" PRIu64 ",\"wait_total_ns\":%" PRIu64
				",\"wait_max_ns\":%" PRIu64 ",\"stack\":",
				i ? "," : "", (uint64_t)s->st.waits, (uint64_t)s->st.wait_total_ns,
				(uint64_t)s->st.wait_max_ns);
			print_stack(ls, s->key.stack_key, NULL, true, out);
			fputc('}', out);
		} else {
			char tot[32], mx[32];

			fmt_duration(tot, sizeof(tot), s->st.wait_total_ns);
			fmt_duration(mx, sizeof(mx), s->st.wait_max_ns);
			fprintf(out, "    %" PRIu64 " waits, %s total, %s max, from:\n",
				(uint64_t)s->st.waits, tot, mx);
			print_stack(ls, s->key.stack_key, "        ", false, out);
		}
	}
}

static int report(const struct locks_opts *o, struct locks_bpf *skel, struct lock_stacks *u,
		  struct session *s)
{
	FILE *out = o->output.f;
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
	nstacks = (long)merge_stack_rows(u, stacks, (size_t)nstacks);
	qsort(stacks, (size_t)nstacks, sizeof(*stacks), cmp_stack);
	if (!o->json)
		fprintf(out, "%ld lock%s used; the %u with the most wait time:\n", nlocks,
			nlocks == 1 ? "" : "s", o->top < nlocks ? o->top : (unsigned int)nlocks);
	for (i = 0; i < (size_t)nlocks && i < o->top; i++) {
		const struct lock_row *l = &locks[i];
		const struct stack_row *first;
		size_t ns = 0;
		char where[512];

		lock_stacks__format(u, l->addr, where, sizeof(where)); /* "": heap or stack */
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
			fprintf(out,
				"{\"type\":\"lock\",\"rank\":%zu,\"address\":%" PRIu64
				",\"location\":",
				i + 1, (uint64_t)l->addr);
			json_str(out, where[0] ? where : NULL);
			fprintf(out,
				",\"kind\":\"%s\",\"waits\":%" PRIu64 ",\"wait_total_ns\":%" PRIu64
				",\"wait_max_ns\":%" PRIu64 ",\"acquisitions\":%" PRIu64
				",\"holds\":%" PRIu64 ",\"hold_total_ns\":%" PRIu64
				",\"hold_max_ns\":%" PRIu64 ",\"wait_hist\":",
				kind_name(l->st.kind), (uint64_t)l->st.waits,
				(uint64_t)l->st.wait_total_ns, (uint64_t)l->st.wait_max_ns,
				(uint64_t)l->st.acquisitions, (uint64_t)l->st.holds,
				(uint64_t)l->st.hold_total_ns, (uint64_t)l->st.hold_max_ns);
			hist_print_json(out, l->st.wait_hist, LOCK_HIST_SLOTS);
			fputs(",\"hold_hist\":", out);
			hist_print_json(out, l->st.hold_hist, LOCK_HIST_SLOTS);
			fputs(",\"stacks\":[", out);
			if (first)
				print_stack_rows(u, first, ns, o->stacks, true, out);
			fputs("]}\n", out);
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
			fprintf(out, "\n#%zu %s 0x%" PRIx64 "%s%s%s\n", i + 1,
				kind_name(l->st.kind), (uint64_t)l->addr, where[0] ? " (" : "",
				where, where[0] ? ")" : "");
			fprintf(out, "  waited: %" PRIu64 " times, %s total, %s avg, %s max\n",
				(uint64_t)l->st.waits, wt, wa, wm);
			fprintf(out,
				"  held:   %" PRIu64 " times (%" PRIu64 " acquisitions), %s total, "
				"%s avg, %s max\n",
				(uint64_t)l->st.holds, (uint64_t)l->st.acquisitions, ht, ha, hm);
			if (l->st.waits) {
				fprintf(out, "  wait time:\n");
				hist_print(out, l->st.wait_hist, LOCK_HIST_SLOTS, "    ");
			}
			if (l->st.holds) {
				fprintf(out, "  hold time:\n");
				hist_print(out, l->st.hold_hist, LOCK_HIST_SLOTS, "    ");
			}
			if (first) {
				fprintf(out, "  waiting stacks:\n");
				print_stack_rows(u, first, ns, o->stacks, false, out);
			}
		}
	}
	if (o->json) {
		fprintf(out, "{\"type\":\"summary\",\"locks\":%ld,\"dropped\":%" PRIu64, nlocks,
			(uint64_t)skel->bss->dropped);
		session__json_end(s, out);
		fputs("}\n", out);
	}
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
		"                    [--no-stacks] [--no-cond] [--native-only] [--json] [-o FILE]\n"
		"\n"
		"Lock contention: time threads spend waiting in pthread_mutex_lock/timedlock,\n"
		"pthread_rwlock_rdlock/wrlock and pthread_cond_wait/timedwait (call to return), "
		"and\n"
		"holding locks (acquisition to unlock), per lock address with log2 histograms and "
		"per\n"
		"waiting stack (no frame pointers needed). Uprobes on the C library's exported\n"
		"functions; aggregated in BPF, printed at the end, most wait time first.\n"
		"\n"
		"  -p, --pid PID          trace this process\n"
		"  -o, --output FILE      results to FILE, \"-\" for stdout (default: stdout; "
		"stderr\n"
		"                         beside a launched command: its stdout stays its own)\n"
		"  -d, --duration SEC     stop after SEC seconds (default: until Ctrl-C or exit)\n"
		"  -t, --top N            locks to show (default 10)\n"
		"  -s, --stacks N         waiting stacks per lock (default 3)\n"
		"      --no-stacks        do not capture stacks (cheaper)\n"
		"      --no-cond          leave condition waits out (idle threads waiting for "
		"work\n"
		"                         wait on condition variables: that is not contention)\n"
		"      --native-only      no Python frames in the waiting stacks\n"
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
		{"pid", required_argument, NULL, 'p'},
		{"duration", required_argument, NULL, 'd'},
		{"top", required_argument, NULL, 't'},
		{"stacks", required_argument, NULL, 's'},
		{"no-stacks", no_argument, NULL, 'S'},
		{"no-cond", no_argument, NULL, 'C'},
		{"json", no_argument, NULL, 'j'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{"native-only", no_argument, NULL, 'N'},
		{"output", required_argument, NULL, 'o'},
		{},
	};
	struct opts_common co = {"locks", &o->target, &o->duration_s, usage, &o->output};
	int c, err = 0;

	while ((c = getopt_long(argc, argv, "+p:d:o:t:s:vh", longopts, NULL)) != -1) {
		switch (c) {
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
		case 'N':
			o->native_only = true;
			break;
		default:
			err = opts_common__handle(&co, c, optarg);
		}
		if (err)
			return err;
	}
	return opts_common__finish(&co, argc, argv, optind);
}

int cmd_locks(int argc, char **argv)
{
	struct locks_opts opts = {.top = 10, .stacks = 3};
	struct bpf_link *links[MAX_LINKS] = {};
	struct locks_bpf *skel = NULL;
	struct lock_stacks *u = NULL;
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
	skel->rodata->verify_keys = 0; /* key -> frames is kept as first seen */
	bpf_map__set_max_entries(skel->maps.stack_capture_scratch,
				 libbpf_num_possible_cpus() > 0 ? libbpf_num_possible_cpus() : 1);
	err = locks_bpf__load(skel);
	if (err) {
		pr_warn("locks: cannot load the BPF program: %s\n", err_str(err));
		goto cleanup;
	}
	u = lock_stacks__new(pid, opts.native_only ? -1 : bpf_map__fd(skel->maps.interp_procs),
			     bpf_map__fd(skel->maps.captures));
	if (!u) {
		err = -errno ? -errno : -ENOMEM;
		goto cleanup;
	}
	if (!session__launched(s))
		lock_stacks__refresh(u, skel);
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
	if (session__launched(s))
		wait_for_libc(u, skel, libc);
	if (opts.duration_s)
		deadline_ns = mono_ns() + (__u64)(opts.duration_s * 1e9);
	pr_info("locks %s: tracing, Ctrl-C to stop\n", what);
	while (!signals_stop_requested() && session__alive(s)) {
		__u64 now = mono_ns();

		if (deadline_ns && now >= deadline_ns)
			break;
		if (now >= refresh_ns) {
			/* libraries are mapped just after exec: look often at first */
			lock_stacks__refresh(u, skel);
			refresh_ms =
				refresh_ms * 2 > MAPS_REFRESH_MS ? MAPS_REFRESH_MS : refresh_ms * 2;
			refresh_ns = now + refresh_ms * 1000000ULL;
		}
		/* resolved while the process runs */
		capture_queue__run(u->captures, on_capture, u,
				   refresh_ms < POLL_MS ? (int)refresh_ms : POLL_MS);
	}
	capture_queue__stop(u->captures);
	capture_queue__run(u->captures, on_capture, u, 0);
	err = report(&opts, skel, u, s);
	fflush(opts.output.f);
	session__report_end(s, "locks");
cleanup:
	destroy_links(links, nlinks);
	lock_stacks__free(u);
	locks_bpf__destroy(skel);
	session__free(s);
	{
		int e = opts_output__close(&opts.output, "locks");

		err = err ? err : e;
	}
	return err;
}
