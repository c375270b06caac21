// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "lib/errors.h"
#include "lib/log.h"
#include "lib/opts.h"

int target_parse_pid(const char *cmd, const char *arg, int *pid)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || *end || v <= 0 || v > INT_MAX) {
		fprintf(stderr, "rtprof %s: invalid PID '%s'\n", cmd, arg);
		return -ERR_USAGE;
	}
	*pid = (int)v;
	return 0;
}

int target_opts__finish(struct target_opts *t, const char *cmd, int argc, char **argv, int optind)
{
	if (optind < argc)
		t->argv = argv + optind;
	if (!t->pid == !t->argv) {
		fprintf(stderr, "rtprof %s: give exactly one of -p PID or -- COMMAND [ARGS...]\n",
			cmd);
		return -ERR_USAGE;
	}
	return 0;
}

static int parse_double(const char *cmd, const char *opt, const char *arg, double *out, double min,
			bool min_inclusive, const char *wants)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || !isfinite(v) || v < min ||
	    (!min_inclusive && v == min)) {
		fprintf(stderr, "rtprof %s: %s wants %s, not '%s'\n", cmd, opt, wants, arg);
		return -ERR_USAGE;
	}
	*out = v;
	return 0;
}

int opts_seconds(const char *cmd, const char *opt, const char *arg, double *out)
{
	return parse_double(cmd, opt, arg, out, 0, false, "seconds > 0");
}

int opts_seconds0(const char *cmd, const char *opt, const char *arg, double *out)
{
	return parse_double(cmd, opt, arg, out, 0, true, "seconds >= 0");
}

int opts_number(const char *cmd, const char *opt, const char *arg, double *out)
{
	return parse_double(cmd, opt, arg, out, 0, true, "a number >= 0");
}

int opts_long(const char *cmd, const char *opt, const char *arg, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < min || v > max) {
		fprintf(stderr, "rtprof %s: %s wants a whole number from %ld to %ld, not '%s'\n",
			cmd, opt, min, max, arg);
		return -ERR_USAGE;
	}
	*out = v;
	return 0;
}

int opts_common__handle(const struct opts_common *co, int c, const char *arg)
{
	switch (c) {
	case 'p':
		if (!co->target)
			break;
		return target_parse_pid(co->cmd, arg, &co->target->pid);
	case 'd':
		if (!co->duration_s)
			break;
		return opts_seconds(co->cmd, "-d", arg, co->duration_s);
	case 'v':
		log_set_level(LOG_DEBUG);
		return 0;
	case 'h':
		co->usage(stdout);
		return OPTS_HELP;
	}
	co->usage(stderr);
	return -ERR_USAGE;
}

int opts_common__finish(const struct opts_common *co, int argc, char **argv, int optind)
{
	if (!co->target)
		return 0;
	return target_opts__finish(co->target, co->cmd, argc, argv, optind);
}
