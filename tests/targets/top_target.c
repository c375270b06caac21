// SPDX-License-Identifier: GPL-2.0
/*
 * Ground truth for rtprof top: one hot function with about 80 % of the CPU time and one cold
 * function with the rest, in alternating phases of random length (1 to 5 ms of cold, four times
 * as long hot), so that any window of a second or more holds the same shares. The program
 * measures its time in each with CLOCK_THREAD_CPUTIME_ID and prints the truth to stderr at the
 * end:
 *	truth total=SECONDS top_hot=SHARE top_cold=SHARE
 * Usage: top_target [SECONDS of CPU time (default 10)]
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

#define SPIN(secs, mul)                                  \
	do {                                             \
		double end = cpu_now() + (secs);         \
		unsigned long x = sink;                  \
		do {                                     \
			for (int i = 0; i < 100000; i++) \
				x = x * (mul) + i;       \
			sink = x;                        \
		} while (cpu_now() < end);               \
	} while (0)

NOINLINE void top_hot(double secs)
{
	SPIN(secs, 6364136223846793005UL);
}

NOINLINE void top_cold(double secs)
{
	SPIN(secs, 2862933555777941757UL);
}

NOINLINE void run_phases(double total, double *hot, double *cold)
{
	double t0 = cpu_now(), a, b;

	while (cpu_now() - t0 < total) {
		double len = (1 + rand() % 5) / 1000.0; /* s */

		a = cpu_now();
		top_hot(4 * len);
		b = cpu_now();
		*hot += b - a;
		top_cold(len);
		*cold += cpu_now() - b;
	}
}

int main(int argc, char **argv)
{
	double total = argc > 1 ? atof(argv[1]) : 10, hot = 0, cold = 0, t0, all;

	srand((unsigned int)time(NULL));
	t0 = cpu_now();
	run_phases(total, &hot, &cold);
	all = cpu_now() - t0;
	fprintf(stderr, "truth total=%.3f top_hot=%.4f top_cold=%.4f\n", all, hot / all,
		cold / all);
	return 0;
}
