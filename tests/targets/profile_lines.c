// SPDX-License-Identifier: GPL-2.0
/*
 * Two loops in one function: every sample of either has the same stack but for its instruction,
 * so one sample key stands for both and the profile tells them apart by the line of each
 * sample's own instruction (tests/e2e/profile.sh). Loop A spins for 2 ms slices and loop B for
 * 1 ms ones, by the thread's CPU clock, for SECONDS in all; prints "a=SECONDS b=SECONDS" (the CPU
 * time each took) to stdout at the end.
 * Usage: profile_lines SECONDS
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define NOINLINE __attribute__((noinline))

static volatile unsigned long sink;

static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

NOINLINE void two_loops(double seconds, double *a, double *b)
{
	double end = cpu_s() + seconds, t0, t1;
	unsigned long x = sink;

	/* each loop on one line, so that all its instructions have that line */
	/* clang-format off */
	while (cpu_s() < end) {
		t0 = cpu_s();
		do {
			for (int i = 0; i < 20000; i++) x = x * 6364136223846793005UL + i; /* LOOP_A */
			t1 = cpu_s();
		} while (t1 - t0 < 0.002);
		*a += t1 - t0;
		t0 = t1;
		do {
			for (int i = 0; i < 20000; i++) x = x * 2862933555777941757UL ^ i; /* LOOP_B */
			t1 = cpu_s();
		} while (t1 - t0 < 0.001);
		*b += t1 - t0;
	}
	/* clang-format on */
	sink = x;
}

int main(int argc, char **argv)
{
	double a = 0, b = 0;

	two_loops(argc > 1 ? atof(argv[1]) : 3, &a, &b);
	printf("a=%.6f b=%.6f\n", a, b);
	return 0;
}
