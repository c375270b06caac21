// SPDX-License-Identifier: GPL-2.0
/*
 * The moving-window function table of rtprof top (stacks/hot.h). An open-addressing hash table of
 * (thread, name) entries, each with a self and a total weight per bucket of the ring. When the
 * clock moves into a new bucket, the buckets left behind are zeroed and the table is rebuilt
 * with the entries that still weigh something, so it holds only what the window shows.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stacks/hot.h"

struct hot_entry {
	char *name;
	char *thread;		 /* NULL: no thread */
	unsigned long long seen; /* the last sample that counted it in total */
	double w[];		 /* self of each bucket, then total of each bucket */
};

struct hot_table {
	double bucket_s;
	unsigned int nb;
	double *bucket_w; /* weight of the samples of each bucket */
	long long cur;	  /* the current bucket, floor(now / bucket_s) */
	double now_s, first_s;
	bool started;
	unsigned long long samples;
	struct hot_entry **slot;
	size_t mask, n; /* slots - 1 (0: no table yet), entries */
	struct hot_row *rows;
};

struct hot_table *hot_table__new(double bucket_s, unsigned int buckets)
{
	struct hot_table *t;

	if (!(bucket_s > 0) || !buckets) {
		errno = EINVAL;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->bucket_s = bucket_s;
	t->nb = buckets;
	t->bucket_w = calloc(buckets, sizeof(*t->bucket_w));
	if (!t->bucket_w) {
		free(t);
		return NULL;
	}
	return t;
}

static void entry_free(struct hot_entry *e)
{
	if (!e)
		return;
	free(e->name);
	free(e->thread);
	free(e);
}

void hot_table__free(struct hot_table *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; t->mask && i <= t->mask; i++)
		entry_free(t->slot[i]);
	free(t->slot);
	free(t->bucket_w);
	free(t->rows);
	free(t);
}

