// SPDX-License-Identifier: GPL-2.0
/*
 * rtprof dump: what every thread of a live process is doing now, each with its full mixed stack.
 *
 * The kernel half (bpf/dump.bpf.c) is a sleepable task iterator restricted to the target's
 * threads. Reading the iterator's file runs it once over every thread: each gets a stack capture
 * (its saved user registers, a copy of its user stack read with bpf_copy_from_user_task, its
 * interpreter frames read by the samplers' walkers, its kernel stack) in a ring buffer. This file
 * then puts each capture through the stack pipeline (stacks__resolve: CFI unwinding, symbols and
 * lines, the merge of Python and Ruby frames, perf maps for JIT code) and prints one block per
 * thread, or one JSON object per thread with --json.
 *
 * The process is not stopped. A thread off-CPU sits in the kernel: its saved registers cannot
 * change and its stack below them stays as it is while it sleeps, so its capture is exact. A
 * thread on a CPU at that moment has registers from its last kernel entry while its stack moves:
 * it is read again (up to DUMP_RETRIES passes, DUMP_RETRY_US apart) and, when it never leaves the
 * CPU, taken at its next sample: a sampling program (bpf/dump_sample.bpf.c, the samplers'
 * capture) on a cpu-clock event of that thread captures it as it runs (sample_threads). One that
 * stops running before its sample keeps its last look, shown with frames that may be inexact.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/dump.h"
#include "lib/bpf_util.h"
#include "lib/errors.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/opts.h"
#include "profiler/commands.h"
#include "runtimes/runtime.h"
#include "stacks/stacks.h"
#include "symbolize/symbolize.h"
#include "dump.lskel.h"
#include "dump_sample.lskel.h"

#define DUMP_STACK_BYTES 65536	   /* user stack bytes copied per thread */
#define DUMP_RETRIES	 3	   /* passes of the iterator while threads are on a CPU */
#define DUMP_RETRY_US	 1000	   /* us between passes */
#define DUMP_SAMPLE_NS	 1000000   /* ns of a thread's CPU time between samples of it */
#define DUMP_SAMPLE_WAIT 1.0	   /* s: the longest wait for the samples of running threads */
#define DUMP_VLOG_BYTES	 (1 << 20) /* the verifier's log with -v */
/* the largest record (capture, stack copy, interpreter frames, ring buffer header) */
#define DUMP_RECORD_BYTES                            \
	(STACK_CAPTURE_HDR_SIZE + DUMP_STACK_BYTES + \
	 INTERP_MAX_FRAMES * sizeof(struct interp_frame) + 64)
_Static_assert(4 * DUMP_RECORD_BYTES <= DUMP_RINGBUF_BYTES, "the ring buffer holds 4 records");

struct dump_opts {
	struct target_opts target;
	bool json;
	bool lines;
	bool native_only;
	bool kernel;
	bool sample; /* runnable threads too are taken at their next sample */
};

/* One thread's capture (a copy of the ring buffer record). */
struct dump_thread {
	struct stack_capture *c;
	size_t size;
};

struct dump_run {
	struct dump_thread *v;
	size_t n, cap;
	__u64 bad;
	int err;
};

static const char *const syscall_names[] = {
#include "syscall_names.h"
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: rtprof dump -p PID [--json] [--lines] [--native-only] [-K] [--sample]\n"
		"\n"
		"Print every thread of a running process, its state (running, sleeping in which\n"
		"system call, waiting on which futex) and its stack, innermost frame first: "
		"native\n"
		"frames, Python and Ruby frames, JIT code named by perf maps (Java, Node). The\n"
		"process is not stopped: threads are read by a BPF task iterator while they "
		"sleep.\n"
		"\n"
		"  -p, --pid PID      the process (all its threads)\n"
		"      --json         one JSON object per thread, one per line\n"
		"      --lines        file:line of native frames, and Python/Ruby frames as\n"
		"                     \"f (app.py:12)\"\n"
		"      --native-only  no Python or Ruby frames: the interpreter's C functions\n"
		"  -K, --kernel       kernel frames too (where each thread waits in the kernel)\n"
		"      --sample       runnable threads too get their stack from a sample taken\n"
		"                     while they run (threads on a CPU always do)\n"
		"  -v, --verbose      debug output\n"
		"  -h, --help         this help\n"
		"\n"
		"examples:\n"
		"  rtprof dump -p 4242\n"
		"  rtprof dump -p 4242 --lines\n"
		"  rtprof dump -p 4242 --json | jq -r '.name + \" \" + .state'\n");
}

