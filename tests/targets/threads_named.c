// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
/*
 * Creates N named threads (worker-0 .. worker-N-1) from spawn_workers(), each names itself with
 * pthread_setname_np and exits after all have started; main joins them. With a third argument,
 * waits for that file to exist before creating them, and with a fourth, then creates two threads
 * named idle-0 and idle-1 that stay blocked, writes that file, and waits to be killed.
 *   threads_named N [GO_FILE [READY_FILE]]
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static pthread_barrier_t barrier;

static void *worker_main(void *arg)
{
	char name[16];

	snprintf(name, sizeof(name), "worker-%ld", (long)arg);
	pthread_setname_np(pthread_self(), name);
	pthread_barrier_wait(&barrier);
	return NULL;
}

static void *idle_main(void *arg)
{
	char name[16];

	snprintf(name, sizeof(name), "idle-%ld", (long)arg);
	pthread_setname_np(pthread_self(), name);
	for (;;)
		pause();
	return NULL;
}

__attribute__((noinline)) static int spawn_workers(pthread_t *t, long n)
{
	long i;

	for (i = 0; i < n; i++)
		if (pthread_create(&t[i], NULL, worker_main, (void *)i))
			return -1;
	return 0;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 4, i;
	pthread_t *t = calloc(n > 0 ? n : 1, sizeof(*t)), idle[2];
	FILE *f;

	if (!t || n <= 0)
		return 2;
	if (argc > 2)
		while (access(argv[2], F_OK))
			usleep(10000);
	pthread_barrier_init(&barrier, NULL, (unsigned int)n);
	if (spawn_workers(t, n))
		return 1;
	for (i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	printf("created %ld\n", n);
	fflush(stdout);
	/* stay a little: rtprof resolves stacks through a snapshot of the modules taken while the
	 * process runs, and a process gone a millisecond after its start leaves none */
	usleep(200000);
	if (argc > 3) {
		for (i = 0; i < 2; i++)
			pthread_create(&idle[i], NULL, idle_main, (void *)i);
		usleep(100000); /* let them name themselves before saying ready */
		f = fopen(argv[3], "w");
		if (f)
			fclose(f);
		for (;;)
			pause();
	}
	return 0;
}
