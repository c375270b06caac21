// SPDX-License-Identifier: GPL-2.0
/*
 * A fixed amount of CPU-bound work in six functions (bench/compare.sh, rtprof compare's
 * repetition study): work_a .. work_f get about 40, 25, 15, 10, 6 and 4 % of the iterations, in
 * chunks of random length and order (the same every run), each iteration one multiply-add. The
 * knob: SLOW_PCT makes work_e, the 6% function, do that many percent more iterations: a
 * regression of known size in a function of known share.
 * Prints "work cpu=SECONDS" to stderr.
 * Usage: compare_target [MILLIONS OF ITERATIONS (default 3000)] [SLOW_PCT (default 0)]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define NOINLINE __attribute__((noinline))

static volatile unsigned long sink;

#define SPIN(iters, mul)                                    \
	do {                                                \
		unsigned long x = sink;                     \
		for (unsigned long i = 0; i < (iters); i++) \
			x = x * (mul) + i;                  \
		sink = x;                                   \
	} while (0)

NOINLINE void work_a(unsigned long n)
{
	SPIN(n, 6364136223846793005UL);
}
NOINLINE void work_b(unsigned long n)
{
	SPIN(n, 2862933555777941757UL);
}
NOINLINE void work_c(unsigned long n)
{
	SPIN(n, 3202034522624059733UL);
}
NOINLINE void work_d(unsigned long n)
{
	SPIN(n, 1442695040888963407UL);
}
NOINLINE void work_e(unsigned long n)
{
	SPIN(n, 2685821657736338717UL);
}
NOINLINE void work_f(unsigned long n)
{
	SPIN(n, 7046029254386353131UL);
}

NOINLINE static void run(unsigned long total, double slow)
{
	static void (*const fns[])(unsigned long) = {work_a, work_b, work_c,
						     work_d, work_e, work_f};
	static const int cum[] = {40, 65, 80, 90, 96, 100}; /* % of the iterations */
	unsigned long done = 0, n;
	unsigned int seed = 1;
	int r, i;

	while (done < total) {
		n = 200000 + rand_r(&seed) % 400000;
		r = rand_r(&seed) % 100;
		for (i = 0; r >= cum[i]; i++)
			;
		fns[i](i == 4 ? (unsigned long)(n * (1 + slow / 100)) : n);
		done += n;
	}
}

int main(int argc, char **argv)
{
	unsigned long total = (argc > 1 ? strtoul(argv[1], NULL, 10) : 3000) * 1000000UL;
	double slow = argc > 2 ? atof(argv[2]) : 0;
	struct timespec ts;

	run(total, slow);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	fprintf(stderr, "work cpu=%.3f\n", ts.tv_sec + ts.tv_nsec / 1e9);
	return 0;
}
