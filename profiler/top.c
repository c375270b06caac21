// SPDX-License-Identifier: GPL-2.0
/*
 * rtprof top: the hottest functions of a running process right now, refreshed in place.
 *
 * Sampling is rtprof profile's: the same BPF object (bpf/profile.bpf.c, a cpu-clock event per CPU
 * keeping the target's samples), the same capture queue and the same stack pipeline
 * (stacks__resolve: CFI unwinding, interpreter frames merged, symbols, JIT perf maps), so a
 * function is named here as in profile's folded stacks. Instead of a stack tree growing for the
 * whole run, each resolved stack goes into a moving-window table (stacks/hot.h): self and total
 * weight per function over the last --window seconds, in ten buckets.
 *
 * On a terminal (stdout is a tty) the view takes the alternate screen (lib/term.h) and is drawn
 * again every --interval seconds, on a resize, and on a key (q quits, s and t sort). Otherwise
 * it prints one plain table per interval, after a timestamped header line, flushed, until -d,
 * Ctrl-C or the end of the process. The end of the process is said on stderr and is not an
 * error (exit 0).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/profile.h"
#include "lib/bpf_util.h"
#include "lib/cpu_clock.h"
#include "lib/errors.h"
#include "lib/log.h"
#include "lib/opts.h"
#include "lib/session.h"
#include "lib/signals.h"
#include "lib/term.h"
#include "profiler/commands.h"
#include "runtimes/jvm_perfmap.h"
#include "runtimes/runtime.h"
#include "stacks/capture_queue.h"
#include "stacks/hot.h"
#include "stacks/stacks.h"
#include "profile.skel.h"

#define TOP_DEFAULT_HZ	       99
#define TOP_DEFAULT_INTERVAL_S 1.0
#define TOP_DEFAULT_WINDOW_S   5.0
#define TOP_WINDOW_BUCKETS     10
#define TOP_DEFAULT_ROWS       20    /* rows of a table when stdout is not a terminal */
#define TOP_STACK_BYTES	       16384 /* user stack copied per sample, as profile's default */
#define TOP_POLL_MS	       50    /* ms: the longest the loop waits for samples or keys */
#define TOP_READ_MS	       10    /* ms: how often the reader drains the ring buffer */
#define TOP_EVICT_S	       1.0   /* s: -a forgets the processes gone since, this often */

struct top_opts {
	struct target_opts target;
	bool all; /* -a */
	int hz;
	double duration_s; /* 0: until q, Ctrl-C or the end of the process */
	double interval_s;
	double window_s;
	long rows; /* 0: the terminal's height, or TOP_DEFAULT_ROWS */
	bool per_thread;
	bool native_only;
	bool lines;
};

struct top_run {
	const struct top_opts *o;
	struct stacks *stacks;
	struct hot_table *hot;
	struct stack_frames *frames; /* large: one, reused */
	const char **names;
	__u64 samples; /* since the start */
	__u64 bad_records;
	int first_err;
	enum hot_sort sort;
	char comm[32]; /* the target's */
	bool tty;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: rtprof top (-p PID | -a) [-F HZ] [--interval S] [--window S] [-d SECONDS]\n"
		"                  [-T] [--native-only] [--lines] [-n ROWS]\n"
		"\n"
		"The hottest functions of a running process, refreshed in place: self and total\n"
		"share of the samples of the last --window seconds, with Python, Ruby, Java and\n"
		"JavaScript frames named as rtprof profile names them. Keys: q quit, s sort by "
		"self,\n"
		"t sort by total (Ctrl-C quits too). When stdout is not a terminal, one plain "
		"table\n"
		"per interval is printed instead.\n"
		"\n"
		"  -p, --pid PID          the process to watch (all its threads)\n"
		"  -a, --all              every process of the host (rtprof and the idle task left "
		"out)\n"
		"  -F, --freq HZ          samples per second per CPU (default %d)\n"
		"  -i, --interval S       refresh every S seconds (default %.0f)\n"
		"      --window S         the shares are over the last S seconds (default %.0f)\n"
		"  -d, --duration S       stop after S seconds (default: q, Ctrl-C or the "
		"process's "
		"end)\n"
		"  -T, --per-thread       one row per function and thread (\"comm-TID\")\n"
		"      --native-only      no interpreter frames: the interpreter's C functions\n"
		"      --lines            Python and Ruby frames with their line\n"
		"  -n, --rows N           rows per table (default: the terminal's height, or %d)\n"
		"  -v, --verbose          debug output\n"
		"  -h, --help             this help\n"
		"\n"
		"examples:\n"
		"  rtprof top -p 4242\n"
		"  rtprof top -p 4242 -F 999 --window 2 -T\n"
		"  rtprof top -p 4242 -d 10 --interval 2 > top.log\n",
		TOP_DEFAULT_HZ, TOP_DEFAULT_INTERVAL_S, TOP_DEFAULT_WINDOW_S, TOP_DEFAULT_ROWS);
}

