/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The session: what a tracing command runs against. Either an existing process (-p PID) or a
 * command launched by rtprof (-- CMD ARGS...). A launched command is forked at once but held
 * before exec until session__start(), so probes and perf events attached with its PID in
 * between see it from its first instruction; perf events and uprobes bound to a task survive exec.
 *
 * Typical use:
 *	s = session__new(&target);            // -p: checks the process; --: forks, holds
 *	... attach with session__pid(s) ...
 *	session__start(s);                    // launched command: exec now
 *	while (session__alive(s) && !signals_stop_requested()) poll ...;
 *	session__free(s);
 */
#ifndef RTPROF_SESSION_H
#define RTPROF_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "lib/opts.h"

struct session;

/* NULL with errno: ESRCH (no such process), ENOENT (command not found), EPERM, ... */
struct session *session__new(const struct target_opts *t);
void session__free(struct session *s);

int session__pid(const struct session *s);
bool session__launched(const struct session *s);
/* The path of the target's executable as this process can open it (/proc/PID/exe for -p; the
 * command looked up in PATH for a launched one). */
const char *session__exe(const struct session *s);
/* Let a launched command exec; 0 for -p. -ENOENT etc. when exec failed. */
int session__start(struct session *s);
/* False once the target has exited (a launched command is reaped; its status is kept). */
bool session__alive(struct session *s);
/* Exit status of a launched command as waitpid() gave it, or -1 while unknown. */
int session__wait_status(const struct session *s);

/* The executable a launched command names, looked up in PATH as execvp will (realpath'ed into
 * out): 0, -ENOENT, or a negative errno. */
int session_find_exe(const char *cmd, char *out, size_t size);

/*
 * How a launched command ended, the one wording every command uses. A command that exits 0,
 * one still running (rtprof ends it after the trace: -d, Ctrl-C) and a -p target are "nothing
 * to say"; a non-zero exit or a signal is said in one line. rtprof's own exit code does not
 * change: the trace ran and its results were written (README, "How a launched command ends").
 */
/* "the command was killed by SIGSEGV (core dumped)" / "the command exited with status 3" into
 * buf; NULL (buf untouched) when there is nothing to say. */
const char *session__describe_end(const struct session *s, char *buf, size_t size);
/* The two below first reap a launched command that has just ended (as session__alive()). */
/* One line on stderr, "rtprof: CMD: the command was killed by SIGSEGV", when there is
 * something to say. True when it said it (callers then leave out hints about silent probes:
 * the command's end explains them). */
bool session__report_end(struct session *s, const char *cmd);
/* For a JSON summary object: `,"command":{"pid":N,"exit_status":S|null,"signal":"SIGSEGV"|null,
 * "core_dumped":B}` for a launched command that has ended (exit_status 0 included); nothing
 * for -p or while it runs. */
void session__json_end(struct session *s, FILE *f);

#endif
