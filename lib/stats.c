// SPDX-License-Identifier: GPL-2.0
/*
 * Exact Mann-Whitney U, Hodges-Lehmann shift, Holm (see lib/stats.h).
 *
 * The exact distribution is counted with a subset-sum table: cnt[k][s] is the number of ways to
 * pick k of the pooled values whose (doubled) ranks add up to s. Ranks are doubled so that the
 * mean rank of a tie, (a + b) / 2, stays an integer. At most STATS_MWU_EXACT_MAX values, the
 * table has (n + 1) x (sum of the n largest doubled ranks + 1) cells: 51 x 7,651 for 50 + 50.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/stats.h"

struct tagged {
	double v;
	int side; /* 0: x (BASE), 1: y (NEW) */
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int cmp_tagged(const void *a, const void *b)
{
	return cmp_double(&((const struct tagged *)a)->v, &((const struct tagged *)b)->v);
}

double stats_median(const double *x, size_t n)
{
	double *c, m;

	if (!n)
		return NAN;
	c = malloc(n * sizeof(*c));
	if (!c)
		return NAN;
	memcpy(c, x, n * sizeof(*c));
	qsort(c, n, sizeof(*c), cmp_double);
	m = n % 2 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
	free(c);
	return m;
}

/*
 * Counts of the sums of every k-subset of the weights w[0..nw), for k = pick, as an array of
 * *n_sums doubles indexed by the sum. NULL on ENOMEM.
 */
static double *subset_sums(const unsigned int *w, size_t nw, size_t pick, size_t *n_sums)
{
	unsigned int *sorted;
	size_t smax = 0, i, k, s, width;
	double *cnt, *out;

	sorted = malloc(nw * sizeof(*sorted));
	if (!sorted)
		return NULL;
	memcpy(sorted, w, nw * sizeof(*sorted));
	/* the largest sum: the pick largest weights (weights are ranks: sorted ascending) */
	for (i = 0; i < pick; i++)
		smax += sorted[nw - 1 - i];
	free(sorted);
	width = smax + 1;
	cnt = calloc((pick + 1) * width, sizeof(*cnt));
	if (!cnt)
		return NULL;
	cnt[0] = 1;
	for (i = 0; i < nw; i++) {
		for (k = (i + 1 < pick ? i + 1 : pick); k >= 1; k--) {
			double *to = cnt + k * width;
			const double *from = cnt + (k - 1) * width;

			for (s = smax; s >= w[i]; s--)
				to[s] += from[s - w[i]];
		}
	}
	out = malloc(width * sizeof(*out));
	if (out)
		memcpy(out, cnt + pick * width, width * sizeof(*out));
	free(cnt);
	*n_sums = width;
	return out;
}

double stats_mwu_greater(const double *x, size_t m, const double *y, size_t n)
{
	size_t N = m + n, i, j, first, n_sums;
	struct tagged *t = NULL;
	unsigned int *w = NULL;
	unsigned long obs = 0;
	double p = NAN, ties = 0, *cnt = NULL, above = 0, all = 0;

	if (!m || !n)
		return NAN;
	t = malloc(N * sizeof(*t));
	w = malloc(N * sizeof(*w));
	if (!t || !w)
		goto cleanup;
	for (i = 0; i < m; i++)
		t[i] = (struct tagged){x[i], 0};
	for (i = 0; i < n; i++)
		t[m + i] = (struct tagged){y[i], 1};
	qsort(t, N, sizeof(*t), cmp_tagged);
	/* doubled mean ranks: positions a..b (1-based) of a run of equal values rank a + b */
	for (i = 0; i < N; i = j) {
		for (j = i + 1; j < N && t[j].v == t[i].v; j++)
			;
		ties += (double)(j - i) * (j - i) * (j - i) - (double)(j - i);
		for (first = i; i < j; i++) {
			w[i] = (unsigned int)((first + 1) + j);
			if (t[i].side)
				obs += w[i];
		}
	}
	if (N > STATS_MWU_EXACT_MAX) {
		double u = obs / 2.0 - n * (n + 1) / 2.0, mu = m * (double)n / 2;
		double var = m * (double)n / 12 * ((N + 1) - ties / ((double)N * (N - 1)));

		p = var > 0 ? 0.5 * erfc((u - mu - 0.5) / sqrt(var) / M_SQRT2) : 1.0;
		goto cleanup;
	}
	cnt = subset_sums(w, N, n, &n_sums);
	if (!cnt)
		goto cleanup;
	for (i = 0; i < n_sums; i++) {
		all += cnt[i];
		if (i >= obs)
			above += cnt[i];
	}
	p = above / all;
cleanup:
	free(cnt);
	free(w);
	free(t);
	return p;
}

