// SPDX-License-Identifier: GPL-2.0
/*
 * rtprof symbolize: addresses to functions, source lines and inlined frames, for a running
 * process (-p, runtime addresses) or an ELF file (-e, addresses as in the file, like addr2line).
 * Addresses come from the command line, or from stdin one per line (batch mode).
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "profiler/commands.h"
#include "lib/errors.h"
#include "lib/opts.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/session.h"
#include "symbolize/symbolize.h"

#define MAX_FRAMES 128

struct symbolize_opts {
	int pid;
	const char *elf;
	bool json;
	bool no_inline;
	const char **debug_dirs;
	size_t n_debug_dirs;
	struct opts_output output; /* -o */
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: rtprof symbolize (-p PID | -e ELF) [--json] [--debug-dir DIR]... "
		"[--no-inline]\n"
		"                        [-o FILE] [ADDR...]\n"
		"\n"
		"Print the function, source file and line of each address, with the chain of "
		"inlined\n"
		"frames, innermost first. Addresses are hexadecimal (0x optional); without any on "
		"the\n"
		"command line they are read from stdin, one per line.\n"
		"\n"
		"  -p, --pid PID          addresses in the running process PID (JIT code through\n"
		"                         /tmp/perf-PID.map when the target's user owns it)\n"
		"  -e, --elf ELF          addresses as in the ELF file (like addr2line -e)\n"
		"  -o, --output FILE      results to FILE (default and \"-\": stdout)\n"
		"      --json             one JSON object per address: {\"address\", \"frames\": "
		"[{\n"
		"                         \"function\", \"file\", \"line\", \"column\", "
		"\"inlined\",\n"
		"                         \"module\"}...]}\n"
		"  -d, --debug-dir DIR    also look for debug files under DIR "
		"(.build-id/xx/rest.debug\n"
		"                         and .gnu_debuglink paths); repeatable\n"
		"      --no-inline        only the outermost function of each address\n"
		"  -v, --verbose          debug output\n"
		"  -h, --help             this help\n"
		"\n"
		"Text output, per frame: the function on one line, FILE:LINE[:COLUMN] (or ??:0) on "
		"the\n"
		"next, like eu-addr2line -f -i. Without debug info or symbols a frame reads\n"
		"MODULE+0xOFFSET; an address outside any mapping reads [unknown].\n"
		"\n"
		"examples:\n"
		"  rtprof symbolize -e /usr/bin/python3.11 0x5a1f30\n"
		"  rtprof symbolize -p $(pgrep -n node) --json 0x7f3a1c2b4d10\n"
		"  cut -d' ' -f1 addrs.txt | rtprof symbolize -e ./prog --debug-dir ./dbg\n");
}

