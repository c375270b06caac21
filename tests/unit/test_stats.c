// SPDX-License-Identifier: GPL-2.0
/*
 * lib/stats: exact Mann-Whitney p-values, Holm, Hodges-Lehmann and the runs needed, against
 * values counted by hand (the number of splits of the pooled ranks, out of C(m+n, n)) and the
 * classic table of critical values of U. The minimum detectable change against
 * tests/tools/mdc_ref.py, which simulates the gate in Python from its definition (its own
 * exact critical values, random generator and bisection on the power).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "lib/stats.h"

#define EPS 1e-12

static void test_mwu_separated(void **state)
{
	double x3[] = {1, 2, 3}, y3[] = {4, 5, 6};
	double x4[] = {0.1, 0.2, 0.3, 0.4}, y4[] = {0.5, 0.6, 0.7, 0.8};
	double x8[8], y8[8];
	int i;

	/* m = n = 3: the smallest one-sided p is 1 / C(6,3) = 1/20 */
	assert_float_equal(stats_mwu_greater(x3, 3, y3, 3), 1.0 / 20, EPS);
	/* reversed: every split has a rank sum >= the smallest one */
	assert_float_equal(stats_mwu_greater(y3, 3, x3, 3), 1.0, EPS);
	assert_float_equal(stats_mwu_greater(x4, 4, y4, 4), 1.0 / 70, EPS);
	for (i = 0; i < 8; i++) {
		x8[i] = i;
		y8[i] = 10 + i;
	}
	assert_float_equal(stats_mwu_greater(x8, 8, y8, 8), 1.0 / 12870, EPS);
	assert_float_equal(stats_mwu_min_p(3, 3), 1.0 / 20, EPS);
	assert_float_equal(stats_mwu_min_p(8, 8), 1.0 / 12870, EPS);
	assert_float_equal(stats_mwu_min_p(5, 5), 1.0 / 252, EPS);
	assert_float_equal(stats_mwu_min_p(3, 5), 1.0 / 56, EPS);
}

static void test_mwu_counted(void **state)
{
	/* ranks of y: 3, 5, 6 = 14; of the 20 splits of 1..6, {4,5,6} = 15 and {3,5,6} = 14 */
	double x[] = {1, 2, 4}, y[] = {3, 5, 6};
	/* m = 3, n = 4: y ranks 2, 5, 6, 7 = 20; of the 35 4-subsets of 1..7, sums >= 20:
	 * 22 {4567}, 21 {3567}, 20 {2567} {3467}: 4 */
	double x2[] = {1, 3, 4}, y2[] = {2, 5, 6, 7};

	assert_float_equal(stats_mwu_greater(x, 3, y, 3), 2.0 / 20, EPS);
	assert_float_equal(stats_mwu_greater(x2, 3, y2, 4), 4.0 / 35, EPS);
}

static void test_mwu_ties(void **state)
{
	/* pooled 1, 2, 2, 2, 3, 3: mean ranks 1, 3, 3, 3, 5.5, 5.5; y = {2, 3, 3} sums 14; the
	 * splits reaching 14 take both 5.5 and one of the three 3s: 3 of 20 */
	double x[] = {1, 2, 2}, y[] = {2, 3, 3};
	/* all equal: no evidence at all */
	double z[] = {0, 0, 0, 0};

	assert_float_equal(stats_mwu_greater(x, 3, y, 3), 3.0 / 20, EPS);
	assert_float_equal(stats_mwu_greater(z, 2, z + 2, 2), 1.0, EPS);
}

/* Brute force: every split of the pooled values, rank sums from mean ranks computed directly. */
static double brute_p(const double *v, size_t m, size_t n)
{
	size_t N = m + n, i, j, hits = 0, all = 0;
	double rank[16], obs = 0;
	unsigned int mask;

	for (i = 0; i < N; i++) {
		double below = 0, equal = 0;

		for (j = 0; j < N; j++) {
			below += v[j] < v[i];
			equal += v[j] == v[i];
		}
		rank[i] = below + (equal + 1) / 2;
		if (i >= m)
			obs += rank[i];
	}
	for (mask = 0; mask < 1u << N; mask++) {
		double s = 0;

		if ((size_t)__builtin_popcount(mask) != n)
			continue;
		for (i = 0; i < N; i++)
			if (mask & (1u << i))
				s += rank[i];
		all++;
		hits += s >= obs - 1e-9;
	}
	return (double)hits / all;
}

