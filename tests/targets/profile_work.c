// SPDX-License-Identifier: GPL-2.0
/*
 * A fixed amount of CPU-bound work (for bench/profile.sh): the call chains of profile_target,
 * but each phase is a fixed number of iterations, so the run time shows any slowdown.
 * Prints "work wall=SECONDS cpu=SECONDS" to stderr, measured around the work only.
 * Usage: profile_work [MILLIONS OF ITERATIONS (default 2000)]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define NOINLINE __attribute__((noinline))

static volatile unsigned long sink;

static double clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

#define SPIN(iters, mul)                                    \
	do {                                                \
		unsigned long x = sink;                     \
		for (unsigned long i = 0; i < (iters); i++) \
			x = x * (mul) + i;                  \
		sink = x;                                   \
	} while (0)

NOINLINE void work_alpha(unsigned long n)
{
	SPIN(n, 6364136223846793005UL);
}
NOINLINE void work_beta(unsigned long n)
{
	SPIN(n, 2862933555777941757UL);
}
NOINLINE void work_gamma(unsigned long n)
{
	SPIN(n, 3202034522624059733UL);
}
NOINLINE void alpha_path(unsigned long n)
{
	work_alpha(n);
	sink++;
}
NOINLINE void gamma_path(unsigned long n)
{
	work_gamma(n);
	sink++;
}

int main(int argc, char **argv)
{
	unsigned long total = (argc > 1 ? strtoul(argv[1], NULL, 10) : 2000) * 1000000UL, done = 0;
	unsigned int seed = 1;
	double w0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);

	while (done < total) {
		unsigned long n = 200000 + rand_r(&seed) % 400000;
		int r = rand_r(&seed) % 10;

		if (r < 5)
			alpha_path(n);
		else if (r < 8)
			work_beta(n);
		else
			gamma_path(n);
		done += n;
	}
	fprintf(stderr, "work wall=%.4f cpu=%.4f\n", clock_s(CLOCK_MONOTONIC) - w0,
		clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0);
	return 0;
}
