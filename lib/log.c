// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "lib/errors.h"
#include "lib/log.h"

/* The level is process-wide by nature, as libbpf's print callback is. */
static enum log_level current_level = LOG_INFO;

void log_set_level(enum log_level level)
{
	current_level = level;
}

enum log_level log_get_level(void)
{
	return current_level;
}

static void log_vmsg(enum log_level level, const char *prefix, const char *fmt, va_list ap)
{
	if (level > current_level)
		return;
	fputs("rtprof: ", stderr);
	if (prefix)
		fputs(prefix, stderr);
	vfprintf(stderr, fmt, ap);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, NULL, fmt, ap);
	va_end(ap);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* libbpf warns about things we handle ourselves (a probe that fails to attach is
	 * reported by name by the caller); its messages are detail, shown with -v. */
	if (current_level < LOG_DEBUG)
		return 0;
	/* most of its messages carry "libbpf: " already */
	log_vmsg(LOG_DEBUG, strncmp(fmt, "libbpf: ", 8) ? "libbpf: " : "", fmt, ap);
	return 0;
}

void log_hook_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}

const char *err_str(int err)
{
	if (err < 0)
		err = -err;
	switch (err) {
	case ERR_USAGE:
		return "invalid usage";
	case ERR_NOPROBES:
		return "no probes to trace";
	case ERR_BADINPUT:
		return "invalid input";
	case ERR_REGRESSION:
		return "significant regression";
	case ERR_INCONCLUSIVE:
		return "inconclusive: too few runs for a verdict";
	default:
		return strerror(err);
	}
}