double stats_mwu_min_p(size_t m, size_t n)
{
	double c = 1;
	size_t i;

	/* C(m+n, n) = prod_{i=1..n} (m + i) / i */
	for (i = 1; i <= n; i++)
		c = c * (double)(m + i) / (double)i;
	return 1 / c;
}

unsigned int stats_mwu_runs_needed(double alpha, size_t k)
{
	unsigned int r;

	for (r = 1; r <= 1000; r++) {
		/* a hair of tolerance: 1/20 against 0.05/1 must count as reachable */
		if (stats_mwu_min_p(r, r) <= alpha / (double)(k ? k : 1) * (1 + 1e-9))
			return r;
	}
	return 0;
}

size_t stats_mwu_ci_rank(size_t m, size_t n, double level)
{
	size_t N = m + n, i, n_sums, base = n * (n + 1) / 2, k;
	double tail = (1 - level) / 2, *cnt, all = 0, cum = 0;
	unsigned int *w;

	if (!m || !n || level <= 0 || level >= 1)
		return 0;
	if (N > STATS_MWU_EXACT_MAX) {
		/* normal approximation: c = mn/2 - z sqrt(mn(N+1)/12), rounded down */
		double zlo = 0, zhi = 40, z, mu = m * (double)n / 2, cc;

		while (zhi - zlo > 1e-9) { /* the z whose upper tail is `tail` */
			z = (zlo + zhi) / 2;
			if (0.5 * erfc(z / M_SQRT2) > tail)
				zlo = z;
			else
				zhi = z;
		}
		cc = mu - zhi * sqrt(m * (double)n * (N + 1) / 12.0) - 0.5;
		return cc < 0 ? 0 : (size_t)floor(cc) + 1;
	}
	w = malloc(N * sizeof(*w));
	if (!w)
		return 0;
	for (i = 0; i < N; i++)
		w[i] = (unsigned int)(i + 1);
	cnt = subset_sums(w, N, n, &n_sums);
	free(w);
	if (!cnt)
		return 0;
	for (i = 0; i < n_sums; i++)
		all += cnt[i];
	/* U = W - n(n+1)/2; the largest c with P(U <= c) <= tail gives the rank k = c + 1 */
	k = 0;
	for (i = base; i < n_sums; i++) {
		cum += cnt[i];
		if (cum / all > tail * (1 + 1e-9))
			break;
		k = i - base + 1;
	}
	free(cnt);
	return k;
}

int stats_hl_shift(const double *x, size_t m, const double *y, size_t n, double level,
		   double *shift, double *lo, double *hi)
{
	size_t mn = m * n, i, j, k;
	double *d;

	*lo = *hi = *shift = NAN;
	if (!m || !n)
		return -EINVAL;
	d = malloc(mn * sizeof(*d));
	if (!d)
		return -ENOMEM;
	for (i = 0; i < m; i++)
		for (j = 0; j < n; j++)
			d[i * n + j] = y[j] - x[i];
	qsort(d, mn, sizeof(*d), cmp_double);
	*shift = mn % 2 ? d[mn / 2] : (d[mn / 2 - 1] + d[mn / 2]) / 2;
	k = stats_mwu_ci_rank(m, n, level);
	if (k) {
		*lo = d[k - 1];
		*hi = d[mn - k];
	}
	free(d);
	return k ? 0 : -1;
}

struct ranked_p {
	double p;
	size_t i;
};

static int cmp_ranked(const void *a, const void *b)
{
	const struct ranked_p *x = a, *y = b;

	if (x->p != y->p)
		return x->p < y->p ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

int stats_holm(const double *p, size_t k, double *adj)
{
	struct ranked_p *r;
	double run = 0, v;
	size_t i;

	if (!k)
		return 0;
	r = malloc(k * sizeof(*r));
	if (!r)
		return -ENOMEM;
	for (i = 0; i < k; i++)
		r[i] = (struct ranked_p){isnan(p[i]) ? 1.0 : p[i], i};
	qsort(r, k, sizeof(*r), cmp_ranked);
	for (i = 0; i < k; i++) {
		v = (double)(k - i) * r[i].p;
		if (v > run)
			run = v;
		adj[r[i].i] = run < 1 ? run : 1;
	}
	free(r);
	return 0;
}
