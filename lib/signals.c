// SPDX-License-Identifier: GPL-2.0
#include <signal.h>
#include <string.h>
#include <time.h>

#include "lib/signals.h"

/* Set from a signal handler; there is no other way to get the news out of one. */
static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	stop_requested = 1;
}

void signals_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

bool signals_stop_requested(void)
{
	return stop_requested;
}

void signals_sleep_ms(unsigned int ms)
{
	while (ms > 0 && !stop_requested) {
		unsigned int step = ms < 50 ? ms : 50;
		struct timespec ts = {.tv_sec = 0, .tv_nsec = step * 1000000L};

		nanosleep(&ts, NULL);
		ms -= step;
	}
}