static void test_mwu_brute(void **state)
{
	unsigned int seed = 7;
	double v[16];
	int round;
	size_t m, n, i;

	for (round = 0; round < 200; round++) {
		m = 1 + rand_r(&seed) % 7;
		n = 1 + rand_r(&seed) % 7;
		for (i = 0; i < m + n; i++) /* few distinct values: many ties */
			v[i] = rand_r(&seed) % 5 + (i >= m) * (rand_r(&seed) % 2);
		assert_float_equal(stats_mwu_greater(v, m, v + m, n), brute_p(v, m, n), 1e-9);
	}
}

static void test_mwu_normal(void **state)
{
	/* beyond the exact range: 60 + 60 fully separated, far below any alpha; identical
	 * samples near 1/2 */
	double x[60], y[60];
	double p;
	int i;

	for (i = 0; i < 60; i++) {
		x[i] = i;
		y[i] = 100 + i;
	}
	p = stats_mwu_greater(x, 60, y, 60);
	assert_true(p < 1e-15);
	p = stats_mwu_greater(x, 60, x, 60);
	assert_true(p > 0.45 && p < 0.55);
}

static void test_runs_needed(void **state)
{
	/* alpha 0.05: K = 1 needs 3 (1/20), K = 2 needs 4 (1/70 <= 0.025, 1/20 is not), K = 20
	 * needs 6 (1/924 <= 0.0025 < 1/252) */
	assert_int_equal(stats_mwu_runs_needed(0.05, 1), 3);
	assert_int_equal(stats_mwu_runs_needed(0.05, 2), 4);
	assert_int_equal(stats_mwu_runs_needed(0.05, 20), 6);
	assert_int_equal(stats_mwu_runs_needed(0.01, 20), 7); /* 1/3432 <= 0.0005 < 1/924 */
}

static void test_ci_rank(void **state)
{
	/* two-sided 5% critical values of U (reject when U <= c): m = n = 8: 13; m = n = 5: 2;
	 * m = n = 4: 0; m = n = 3: none */
	assert_int_equal(stats_mwu_ci_rank(8, 8, 0.95), 14);
	assert_int_equal(stats_mwu_ci_rank(5, 5, 0.95), 3);
	assert_int_equal(stats_mwu_ci_rank(4, 4, 0.95), 1);
	assert_int_equal(stats_mwu_ci_rank(3, 3, 0.95), 0);
	assert_int_equal(stats_mwu_ci_rank(10, 10, 0.95), 24); /* c = 23 */
}

static void test_hl(void **state)
{
	double x[] = {1, 2, 3}, y[] = {4, 5, 6}, shift, lo, hi;
	double x4[] = {1, 2, 3, 4}, y4[] = {11, 12, 13, 14};

	/* differences 1, 2, 2, 3, 3, 3, 4, 4, 5: median 3; no 95% interval with 3 + 3 */
	assert_int_equal(stats_hl_shift(x, 3, y, 3, 0.95, &shift, &lo, &hi), -1);
	assert_float_equal(shift, 3, EPS);
	assert_true(isnan(lo) && isnan(hi));
	/* 4 + 4: differences 7..13 (16 of them), k = 1: the extremes */
	assert_int_equal(stats_hl_shift(x4, 4, y4, 4, 0.95, &shift, &lo, &hi), 0);
	assert_float_equal(shift, 10, EPS);
	assert_float_equal(lo, 7, EPS);
	assert_float_equal(hi, 13, EPS);
}

static void test_holm(void **state)
{
	/* sorted 0.005, 0.01, 0.03, 0.04: x4 0.02, x3 0.03, x2 0.06, x1 0.04 -> running max */
	double p[] = {0.01, 0.04, 0.03, 0.005}, adj[4];
	double q[] = {0.5, 0.9}, adj2[2];

	assert_int_equal(stats_holm(p, 4, adj), 0);
	assert_float_equal(adj[0], 0.03, EPS);
	assert_float_equal(adj[1], 0.06, EPS);
	assert_float_equal(adj[2], 0.06, EPS);
	assert_float_equal(adj[3], 0.02, EPS);
	assert_int_equal(stats_holm(q, 2, adj2), 0);
	assert_float_equal(adj2[0], 1.0, EPS); /* capped at 1 */
	assert_float_equal(adj2[1], 1.0, EPS);
}

