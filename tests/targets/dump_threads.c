// SPDX-License-Identifier: GPL-2.0
/*
 * Target of tests/e2e/dump.sh: threads parked in known places, built without frame pointers, and
 * a clock thread that measures how long the process is held up while rtprof dump reads it.
 *
 *   dump_threads READY_FILE GAP_FILE
 *
 * Threads (named with pthread_setname_np): "sleeper" in nanosleep under sleeper_outer and
 * sleeper_inner, "waiter" in pthread_mutex_lock of a mutex main holds under waiter_lock, "reader"
 * in read() of a pipe nobody writes under reader_read, and "clock", which calls clock_gettime in a
 * loop and keeps the largest gap between two calls. Once all are parked, READY_FILE gets
 * "NAME TID" lines. SIGUSR1 starts a window (the largest gap and the count of calls start anew);
 * SIGUSR2 ends it and writes "MAX_GAP_NS CALLS" to GAP_FILE. SIGTERM ends the program.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t held = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t parked;
static int pipefd[2];
static _Atomic int tids[4];
static _Atomic long long max_gap_ns, calls;
static _Atomic int window; /* bumped to start a new window */

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

__attribute__((noinline)) static void sleeper_inner(void)
{
	struct timespec ts = {3600, 0};

	pthread_barrier_wait(&parked);
	for (;;)
		nanosleep(&ts, NULL);
}

__attribute__((noinline)) static void sleeper_outer(void)
{
	sleeper_inner();
	__asm__ volatile("" ::: "memory"); /* no tail call */
}

static void *sleeper(void *arg)
{
	tids[0] = syscall(SYS_gettid);
	sleeper_outer();
	return arg;
}

__attribute__((noinline)) static void waiter_lock(void)
{
	pthread_barrier_wait(&parked);
	pthread_mutex_lock(&held);
	pthread_mutex_unlock(&held);
	__asm__ volatile("" ::: "memory");
}

static void *waiter(void *arg)
{
	tids[1] = syscall(SYS_gettid);
	waiter_lock();
	return arg;
}

__attribute__((noinline)) static void reader_read(void)
{
	char c;

	pthread_barrier_wait(&parked);
	while (read(pipefd[0], &c, 1) != 0)
		;
	__asm__ volatile("" ::: "memory");
}

static void *reader(void *arg)
{
	tids[2] = syscall(SYS_gettid);
	reader_read();
	return arg;
}

static void *clock_loop(void *arg)
{
	long long prev, t, gap;
	int w = 0;

	tids[3] = syscall(SYS_gettid);
	pthread_barrier_wait(&parked);
	prev = now_ns();
	for (;;) {
		t = now_ns();
		gap = t - prev;
		prev = t;
		if (w != window) { /* a new window: forget the gaps before it */
			w = window;
			max_gap_ns = 0;
			calls = 0;
			continue;
		}
		if (gap > max_gap_ns)
			max_gap_ns = gap;
		calls++;
	}
	return arg;
}

int main(int argc, char **argv)
{
	static const char *const names[] = {"sleeper", "waiter", "reader", "clock"};
	void *(*fns[])(void *) = {sleeper, waiter, reader, clock_loop};
	pthread_t th[4];
	sigset_t set;
	FILE *f;
	int sig, i;

	if (argc != 3) {
		fprintf(stderr, "usage: dump_threads READY_FILE GAP_FILE\n");
		return 2;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL); /* threads inherit it: main alone takes them */
	if (pipe(pipefd))
		return 1;
	pthread_mutex_lock(&held);
	pthread_barrier_init(&parked, NULL, 5);
	for (i = 0; i < 4; i++) {
		pthread_create(&th[i], NULL, fns[i], NULL);
		pthread_setname_np(th[i], names[i]);
	}
	pthread_barrier_wait(&parked);
	usleep(200000); /* 200 ms: each thread reaches its blocking call */
	f = fopen(argv[1], "w");
	if (!f)
		return 1;
	for (i = 0; i < 4; i++)
		fprintf(f, "%s %d\n", names[i], tids[i]);
	fclose(f);
	for (;;) {
		if (sigwait(&set, &sig))
			continue;
		if (sig == SIGUSR1) {
			window++;
		} else if (sig == SIGUSR2) {
			f = fopen(argv[2], "w");
			if (f) {
				fprintf(f, "%lld %lld\n", (long long)max_gap_ns, (long long)calls);
				fclose(f);
			}
		} else {
			break;
		}
	}
	return 0;
}