static int parse_opts(int argc, char **argv, struct symbolize_opts *opts)
{
	static const struct option longopts[] = {
		{"pid", required_argument, NULL, 'p'},
		{"elf", required_argument, NULL, 'e'},
		{"json", no_argument, NULL, 'j'},
		{"debug-dir", required_argument, NULL, 'd'},
		{"no-inline", no_argument, NULL, 'n'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{"output", required_argument, NULL, 'o'},
		{},
	};
	struct opts_common co = {"symbolize", NULL, NULL, usage, &opts->output};
	const char **dirs;
	int c, err;

	while ((c = getopt_long(argc, argv, "p:e:d:o:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (target_parse_pid("symbolize", optarg, &opts->pid))
				return -ERR_USAGE;
			break;
		case 'e':
			opts->elf = optarg;
			break;
		case 'j':
			opts->json = true;
			break;
		case 'd':
			dirs = realloc(opts->debug_dirs, (opts->n_debug_dirs + 1) * sizeof(*dirs));
			if (!dirs)
				return -ENOMEM;
			opts->debug_dirs = dirs;
			dirs[opts->n_debug_dirs++] = optarg;
			break;
		case 'n':
			opts->no_inline = true;
			break;
		default:
			err = opts_common__handle(&co, c, optarg);
			if (err)
				return err;
		}
	}
	if (!opts->elf == !opts->pid) {
		fprintf(stderr, "rtprof symbolize: give exactly one of -p PID or -e ELF\n");
		return -ERR_USAGE;
	}
	return opts_output__open(&opts->output, "symbolize", false);
}

static bool parse_addr(const char *s, __u64 *addr)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	if (!*s)
		return false;
	errno = 0;
	*addr = strtoull(s, &end, 16);
	while (isspace((unsigned char)*end))
		end++;
	return !errno && *end == '\0' &&
	       isxdigit((unsigned char)s[s[0] == '0' && s[1] == 'x' ? 2 : 0]);
}

static void print_text(const struct sym_frame *f, int n, FILE *out)
{
	int i;

	for (i = 0; i < n; i++) {
		fprintf(out, "%s\n", f[i].function);
		if (!f[i].file)
			fprintf(out, "??:0\n");
		else if (f[i].column)
			fprintf(out, "%s:%d:%d\n", f[i].file, f[i].line, f[i].column);
		else
			fprintf(out, "%s:%d\n", f[i].file, f[i].line);
	}
}

static void print_json(__u64 addr, const struct sym_frame *f, int n, FILE *out)
{
	int i;

	fprintf(out, "{\"address\": %llu, \"frames\": [", (unsigned long long)addr);
	for (i = 0; i < n; i++) {
		fprintf(out, "%s{\"function\": ", i ? ", " : "");
		json_str(out, f[i].function);
		fprintf(out, ", \"file\": ");
		json_str(out, f[i].file);
		fprintf(out,
			", \"line\": %d, \"column\": %d, \"inlined\": %s, \"module\": ", f[i].line,
			f[i].column, f[i].inlined ? "true" : "false");
		json_str(out, f[i].module);
		fprintf(out, "}");
	}
	fprintf(out, "]}\n");
}

static int symbolize_one(struct symbolizer *s, struct sym_process *p,
			 const struct symbolize_opts *opts, __u64 addr)
{
	struct sym_frame frames[MAX_FRAMES];
	int n;

	if (p)
		n = symbolizer__resolve(s, p, addr, frames, MAX_FRAMES);
	else
		n = symbolizer__resolve_elf(s, opts->elf, addr, frames, MAX_FRAMES);
	if (n < 0) {
		pr_warn("symbolize 0x%llx: %s\n", (unsigned long long)addr, err_str(n));
		return n;
	}
	if (opts->json)
		print_json(addr, frames, n, opts->output.f);
	else
		print_text(frames, n, opts->output.f);
	return 0;
}

int cmd_symbolize(int argc, char **argv)
{
	struct symbolize_opts opts = {};
	struct symbolizer_opts sopts = {};
	struct symbolizer *s = NULL;
	struct sym_process *p = NULL;
	char *line = NULL;
	size_t cap = 0;
	bool interactive;
	__u64 addr;
	int err, i;

	err = parse_opts(argc, argv, &opts);
	if (err) {
		err = err > 0 ? 0 : err;
		goto cleanup;
	}
	for (i = optind; i < argc; i++) {
		if (!parse_addr(argv[i], &addr)) {
			fprintf(stderr, "rtprof symbolize: invalid address '%s'\n", argv[i]);
			err = -ERR_USAGE;
			goto cleanup;
		}
	}
	sopts.debug_dirs = opts.debug_dirs;
	sopts.n_debug_dirs = opts.n_debug_dirs;
	sopts.no_inline = opts.no_inline;
	s = symbolizer__new(&sopts);
	if (!s) {
		err = -errno;
		goto cleanup;
	}
	if (opts.pid) {
		p = symbolizer__process(s, opts.pid);
		if (!p) {
			err = -errno;
			if (err == -ESRCH)
				pr_warn("symbolize -p %d: no such process\n", opts.pid);
			else
				pr_warn("symbolize -p %d: cannot read its maps: %s\n", opts.pid,
					err_str(err));
			goto cleanup;
		}
	} else {
		err = symbolizer__check_elf(s, opts.elf);
		if (err) {
			pr_warn("symbolize -e %s: %s\n", opts.elf,
				err == -ENOEXEC ? "not an ELF file" : err_str(err));
			goto cleanup;
		}
	}
	if (optind < argc) {
		for (i = optind; i < argc && !err; i++) {
			parse_addr(argv[i], &addr);
			err = symbolize_one(s, p, &opts, addr);
		}
		goto cleanup;
	}
	interactive = isatty(STDIN_FILENO);
	while (!err && getline(&line, &cap, stdin) > 0) {
		if (!parse_addr(line, &addr)) {
			line[strcspn(line, "\n")] = '\0';
			if (line[0])
				pr_warn("symbolize: invalid address '%s', skipped\n", line);
			continue;
		}
		err = symbolize_one(s, p, &opts, addr);
		if (interactive)
			fflush(opts.output.f);
	}
cleanup:
	free(line);
	symbolizer__free(s);
	free(opts.debug_dirs);
	{
		int e = opts_output__close(&opts.output, "symbolize");

		err = err ? err : e;
	}
	return err;
}