static int parse_opts(int argc, char **argv, struct top_opts *o)
{
	static const struct option longopts[] = {
		{"pid", required_argument, NULL, 'p'},
		{"all", no_argument, NULL, 'a'},
		{"freq", required_argument, NULL, 'F'},
		{"interval", required_argument, NULL, 'i'},
		{"window", required_argument, NULL, 0x100},
		{"duration", required_argument, NULL, 'd'},
		{"per-thread", no_argument, NULL, 'T'},
		{"native-only", no_argument, NULL, 0x101},
		{"lines", no_argument, NULL, 0x102},
		{"rows", required_argument, NULL, 'n'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	struct opts_common co = {"top", &o->target, &o->duration_s, usage};
	long v;
	int c, err;

	o->hz = TOP_DEFAULT_HZ;
	o->interval_s = TOP_DEFAULT_INTERVAL_S;
	o->window_s = TOP_DEFAULT_WINDOW_S;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+p:aF:i:d:Tn:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			o->all = true;
			break;
		case 'F':
			err = opts_long("top", "-F", optarg, 1, 100000, &v);
			if (err)
				return err;
			o->hz = (int)v;
			break;
		case 'i':
			err = opts_seconds("top", "--interval", optarg, &o->interval_s);
			if (err)
				return err;
			break;
		case 0x100:
			err = opts_seconds("top", "--window", optarg, &o->window_s);
			if (err)
				return err;
			break;
		case 'T':
			o->per_thread = true;
			break;
		case 0x101:
			o->native_only = true;
			break;
		case 0x102:
			o->lines = true;
			break;
		case 'n':
			err = opts_long("top", "-n", optarg, 1, 100000, &o->rows);
			if (err)
				return err;
			break;
		default:
			err = opts_common__handle(&co, c, optarg);
			if (err)
				return err;
		}
	}
	if (optind < argc) {
		fprintf(stderr,
			"rtprof top: watches a running process (-p PID) or the host (-a), "
			"not a command: '%s'\n",
			argv[optind]);
		return -ERR_USAGE;
	}
	if (!o->target.pid == !o->all) {
		fprintf(stderr, "rtprof top: give exactly one of -p PID or -a\n");
		return -ERR_USAGE;
	}
	return 0;
}

/*
 * While the screen is up, what rtprof says on a terminal's stderr (a runtime found, a JVM asked
 * for its perf map) would be drawn over at the next refresh: it is kept in a temporary file and
 * said once the screen is given back.
 */
struct held_stderr {
	int saved_fd; /* the real stderr, or -1 when nothing is held */
	FILE *tmp;
};

static void stderr_hold(struct held_stderr *h)
{
	h->saved_fd = -1;
	h->tmp = NULL;
	if (!isatty(STDERR_FILENO))
		return;
	h->tmp = tmpfile();
	if (!h->tmp)
		return;
	fflush(stderr);
	h->saved_fd = dup(STDERR_FILENO);
	if (h->saved_fd < 0 || dup2(fileno(h->tmp), STDERR_FILENO) < 0) {
		if (h->saved_fd >= 0)
			close(h->saved_fd);
		h->saved_fd = -1;
		fclose(h->tmp);
		h->tmp = NULL;
	}
}

