// SPDX-License-Identifier: GPL-2.0
/*
 * Chrome Trace Event JSON of calls (lib/chrome_trace.h). Per thread: the calls in order of
 * arrival (= start time) and a stack of the open ones; names interned once.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/chrome_trace.h"
#include "lib/json.h"

#define CT_OPEN UINT64_MAX

struct ct_call {
	__u64 start, end; /* end: CT_OPEN while the call is open */
	__u32 name;
	__s32 depth;
};

struct ct_thread {
	__u32 tid;
	char *name;
	struct ct_call *calls;
	size_t n, cap;
	size_t *open; /* indices into calls */
	size_t n_open, cap_open;
	__u64 last_ts;
};

struct chrome_trace {
	struct ct_thread *threads;
	size_t n_threads, cap_threads;
	char **names;
	size_t n_names, cap_names;
	__u32 *name_idx; /* hash -> name id + 1 */
	size_t name_mask;
	__u64 calls, unmatched;
	__u64 origin;
	bool any;
};

struct chrome_trace *chrome_trace__new(void)
{
	return calloc(1, sizeof(struct chrome_trace));
}

void chrome_trace__free(struct chrome_trace *ct)
{
	size_t i;

	if (!ct)
		return;
	for (i = 0; i < ct->n_threads; i++) {
		free(ct->threads[i].name);
		free(ct->threads[i].calls);
		free(ct->threads[i].open);
	}
	for (i = 0; i < ct->n_names; i++)
		free(ct->names[i]);
	free(ct->threads);
	free(ct->names);
	free(ct->name_idx);
	free(ct);
}

static struct ct_thread *find_thread(const struct chrome_trace *ct, __u32 tid)
{
	size_t i;

	/* threads are few; the last one used is checked first by the callers' pattern */
	for (i = ct->n_threads; i-- > 0;) {
		if (ct->threads[i].tid == tid)
			return &ct->threads[i];
	}
	return NULL;
}

static struct ct_thread *thread(struct chrome_trace *ct, __u32 tid)
{
	struct ct_thread *t = find_thread(ct, tid);

	if (t)
		return t;
	if (ct->n_threads == ct->cap_threads) {
		size_t cap = ct->cap_threads ? 2 * ct->cap_threads : 16;

		t = realloc(ct->threads, cap * sizeof(*t));
		if (!t)
			return NULL;
		ct->threads = t;
		ct->cap_threads = cap;
	}
	t = &ct->threads[ct->n_threads++];
	memset(t, 0, sizeof(*t));
	t->tid = tid;
	return t;
}

bool chrome_trace__has_thread(const struct chrome_trace *ct, __u32 tid)
{
	return find_thread(ct, tid) != NULL;
}

int chrome_trace__thread_name(struct chrome_trace *ct, __u32 tid, const char *name)
{
	struct ct_thread *t = thread(ct, tid);
	char *n = strdup(name);

	if (!t || !n) {
		free(n);
		return -ENOMEM;
	}
	free(t->name);
	t->name = n;
	return 0;
}

