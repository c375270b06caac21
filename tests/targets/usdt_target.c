// SPDX-License-Identifier: GPL-2.0
/*
 * A process with USDT probes for the probes tests.
 *   - rtprof_test:tick      fired every 10 ms, no semaphore
 *   - rtprof_test:burst     fired exactly BURST times on SIGUSR2, no semaphore
 *   - rtprof_test:guarded   fired with each burst when its semaphore is raised
 *   - rtprof_test:inlined   one probe with two sites (an always-inline function used twice)
 *   - rtprof_test:args      arguments of several sizes and signs
 * SIGUSR1 dlopens the library named by argv[1] (a second provider, loaded after start).
 * At exit (SIGTERM) it prints "guarded=N semaphore=S" to stdout: N is how often the guarded
 * probe fired, S the semaphore's value at the end.
 */
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/sdt.h>
#include <unistd.h>

#define BURST 1000

/* in usdt_guarded.c, the one translation unit built with semaphores */
extern unsigned short rtprof_test_guarded_semaphore;
int fire_guarded(int i);

static volatile sig_atomic_t want_dlopen, want_burst, want_exit;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		want_dlopen = 1;
	else if (sig == SIGUSR2)
		want_burst = 1;
	else
		want_exit = 1;
}

static inline __attribute__((always_inline)) void inlined_site(int where)
{
	DTRACE_PROBE1(rtprof_test, inlined, where);
}

static void __attribute__((noinline)) fire_args(long i)
{
	signed char sc = -(i & 0x7f);
	short s = -i;
	int n = -(int)i;
	unsigned long ul = i * 3;

	DTRACE_PROBE4(rtprof_test, args, sc, s, n, ul);
}

int main(int argc, char **argv)
{
	unsigned long tick = 0, guarded = 0;
	int i;

	signal(SIGUSR1, on_signal);
	signal(SIGUSR2, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	printf("pid=%d\n", getpid());
	fflush(stdout);
	while (!want_exit) {
		DTRACE_PROBE1(rtprof_test, tick, tick);
		tick++;
		if (tick & 1)
			inlined_site(1);
		else
			inlined_site(2);
		fire_args(tick);
		if (want_dlopen && argc > 1) {
			want_dlopen = 0;
			if (!dlopen(argv[1], RTLD_NOW))
				fprintf(stderr, "usdt_target: %s\n", dlerror());
		}
		if (want_burst) {
			want_burst = 0;
			for (i = 0; i < BURST; i++) {
				DTRACE_PROBE1(rtprof_test, burst, i);
				guarded += fire_guarded(i);
			}
		}
		usleep(10000);
	}
	printf("guarded=%lu semaphore=%u\n", guarded, rtprof_test_guarded_semaphore);
	return 0;
}
