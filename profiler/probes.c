// SPDX-License-Identifier: GPL-2.0
/*
 * rtprof probes: list the USDT probe sites of a process (every ELF object it maps, read through
 * /proc/PID/root) or of one ELF file. With --count, attach a counting uprobe to every site for a
 * while and show how often each one fired: the quickest way to see which probes a runtime really
 * uses.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "lib/bpf_util.h"
#include "profiler/commands.h"
#include "lib/errors.h"
#include "lib/opts.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/session.h"
#include "lib/signals.h"
#include "runtimes/runtime.h"
#include "runtimes/usdt.h"
#include "symbolize/maps.h"
#include "usdt_count.skel.h"

struct probes_opts {
	int pid;
	const char *path;
	bool json;
	double count_s;		   /* 0: do not count */
	struct opts_output output; /* -o */
};

/* One ELF object with probes: the path the target sees and the notes read from it. */
struct probed_object {
	char *path;		    /* as the target sees it (or as given) */
	char *open_path;	    /* through which we opened it */
	const struct proc_map *map; /* any mapping of it, NULL for a file */
	const struct runtime *runtime;
	struct usdt_notes *notes;
	__u64 *hits; /* per note, with --count */
};

struct probes_scan {
	struct proc_maps *maps; /* NULL for a file */
	struct probed_object *objs;
	size_t n;
};

static void probes_scan__free(struct probes_scan *scan)
{
	size_t i;

	for (i = 0; i < scan->n; i++) {
		free(scan->objs[i].path);
		free(scan->objs[i].open_path);
		free(scan->objs[i].hits);
		usdt_notes__free(scan->objs[i].notes);
	}
	free(scan->objs);
	proc_maps__free(scan->maps);
	memset(scan, 0, sizeof(*scan));
}

static bool process_alive(int pid)
{
	char path[32];

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	return access(path, R_OK) == 0;
}

static int add_object(struct probes_scan *scan, const char *path, const char *open_path,
		      const struct proc_map *map, struct usdt_notes *notes)
{
	struct probed_object *objs, *o;

	objs = realloc(scan->objs, (scan->n + 1) * sizeof(*objs));
	if (!objs)
		return -ENOMEM;
	scan->objs = objs;
	o = &objs[scan->n];
	memset(o, 0, sizeof(*o));
	o->path = strdup(path);
	o->open_path = strdup(open_path);
	if (!o->path || !o->open_path) {
		free(o->path);
		free(o->open_path);
		return -ENOMEM;
	}
	o->map = map;
	o->runtime = runtime_for_object(path);
	o->notes = notes;
	scan->n++;
	return 0;
}

/* Has an earlier mapping of the same file been scanned already? */
static bool seen_before(const struct proc_maps *maps, size_t idx)
{
	const struct proc_map *m = &maps->maps[idx];
	size_t i;

	for (i = 0; i < idx; i++) {
		const struct proc_map *o = &maps->maps[i];

		if (o->inode == m->inode && o->dev_major == m->dev_major &&
		    o->dev_minor == m->dev_minor && proc_map__is_file(o))
			return true;
	}
	return false;
}

static int scan_file(struct probes_scan *scan, const char *path)
{
	struct usdt_notes *notes;
	int err;

	notes = usdt_notes__read(path);
	if (!notes) {
		err = -errno;
		pr_warn("probes %s: %s\n", path,
			err == -ENOEXEC	       ? "not an ELF file"
			: err == -ERR_BADINPUT ? "corrupt ELF file (bad notes or program headers)"
					       : err_str(err));
		return err == -ENOENT || err == -ENOEXEC ? -ERR_BADINPUT : err;
	}
	err = add_object(scan, path, path, NULL, notes);
	if (err)
		usdt_notes__free(notes);
	return err;
}

