/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Ctrl-C and SIGTERM end a trace cleanly: the event loop polls signals_stop_requested() and
 * returns, so every link is destroyed and every semaphore released before rtprof exits. (After a
 * SIGKILL the kernel does the same when it closes rtprof's file descriptors.)
 */
#ifndef RTPROF_SIGNALS_H
#define RTPROF_SIGNALS_H

#include <stdbool.h>

/* Catch SIGINT, SIGTERM and SIGHUP; ignore SIGPIPE (a closed output pipe ends the trace). */
void signals_install(void);
bool signals_stop_requested(void);
/* Sleep up to ms milliseconds, waking early when a stop is requested. */
void signals_sleep_ms(unsigned int ms);

#endif