static uint32_t hash_str(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static int grow_names(struct chrome_trace *ct)
{
	size_t mask = ct->name_mask ? 2 * ct->name_mask + 1 : 255, i, j;
	__u32 *idx = calloc(mask + 1, sizeof(*idx));

	if (!idx)
		return -ENOMEM;
	for (i = 0; i < ct->n_names; i++) {
		for (j = hash_str(ct->names[i]) & mask; idx[j]; j = (j + 1) & mask)
			;
		idx[j] = (__u32)i + 1;
	}
	free(ct->name_idx);
	ct->name_idx = idx;
	ct->name_mask = mask;
	return 0;
}

/* The id of name, added when new; -1 on ENOMEM. */
static long intern(struct chrome_trace *ct, const char *name)
{
	size_t j;
	char **names;

	if ((ct->n_names + 1) * 2 > ct->name_mask && grow_names(ct))
		return -1;
	for (j = hash_str(name) & ct->name_mask; ct->name_idx[j]; j = (j + 1) & ct->name_mask) {
		if (!strcmp(ct->names[ct->name_idx[j] - 1], name))
			return ct->name_idx[j] - 1;
	}
	if (ct->n_names == ct->cap_names) {
		size_t cap = ct->cap_names ? 2 * ct->cap_names : 64;

		names = realloc(ct->names, cap * sizeof(*names));
		if (!names)
			return -1;
		ct->names = names;
		ct->cap_names = cap;
	}
	ct->names[ct->n_names] = strdup(name);
	if (!ct->names[ct->n_names])
		return -1;
	ct->name_idx[j] = (__u32)++ct->n_names;
	return (long)ct->n_names - 1;
}

static void seen(struct chrome_trace *ct, struct ct_thread *t, __u64 ts)
{
	if (!ct->any || ts < ct->origin)
		ct->origin = ts;
	ct->any = true;
	if (ts > t->last_ts)
		t->last_ts = ts;
}

/* End every open call at depth min_depth or deeper at ts. */
static void close_from(struct ct_thread *t, int min_depth, __u64 ts)
{
	while (t->n_open && t->calls[t->open[t->n_open - 1]].depth >= min_depth) {
		struct ct_call *c = &t->calls[t->open[--t->n_open]];

		c->end = ts > c->start ? ts : c->start;
	}
}

int chrome_trace__call(struct chrome_trace *ct, __u32 tid, __u64 ts_ns, int depth, const char *name)
{
	struct ct_thread *t = thread(ct, tid);
	long id = t ? intern(ct, name) : -1;

	if (id < 0)
		return -ENOMEM;
	seen(ct, t, ts_ns);
	close_from(t, depth, t->last_ts); /* calls whose returns never came */
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 1024;
		struct ct_call *c = realloc(t->calls, cap * sizeof(*c));

		if (!c)
			return -ENOMEM;
		t->calls = c;
		t->cap = cap;
	}
	if (t->n_open == t->cap_open) {
		size_t cap = t->cap_open ? 2 * t->cap_open : 64, *o;

		o = realloc(t->open, cap * sizeof(*o));
		if (!o)
			return -ENOMEM;
		t->open = o;
		t->cap_open = cap;
	}
	/* a clock that went backwards (it should not) is held at the last time seen */
	t->calls[t->n] = (struct ct_call){t->last_ts, CT_OPEN, (__u32)id, depth};
	t->open[t->n_open++] = t->n++;
	ct->calls++;
	return 0;
}

int chrome_trace__return(struct chrome_trace *ct, __u32 tid, __u64 ts_ns, int depth)
{
	struct ct_thread *t = thread(ct, tid);

	if (!t)
		return -ENOMEM;
	seen(ct, t, ts_ns);
	close_from(t, depth + 1, t->last_ts);
	if (t->n_open && t->calls[t->open[t->n_open - 1]].depth == depth)
		close_from(t, depth, t->last_ts);
	else
		ct->unmatched++;
	return 0;
}

__u64 chrome_trace__calls(const struct chrome_trace *ct)
{
	return ct->calls;
}

__u64 chrome_trace__unmatched(const struct chrome_trace *ct)
{
	return ct->unmatched;
}

/* Nanoseconds as microseconds with three exact decimals. */
static void put_us(FILE *f, __u64 ns)
{
	fprintf(f, "%" PRIu64 ".%03u", (uint64_t)(ns / 1000), (unsigned int)(ns % 1000));
}

int chrome_trace__write(const struct chrome_trace *ct, int pid, const char *process_name, FILE *f)
{
	const struct ct_thread *t;
	const struct ct_call *c;
	char tname[32];
	size_t i, j;
	__u64 end;

	fputs("{\"traceEvents\":[\n", f);
	fprintf(f,
		"{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":%d,\"tid\":%d,\"args\":{\"name\":",
		pid, pid);
	json_str(f, process_name);
	fputs("}}", f);
	for (i = 0; i < ct->n_threads; i++) {
		t = &ct->threads[i];
		snprintf(tname, sizeof(tname), "thread %u", t->tid);
		fprintf(f,
			",\n{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":%d,\"tid\":%u,\"args\":{"
			"\"name\":",
			pid, t->tid);
		json_str(f, t->name ? t->name : tname);
		fputs("}}", f);
	}
	for (i = 0; i < ct->n_threads; i++) {
		t = &ct->threads[i];
		for (j = 0; j < t->n; j++) {
			c = &t->calls[j];
			/* still open: ends at the thread's last event */
			end = c->end != CT_OPEN ? c->end : t->last_ts;
			fputs(",\n{\"name\":", f);
			json_str(f, ct->names[c->name]);
			fprintf(f, ",\"ph\":\"X\",\"pid\":%d,\"tid\":%u,\"ts\":", pid, t->tid);
			put_us(f, c->start - ct->origin);
			fputs(",\"dur\":", f);
			put_us(f, end - c->start);
			fputc('}', f);
		}
	}
	fprintf(f,
		"\n],\"displayTimeUnit\":\"ns\",\"otherData\":{\"producer\":\"rtprof flow\","
		"\"calls\":%" PRIu64 ",\"unmatched_returns\":%" PRIu64 "}}\n",
		(uint64_t)ct->calls, (uint64_t)ct->unmatched);
	return ferror(f) ? -EIO : 0;
}
