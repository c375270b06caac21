/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A JVM's compiled methods have names only in the perf map it writes when asked (/tmp/perf-PID
 * .map). A sampling command asks it through the JVM's attach mechanism (runtimes/jvm_attach.c)
 * half a second after its start, then every second (a method compiled since gets its name), and
 * once more at its end; a process that is not a JVM is never asked.
 *
 *	struct jvm_perfmap j = {};
 *	while (running)
 *		jvm_perfmap__tick(&j, "top", pid, seconds_since_start);
 *	jvm_perfmap__tick(&j, "top", pid, -1);    // at the end, while the JVM lives
 */
#ifndef RTPROF_JVM_PERFMAP_H
#define RTPROF_JVM_PERFMAP_H

#include <stdbool.h>

struct jvm_perfmap {
	bool checked, is_jvm, failed;
	double next_s;
	unsigned int requests;
};

/* t: seconds since the start, or < 0 for the last request. cmd names the command in messages. */
void jvm_perfmap__tick(struct jvm_perfmap *j, const char *cmd, int pid, double t);

#endif
