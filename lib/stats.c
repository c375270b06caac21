// SPDX-License-Identifier: GPL-2.0
/*
 * Exact Mann-Whitney U, Hodges-Lehmann shift, Holm (see lib/stats.h).
 *
 * The exact distribution is counted with a subset-sum table: cnt[k][s] is the number of ways to
 * pick k of the pooled values whose (doubled) ranks add up to s. Ranks are doubled so that the
 * mean rank of a tie, (a + b) / 2, stays an integer. At most STATS_MWU_EXACT_MAX values, the
 * table has (n + 1) x (sum of the n largest doubled ranks + 1) cells: 51 x 7,651 for 50 + 50.
 *
 * The minimum detectable change simulates the test on normal runs with a fixed-seed generator
 * (xorshift64*, Box-Muller), so its figures are deterministic.
 */
#include <errno.h>
#include <stdint.h>
#include <math.h>
#include <stdbool.h>
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

/* ---- minimum detectable change ---- */

struct stats_mdc {
	size_t draws;
	bool possible;
	double *crit; /* per draw: the smallest shift with U >= the critical value */
	double *med;  /* per draw: minus the median of the NEW - BASE differences */
	double *work; /* draws values, for the quantile */
};

/*
 * The exact critical value: the smallest u with P(U >= u) <= alpha under the null without
 * ties (ranks 1..N), or mn + 1 when even U = mn is too likely. Beyond STATS_MWU_EXACT_MAX
 * values, the normal approximation stats_mwu_greater() uses.
 */
static size_t mwu_critical(size_t m, size_t n, double alpha)
{
	size_t N = m + n, base = n * (n + 1) / 2, i, n_sums, u, crit = m * n + 1;
	double *cnt, all = 0, tail = 0;
	unsigned int *w;

	if (N > STATS_MWU_EXACT_MAX) {
		double zlo = 0, zhi = 40, z, mu = m * (double)n / 2;

		while (zhi - zlo > 1e-9) {
			z = (zlo + zhi) / 2;
			if (0.5 * erfc(z / M_SQRT2) > alpha)
				zlo = z;
			else
				zhi = z;
		}
		/* p = 0.5 erfc((u - mu - 0.5) / sd / sqrt 2) <= alpha */
		u = (size_t)ceil(mu + 0.5 + zhi * sqrt(m * (double)n * (N + 1) / 12.0));
		return u > m * n ? m * n + 1 : u;
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
	for (u = m * n + 1; u-- > 0;) {
		if (base + u < n_sums)
			tail += cnt[base + u];
		if (tail / all > alpha * (1 + 1e-9))
			break;
		crit = u;
	}
	free(cnt);
	return crit;
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

/* A standard normal value (Box-Muller; the second value of each pair is not kept). */
static double normal(uint64_t *s)
{
	double u1 = ((xorshift(s) >> 11) + 0.5) / 9007199254740992.0;
	double u2 = (xorshift(s) >> 11) / 9007199254740992.0;

	return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

struct stats_mdc *stats_mdc__new(size_t m, size_t n, double alpha)
{
	struct stats_mdc *s = NULL;
	size_t mn = m * n, crit, r, i, j;
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	double *x = NULL, *d = NULL;

	if (!m || !n || alpha <= 0 || alpha >= 1) {
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		goto fail;
	crit = mwu_critical(m, n, alpha);
	if (!crit)
		goto fail;
	s->possible = crit <= mn;
	/* fewer draws for large sides: about 2 M differences at most */
	s->draws = STATS_MDC_DRAWS;
	if (mn * s->draws > 2000000)
		s->draws = 2000000 / mn > 1000 ? 2000000 / mn : 1000;
	s->crit = malloc(s->draws * sizeof(double));
	s->med = malloc(s->draws * sizeof(double));
	s->work = malloc(s->draws * sizeof(double));
	x = malloc((m + n) * sizeof(*x));
	d = malloc(mn * sizeof(*d));
	if (!s->crit || !s->med || !s->work || !x || !d)
		goto fail;
	for (r = 0; r < s->draws; r++) {
		for (i = 0; i < m + n; i++)
			x[i] = normal(&seed);
		for (i = 0; i < m; i++)
			for (j = 0; j < n; j++)
				d[i * n + j] = x[m + j] - x[i];
		qsort(d, mn, sizeof(*d), cmp_double);
		/* U(shift) = #{d > -shift} reaches crit when the crit-th largest d > -shift */
		s->crit[r] = s->possible ? -d[mn - crit] : INFINITY;
		s->med[r] = -(mn % 2 ? d[mn / 2] : (d[mn / 2 - 1] + d[mn / 2]) / 2);
	}
	free(x);
	free(d);
	return s;
fail:
	free(x);
	free(d);
	stats_mdc__free(s);
	errno = ENOMEM;
	return NULL;
}

double stats_mdc__shift(const struct stats_mdc *s, double power, double floor_sd)
{
	size_t r, k;

	if (!s->possible || power <= 0 || power >= 1)
		return INFINITY;
	for (r = 0; r < s->draws; r++)
		s->work[r] = fmax(s->crit[r], floor_sd + s->med[r]);
	qsort(s->work, s->draws, sizeof(double), cmp_double);
	/* the smallest shift above the power-quantile of the draws' own smallest shifts */
	k = (size_t)ceil(power * (double)s->draws);
	return s->work[(k ? k : 1) - 1];
}

void stats_mdc__free(struct stats_mdc *s)
{
	if (!s)
		return;
	free(s->crit);
	free(s->med);
	free(s->work);
	free(s);
}

double stats_pooled_sd(const double *x, size_t m, const double *y, size_t n)
{
	double mx = 0, my = 0, ss = 0;
	size_t i;

	if (m + n < 3 || !m || !n)
		return NAN;
	for (i = 0; i < m; i++)
		mx += x[i] / (double)m;
	for (i = 0; i < n; i++)
		my += y[i] / (double)n;
	for (i = 0; i < m; i++)
		ss += (x[i] - mx) * (x[i] - mx);
	for (i = 0; i < n; i++)
		ss += (y[i] - my) * (y[i] - my);
	return sqrt(ss / (double)(m + n - 2));
}
