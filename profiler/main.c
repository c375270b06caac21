// SPDX-License-Identifier: GPL-2.0
/*
 * rtprof: a profiler for language runtimes built on eBPF. main() finds the command, runs it,
 * and is the one place where errors become exit codes.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "profiler/commands.h"
#include "lib/errors.h"
#include "lib/log.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{"profile", cmd_profile, "sample the stacks of a process or command: folded, flame graph"},
	{"top", cmd_top, "the hottest functions of a process right now, refreshed live"},
	{"flow", cmd_flow, "method calls and returns of a Python, Ruby or JVM program"},
	{"calls", cmd_calls, "call counts and times per method, aggregated in BPF"},
	{"gc", cmd_gc, "garbage collections of Python, Ruby, the JVM and Node"},
	{"objnew", cmd_objnew, "allocations by type (Ruby, JVM)"},
	{"memleak", cmd_memleak, "outstanding allocations by stack (leaks), live or launched"},
	{"dump", cmd_dump, "every thread of a live process: state and mixed stack, not stopped"},
	{"threads", cmd_threads, "thread creation (with stacks), names, starts and exits"},
	{"locks", cmd_locks, "pthread mutex, rwlock and condition wait contention"},
	{"queries", cmd_queries, "MySQL/MariaDB query latency and text"},
	{"probes", cmd_probes, "list the USDT probes of a process or an ELF file"},
	{"symbolize", cmd_symbolize, "addresses to functions, source lines and inlined frames"},
	{"flamegraph", cmd_flamegraph, "folded stacks to an interactive SVG flame graph"},
	{"diff", cmd_diff, "differential flame graph of two folded files"},
	{"export", cmd_export, "convert a profile: folded, pprof, speedscope, SVG"},
	{"record", cmd_record, "profile a command N times into a directory, for compare"},
	{"compare", cmd_compare, "regression verdict between two recordings, per function"},
	{"push", cmd_push, "send a profile to a Pyroscope or Parca server"},
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: rtprof [-v] COMMAND [OPTIONS]\n"
		   "       rtprof COMMAND --help     options and examples of COMMAND\n"
		   "       rtprof --version\n\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
	fprintf(f,
		"\nexit codes: 0 ok, 1 runtime error, 2 usage, 3 target process gone or missing,\n"
		"            4 permission denied, 5 no probes (or silent runtime), 6 bad input "
		"file,\n"
		"            7 compare: regression, 8 compare: inconclusive (--inconclusive "
		"fail)\n");
}

static int exit_code(int err)
{
	switch (-err) {
	case 0:
		return EXIT_OK;
	case ERR_USAGE:
		return EXIT_USAGE;
	case ESRCH:
		return EXIT_TARGET;
	case EPERM:
	case EACCES:
		return EXIT_PERMISSION;
	case ERR_NOPROBES:
		return EXIT_NOPROBES;
	case ERR_BADINPUT:
	case ENOEXEC:
	case ENOENT:
		return EXIT_BADINPUT;
	case ERR_REGRESSION:
		return EXIT_REGRESSION;
	case ERR_INCONCLUSIVE:
		return EXIT_INCONCLUSIVE;
	default:
		return EXIT_RUNTIME;
	}
}

int main(int argc, char **argv)
{
	static char prog[64];
	size_t i;
	int argi = 1;

	while (argi < argc && argv[argi][0] == '-') {
		if (!strcmp(argv[argi], "-v") || !strcmp(argv[argi], "--verbose")) {
			log_set_level(LOG_DEBUG);
		} else if (!strcmp(argv[argi], "-h") || !strcmp(argv[argi], "--help")) {
			usage(stdout);
			return EXIT_OK;
		} else if (!strcmp(argv[argi], "--version")) {
			printf("rtprof %s\n", RTPROF_VERSION);
			return EXIT_OK;
		} else {
			fprintf(stderr, "rtprof: unknown option '%s'\n", argv[argi]);
			return EXIT_USAGE;
		}
		argi++;
	}
	if (argi >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	log_hook_libbpf();
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (!strcmp(argv[argi], commands[i].name)) {
			/* getopt's one line about a bad option starts with argv[0]: "rtprof CMD:"
			 */
			snprintf(prog, sizeof(prog), "rtprof %s", commands[i].name);
			argv[argi] = prog;
			return exit_code(commands[i].run(argc - argi, argv + argi));
		}
	}
	fprintf(stderr, "rtprof: unknown command '%s' (see rtprof --help)\n", argv[argi]);
	return EXIT_USAGE;
}