static int scan_process(struct probes_scan *scan, int pid)
{
	char open_path[4096];
	size_t i;
	int err;

	scan->maps = proc_maps__read(pid);
	if (!scan->maps) {
		err = -errno;
		if (err == -ESRCH)
			pr_warn("probes -p %d: no such process\n", pid);
		else
			pr_warn("probes -p %d: cannot read /proc/%d/maps: %s\n", pid, pid,
				err_str(err));
		return err;
	}
	for (i = 0; i < scan->maps->n; i++) {
		const struct proc_map *m = &scan->maps->maps[i];
		struct usdt_notes *notes;

		if (!proc_map__is_file(m) || seen_before(scan->maps, i))
			continue;
		if (proc_map__open_path(scan->maps, m, open_path, sizeof(open_path)))
			continue;
		notes = usdt_notes__read(open_path);
		if (!notes) {
			err = -errno;
			if (!process_alive(pid)) {
				pr_warn("probes -p %d: process exited during the scan\n", pid);
				return -ESRCH;
			}
			if (err == -ENOEXEC)
				pr_debug("probes %s: not ELF, skipped\n", m->path);
			else
				pr_warn("probes %s: skipped: %s\n", m->path,
					err == -ERR_BADINPUT ? "corrupt ELF file" : err_str(err));
			continue;
		}
		if (notes->n == 0) {
			usdt_notes__free(notes);
			continue;
		}
		err = add_object(scan, m->path, open_path, m, notes);
		if (err) {
			usdt_notes__free(notes);
			return err;
		}
	}
	/* The process may have exited after we read its maps: do not list a dead process. */
	if (!process_alive(pid)) {
		pr_warn("probes -p %d: process exited during the scan\n", pid);
		return -ESRCH;
	}
	return 0;
}

/* Address in the process of a file offset of obj, or 0 when no mapping covers it. */
static __u64 runtime_addr(const struct probes_scan *scan, const struct probed_object *obj,
			  __u64 file_offset)
{
	size_t i;

	if (!scan->maps || !obj->map)
		return 0;
	for (i = 0; i < scan->maps->n; i++) {
		const struct proc_map *m = &scan->maps->maps[i];

		if (m->inode != obj->map->inode || m->dev_major != obj->map->dev_major ||
		    m->dev_minor != obj->map->dev_minor)
			continue;
		if (file_offset >= m->offset && file_offset < m->offset + (m->end - m->start))
			return m->start + (file_offset - m->offset);
	}
	return 0;
}

static size_t total_sites(const struct probes_scan *scan)
{
	size_t i, n = 0;

	for (i = 0; i < scan->n; i++)
		n += scan->objs[i].notes->n;
	return n;
}

/* Once: which semaphores --count leaves down, and why. */
static void warn_unsafe(const struct runtime *r)
{
	char list[512] = "";
	size_t i, n = 0;

	for (i = 0; r->unsafe_semaphores[i] && n < sizeof(list); i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", i ? ", " : "",
				      r->unsafe_semaphores[i]);
	pr_warn("probes --count: %s: semaphores kept down (raising them crashes %s, see README); "
		"these sites count only calls something else enabled\n",
		list, r->name);
}

/*
 * Attach the counter to every site for count_s seconds (or until Ctrl-C or the target exits),
 * then read the counts. Semaphores are raised through ref_ctr_offset, so the kernel lowers them
 * again when the probes go away, however rtprof ends.
 */