static void test_median(void **state)
{
	double a[] = {3, 1, 2}, b[] = {4, 1, 3, 2};

	assert_float_equal(stats_median(a, 3), 2, EPS);
	assert_float_equal(stats_median(b, 4), 2.5, EPS);
	assert_float_equal(a[0], 3, EPS); /* unchanged */
	assert_true(isnan(stats_median(a, 0)));
}

/* Within 2.5% of the reference: both are simulations (20,000 draws each; the reference's
 * bisection on a simulated power, ours a quantile of per-draw shifts). */
static void assert_near(double got, double want)
{
	if (fabs(got - want) > 0.025 * want) {
		fprintf(stderr, "got %.4f, want %.4f +- 2.5%%\n", got, want);
		fail();
	}
}

static void test_mdc_reference(void **state)
{
	static const struct {
		size_t m, n;
		double alpha, power, floor_sd, want; /* mdc_ref.py mdc M N ALPHA POWER FLOOR */
	} c[] = {
		{8, 8, 0.05 / 9, 0.8, 0, 1.9949}, {8, 8, 0.0025, 0.8, 0, 2.2174},
		{8, 8, 0.05 / 9, 0.8, 3, 3.4404}, {6, 6, 0.0025, 0.8, 0, 2.8653},
		{10, 10, 0.0025, 0.9, 0, 2.1701},
	};
	struct stats_mdc *s;
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		s = stats_mdc__new(c[i].m, c[i].n, c[i].alpha);
		assert_non_null(s);
		assert_near(stats_mdc__shift(s, c[i].power, c[i].floor_sd), c[i].want);
		/* deterministic: the same draws again */
		assert_float_equal(stats_mdc__shift(s, c[i].power, c[i].floor_sd),
				   stats_mdc__shift(s, c[i].power, c[i].floor_sd), 0);
		/* more power needs a larger shift */
		assert_true(stats_mdc__shift(s, 0.95, c[i].floor_sd) >
			    stats_mdc__shift(s, c[i].power, c[i].floor_sd));
		stats_mdc__free(s);
	}
	/* 3 + 3 runs at 0.05 / 20: 1/20 > 0.0025, nothing can be flagged */
	s = stats_mdc__new(3, 3, 0.0025);
	assert_non_null(s);
	assert_true(isinf(stats_mdc__shift(s, 0.8, 0)));
	stats_mdc__free(s);
}

/*
 * Synthetic runs of one function (its share of each run's samples, %), 8 + 8, as compare
 * sees them with 9 functions tested at alpha 0.05 and the default minimum effect:
 *   base mean 6.0, squared deviations 0+.04+.04+.01+.01+.09+.09+0 = 0.28
 *   new  mean 6.0, squared deviations 0+.16+.16+.04+.04+.01+.01+0 = 0.42
 *   pooled SD = sqrt(0.70 / 14) = sqrt(0.05) = 0.223607 pp
 *   floor = max(0.5 pp, 5% of 6.0) = 0.5 pp = 2.236068 SD
 *   mdc_ref.py mdc 8 8 0.0055556 0.8 2.2360680 -> 2.6821 SD = 0.59973 pp = 10.0% of 6.0
 */
static void test_mdc_runs(void **state)
{
	double base[] = {6.0, 6.2, 5.8, 6.1, 5.9, 6.3, 5.7, 6.0};
	double new[] = {6.0, 6.4, 5.6, 6.2, 5.8, 6.1, 5.9, 6.0};
	double sd = stats_pooled_sd(base, 8, new, 8), floor_pp = 0.5, mdc;
	struct stats_mdc *s = stats_mdc__new(8, 8, 0.05 / 9);

	assert_non_null(s);
	assert_float_equal(sd, sqrt(0.05), 1e-12);
	mdc = sd * stats_mdc__shift(s, 0.8, floor_pp / sd);
	assert_near(mdc, 0.59973);
	assert_true(mdc > floor_pp); /* the floor alone is flagged about half the time */
	stats_mdc__free(s);
	assert_true(isnan(stats_pooled_sd(base, 1, new, 1)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mwu_separated), cmocka_unit_test(test_mwu_counted),
		cmocka_unit_test(test_mwu_ties),      cmocka_unit_test(test_mwu_brute),
		cmocka_unit_test(test_mwu_normal),    cmocka_unit_test(test_runs_needed),
		cmocka_unit_test(test_ci_rank),	      cmocka_unit_test(test_hl),
		cmocka_unit_test(test_holm),	      cmocka_unit_test(test_median),
		cmocka_unit_test(test_mdc_reference), cmocka_unit_test(test_mdc_runs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
