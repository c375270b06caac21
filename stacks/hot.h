/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hottest functions over a moving window (rtprof top). Each sample gives its frame names,
 * innermost first (as stacks__resolve() gives them): the first name gets the sample's self
 * weight, every distinct name of the stack its total weight once (a recursive function is not
 * counted twice). The window is a ring of buckets of bucket_s seconds: advancing the clock past a
 * bucket drops what it held, so the table shows the last buckets * bucket_s seconds (at least
 * (buckets - 1) * bucket_s of them once that much time has passed), and functions no longer seen
 * in the window are forgotten.
 *
 *	t = hot_table__new(0.5, 10);               // the last 5 s
 *	hot_table__advance(t, now_s);              // before adding the samples of now
 *	hot_table__add(t, names, n, NULL, 1);
 *	n = hot_table__rows(t, HOT_SORT_SELF, &rows);
 */
#ifndef RTPROF_HOT_H
#define RTPROF_HOT_H

#include <stddef.h>

enum hot_sort {
	HOT_SORT_SELF, /* self weight, then total, then name */
	HOT_SORT_TOTAL,
};

struct hot_row {
	const char *name;
	const char *thread; /* as added ("comm-TID"), or NULL */
	double self, total; /* weights summed over the window */
};

struct hot_table;

/* NULL with errno (EINVAL: bucket_s <= 0 or no bucket). */
struct hot_table *hot_table__new(double bucket_s, unsigned int buckets);
void hot_table__free(struct hot_table *t);

/* Move the clock to now_s (seconds of any monotonic clock, never backwards: an earlier time is
 * taken as the current one). Buckets that fall out of the window are emptied. */
void hot_table__advance(struct hot_table *t, double now_s);

/* One sample at the current time: names[0..n) innermost first (n may be 0: counted in the
 * window's weight under the name "[unknown]"); thread NULL, or a thread's name that keeps its
 * functions apart from other threads'. Names are copied. 0 or -ENOMEM. */
int hot_table__add(struct hot_table *t, const char *const *names, size_t n, const char *thread,
		   double weight);

/* The functions of the window with a total weight > 0, sorted; *rows stays valid until the next
 * add, advance or rows. Returns their number. */
size_t hot_table__rows(struct hot_table *t, enum hot_sort sort, const struct hot_row **rows);

/* Weight of the samples in the window (the denominator of the shares). */
double hot_table__weight(const struct hot_table *t);
/* Seconds the window covers at the current time: from the later of the first advance and the
 * start of the oldest bucket kept, to now. */
double hot_table__span(const struct hot_table *t);

#endif