static void stderr_release(struct held_stderr *h)
{
	char buf[4096];
	size_t n;

	if (h->saved_fd < 0)
		return;
	fflush(stderr);
	dup2(h->saved_fd, STDERR_FILENO);
	close(h->saved_fd);
	h->saved_fd = -1;
	rewind(h->tmp);
	while ((n = fread(buf, 1, sizeof(buf), h->tmp)) > 0)
		fwrite(buf, 1, n, stderr);
	fclose(h->tmp);
	h->tmp = NULL;
}

/* Every module of the target stays open while it is unwound: allow what the hard limit does. */
static void raise_nofile_limit(void)
{
	struct rlimit r;

	if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
		r.rlim_cur = r.rlim_max;
		setrlimit(RLIMIT_NOFILE, &r);
	}
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void read_comm(int pid, char *buf, size_t size)
{
	char path[64];
	FILE *f;

	snprintf(buf, size, "?");
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(buf, (int)size, f))
		buf[strcspn(buf, "\n")] = 0;
	fclose(f);
}

/* One capture: through the stack pipeline, then into the window (names innermost first). */
static int on_sample(void *ctx, void *data, size_t size)
{
	struct top_run *run = ctx;
	const struct stack_capture *c = data;
	char thread[STACK_CAPTURE_COMM_LEN + 16];
	size_t i;
	int err;

	err = stacks__resolve(run->stacks, c, size, run->frames);
	if (err) {
		if (err == -ERR_BADINPUT)
			run->bad_records++;
		else if (!run->first_err)
			run->first_err = err;
		return 0;
	}
	for (i = 0; i < run->frames->n; i++)
		run->names[i] = run->frames->f[i].name;
	if (run->o->per_thread)
		snprintf(thread, sizeof(thread), "%.*s-%u", STACK_CAPTURE_COMM_LEN, c->comm,
			 c->tid);
	err = hot_table__add(run->hot, run->names, run->frames->n,
			     run->o->per_thread ? thread : NULL, (double)c->weight);
	if (err && !run->first_err)
		run->first_err = err;
	run->samples++;
	return 0;
}

struct top_view {
	double rate;	/* samples per second since the last view */
	__u64 lost;	/* samples lost so far (ring buffer full, malformed) */
	int rows, cols; /* rows of functions; columns (0: no limit) */
	bool tty;
};

/* The header line, the column names and up to v->rows functions, each line cut at v->cols. */
static void write_table(struct top_run *run, const struct top_view *v, FILE *f)
{
	const char *eol = v->tty ? "\033[K\n" : "\n";
	const struct hot_row *r;
	double total = hot_table__weight(run->hot);
	char stamp[32], line[1024];
	struct tm tm;
	time_t now = time(NULL);
	size_t n, i;
	int len;

	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), v->tty ? "%H:%M:%S" : "%Y-%m-%d %H:%M:%S", &tm);
	n = hot_table__rows(run->hot, run->sort, &r);

#define LINE(...)                                                \
	do {                                                     \
		len = snprintf(line, sizeof(line), __VA_ARGS__); \
		if (len > (int)sizeof(line) - 1)                 \
			len = (int)sizeof(line) - 1;             \
		if (v->cols > 0 && len > v->cols)                \
			len = v->cols;                           \
		fprintf(f, "%.*s%s", len, line, eol);            \
	} while (0)

	if (run->o->all)
		LINE("%s  rtprof top  all processes  %.1f samples/s  lost %llu  window %.1f s  "
		     "%.0f samples",
		     stamp, v->rate, (unsigned long long)v->lost, hot_table__span(run->hot), total);
	else
		LINE("%s  rtprof top  pid %d (%s)  %.1f samples/s  lost %llu  window %.1f s  %.0f "
		     "samples",
		     stamp, run->o->target.pid, run->comm, v->rate, (unsigned long long)v->lost,
		     hot_table__span(run->hot), total);
	if (v->tty)
		LINE("keys: q quit  s sort by self  t sort by total        sorted by %s",
		     run->sort == HOT_SORT_SELF ? "self" : "total");
	if (run->o->per_thread)
		LINE("%7s %7s %9s %9s  %-22s %s", "SELF%", "TOTAL%", "SELF", "TOTAL", "THREAD",
		     "FUNCTION");
	else
		LINE("%7s %7s %9s %9s  %s", "SELF%", "TOTAL%", "SELF", "TOTAL", "FUNCTION");
	if (!n)
		LINE("  (no samples in the window)");
	for (i = 0; i < n && (int)i < v->rows; i++) {
		double s = total > 0 ? 100.0 * r[i].self / total : 0;
		double t = total > 0 ? 100.0 * r[i].total / total : 0;

		if (run->o->per_thread)
			LINE("%7.2f %7.2f %9.0f %9.0f  %-22s %s", s, t, r[i].self, r[i].total,
			     r[i].thread ? r[i].thread : "", r[i].name);
		else
			LINE("%7.2f %7.2f %9.0f %9.0f  %s", s, t, r[i].self, r[i].total, r[i].name);
	}
