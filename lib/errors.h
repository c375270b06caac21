/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Room lib/ (the base): log, errors and exit codes, signals, option parsing, the JSON
 * writer (and a reader of our own small files), histograms, BPF map helpers, the session (the
 * target process), statistics (rtprof compare), the Chrome trace writer, a plain HTTP client
 * and the push of a profile to Pyroscope or Parca (lib/push.h: rtprof push, profile --push).
 * It includes nothing of ours; every other room may use it.
 *
 * Errors and exit codes.
 *
 * Library functions return 0 or a negative errno; constructors return NULL and set errno. A few
 * conditions have no errno of their own and use codes above errno's range. main() alone turns an
 * error into an exit code, with the table below (also in README.md, "Exit codes").
 */
#ifndef RTPROF_ERRORS_H
#define RTPROF_ERRORS_H

enum {
	ERR_USAGE = 4096, /* bad command line */
	ERR_NOPROBES,	  /* target has no probes, or the runtime keeps them silent */
	ERR_BADINPUT,	  /* input file is not ELF, is corrupt, or is malformed */
	/* compare: a significant regression (a verdict, not a failure of rtprof) */
	ERR_REGRESSION,
	/* compare --inconclusive fail: too few runs for any verdict */
	ERR_INCONCLUSIVE,
};

enum exit_code {
	EXIT_OK = 0,
	EXIT_RUNTIME = 1,    /* anything not listed below */
	EXIT_USAGE = 2,	     /* bad command line */
	EXIT_TARGET = 3,     /* target process does not exist or is gone */
	EXIT_PERMISSION = 4, /* not allowed: needs root or CAP_BPF + CAP_PERFMON */
	EXIT_NOPROBES = 5,   /* nothing to trace: no probes, unsupported or silent runtime */
	EXIT_BADINPUT = 6,   /* input file missing, not ELF, corrupt, or malformed */
	/* compare: a significant regression (the functions are named on stderr) */
	EXIT_REGRESSION = 7,
	/* compare --inconclusive fail: no verdict possible (too few runs) */
	EXIT_INCONCLUSIVE = 8,
};

/* Message for an error code, errno or ours; never NULL. */
const char *err_str(int err);

#endif