static int parse_opts(int argc, char **argv, struct dump_opts *o)
{
	static const struct option longopts[] = {
		{"pid", required_argument, NULL, 'p'},
		{"json", no_argument, NULL, 0x100},
		{"lines", no_argument, NULL, 0x101},
		{"native-only", no_argument, NULL, 0x102},
		{"kernel", no_argument, NULL, 'K'},
		{"sample", no_argument, NULL, 0x103},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	struct opts_common co = {"dump", &o->target, NULL, usage};
	int c, err;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+p:Kvh", longopts, NULL)) != -1) {
		switch (c) {
		case 0x100:
			o->json = true;
			break;
		case 0x101:
			o->lines = true;
			break;
		case 0x102:
			o->native_only = true;
			break;
		case 'K':
			o->kernel = true;
			break;
		case 0x103:
			o->sample = true;
			break;
		default:
			err = opts_common__handle(&co, c, optarg);
			if (err)
				return err;
		}
	}
	/* a running process only: said before the check shared with the commands that launch */
	if (optind < argc) {
		fprintf(stderr, "rtprof dump: wants a running process (-p PID), not a command\n");
		return -ERR_USAGE;
	}
	if (!o->target.pid) {
		fprintf(stderr, "rtprof dump: give the process: -p PID\n");
		return -ERR_USAGE;
	}
	return opts_common__finish(&co, argc, argv, optind);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Threads of pid in /proc (sizes the ring buffer); 0 when it cannot be read. */
static size_t count_threads(int pid)
{
	char path[64];
	struct dirent *d;
	size_t n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return 0;
	while ((d = readdir(dir)))
		if (d->d_name[0] != '.')
			n++;
	closedir(dir);
	return n;
}

static struct dump_thread *find_thread(struct dump_run *run, __u32 tid)
{
	size_t i;

	for (i = 0; i < run->n; i++)
		if (run->v[i].c->tid == tid)
			return &run->v[i];
	return NULL;
}

/* A capture from the ring buffer: a new thread, or a later pass's look at one that was running. */
static int on_capture(void *ctx, void *data, size_t size)
{
	const struct stack_capture *rec = data;
	struct dump_run *run = ctx;
	struct dump_thread *t;
	void *copy;

	if (size < STACK_CAPTURE_HDR_SIZE) {
		run->bad++;
		return 0;
	}
	t = find_thread(run, rec->tid);
	if (t && DUMP_STATE(t->c->cookie) != DUMP_RUNNING)
		return 0; /* the first look off-CPU stays */
	copy = malloc(size);
	if (!copy) {
		run->err = -ENOMEM;
		return 0;
	}
	memcpy(copy, data, size);
	if (t) {
		free(t->c);
	} else {
		if (run->n == run->cap) {
			size_t cap = run->cap ? run->cap * 2 : 64;
			struct dump_thread *v = realloc(run->v, cap * sizeof(*v));

			if (!v) {
				free(copy);
				run->err = -ENOMEM;
				return 0;
			}
			run->v = v;
			run->cap = cap;
		}
		t = &run->v[run->n++];
	}
	t->c = copy;
	t->size = size;
	return 0;
}

/* One pass of the iterator over the threads of pid. The program writes one byte per thread: a
 * read of one byte visits one thread, whose capture is taken from the ring buffer before the
 * next, so the buffer needs room for one capture only. */
static int run_iter(int link_fd, struct ring_buffer *rb, struct dump_run *run)
{
	int fd, err = 0;
	ssize_t n;
	char c;

	fd = bpf_iter_create(link_fd);
	if (fd < 0)
		return -errno;
	while ((n = read(fd, &c, 1)) > 0) {
		ring_buffer__consume(rb);
		if (run->err)
			break;
	}
	if (n < 0)
		err = -errno;
	ring_buffer__consume(rb);
	close(fd);
	return err;
}

static size_t running_threads(const struct dump_run *run)
{
	size_t i, n = 0;

	for (i = 0; i < run->n; i++)
		n += DUMP_STATE(run->v[i].c->cookie) == DUMP_RUNNING;
	return n;
}

/* A thread whose stack is taken at its next sample: on a CPU in every pass (its saved registers
 * are stale), or with --sample runnable (busy: its stack as it runs). */
static bool wants_sample(const struct dump_opts *o, const struct stack_capture *c)
{
	__u32 st = DUMP_STATE(c->cookie);

	return st == DUMP_RUNNING || (o->sample && st == DUMP_RUNNABLE);
}

struct sample_run {
	const struct dump_opts *o;
	struct dump_run *run;
	size_t want, got;
};

/* A sample of a running thread (bpf/dump_sample.bpf.c): replaces the iterator's look at it. */
static int on_sample(void *ctx, void *data, size_t size)
{
	const struct stack_capture *rec = data;
	struct sample_run *sr = ctx;
	struct stack_capture *copy;
	struct dump_thread *t;

	if (size < STACK_CAPTURE_HDR_SIZE)
		return 0;
	t = find_thread(sr->run, rec->tid);
	if (!t || (t->c->cookie & DUMP_F_SAMPLED) || !wants_sample(sr->o, t->c))
		return 0;
	copy = malloc(size);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy->cookie = DUMP_COOKIE(DUMP_RUNNING, -1) | DUMP_F_SAMPLED;
	copy->flags &= ~SC_F_NEW_IMAGE;
	free(t->c);
	t->c = copy;
	t->size = size;
	sr->got++;
	return 0;
}

/*
 * The threads wants_sample() picks, at their next sample: bpf/dump_sample.bpf.c (the samplers'
 * capture and interpreter walk) on a cpu-clock event of each such thread, firing after
 * DUMP_SAMPLE_NS of its CPU time; at most DUMP_SAMPLE_WAIT s. A light skeleton, as the iterator's.
 * Returns how many were sampled, or a negative errno.
 */
static int sample_threads(const struct dump_opts *o, int interp_fd, struct dump_run *run)
{
	struct sample_run sr = {o, run, 0, 0};
	struct dump_sample_lbpf *skel = NULL;
	struct ring_buffer *rb = NULL;
	int *links = NULL;
	struct interp_proc ip;
	__u32 key = o->target.pid;
	size_t i, n = 0;
	__u64 rb_bytes;
	double deadline, left;
	int err = 0, fd;

	for (i = 0; i < run->n; i++)
		sr.want += wants_sample(o, run->v[i].c);
	if (!sr.want)
		return 0;
	if (sr.want > DUMP_SAMPLE_MAX_THREADS)
		sr.want = DUMP_SAMPLE_MAX_THREADS;
	links = calloc(sr.want, sizeof(*links));
	skel = dump_sample_lbpf__open();
	if (!links || !skel) {
		err = -errno;
		goto cleanup;
	}
	skel->rodata->stack_capture_bytes = DUMP_STACK_BYTES;
	skel->rodata->stack_capture_kernel = o->kernel;
	skel->rodata->stack_capture_fp_chain = false;
	skel->maps.stack_capture_scratch.max_entries = libbpf_num_possible_cpus();
	for (rb_bytes = DUMP_RINGBUF_BYTES;
	     rb_bytes < sr.want * 2 * (STACK_CAPTURE_HDR_SIZE + DUMP_STACK_BYTES); rb_bytes <<= 1)
		;
	skel->maps.events.max_entries = (__u32)rb_bytes;
	err = dump_sample_lbpf__load(skel);
	if (err)
		goto cleanup;
	/* the interpreter's layout, as stacks__track wrote it for the iterator */
	if (bpf_map_lookup_elem(interp_fd, &key, &ip) == 0)
		bpf_map_update_elem(skel->maps.interp_procs.map_fd, &key, &ip, BPF_ANY);
	rb = ring_buffer__new(skel->maps.events.map_fd, on_sample, &sr, NULL);
	if (!rb) {
		err = -errno;
		goto cleanup;
	}
	for (i = 0; i < run->n && n < sr.want; i++) {
		struct perf_event_attr attr = {
			.type = PERF_TYPE_SOFTWARE,
			.config = PERF_COUNT_SW_CPU_CLOCK,
			.size = sizeof(attr),
			.sample_period = DUMP_SAMPLE_NS,
		};

		if (!wants_sample(o, run->v[i].c))
			continue;
		fd = syscall(__NR_perf_event_open, &attr, run->v[i].c->tid, -1, -1,
			     PERF_FLAG_FD_CLOEXEC);
		if (fd < 0) { /* the thread is gone */
			pr_debug("dump: thread %u: cpu-clock event: %s\n", run->v[i].c->tid,
				 err_str(-errno));
			continue;
		}
		if (ioctl(fd, PERF_EVENT_IOC_SET_BPF, skel->progs.dump_sample.prog_fd) ||
		    ioctl(fd, PERF_EVENT_IOC_ENABLE, 0)) {
			pr_debug("dump: thread %u: attach dump_sample: %s\n", run->v[i].c->tid,
				 err_str(-errno));
			close(fd);
			continue;
		}
		links[n++] = fd;
	}
	/* the program wakes this thread at each capture */
	deadline = now_s() + DUMP_SAMPLE_WAIT;
	while (sr.got < sr.want && (left = deadline - now_s()) > 0) {
		err = ring_buffer__poll(rb, (int)(left * 1e3) + 1);
		if (err < 0 && err != -EINTR)
			goto cleanup;
	}
	err = 0;

cleanup:
	for (i = 0; i < n; i++)
		close(links[i]);
	free(links);
	ring_buffer__free(rb);
	dump_sample_lbpf__destroy(skel);
	if (err)
		pr_warn("dump: sampling the threads on a CPU: %s; their frames may be inexact\n",
			err_str(err));
	return err ? err : (int)sr.got;
}

/* Sum over the CPUs of entry 0 of a per-CPU array of __u64 (0 when it cannot be read). */
static __u64 percpu_sum(int map_fd)
{
	int ncpus = libbpf_num_possible_cpus(), i;
	__u64 *v, sum = 0;
	__u32 key = 0;

	if (ncpus <= 0)
		return 0;
	v = calloc(ncpus, sizeof(*v));
	if (v && bpf_map_lookup_elem(map_fd, &key, v) == 0)
		for (i = 0; i < ncpus; i++)
			sum += v[i];
	free(v);
	return sum;
}

static int tid_cmp(const void *a, const void *b)
{
	const struct dump_thread *x = a, *y = b;

	return (x->c->tid > y->c->tid) - (x->c->tid < y->c->tid);
}

static const char *state_name(__u32 state)
{
	switch (state) {
	case DUMP_RUNNING:
		return "running";
	case DUMP_RUNNABLE:
		return "runnable";
	case DUMP_SLEEPING:
		return "sleeping";
	case DUMP_DISK:
		return "uninterruptible";
	case DUMP_STOPPED:
		return "stopped";
	default:
		return "other";
	}
}

static const char *syscall_name(int nr)
{
	if (nr >= 0 && (size_t)nr < sizeof(syscall_names) / sizeof(syscall_names[0]) &&
	    syscall_names[nr])
		return syscall_names[nr];
	return NULL;
}

/* The futex a thread waits on: futex(2)'s first argument, saved in its registers (di). */
static bool futex_wait(const struct stack_capture *c, __u64 *addr)
{
	int nr = DUMP_SYSCALL(c->cookie);
	const char *name = syscall_name(nr);

	if (!name || strcmp(name, "futex"))
		return false;
	*addr = c->regs[SC_REG_DI];
	return true;
}

static const char *base_name(const char *path)
{
	const char *b = path ? strrchr(path, '/') : NULL;

	return b ? b + 1 : path;
}

static void print_frame(const struct dump_opts *o, const struct stack_frame *f, size_t i)
{
	printf("    #%-3zu %s", i, f->name);
	if (f->kind == SF_NATIVE && f->module)
		printf(" (%s)", base_name(f->module));
	if (f->kind == SF_NATIVE && o->lines && f->file)
		printf(" at %s:%d", f->file, f->line);
	if (f->inlined)
		printf(" [inlined]");
	putchar('\n');
}

static void print_text(const struct dump_opts *o, struct stacks *s, const struct stack_capture *c,
		       const struct stack_frames *fr)
{
	int nr = DUMP_SYSCALL(c->cookie);
	const char *sc = syscall_name(nr), *var;
	__u64 futex;
	size_t i;

	printf("%u %.*s %s", c->tid, STACK_CAPTURE_COMM_LEN, c->comm,
	       state_name(DUMP_STATE(c->cookie)));
	if (sc)
		printf(" in %s", sc);
	else if (nr >= 0)
		printf(" in syscall %d", nr);
	if (futex_wait(c, &futex)) {
		var = stacks__function(s, c->pid, futex);
		printf(", waiting on futex 0x%llx", (unsigned long long)futex);
		if (var)
			printf(" (%s)", var);
	}
	if (c->cookie & DUMP_F_SAMPLED)
		printf(" (stack from a sample taken while it ran)");
	else if (DUMP_STATE(c->cookie) == DUMP_RUNNING)
		printf(" (on a CPU: frames may be inexact)");
	putchar('\n');
	for (i = 0; i < fr->n; i++)
		print_frame(o, &fr->f[i], i);
	if (!fr->n)
		printf("    (no user frames)\n");
	putchar('\n');
}

static void print_json(struct stacks *s, const struct stack_capture *c,
		       const struct stack_frames *fr)
{
	int nr = DUMP_SYSCALL(c->cookie);
	const char *sc = syscall_name(nr);
	char comm[STACK_CAPTURE_COMM_LEN + 1];
	__u64 futex;
	size_t i;

	memcpy(comm, c->comm, STACK_CAPTURE_COMM_LEN);
	comm[STACK_CAPTURE_COMM_LEN] = '\0';
	printf("{\"pid\":%u,\"tid\":%u,\"name\":", c->pid, c->tid);
	json_str(stdout, comm);
	printf(",\"state\":\"%s\",\"syscall\":", state_name(DUMP_STATE(c->cookie)));
	if (sc)
		json_str(stdout, sc);
	else if (nr >= 0)
		printf("\"%d\"", nr);
	else
		fputs("null", stdout);
	printf(",\"syscall_nr\":%d", nr < 0 ? -1 : nr);
	if (futex_wait(c, &futex))
		printf(",\"futex\":%llu", (unsigned long long)futex);
	printf(",\"sampled\":%s", c->cookie & DUMP_F_SAMPLED ? "true" : "false");
	fputs(",\"frames\":[", stdout);
	for (i = 0; i < fr->n; i++) {
		if (i)
			putchar(',');
		stack_frame__json(&fr->f[i], stdout, fr->f[i].offset);
	}
	fputs("]}\n", stdout);
}

static int print_threads(const struct dump_opts *o, struct stacks *s, struct dump_run *run)
{
	struct stack_frames *fr = malloc(sizeof(*fr));
	size_t i;
	int err = 0;

	if (!fr)
		return -ENOMEM;
	qsort(run->v, run->n, sizeof(*run->v), tid_cmp);
	for (i = 0; i < run->n; i++) {
		const struct stack_capture *c = run->v[i].c;

		err = stacks__resolve(s, c, run->v[i].size, fr);
		if (err == -ERR_BADINPUT) {
			run->bad++;
			fr->n = 0;
		} else if (err) {
			pr_warn("dump: thread %u: %s\n", c->tid, err_str(err));
			fr->n = 0;
		}
		if (o->json)
			print_json(s, c, fr);
		else
			print_text(o, s, c, fr);
	}
	fflush(stdout);
	free(fr);
	return 0;
}

int cmd_dump(int argc, char **argv)
{
	struct dump_opts o = {};
	struct dump_run run = {};
	struct dump_lbpf *skel = NULL;
	int link_fd = -1;
	char *vlog = NULL;
	struct ring_buffer *rb = NULL;
	struct stacks *stacks = NULL;
	struct stacks_opts so;
	struct symbolizer_opts sym = {};
	union bpf_iter_link_info linfo = {};
	double t_start, t0, t_read;
	size_t nthreads, running, i;
	int sampled;
	__u64 size;
	int err, pass;

	err = parse_opts(argc, argv, &o);
	if (err)
		return err > 0 ? 0 : err;
	if (kill(o.target.pid, 0) && errno == ESRCH) {
		pr_warn("dump: no process %d\n", o.target.pid);
		return -ESRCH;
	}
	if (!bpf_privileged()) {
		pr_warn("dump: permission denied: run as root (or with CAP_BPF and CAP_PERFMON)\n");
		return -EPERM;
	}
	nthreads = count_threads(o.target.pid);
	if (!nthreads) {
		pr_warn("dump: no process %d\n", o.target.pid);
		return -ESRCH;
	}

	/* A light skeleton: its loader program relocates and loads the object in the kernel,
	 * which knows its own types, so libbpf does not read and parse the kernel's BTF (5 MB,
	 * most of a warm dump's time) */
	skel = dump_lbpf__open();
	if (!skel) {
		err = -errno;
		pr_warn("dump: cannot open the BPF object: %s\n", err_str(err));
		goto cleanup;
	}
	skel->rodata->dump_pid = o.target.pid;
	skel->rodata->stack_capture_bytes = DUMP_STACK_BYTES;
	skel->rodata->stack_capture_fp_chain = false;
	if (log_get_level() >= LOG_DEBUG) {
		vlog = calloc(1, DUMP_VLOG_BYTES);
		if (vlog) {
			skel->ctx.log_level = 1;
			skel->ctx.log_size = DUMP_VLOG_BYTES;
			skel->ctx.log_buf = (__u64)(uintptr_t)vlog;
		}
	}
	t_start = now_s();
	err = dump_lbpf__load(skel);
	if (err) {
		if (vlog && vlog[0])
			pr_debug("%s\n", vlog);
		pr_warn("dump: cannot load the BPF program: %s (-v shows the verifier's log)\n",
			err_str(err));
		if (err == -EPERM || err == -EACCES)
			err = -EINVAL;
		goto cleanup;
	}

	/* the JVM writes the names of its compiled methods when asked (before the maps are
	 * read) */
	if (!o.native_only && jvm_process(o.target.pid)) {
		t0 = now_s();
		err = jvm_request_perfmap(o.target.pid);
		pr_debug("dump: jvm perf map requested and written in %.1f ms\n",
			 (now_s() - t0) * 1e3);
		if (err)
			pr_warn("dump: jvm %d: no perf map (%s): compiled Java methods stay "
				"unnamed\n",
				o.target.pid, err_str(err));
	}
	stacks_opts__init(&so);
	so.kernel = o.kernel;
	so.interp_map_fd = o.native_only ? -1 : skel->maps.interp_procs.map_fd;
	so.lines = o.lines;
	/* file and line are shown with --lines and in JSON only: without them the line tables
	 * (most of the naming's cost) are not read */
	sym.no_lines = !o.lines && !o.json;
	so.sym = &sym;
	stacks = stacks__new(&so);
	if (!stacks) {
		err = -errno;
		pr_warn("dump: %s\n", err_str(err));
		goto cleanup;
	}
	/* the maps, the unwinder's modules, and the interpreter's layout into interp_procs */
	pr_debug("dump: BPF program loaded in %.1f ms\n", (now_s() - t_start) * 1e3);
	t0 = now_s();
	err = stacks__track(stacks, o.target.pid);
	pr_debug("dump: maps and interpreter read in %.1f ms\n", (now_s() - t0) * 1e3);
	if (err == -ESRCH) {
		pr_warn("dump: no process %d\n", o.target.pid);
		goto cleanup;
	}
	err = 0;
	rb = ring_buffer__new(skel->maps.events.map_fd, on_capture, &run, NULL);
	if (!rb) {
		err = -errno;
		pr_warn("dump: ring buffer: %s\n", err_str(err));
		goto cleanup;
	}
	linfo.task.pid = o.target.pid;
	LIBBPF_OPTS(bpf_link_create_opts, lopts, .iter_info = &linfo,
		    .iter_info_len = sizeof(linfo));
	link_fd = bpf_link_create(skel->progs.dump_task.prog_fd, 0, BPF_TRACE_ITER, &lopts);
	if (link_fd < 0) {
		err = -errno;
		pr_warn("dump: attach dump_task (iter.s/task): %s\n", err_str(err));
		goto cleanup;
	}

	t0 = now_s();
	for (pass = 0; pass < DUMP_RETRIES; pass++) {
		if (pass)
			usleep(DUMP_RETRY_US);
		err = run_iter(link_fd, rb, &run);
		if (err) {
			pr_warn("dump: task iterator: %s\n", err_str(err));
			goto cleanup;
		}
		if (run.err) {
			err = run.err;
			goto cleanup;
		}
		if (!running_threads(&run))
			break;
	}
	t_read = now_s() - t0;
	if (!run.n) {
		pr_warn("dump: no process %d (no thread read)\n", o.target.pid);
		err = -ESRCH;
		goto cleanup;
	}
	running = running_threads(&run);
	t0 = now_s();
	sampled = sample_threads(&o, skel->maps.interp_procs.map_fd, &run);
	if (sampled > 0 || running)
		pr_debug("dump: threads on a CPU sampled in %.1f ms\n", (now_s() - t0) * 1e3);
	t0 = now_s();
	err = print_threads(&o, stacks, &run);
	pr_debug("dump: stacks unwound, symbolized and printed in %.1f ms\n", (now_s() - t0) * 1e3);
	pr_info("dump: pid %d: %zu threads read in %.2f ms (%d pass%s; the process was not "
		"stopped), %zu on a CPU; %d taken at their next sample\n",
		o.target.pid, run.n, t_read * 1e3, pass < DUMP_RETRIES ? pass + 1 : pass,
		pass ? "es" : "", running, sampled > 0 ? sampled : 0);
	size = percpu_sum(skel->maps.stack_capture_lost.map_fd);
	if (size || run.bad)
		pr_warn("dump: %llu threads not read (ring buffer full), %llu malformed records\n",
			(unsigned long long)size, (unsigned long long)run.bad);
	stacks__print_interp(stacks, stderr, "rtprof: dump: ");

cleanup:
	if (link_fd >= 0)
		close(link_fd);
	ring_buffer__free(rb);
	stacks__free(stacks);
	dump_lbpf__destroy(skel);
	free(vlog);
	for (i = 0; i < run.n; i++)
		free(run.v[i].c);
	free(run.v);
	return err;
}
