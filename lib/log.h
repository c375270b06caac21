/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one log facility. Messages go to stderr, lowercase, starting with their context:
 *   pr_warn("usdt %s:%s: cannot attach: %s\n", provider, name, err_str(err));
 * -v raises the level to debug, which also lets libbpf's own log through.
 */
#ifndef RTPROF_LOG_H
#define RTPROF_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_WARN = 0,
	LOG_INFO = 1,
	LOG_DEBUG = 2,
};

void log_set_level(enum log_level level);
enum log_level log_get_level(void);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Route libbpf's messages through log_msg(); call once before using libbpf. */
void log_hook_libbpf(void);

#define pr_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define pr_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
