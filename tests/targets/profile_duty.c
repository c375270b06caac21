// SPDX-License-Identifier: GPL-2.0
/*
 * CPU burned in known amounts, for the profile -a tests (tests/e2e/profile_all.sh), which run
 * copies of this program under different names (the process name is the file's name).
 *
 *	profile_duty duty FRACTION SECONDS OUT   for SECONDS (wall), periods of FRACTION x P of CPU
 *	                                         time then (1 - FRACTION) x P of sleep, P drawn
 *	                                         from 5-15 ms each time (no phase lock with the
 *	                                         sampling period)
 *	profile_duty burn MILLISECONDS OUT       burn that much CPU time, then exit
 *
 * Both append "cpu=SECONDS" (the process's own CLOCK_PROCESS_CPUTIME_ID at its end) as one line
 * to OUT, the ground truth of how much CPU it used.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

static volatile unsigned long sink;

static double clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

NOINLINE void duty_spin(double cpu_until_s)
{
	unsigned long x = sink;

	while (clock_s(CLOCK_PROCESS_CPUTIME_ID) < cpu_until_s)
		for (int i = 0; i < 1000; i++)
			x = x * 6364136223846793005UL + i;
	sink = x;
}

NOINLINE void duty_cycle(double fraction, double seconds)
{
	double end = clock_s(CLOCK_MONOTONIC) + seconds, t;
	struct timespec rest;

	srand((unsigned int)getpid());
	while ((t = clock_s(CLOCK_MONOTONIC)) < end) {
		double period = 0.005 + 0.010 * rand() / RAND_MAX, left = (1 - fraction) * period;

		duty_spin(clock_s(CLOCK_PROCESS_CPUTIME_ID) + fraction * period);
		rest.tv_sec = 0;
		rest.tv_nsec = (long)(left * 1e9);
		if (rest.tv_nsec > 0)
			nanosleep(&rest, NULL);
	}
}

NOINLINE void burn_spin(double cpu_until_s)
{
	unsigned long x = sink;

	while (clock_s(CLOCK_PROCESS_CPUTIME_ID) < cpu_until_s)
		for (int i = 0; i < 1000; i++)
			x = x * 2862933555777941757UL + i;
	sink = x;
}

static void report(const char *out)
{
	char line[64];
	int fd = open(out, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	int n = snprintf(line, sizeof(line), "cpu=%.6f\n", clock_s(CLOCK_PROCESS_CPUTIME_ID));

	if (fd < 0 || write(fd, line, n) != n) {
		perror(out);
		exit(1);
	}
	close(fd);
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "duty")) {
		duty_cycle(atof(argv[2]), atof(argv[3]));
		report(argv[4]);
	} else if (argc == 4 && !strcmp(argv[1], "burn")) {
		burn_spin(atof(argv[2]) / 1e3);
		report(argv[3]);
	} else {
		fprintf(stderr, "usage: profile_duty duty FRACTION SECONDS OUT | burn MS OUT\n");
		return 2;
	}
	return 0;
}
