/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Option parsing shared by every command: the target (-p PID or -- COMMAND), numbers with one
 * clear error line naming the command and the option, and the options every command takes the
 * same way (-p, -d, -v, -h, and getopt's errors), so a command's own switch lists only its own.
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

#include <stdio.h>

#define OPTS_HELP 1 /* -h was given: usage printed to stdout, nothing else to do */

struct target_opts {
	int pid;     /* -p PID, or 0 */
	char **argv; /* command after "--", NULL-terminated, or NULL */
};

struct opts_common {
	const char *cmd;	    /* command name, for messages */
	struct target_opts *target; /* -p and the command after --; NULL: the command has none */
	double *duration_s;	    /* -d SECONDS; NULL: the command has no -d */
	void (*usage)(FILE *f);
};

/* Handle getopt's result c (with its optarg) when it is one of the shared options: -p, -d, -v,
 * -h; anything else is an unknown option (usage to stderr). 0, OPTS_HELP or -ERR_USAGE. */
int opts_common__handle(const struct opts_common *co, int c, const char *arg);
/* After getopt: take argv[optind..] as the command and check that exactly one of -p and -- was
 * given (when co->target is set). 0 or -ERR_USAGE. */
int opts_common__finish(const struct opts_common *co, int argc, char **argv, int optind);

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