static int count_hits(struct probes_scan *scan, int pid, double count_s)
{
	size_t nsites = total_sites(scan), site = 0, i, j, nlinks = 0, failed = 0;
	unsigned int unsafe_said = 0;
	struct usdt_count_bpf *skel = NULL;
	struct bpf_link **links = NULL;
	int err = 0;
	unsigned int waited_ms = 0, limit_ms = (unsigned int)(count_s * 1000);

	links = calloc(nsites ? nsites : 1, sizeof(*links));
	if (!links) {
		err = -ENOMEM;
		goto cleanup;
	}
	skel = usdt_count_bpf__open();
	if (!skel) {
		err = -errno;
		goto cleanup;
	}
	err = bpf_map__set_max_entries(skel->maps.hits, nsites ? nsites : 1);
	if (!err)
		err = usdt_count_bpf__load(skel);
	if (err) {
		pr_warn("probes --count: cannot load the BPF program: %s\n", err_str(err));
		goto cleanup;
	}
	for (i = 0; i < scan->n; i++) {
		struct probed_object *o = &scan->objs[i];

		o->hits = calloc(o->notes->n ? o->notes->n : 1, sizeof(*o->hits));
		if (!o->hits) {
			err = -ENOMEM;
			goto cleanup;
		}
		for (j = 0; j < o->notes->n; j++, site++) {
			const struct usdt_note *n = &o->notes->notes[j];
			LIBBPF_OPTS(bpf_uprobe_opts, uo, .ref_ctr_offset = n->sema_offset,
				    .bpf_cookie = site);
			struct bpf_link *l;

			/* counted, but never enabled by us: the runtime's hook would harm it */
			if (n->sema_offset &&
			    runtime_semaphore_unsafe(o->runtime, n->provider, n->name)) {
				uo.ref_ctr_offset = 0;
				if (!unsafe_said++)
					warn_unsafe(o->runtime);
			}

			l = bpf_program__attach_uprobe_opts(skel->progs.count_site, pid,
							    o->open_path, n->file_offset, &uo);
			if (!l) {
				err = -errno;
				pr_warn("probes %s:%s: cannot attach in %s: %s\n", n->provider,
					n->name, o->path, err_str(err));
				failed++;
				if (err == -EPERM || err == -EACCES)
					goto cleanup;
				continue;
			}
			links[nlinks++] = l;
		}
	}
	err = 0;
	if (failed)
		pr_warn("probes --count: %zu of %zu sites could not be attached\n", failed, nsites);
	pr_info("counting hits of %zu sites for %.1f s (Ctrl-C to stop)\n", nlinks, count_s);
	while (waited_ms < limit_ms && !signals_stop_requested()) {
		if (pid > 0 && kill(pid, 0) && errno == ESRCH) {
			pr_info("probes --count: process %d exited\n", pid);
			break;
		}
		signals_sleep_ms(100);
		waited_ms += 100;
	}
	for (i = 0, site = 0; i < scan->n; i++) {
		struct probed_object *o = &scan->objs[i];

		for (j = 0; j < o->notes->n; j++, site++)
			o->hits[j] = percpu_array__sum_u64(skel->maps.hits, (__u32)site);
	}
cleanup:
	for (i = 0; i < nlinks; i++)
		bpf_link__destroy(links[i]);
	free(links);
	usdt_count_bpf__destroy(skel);
	return err;
}

static const char *arg_type(enum usdt_arg_kind kind)
{
	switch (kind) {
	case USDT_ARG_CONST:
		return "const";
	case USDT_ARG_REG:
		return "reg";
	case USDT_ARG_MEM:
		return "mem";
	case USDT_ARG_SIB:
		return "sib";
	}
	return "?";
}

static void print_args_json(FILE *f, const struct usdt_note *n)
{
	int i;

	if (n->nargs < 0) {
		fputs("null", f);
		return;
	}
	fputc('[', f);
	for (i = 0; i < n->nargs; i++) {
		const struct usdt_arg *a = &n->args[i];

		fprintf(f, "%s{\"size\":%d,\"signed\":%s,\"type\":\"%s\"", i ? "," : "", a->size,
			a->is_signed ? "true" : "false", arg_type(a->kind));
		switch (a->kind) {
		case USDT_ARG_CONST:
			fprintf(f, ",\"value\":%lld", a->value);
			break;
		case USDT_ARG_REG:
			fprintf(f, ",\"reg\":\"%s\",\"reg64\":\"%s\"", a->reg,
				usdt_reg_canonical(a->reg, NULL));
			break;
		case USDT_ARG_SIB:
			fprintf(f, ",\"index\":\"%s\",\"scale\":%d", a->index, a->scale);
			/* fall through */
		case USDT_ARG_MEM:
			fprintf(f, ",\"base\":");
			json_str(f, a->reg[0] ? a->reg : NULL);
			fprintf(f, ",\"offset\":%lld", a->value);
			if (a->symbol[0]) {
				fprintf(f, ",\"symbol\":");
				json_str(f, a->symbol);
			}
			break;
		}
		fputc('}', f);
	}
	fputc(']', f);
}

