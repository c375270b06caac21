// SPDX-License-Identifier: GPL-2.0
/*
 * A stand-in for a MySQL 5.x server built with DTrace probes: "runs" each query given on the
 * command line between mysql:query__start(query, connid, db, user, host) and
 * mysql:query__done(status), taking the given number of milliseconds.
 *   queries_usdt MS QUERY [MS QUERY]...
 * QUERIES_USDT_END=exit:N or signal:N in the environment ends it that way after the queries.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sdt.h>
#include <time.h>

static void run_query(const char *query, long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

	DTRACE_PROBE5(mysql, query__start, query, 42UL, "db", "user", "localhost");
	nanosleep(&ts, NULL);
	DTRACE_PROBE1(mysql, query__done, 0);
}

int main(int argc, char **argv)
{
	const char *end = getenv("QUERIES_USDT_END");
	int i;

	for (i = 1; i + 1 < argc; i += 2)
		run_query(argv[i + 1], atol(argv[i]));
	if (end && !strncmp(end, "signal:", 7)) {
		signal(atoi(end + 7), SIG_DFL);
		raise(atoi(end + 7));
	}
	return end && !strncmp(end, "exit:", 5) ? atoi(end + 5) : 0;
}
