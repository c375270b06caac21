/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Option parsing shared by every command: the target (-p PID or -- COMMAND), numbers with one
 * clear error line naming the command and the option, and the options every command takes the
 * same way (-p, -d, -o, -v, -h, and getopt's errors), so a command's own switch lists only its
 * own.
 *
 *	struct opts_common co = {"profile", &o->target, &o->duration_s, usage};
 *	while ((c = getopt_long(...)) != -1) {
 *		switch (c) {
 *		case 'F': ...; break;                  // the command's own options
 *		default:
 *			err = opts_common__handle(&co, c, optarg);   // 0, OPTS_HELP or -ERR_USAGE
 *		}
 *	}
 *	return opts_common__finish(&co, argc, argv, optind);
 */
#ifndef RTPROF_OPTS_H
#define RTPROF_OPTS_H

#include <stdbool.h>
#include <stdio.h>

#define OPTS_HELP 1 /* -h was given: usage printed to stdout, nothing else to do */

struct target_opts {
	int pid;     /* -p PID, or 0 */
	char **argv; /* command after "--", NULL-terminated, or NULL */
};

/*
 * Where a command's results go (-o FILE). The one rule of every command:
 *	-o FILE       FILE (created or truncated before the target is launched); nothing of
 *	              rtprof's goes to stdout
 *	-o -          stdout, even beside a launched command's output (the user asked)
 *	no -o         stdout for -p PID and for commands that launch nothing; stderr when a
 *	              command is launched with --, which writes to the same stdout (as strace,
 *	              ltrace and perf stat do), so the command's output stays byte for byte its own
 */
struct opts_output {
	const char *path; /* -o as given, or NULL */
	FILE *f;	  /* after opts_common__finish(): where results go; never NULL */
};

struct opts_common {
	const char *cmd;	    /* command name, for messages */
	struct target_opts *target; /* -p and the command after --; NULL: the command has none */
	double *duration_s;	    /* -d SECONDS; NULL: the command has no -d */
	void (*usage)(FILE *f);
	struct opts_output *output; /* -o FILE; NULL: the command has no -o of this kind */
};

/* Handle getopt's result c (with its optarg) when it is one of the shared options: -p, -d, -o,
 * -v, -h; anything else is an unknown option (usage to stderr). 0, OPTS_HELP or -ERR_USAGE. */
int opts_common__handle(const struct opts_common *co, int c, const char *arg);
/* After getopt: take argv[optind..] as the command and check that exactly one of -p and -- was
 * given (when co->target is set); then open co->output (opts_output__open). 0, -ERR_USAGE or
 * -ERR_BADINPUT. */
int opts_common__finish(const struct opts_common *co, int argc, char **argv, int optind);

/* The stream results go to by the rule above, for a command that launches a command or not:
 * stdout, stderr or path opened for writing (line "rtprof CMD: -o PATH: REASON" and
 * -ERR_BADINPUT when it cannot be). 0 or -ERR_BADINPUT. */
int opts_output__open(struct opts_output *o, const char *cmd, bool launched);
/* Flush and close (stdout and stderr are flushed only). 0, or -errno of a failed write to the
 * file (one line on stderr naming it). NULL or an unopened output: 0. */
int opts_output__close(struct opts_output *o, const char *cmd);

/* Parse a PID argument; -ERR_USAGE with a message naming cmd when it is not a positive number. */
int target_parse_pid(const char *cmd, const char *arg, int *pid);
/* After getopt: take argv[optind..] as the command; check that exactly one of -p and -- was
 * given. Returns 0 or -ERR_USAGE (with a message naming cmd). */
int target_opts__finish(struct target_opts *t, const char *cmd, int argc, char **argv, int optind);

/* Seconds: a finite number > 0 (min_zero: >= 0). 0 or -ERR_USAGE with "rtprof CMD: OPT wants
 * ... not 'ARG'". */
int opts_seconds(const char *cmd, const char *opt, const char *arg, double *out);
int opts_seconds0(const char *cmd, const char *opt, const char *arg, double *out);
/* A whole number in [min, max]. 0 or -ERR_USAGE. */
int opts_long(const char *cmd, const char *opt, const char *arg, long min, long max, long *out);
/* Any number >= 0 (thresholds, counts given as decimals). 0 or -ERR_USAGE. */
int opts_number(const char *cmd, const char *opt, const char *arg, double *out);

#endif
