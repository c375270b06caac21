// SPDX-License-Identifier: GPL-2.0
/*
 * A stand-in for a MySQL 5.x server built with DTrace probes: "runs" each query given on the
 * command line between mysql:query__start(query, connid, db, user, host) and
 * mysql:query__done(status), taking the given number of milliseconds.
 *   queries_usdt MS QUERY [MS QUERY]...
 * QUERIES_USDT_END=exit:N or signal:N in the environment ends it that way after the queries.
 * QUERIES_USDT_CAT=FILE writes FILE to stdout, its first half before the queries and the rest
 * after them (tests/e2e/output.sh: the bytes must come out unchanged under rtprof).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sdt.h>
#include <time.h>

/* not inlined: its argument stays a plain register (libbpf reads no indexed operands) */
__attribute__((noinline)) static void run_query(const char *query, long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

	DTRACE_PROBE5(mysql, query__start, query, 42UL, "db", "user", "localhost");
	nanosleep(&ts, NULL);
	DTRACE_PROBE1(mysql, query__done, 0);
}

/* Copy up to n bytes of f to stdout (all of it for n < 0). */
static void copy_out(FILE *f, long n)
{
	char buf[4096];
	size_t got;

	while (n && (got = fread(buf, 1, n > 0 && n < (long)sizeof(buf) ? (size_t)n : sizeof(buf),
				 f)) > 0) {
		fwrite(buf, 1, got, stdout);
		if (n > 0)
			n -= (long)got;
	}
	fflush(stdout);
}

int main(int argc, char **argv)
{
	const char *end = getenv("QUERIES_USDT_END"), *cat = getenv("QUERIES_USDT_CAT");
	FILE *f = cat ? fopen(cat, "rb") : NULL;
	long size = 0;
	int i;

	if (f && !fseek(f, 0, SEEK_END)) {
		size = ftell(f);
		rewind(f);
		copy_out(f, size / 2);
	}
	for (i = 1; i + 1 < argc; i += 2)
		run_query(argv[i + 1], atol(argv[i]));
	if (f) {
		copy_out(f, -1);
		fclose(f);
	}
	if (end && !strncmp(end, "signal:", 7)) {
		signal(atoi(end + 7), SIG_DFL);
		raise(atoi(end + 7));
	}
	return end && !strncmp(end, "exit:", 5) ? atoi(end + 5) : 0;
}
