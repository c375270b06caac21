// SPDX-License-Identifier: GPL-2.0
/*
 * Profile ground truth: three busy functions reached through distinct call chains, run in
 * phases of random length (so they cannot alias with a periodic sampler) with shares of about
 * 50/30/20 %. The program measures the CPU time it spends in each with
 * CLOCK_THREAD_CPUTIME_ID and, at the end, prints the truth to stderr:
 *	truth total=SECONDS busy_alpha=SHARE busy_beta=SHARE busy_gamma=SHARE
 * where SHARE is the fraction of the whole process's CPU time.
 * Usage: profile_target [SECONDS (default 2)]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define NOINLINE __attribute__((noinline))

static volatile unsigned long sink;

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Spin for about secs of CPU time. */
#define BUSY_BODY(secs, mul)                            \
	do {                                            \
		double end = cpu_now() + (secs);        \
		unsigned long x = sink;                 \
		do {                                    \
			for (int i = 0; i < 20000; i++) \
				x = x * (mul) + i;      \
			sink = x;                       \
		} while (cpu_now() < end);              \
	} while (0)

NOINLINE void busy_alpha(double secs)
{
	BUSY_BODY(secs, 6364136223846793005UL);
}
NOINLINE void busy_beta(double secs)
{
	BUSY_BODY(secs, 2862933555777941757UL);
}
NOINLINE void busy_gamma(double secs)
{
	BUSY_BODY(secs, 3202034522624059733UL);
}

/* distinct chains: main -> run_phases -> alpha_outer -> alpha_inner -> busy_alpha, ... */
NOINLINE void alpha_inner(double secs)
{
	busy_alpha(secs);
	sink++;
}
NOINLINE void alpha_outer(double secs)
{
	alpha_inner(secs);
	sink++;
}
NOINLINE void beta_only(double secs)
{
	busy_beta(secs);
	sink++;
}
NOINLINE void gamma_c(double secs)
{
	busy_gamma(secs);
	sink++;
}
NOINLINE void gamma_b(double secs)
{
	gamma_c(secs);
	sink++;
}
NOINLINE void gamma_a(double secs)
{
	gamma_b(secs);
	sink++;
}

NOINLINE static void run_phases(double total, double spent[3])
{
	double start = cpu_now(), t0, len;
	unsigned int seed = 12345;
	int which;

	while (cpu_now() - start < total) {
		int r = rand_r(&seed) % 100;

		len = (0.5 + (rand_r(&seed) % 1000) / 1000.0) * 0.002; /* 1..3 ms */
		which = r < 50 ? 0 : r < 80 ? 1 : 2;
		t0 = cpu_now();
		if (which == 0)
			alpha_outer(len);
		else if (which == 1)
			beta_only(len);
		else
			gamma_a(len);
		spent[which] += cpu_now() - t0;
	}
}

int main(int argc, char **argv)
{
	double total = argc > 1 ? atof(argv[1]) : 2.0, spent[3] = {0, 0, 0}, all;
	struct timespec ts;

	run_phases(total, spent);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	all = ts.tv_sec + ts.tv_nsec / 1e9;
	fprintf(stderr, "truth total=%.3f busy_alpha=%.4f busy_beta=%.4f busy_gamma=%.4f\n", all,
		spent[0] / all, spent[1] / all, spent[2] / all);
	return 0;
}
