/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Room profiler/: main.c and one file per command, on top of every other room. Nothing
 * outside profiler/ includes it.
 *
 * Commands. Each takes the arguments after its name (argv[0] is the command name), handles
 * --help itself, and returns 0 or a negative error that main() maps to an exit code.
 */
#ifndef RTPROF_COMMANDS_H
#define RTPROF_COMMANDS_H

int cmd_probes(int argc, char **argv);
int cmd_symbolize(int argc, char **argv);
int cmd_threads(int argc, char **argv);
int cmd_locks(int argc, char **argv);
int cmd_queries(int argc, char **argv);
int cmd_flamegraph(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_memleak(int argc, char **argv);
int cmd_profile(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_flow(int argc, char **argv);
int cmd_calls(int argc, char **argv);
int cmd_gc(int argc, char **argv);
int cmd_objnew(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_push(int argc, char **argv);

/* What one run of rtprof profile did (for rtprof record, which runs profile N times). */
struct profile_result {
	int hz;
	double duration_s; /* -d, 0 when none */
	double seconds;	   /* sampled for */
	unsigned long long samples;
	int wait_status; /* the launched command's, as waitpid() gave it; -1 when unknown
			  * (still running at the end, so ended by rtprof; or -p) */
};
/* rtprof profile with argv as cmd_profile() takes it; res (may be NULL) is filled when the
 * profile was written. */
int profile_run(int argc, char **argv, struct profile_result *res);

#endif