static uint64_t hash(const char *name, const char *thread)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	const char *p;

	for (p = name; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	h = (h ^ 0xff) * 1099511628211ull;
	for (p = thread ? thread : ""; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	return h;
}

static bool same(const struct hot_entry *e, const char *name, const char *thread)
{
	if (strcmp(e->name, name))
		return false;
	if (!e->thread || !thread)
		return !e->thread && !thread;
	return !strcmp(e->thread, thread);
}

/* Put e into a table of mask + 1 slots (it is not there). */
static void place(struct hot_entry **slot, size_t mask, struct hot_entry *e)
{
	size_t i = hash(e->name, e->thread) & mask;

	while (slot[i])
		i = (i + 1) & mask;
	slot[i] = e;
}

/* The ring's slot of bucket k (k may be negative). */
static unsigned int slot_of(const struct hot_table *t, long long k)
{
	return (unsigned int)(((k % t->nb) + t->nb) % t->nb);
}

static double entry_total(const struct hot_table *t, const struct hot_entry *e)
{
	double s = 0;
	unsigned int b;

	for (b = 0; b < t->nb; b++)
		s += e->w[t->nb + b];
	return s;
}

/* Rebuild with room for want entries; drop those that weigh nothing when prune. */
static int rebuild(struct hot_table *t, size_t want, bool prune)
{
	struct hot_entry **slot;
	size_t size = 16, i, n = 0;

	while (size < want * 2)
		size <<= 1;
	slot = calloc(size, sizeof(*slot));
	if (!slot)
		return -ENOMEM;
	for (i = 0; t->mask && i <= t->mask; i++) {
		struct hot_entry *e = t->slot[i];

		if (!e)
			continue;
		if (prune && entry_total(t, e) <= 0) {
			entry_free(e);
			continue;
		}
		place(slot, size - 1, e);
		n++;
	}
	free(t->slot);
	t->slot = slot;
	t->mask = size - 1;
	t->n = n;
	return 0;
}

void hot_table__advance(struct hot_table *t, double now_s)
{
	long long k, j, steps;
	size_t i;

	if (!t->started) {
		t->started = true;
		t->first_s = t->now_s = now_s;
		t->cur = (long long)floor(now_s / t->bucket_s);
		return;
	}
	if (now_s < t->now_s)
		now_s = t->now_s;
	t->now_s = now_s;
	k = (long long)floor(now_s / t->bucket_s);
	if (k <= t->cur)
		return;
	steps = k - t->cur < (long long)t->nb ? k - t->cur : (long long)t->nb;
	for (j = 1; j <= steps; j++) {
		unsigned int b = slot_of(t, t->cur + j);

		t->bucket_w[b] = 0;
		for (i = 0; t->mask && i <= t->mask; i++)
			if (t->slot[i])
				t->slot[i]->w[b] = t->slot[i]->w[t->nb + b] = 0;
	}
	t->cur = k;
	/* forget what the window no longer shows (on failure the table just keeps it) */
	if (t->n)
		rebuild(t, t->n, true);
}

static struct hot_entry *get(struct hot_table *t, const char *name, const char *thread)
{
	struct hot_entry *e;
	size_t i;

	if ((t->n + 1) * 2 > t->mask + 1 && rebuild(t, t->n + 1, false))
		return NULL;
	for (i = hash(name, thread) & t->mask; t->slot[i]; i = (i + 1) & t->mask)
		if (same(t->slot[i], name, thread))
			return t->slot[i];
	e = calloc(1, sizeof(*e) + 2 * t->nb * sizeof(e->w[0]));
	if (!e)
		return NULL;
	e->name = strdup(name);
	e->thread = thread ? strdup(thread) : NULL;
	if (!e->name || (thread && !e->thread)) {
		entry_free(e);
		return NULL;
	}
	t->slot[i] = e;
	t->n++;
	return e;
}

int hot_table__add(struct hot_table *t, const char *const *names, size_t n, const char *thread,
		   double weight)
{
	static const char *const unknown[] = {"[unknown]"};
	unsigned int b;
	size_t i;

	if (!t->started)
		hot_table__advance(t, 0);
	b = slot_of(t, t->cur);
	if (!n) {
		names = unknown;
		n = 1;
	}
	t->samples++;
	for (i = 0; i < n; i++) {
		struct hot_entry *e = get(t, names[i], thread);

		if (!e)
			return -ENOMEM;
		if (i == 0)
			e->w[b] += weight;
		if (e->seen != t->samples) {
			e->seen = t->samples;
			e->w[t->nb + b] += weight;
		}
	}
	t->bucket_w[b] += weight;
	return 0;
}

static int cmp_name(const struct hot_row *a, const struct hot_row *b)
{
	int c = strcmp(a->name, b->name);

	if (c)
		return c;
	return strcmp(a->thread ? a->thread : "", b->thread ? b->thread : "");
}

static int cmp_self(const void *pa, const void *pb)
{
	const struct hot_row *a = pa, *b = pb;

	if (a->self != b->self)
		return a->self > b->self ? -1 : 1;
	if (a->total != b->total)
		return a->total > b->total ? -1 : 1;
	return cmp_name(a, b);
}

static int cmp_total(const void *pa, const void *pb)
{
	const struct hot_row *a = pa, *b = pb;

	if (a->total != b->total)
		return a->total > b->total ? -1 : 1;
	if (a->self != b->self)
		return a->self > b->self ? -1 : 1;
	return cmp_name(a, b);
}

size_t hot_table__rows(struct hot_table *t, enum hot_sort sort, const struct hot_row **rows)
{
	struct hot_row *r;
	size_t i, k = 0;
	unsigned int b;

	*rows = NULL;
	if (!t->n)
		return 0;
	r = realloc(t->rows, t->n * sizeof(*r));
	if (!r)
		return 0;
	t->rows = r;
	for (i = 0; i <= t->mask; i++) {
		const struct hot_entry *e = t->slot[i];
		double self = 0, total = 0;

		if (!e)
			continue;
		for (b = 0; b < t->nb; b++) {
			self += e->w[b];
			total += e->w[t->nb + b];
		}
		if (total <= 0)
			continue;
		r[k++] = (struct hot_row){e->name, e->thread, self, total};
	}
	qsort(r, k, sizeof(*r), sort == HOT_SORT_TOTAL ? cmp_total : cmp_self);
	*rows = r;
	return k;
}

double hot_table__weight(const struct hot_table *t)
{
	double s = 0;
	unsigned int b;

	for (b = 0; b < t->nb; b++)
		s += t->bucket_w[b];
	return s;
}

double hot_table__span(const struct hot_table *t)
{
	double oldest = (double)(t->cur - (long long)t->nb + 1) * t->bucket_s;

	if (!t->started)
		return 0;
	return t->now_s - (oldest > t->first_s ? oldest : t->first_s);
}
