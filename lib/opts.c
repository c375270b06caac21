// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

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
	case 'o':
		if (!co->output)
			break;
		if (co->output->path) {
			fprintf(stderr, "rtprof %s: -o is given once\n", co->cmd);
			return -ERR_USAGE;
		}
		if (!*arg) {
			fprintf(stderr, "rtprof %s: -o wants a file name or -\n", co->cmd);
			return -ERR_USAGE;
		}
		co->output->path = arg;
		return 0;
	case 'v':
		log_set_level(LOG_DEBUG);
		return 0;
	case 'h':
		co->usage(stdout);
		return OPTS_HELP;
	case '?': /* getopt said which option, in one line ("rtprof CMD: unrecognized ...") */
	case ':':
		return -ERR_USAGE;
	}
	co->usage(stderr);
	return -ERR_USAGE;
}

int opts_common__finish(const struct opts_common *co, int argc, char **argv, int optind)
{
	int err = 0;

	if (co->target)
		err = target_opts__finish(co->target, co->cmd, argc, argv, optind);
	if (!err && co->output)
		err = opts_output__open(co->output, co->cmd, co->target && co->target->argv);
	return err;
}

int opts_output__open(struct opts_output *o, const char *cmd, bool launched)
{
	if (!o->path) {
		o->f = launched ? stderr : stdout;
		return 0;
	}
	if (!strcmp(o->path, "-")) {
		o->f = stdout;
		return 0;
	}
	o->f = fopen(o->path, "we");
	if (!o->f) {
		fprintf(stderr, "rtprof %s: -o %s: %s\n", cmd, o->path, strerror(errno));
		return -ERR_BADINPUT;
	}
	return 0;
}

int opts_output__close(struct opts_output *o, const char *cmd)
{
	int err = 0;

	if (!o || !o->f)
		return 0;
	if (o->f == stdout || o->f == stderr) {
		fflush(o->f);
	} else {
		if (ferror(o->f)) /* a write that failed along the way (a full disk) */
			err = -EIO;
		if (fclose(o->f) && !err)
			err = -errno;
	}
	if (err)
		fprintf(stderr, "rtprof %s: -o %s: %s\n", cmd, o->path, strerror(-err));
	o->f = NULL;
	return err;
}
