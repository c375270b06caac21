// SPDX-License-Identifier: GPL-2.0
/*
 * A program whose mutex operations fire the SDT probes that Fedora's and Arch's glibc have
 * (libc:mutex_entry, libc:mutex_acquired, libc:mutex_release; Debian's glibc has none), so that
 * rtprof locks' SDT path can be tested here. The holder keeps sdt_lock for HOLD_MS while the
 * waiter (sdt_waiter) blocks, ROUNDS times; the program times its own lock calls and prints
 *   sdt_lock 0xADDR wait_ns N calls N
 *   locks_sdt [ROUNDS [HOLD_MS]]
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/sdt.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t sdt_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_int go_round, done_round;
static int rounds = 20, hold_ms = 10;
static long long wait_ns;
static int calls;

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* what glibc's pthread_mutex_lock/unlock do with their probes, timed */
static inline void probed_lock(pthread_mutex_t *m)
{
	long long t0 = now_ns(), dt;

	DTRACE_PROBE1(libc, mutex_entry, m);
	pthread_mutex_lock(m);
	DTRACE_PROBE1(libc, mutex_acquired, m);
	dt = now_ns() - t0;
	__atomic_fetch_add(&wait_ns, dt, __ATOMIC_RELAXED);
	__atomic_fetch_add(&calls, 1, __ATOMIC_RELAXED);
}

static inline void probed_unlock(pthread_mutex_t *m)
{
	DTRACE_PROBE1(libc, mutex_release, m);
	pthread_mutex_unlock(m);
}

__attribute__((noinline)) static void *sdt_waiter(void *arg)
{
	int r;

	for (r = 1; r <= rounds; r++) {
		while (atomic_load(&go_round) < r)
			usleep(100);
		probed_lock(&sdt_lock);
		probed_unlock(&sdt_lock);
		atomic_store(&done_round, r);
	}
	return arg;
}

__attribute__((noinline)) static void *sdt_holder(void *arg)
{
	struct timespec hold = {.tv_sec = hold_ms / 1000, .tv_nsec = (hold_ms % 1000) * 1000000L};
	int r;

	for (r = 1; r <= rounds; r++) {
		probed_lock(&sdt_lock);
		atomic_store(&go_round, r);
		nanosleep(&hold, NULL);
		probed_unlock(&sdt_lock);
		while (atomic_load(&done_round) < r)
			usleep(100);
	}
	return arg;
}

int main(int argc, char **argv)
{
	pthread_t t[2];

	if (argc > 1)
		rounds = atoi(argv[1]);
	if (argc > 2)
		hold_ms = atoi(argv[2]);
	pthread_create(&t[0], NULL, sdt_holder, NULL);
	pthread_create(&t[1], NULL, sdt_waiter, NULL);
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	printf("sdt_lock %p wait_ns %lld calls %d\n", (void *)&sdt_lock, wait_ns, calls);
	return 0;
}
