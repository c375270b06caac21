// SPDX-License-Identifier: GPL-2.0
/*
 * Lock contention in a known pattern, measured by the program itself.
 *
 * fight_lock: the holder thread takes it, tells the waiter (waiter_loop) to go, and keeps it for
 * HOLD_MS; the waiter's pthread_mutex_lock therefore blocks about HOLD_MS, ROUNDS times.
 * rw_lock: a writer holds it for RW_HOLD_MS while a reader (reader_loop) blocks in rdlock,
 * RW_ROUNDS times. ready_cond: cond_loop waits for it COND_ROUNDS times while a signaller sleeps
 * COND_DELAY_MS before each signal. quiet_lock: main takes and releases it QUIET_ROUNDS times,
 * never contended.
 * Every pthread_*lock call on fight_lock and rw_lock, and every pthread_cond_wait, is timed with
 * clock_gettime; at the end the program prints the addresses and the measured totals: fight_lock
 * 0xADDR wait_ns N calls N rw_lock 0xADDR wait_ns N calls N ready_cond 0xADDR wait_ns N calls N
 *   quiet_lock 0xADDR calls N
 *   locks_fight [ROUNDS [HOLD_MS]]
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define RW_ROUNDS     10
#define RW_HOLD_MS    15
#define QUIET_ROUNDS  1000
#define COND_ROUNDS   5
#define COND_DELAY_MS 4

static pthread_mutex_t fight_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t quiet_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_rwlock_t rw_lock = PTHREAD_RWLOCK_INITIALIZER;
static pthread_mutex_t cond_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ready_cond = PTHREAD_COND_INITIALIZER;
static int cond_seq; /* under cond_mutex */
static long long cond_wait_ns;
static int cond_calls;
static atomic_int go_round, done_round, rw_go, rw_done;
static int rounds = 30, hold_ms = 10;
static long long fight_wait_ns, rw_wait_ns;
static int fight_calls, rw_calls;

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* lock fight_lock and add the time spent in the call to the totals */
__attribute__((noinline)) static void timed_lock(void)
{
	long long t0 = now_ns(), dt;

	pthread_mutex_lock(&fight_lock);
	dt = now_ns() - t0;
	__atomic_fetch_add(&fight_wait_ns, dt, __ATOMIC_RELAXED);
	__atomic_fetch_add(&fight_calls, 1, __ATOMIC_RELAXED);
}

__attribute__((noinline)) static void *waiter_loop(void *arg)
{
	int r;

	for (r = 1; r <= rounds; r++) {
		while (atomic_load(&go_round) < r)
			usleep(100);
		{
			long long t0 = now_ns(), dt;

			pthread_mutex_lock(&fight_lock); /* blocks: the holder has it */
			dt = now_ns() - t0;
			__atomic_fetch_add(&fight_wait_ns, dt, __ATOMIC_RELAXED);
			__atomic_fetch_add(&fight_calls, 1, __ATOMIC_RELAXED);
		}
		pthread_mutex_unlock(&fight_lock);
		atomic_store(&done_round, r);
	}
	return arg;
}

static void *holder_loop(void *arg)
{
	int r;

	for (r = 1; r <= rounds; r++) {
		timed_lock();
		atomic_store(&go_round, r);
		sleep_ms(hold_ms);
		pthread_mutex_unlock(&fight_lock);
		while (atomic_load(&done_round) < r)
			usleep(100);
	}
	return arg;
}

__attribute__((noinline)) static void *reader_loop(void *arg)
{
	int r;

	for (r = 1; r <= RW_ROUNDS; r++) {
		long long t0, dt;

		while (atomic_load(&rw_go) < r)
			usleep(100);
		t0 = now_ns();
		pthread_rwlock_rdlock(&rw_lock);
		dt = now_ns() - t0;
		__atomic_fetch_add(&rw_wait_ns, dt, __ATOMIC_RELAXED);
		__atomic_fetch_add(&rw_calls, 1, __ATOMIC_RELAXED);
		pthread_rwlock_unlock(&rw_lock);
		atomic_store(&rw_done, r);
	}
	return arg;
}

static void *writer_loop(void *arg)
{
	int r;

	for (r = 1; r <= RW_ROUNDS; r++) {
		long long t0 = now_ns(), dt;

		pthread_rwlock_wrlock(&rw_lock);
		dt = now_ns() - t0;
		__atomic_fetch_add(&rw_wait_ns, dt, __ATOMIC_RELAXED);
		__atomic_fetch_add(&rw_calls, 1, __ATOMIC_RELAXED);
		atomic_store(&rw_go, r);
		sleep_ms(RW_HOLD_MS);
		pthread_rwlock_unlock(&rw_lock);
		while (atomic_load(&rw_done) < r)
			usleep(100);
	}
	return arg;
}

__attribute__((noinline)) static void *cond_loop(void *arg)
{
	int r;

	for (r = 1; r <= COND_ROUNDS; r++) {
		pthread_mutex_lock(&cond_mutex);
		while (cond_seq < r) {
			long long t0 = now_ns();

			pthread_cond_wait(&ready_cond, &cond_mutex);
			cond_wait_ns += now_ns() - t0;
			cond_calls++;
		}
		pthread_mutex_unlock(&cond_mutex);
	}
	return arg;
}

static void *cond_signaller(void *arg)
{
	int r;

	for (r = 1; r <= COND_ROUNDS; r++) {
		sleep_ms(COND_DELAY_MS);
		pthread_mutex_lock(&cond_mutex);
		cond_seq = r;
		pthread_cond_signal(&ready_cond);
		pthread_mutex_unlock(&cond_mutex);
	}
	return arg;
}

int main(int argc, char **argv)
{
	pthread_t t[6];
	int i;

	if (argc > 1)
		rounds = atoi(argv[1]);
	if (argc > 2)
		hold_ms = atoi(argv[2]);
	pthread_create(&t[0], NULL, holder_loop, NULL);
	pthread_create(&t[1], NULL, waiter_loop, NULL);
	pthread_create(&t[2], NULL, writer_loop, NULL);
	pthread_create(&t[3], NULL, reader_loop, NULL);
	pthread_create(&t[4], NULL, cond_loop, NULL);
	pthread_create(&t[5], NULL, cond_signaller, NULL);
	for (i = 0; i < QUIET_ROUNDS; i++) {
		pthread_mutex_lock(&quiet_lock);
		pthread_mutex_unlock(&quiet_lock);
	}
	for (i = 0; i < 6; i++)
		pthread_join(t[i], NULL);
	printf("fight_lock %p wait_ns %lld calls %d\n", (void *)&fight_lock, fight_wait_ns,
	       fight_calls);
	printf("rw_lock %p wait_ns %lld calls %d\n", (void *)&rw_lock, rw_wait_ns, rw_calls);
	printf("ready_cond %p wait_ns %lld calls %d\n", (void *)&ready_cond, cond_wait_ns,
	       cond_calls);
	printf("quiet_lock %p calls %d\n", (void *)&quiet_lock, QUIET_ROUNDS);
	fflush(stdout);
	return 0;
}