static void print_json(const struct probes_scan *scan, int pid, bool counted, FILE *out)
{
	size_t i, j;

	for (i = 0; i < scan->n; i++) {
		const struct probed_object *o = &scan->objs[i];

		for (j = 0; j < o->notes->n; j++) {
			const struct usdt_note *n = &o->notes->notes[j];

			fputs("{\"object\":", out);
			json_str(out, o->path);
			fputs(",\"runtime\":", out);
			json_str(out, o->runtime ? o->runtime->name : NULL);
			fputs(",\"provider\":", out);
			json_str(out, n->provider);
			fputs(",\"name\":", out);
			json_str(out, n->name);
			fprintf(out,
				",\"address\":%" PRIu64 ",\"semaphore\":%" PRIu64
				",\"file_offset\":%" PRIu64 ",\"semaphore_offset\":%" PRIu64,
				(uint64_t)n->address, (uint64_t)n->semaphore,
				(uint64_t)n->file_offset, (uint64_t)n->sema_offset);
			if (pid > 0)
				fprintf(out,
					",\"pid\":%d,\"runtime_address\":%" PRIu64
					",\"runtime_semaphore\":%" PRIu64,
					pid, (uint64_t)runtime_addr(scan, o, n->file_offset),
					(uint64_t)(n->semaphore
							   ? runtime_addr(scan, o, n->sema_offset)
							   : 0));
			if (counted)
				fprintf(out, ",\"hits\":%" PRIu64, (uint64_t)o->hits[j]);
			fputs(",\"args_spec\":", out);
			json_str(out, n->args_spec);
			fputs(",\"args\":", out);
			print_args_json(out, n);
			fputs("}\n", out);
		}
	}
}

static void format_args(const struct usdt_note *n, char *buf, size_t size)
{
	size_t len = 0;
	int i;

	buf[0] = '\0';
	if (n->nargs < 0) {
		snprintf(buf, size, "(malformed: %s)", n->args_spec);
		return;
	}
	for (i = 0; i < n->nargs && len < size; i++) {
		char op[USDT_SYM_LEN + 48];

		usdt_arg_format(&n->args[i], op, sizeof(op));
		len += snprintf(buf + len, size - len, "%s%c%d %s", i ? ", " : "",
				n->args[i].is_signed ? 's' : 'u', n->args[i].size * 8, op);
	}
}

static void print_table(const struct probes_scan *scan, int pid, bool counted, FILE *out)
{
	size_t i, j;

	for (i = 0; i < scan->n; i++) {
		const struct probed_object *o = &scan->objs[i];

		if (o->notes->n == 0)
			continue;
		fprintf(out, "%s%s%s%s%s  (%zu site%s)\n", i ? "\n" : "", o->path,
			o->runtime ? "  [" : "", o->runtime ? o->runtime->name : "",
			o->runtime ? "]" : "", o->notes->n, o->notes->n == 1 ? "" : "s");
		fprintf(out, "  %-36s %-18s %-18s", "PROBE", "ADDRESS", "SEMAPHORE");
		if (pid > 0)
			fprintf(out, " %-18s", "RUNTIME ADDR");
		if (counted)
			fprintf(out, " %10s", "HITS");
		fprintf(out, "  ARGS\n");
		for (j = 0; j < o->notes->n; j++) {
			const struct usdt_note *n = &o->notes->notes[j];
			char probe[256], sema[24] = "-", args[1024];

			snprintf(probe, sizeof(probe), "%s:%s", n->provider, n->name);
			if (n->semaphore)
				snprintf(sema, sizeof(sema), "0x%" PRIx64, (uint64_t)n->semaphore);
			format_args(n, args, sizeof(args));
			fprintf(out, "  %-36s 0x%-16" PRIx64 " %-18s", probe, (uint64_t)n->address,
				sema);
			if (pid > 0)
				fprintf(out, " 0x%-16" PRIx64,
					(uint64_t)runtime_addr(scan, o, n->file_offset));
			if (counted)
				fprintf(out, " %10" PRIu64, (uint64_t)o->hits[j]);
			fprintf(out, "  %s\n", args);
		}
	}
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: rtprof probes (-p PID | PATH) [--json] [--count SECONDS] [-o FILE]\n"
		"\n"
		"List the USDT probe sites of every ELF object a process maps, or of one ELF "
		"file.\n"
		"\n"
		"  -p, --pid PID          scan the objects mapped by process PID (read through\n"
		"                         /proc/PID/root), with the runtime address of each site\n"
		"  -o, --output FILE      results to FILE (default and \"-\": stdout)\n"
		"      --json             one JSON object per probe site\n"
		"  -c, --count SECONDS    with -p: attach to every site for SECONDS (Ctrl-C stops\n"
		"                         early) and show how often each fired; raises semaphores\n"
		"  -v, --verbose          debug output\n"
		"  -h, --help             this help\n"
		"\n"
		"examples:\n"
		"  rtprof probes /usr/bin/python3.11\n"
		"  rtprof probes -p $(pgrep -n java) --json\n"
		"  rtprof probes -p $(pgrep -n python3) --count 5   # which probes really fire\n");
}

