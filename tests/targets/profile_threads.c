// SPDX-License-Identifier: GPL-2.0
/*
 * Several busy threads, each named "spin-K" and spinning in its own function for SECONDS.
 * Prints one line per thread to stdout when it starts: "thread K TID".
 * Usage: profile_threads [THREADS (default 3)] [SECONDS (default 1)]
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double seconds = 1.0;
static volatile unsigned long sink;

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

__attribute__((noinline)) static void spin(void)
{
	double end = cpu_now() + seconds;
	unsigned long x = 1;

	while (cpu_now() < end)
		for (int i = 0; i < 10000; i++)
			x = x * 6364136223846793005UL + i;
	sink = x;
}

static void *thread_main(void *arg)
{
	long k = (long)arg;
	char name[16];

	snprintf(name, sizeof(name), "spin-%ld", k);
	pthread_setname_np(pthread_self(), name);
	printf("thread %ld %ld\n", k, (long)syscall(SYS_gettid));
	fflush(stdout);
	spin();
	return NULL;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 3;
	pthread_t th[64];
	long k;

	if (argc > 2)
		seconds = atof(argv[2]);
	if (n < 1 || n > 64)
		return 2;
	for (k = 0; k < n; k++)
		pthread_create(&th[k], NULL, thread_main, (void *)k);
	for (k = 0; k < n; k++)
		pthread_join(th[k], NULL);
	return 0;
}
