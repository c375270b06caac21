/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The statistics behind rtprof compare: a few runs on each side, one value per run (a function's
 * share of the samples), and the question "is NEW larger than BASE?" asked of many functions.
 *
 * - stats_mwu_greater(): the one-sided Mann-Whitney U (Wilcoxon rank-sum) test, exact: the
 *   p-value is the share of the C(m+n, n) ways to split the pooled values into the two sides
 *   whose rank sum on the NEW side is at least the observed one. Tied values get their mean rank
 *   and the count is made over the actual ranks, so the test stays exact with ties (a
 *   permutation test of the rank sum). Beyond STATS_MWU_EXACT_MAX pooled values, the normal
 *   approximation with the tie correction.
 * - stats_hl_shift(): the Hodges-Lehmann shift (median of every NEW - BASE difference) and its
 *   distribution-free confidence interval (Moses), from the exact null distribution of U.
 * - stats_holm(): Holm's step-down adjustment for a family of tests.
 * - stats_mwu_runs_needed(): with m and n runs the smallest p-value the exact test can reach is
 *   1 / C(m+n, n); Holm's first step compares it with alpha / K. Fewer runs can never give a
 *   verdict, whatever the data.
 * - struct stats_mdc: the minimum detectable change of that gate, the smallest true shift it
 *   flags with a given power (below).
 */
#ifndef RTPROF_STATS_H
#define RTPROF_STATS_H

#include <stddef.h>

#define STATS_MWU_EXACT_MAX 100 /* pooled values; more use the normal approximation */

/* Median of x[0..n) (n > 0; x is not changed). NaN when n == 0 or out of memory. */
double stats_median(const double *x, size_t n);

/* One-sided p-value that y[0..n) tends to be larger than x[0..m). NaN on ENOMEM or m or n 0. */
double stats_mwu_greater(const double *x, size_t m, const double *y, size_t n);

/* The smallest p-value the exact test can give with m and n values: 1 / C(m+n, n). */
double stats_mwu_min_p(size_t m, size_t n);

/* Runs per side (m = n) needed for stats_mwu_min_p() <= alpha / k: the fewest with which k
 * tests at family-wise level alpha can reach significance under Holm. 0 when more than 1000. */
unsigned int stats_mwu_runs_needed(double alpha, size_t k);

/*
 * The rank c + 1 of the Moses confidence interval at this level (0.95): the largest c with
 * P(U <= c) <= (1 - level) / 2 under the null distribution of U without ties. The interval is
 * [D(c+1), D(mn-c)] of the m*n sorted differences. 0 when no interval exists at these sizes.
 */
size_t stats_mwu_ci_rank(size_t m, size_t n, double level);

/*
 * Hodges-Lehmann shift of y against x and its confidence interval at level. Returns 0, or -1
 * when the sizes allow no interval at that level (*lo and *hi are then NaN; *shift is set), or
 * a negative errno.
 */
int stats_hl_shift(const double *x, size_t m, const double *y, size_t n, double level,
		   double *shift, double *lo, double *hi);

/*
 * Minimum detectable change. Model: each run's value is normal with the same SD on both sides
 * (the run-to-run noise) and NEW is shifted by d SDs. The gate flags the shift when the exact
 * one-sided Mann-Whitney U test is significant at alpha (for Holm over K tests with one real
 * change: alpha / K, its first step) AND the Hodges-Lehmann shift is at least a floor (the
 * minimum effect). The smallest d flagged with probability power is found by simulation with a
 * fixed seed, so the figure is the same on every run: STATS_MDC_DRAWS pairs of standard normal
 * samples; per draw, the smallest d that makes U reach the exact critical value (the critical
 * value's rank among the NEW - BASE differences) and the one that lifts the median difference
 * to the floor; d is the power-quantile over the draws of the larger of the two.
 */
#define STATS_MDC_DRAWS 20000

struct stats_mdc;

/* The draws for m and n runs at level alpha. NULL with errno set (ENOMEM, EINVAL). */
struct stats_mdc *stats_mdc__new(size_t m, size_t n, double alpha);
/* The smallest shift, in SDs, flagged with probability >= power when the HL shift must reach
 * floor_sd SDs (0: the test alone). INFINITY when the test can never reach alpha with these
 * runs (1 / C(m+n, n) > alpha). */
double stats_mdc__shift(const struct stats_mdc *s, double power, double floor_sd);
void stats_mdc__free(struct stats_mdc *s);

/* Pooled SD of x[0..m) and y[0..n) around their own means (m + n - 2 degrees of freedom);
 * NaN when m + n < 3. */
double stats_pooled_sd(const double *x, size_t m, const double *y, size_t n);

/* Holm's adjusted p-values: adj[i] for p[i], i < k. A test is significant at family-wise level
 * alpha when adj[i] <= alpha. 0 or -ENOMEM. */
int stats_holm(const double *p, size_t k, double *adj);

#endif