static int parse_opts(int argc, char **argv, struct probes_opts *opts)
{
	static const struct option longopts[] = {
		{"pid", required_argument, NULL, 'p'},
		{"json", no_argument, NULL, 'j'},
		{"count", required_argument, NULL, 'c'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{"output", required_argument, NULL, 'o'},
		{},
	};
	struct opts_common co = {"probes", NULL, NULL, usage, &opts->output};
	char *end;
	int c, err;

	while ((c = getopt_long(argc, argv, "p:c:o:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (target_parse_pid("probes", optarg, &opts->pid))
				return -ERR_USAGE;
			break;
		case 'j':
			opts->json = true;
			break;
		case 'c':
			opts->count_s = strtod(optarg, &end);
			if (*end || opts->count_s <= 0) {
				fprintf(stderr, "rtprof probes: invalid --count '%s'\n", optarg);
				return -ERR_USAGE;
			}
			break;
		default:
			err = opts_common__handle(&co, c, optarg);
			if (err)
				return err;
		}
	}
	if (optind < argc)
		opts->path = argv[optind++];
	if (optind < argc || (!opts->path == !opts->pid)) {
		fprintf(stderr, "rtprof probes: give exactly one of -p PID or PATH\n");
		return -ERR_USAGE;
	}
	if (opts->count_s && !opts->pid) {
		fprintf(stderr, "rtprof probes: --count needs -p PID\n");
		return -ERR_USAGE;
	}
	return opts_output__open(&opts->output, "probes", false);
}

int cmd_probes(int argc, char **argv)
{
	struct probes_opts opts = {};
	struct probes_scan scan = {};
	int err;

	err = parse_opts(argc, argv, &opts);
	if (err)
		return err > 0 ? 0 : err;
	signals_install();
	if (opts.pid)
		err = scan_process(&scan, opts.pid);
	else
		err = scan_file(&scan, opts.path);
	if (err)
		goto cleanup;
	if (opts.count_s) {
		err = count_hits(&scan, opts.pid, opts.count_s);
		if (err == -EPERM || err == -EACCES)
			pr_warn("probes --count: permission denied: run as root (or with CAP_BPF "
				"and CAP_PERFMON)\n");
		if (err)
			goto cleanup;
	}
	if (opts.json)
		print_json(&scan, opts.pid, opts.count_s > 0, opts.output.f);
	else
		print_table(&scan, opts.pid, opts.count_s > 0, opts.output.f);
	if (total_sites(&scan) == 0) {
		pr_warn("probes %s: no USDT probes found\n", opts.path ? opts.path : "process");
		err = -ERR_NOPROBES;
	} else {
		pr_info("%zu probe sites in %zu objects\n", total_sites(&scan), scan.n);
	}
cleanup:
	probes_scan__free(&scan);
	{
		int e = opts_output__close(&opts.output, "probes");

		err = err ? err : e;
	}
	return err;
}