#undef LINE
}

/* Draw the screen: home, the table, clear what is left below it. */
static void draw_screen(struct top_run *run, struct top_view *v)
{
	char *buf = NULL;
	size_t size = 0;
	int rows;
	FILE *f;

	term_size(&rows, &v->cols);
	/* header, keys, column names */
	v->rows = rows - 3;
	if (run->o->rows && run->o->rows < v->rows)
		v->rows = (int)run->o->rows;
	f = open_memstream(&buf, &size);
	if (!f)
		return;
	fputs("\033[H", f);
	write_table(run, v, f);
	/* no newline after the last line: on the bottom row it would scroll the screen */
	if (fflush(f) == 0 && size > 0 && buf[size - 1] == '\n')
		fseek(f, -1, SEEK_CUR);
	fputs("\033[J", f);
	if (fclose(f) == 0)
		term_write(buf, size);
	free(buf);
}

/* False when stdout cannot be written any more (a closed pipe: `rtprof top ... | head`). */
static bool print_table(struct top_run *run, struct top_view *v)
{
	v->rows = run->o->rows ? (int)run->o->rows : TOP_DEFAULT_ROWS;
	v->cols = 0;
	write_table(run, v, stdout);
	fputc('\n', stdout);
	return fflush(stdout) == 0 && !ferror(stdout);
}

int cmd_top(int argc, char **argv)
{
	struct top_opts o = {};
	struct top_run run = {.o = &o};
	struct top_view view = {};
	struct profile_bpf *skel = NULL;
	struct capture_queue *q = NULL;
	struct bpf_link **links = NULL, *exec_link = NULL, *exit_link = NULL;
	struct session *sess = NULL;
	struct stacks_opts so;
	struct jvm_perfmap jvm = {};
	struct held_stderr held = {.saved_fd = -1};
	double start, deadline, next_view, last_view, rb_bytes, next_evict;
	__u64 last_samples = 0, shown_samples = 0;
	bool gone = false, quit = false, redraw;
	int n_links = 0, err, i, key_c, pid = 0;
	__u8 one = PROFILE_PID_NEW;
	__u32 key;

	err = parse_opts(argc, argv, &o);
	if (err)
		return err > 0 ? 0 : err;
	signals_install();
	if (!bpf_privileged()) {
		pr_warn("top: permission denied: run as root (or with CAP_BPF and CAP_PERFMON)\n");
		err = -EPERM;
		goto cleanup;
	}
	raise_nofile_limit();

	if (!o.all) {
		sess = session__new(&o.target);
		if (!sess) {
			err = -errno;
			goto cleanup;
		}
		pid = session__pid(sess);
		read_comm(pid, run.comm, sizeof(run.comm));
	}

	skel = profile_bpf__open();
	if (!skel) {
		err = -errno;
		pr_warn("top: cannot open the BPF object: %s\n", err_str(err));
		goto cleanup;
	}
	skel->rodata->stack_capture_bytes = TOP_STACK_BYTES;
	skel->rodata->stack_capture_kernel = false;
	skel->rodata->stack_capture_fp_chain = false;
	/* -a: every process but the idle task and rtprof, each learnt at its exec or first sample
	 * and forgotten at its exit */
	skel->rodata->profile_all = o.all;
	skel->rodata->self_pid = (__u32)getpid();
	if (o.all)
		bpf_map__set_max_entries(skel->maps.pids, PROFILE_ALL_MAX_PIDS);
	else
		bpf_program__set_autoload(skel->progs.profile_exit, false);
	bpf_map__set_max_entries(skel->maps.stack_capture_scratch, libbpf_num_possible_cpus());
	/* room for ~512 samples of the full copy size, at least 4 MB, a power of two */
	rb_bytes = 512.0 * (STACK_CAPTURE_HDR_SIZE + TOP_STACK_BYTES);
	if (!o.native_only)
		rb_bytes += 512.0 * 64 * sizeof(struct interp_frame);
	for (key = 4 << 20; key < rb_bytes && key < (256u << 20); key <<= 1)
		;
	bpf_map__set_max_entries(skel->maps.events, key);
	bpf_program__set_autoload(skel->progs.profile_fork, false);
	err = profile_bpf__load(skel);
	if (err) {
		pr_warn("top: cannot load the BPF programs: %s (-v shows the verifier's log)\n",
			err_str(err));
		if (err == -EPERM || err == -EACCES)
			err = -EINVAL; /* the verifier said no: not a permission the user can fix */
		goto cleanup;
	}

	stacks_opts__init(&so);
	so.interp_map_fd = o.native_only ? -1 : bpf_map__fd(skel->maps.interp_procs);
	so.lines = o.lines;
	so.track_early = o.all; /* a short-lived process's maps read at its first sample */
	run.stacks = stacks__new(&so);
	run.hot = hot_table__new(o.window_s / TOP_WINDOW_BUCKETS, TOP_WINDOW_BUCKETS);
	run.frames = malloc(sizeof(*run.frames));
	run.names = calloc(STACK_FRAMES_MAX, sizeof(*run.names));
	if (!run.stacks || !run.hot || !run.frames || !run.names) {
		err = -ENOMEM;
		pr_warn("top: %s\n", err_str(err));
		goto cleanup;
	}
	q = capture_queue__new(run.stacks, bpf_map__fd(skel->maps.events), TOP_READ_MS);
	if (!q) {
		err = -errno;
		pr_warn("top: ring buffer: %s\n", err_str(err));
		goto cleanup;
	}

	key = pid;
	if (sess && bpf_map_update_elem(bpf_map__fd(skel->maps.pids), &key, &one, BPF_ANY)) {
		err = -errno;
		pr_warn("top: pid map: %s\n", err_str(err));
		goto cleanup;
	}
	exec_link = bpf_program__attach(skel->progs.profile_exec);
	if (!exec_link) {
		err = -errno;
		pr_warn("top: attach profile_exec (raw_tp/sched_process_exec): %s\n", err_str(err));
		goto cleanup;
	}
	if (o.all) {
		exit_link = bpf_program__attach(skel->progs.profile_exit);
		if (!exit_link) {
			err = -errno;
			pr_warn("top: attach profile_exit (raw_tp/sched_process_exit): %s\n",
				err_str(err));
			goto cleanup;
		}
	}
	err = cpu_clock__attach("top", skel->progs.profile_sample, o.hz, &links, &n_links);
	if (err) {
		if (err == -EACCES || err == -EPERM)
			pr_warn("top: permission denied: run as root (or with CAP_PERFMON)\n");
		goto cleanup;
	}
	if (sess) {
		stacks__track(run.stacks, pid);
		if (!o.native_only)
			node_check_profile(pid, session__exe(sess));
	}

	start = now_s();
	deadline = o.duration_s > 0 ? start + o.duration_s : 0;
	next_view = start + o.interval_s;
	next_evict = start + TOP_EVICT_S;
	last_view = start;
	hot_table__advance(run.hot, start);
	run.tty = isatty(STDOUT_FILENO);
	view.tty = run.tty;
	if (run.tty) {
		err = term_enter(STDIN_FILENO, STDOUT_FILENO);
		if (err) {
			pr_warn("top: terminal: %s\n", err_str(err));
			goto cleanup;
		}
		stderr_hold(&held);
		/* at once: the first samples may take a while (their modules' CFI is read) */
		draw_screen(&run, &view);
		redraw = false;
	} else {
		if (o.all)
			pr_info("top: sampling every process at %d Hz, a table every %.3g s%s\n",
				o.hz, o.interval_s, o.duration_s > 0 ? "" : "; Ctrl-C to stop");
		else
			pr_info("top: sampling PID %d at %d Hz, a table every %.3g s%s\n", pid,
				o.hz, o.interval_s, o.duration_s > 0 ? "" : "; Ctrl-C to stop");
		redraw = false;
	}

	while (!signals_stop_requested() && !quit) {
		double t;

		if (sess && !o.native_only)
			jvm_perfmap__tick(&jvm, "top", pid, now_s() - start);
		hot_table__advance(run.hot, now_s());
		err = capture_queue__run(q, on_sample, &run, TOP_POLL_MS);
		if (err < 0 && err != -EINTR) {
			pr_warn("top: ring buffer: %s\n", err_str(err));
			goto cleanup;
		}
		err = 0;
		while (run.tty && (key_c = term_read_key()) >= 0) {
			if (key_c == 'q' || key_c == 'Q')
				quit = true;
			else if (key_c == 's' || key_c == 't') {
				run.sort = key_c == 's' ? HOT_SORT_SELF : HOT_SORT_TOTAL;
				redraw = true;
			}
		}
		if (quit)
			break;
		if (run.tty && term_redraw_needed())
			redraw = true;
		t = now_s();
		if (o.all && t >= next_evict) { /* the processes gone since: their caches go */
			stacks__evict(run.stacks);
			next_evict = t + TOP_EVICT_S;
		}
		if (t >= next_view || redraw) {
			hot_table__advance(run.hot, t);
			if (t >= next_view) {
				view.rate = t > last_view
						    ? (run.samples - last_samples) / (t - last_view)
						    : 0;
				last_samples = run.samples;
				last_view = t;
				next_view += o.interval_s;
				if (next_view <= t)
					next_view = t + o.interval_s;
			}
			view.lost = percpu_array__sum_u64(skel->maps.stack_capture_lost, 0) +
				    run.bad_records;
			if (run.tty) {
				draw_screen(&run, &view);
			} else {
				if (!print_table(&run, &view))
					quit = true; /* nobody reads: the end, not an error */
				shown_samples = run.samples;
			}
			redraw = false;
		}
		if (deadline && t >= deadline)
			break;
		if (sess && !session__alive(sess)) {
			gone = true;
			break;
		}
	}
	for (i = 0; i < n_links; i++) {
		bpf_link__destroy(links[i]);
		links[i] = NULL;
	}
	capture_queue__stop(q);
	capture_queue__run(q, on_sample, &run, 0);
	term_leave();
	stderr_release(&held);
	/* not a terminal: what arrived since the last table is shown, not dropped */
	if (!run.tty && run.samples > shown_samples) {
		double t = now_s();

		hot_table__advance(run.hot, t);
		view.rate = t > last_view ? (run.samples - last_samples) / (t - last_view) : 0;
		view.lost =
			percpu_array__sum_u64(skel->maps.stack_capture_lost, 0) + run.bad_records;
		print_table(&run, &view);
	}
	if (gone)
		pr_warn("top -p %d: the process exited after %.2f s\n", pid, now_s() - start);
	if (run.first_err)
		pr_warn("top: some samples were not processed: %s\n", err_str(run.first_err));
	pr_debug("top: %llu samples, %llu lost\n", (unsigned long long)run.samples,
		 (unsigned long long)(percpu_array__sum_u64(skel->maps.stack_capture_lost, 0) +
				      run.bad_records));

cleanup:
	term_leave();
	stderr_release(&held);
	for (i = 0; i < n_links; i++)
		bpf_link__destroy(links ? links[i] : NULL);
	free(links);
	bpf_link__destroy(exec_link);
	bpf_link__destroy(exit_link);
	capture_queue__free(q);
	session__free(sess);
	hot_table__free(run.hot);
	free(run.frames);
	free(run.names);
	stacks__free(run.stacks);
	profile_bpf__destroy(skel);
	return err;
}
