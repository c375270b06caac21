// SPDX-License-Identifier: GPL-2.0
/*
 * rtprof threads: the threads of a process as they are created, named, started and ended.
 *
 * bpf/threads.bpf.c reports each kernel event of the target's thread group through a ring buffer
 * (creation in the creator's context, first wake-up, rename, exit), and a uprobe on pthread_create
 * adds the start routine and the creating user stack. This half prints the events as they come,
 * and at the end every thread seen, the live threads (from /proc/PID/task while the target runs),
 * and the creating stacks with how many threads each created.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/libbpf.h>

#include "bpf/threads.h"
#include "profiler/commands.h"
#include "lib/errors.h"
#include "lib/opts.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/session.h"
#include "lib/signals.h"
#include "stacks/ustack.h"
#include "runtimes/runtime.h"
#include "threads.skel.h"

_Static_assert(sizeof(struct thread_event) == 56, "thread_event layout");

#define POLL_MS		100
#define MAPS_REFRESH_MS 1000

struct threads_opts {
	struct target_opts target;
	double duration_s;
	bool json;
};

struct thread_info {
	__u32 tid;
	__u32 creator_tid; /* 0: existed before the trace */
	char name[THREAD_COMM_LEN];
	__u64 create_ns, start_ns, exit_ns; /* 0 when not seen */
	__u64 start_routine;
	__u64 caller_ip;
	int stack_id;
	bool live; /* listed in /proc/PID/task at the end */
};

struct stack_count {
	int stack_id;
	__u64 caller_ip;
	unsigned int n;
};

struct threads_run {
	const struct threads_opts *opts;
	struct ustacks *stacks;
	struct thread_info *threads;
	size_t n, cap;
	__u64 t0_ns;
	unsigned int created, exited;
	bool header_done;
};

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

static struct thread_info *thread_get(struct threads_run *run, __u32 tid)
{
	struct thread_info *t;
	size_t i;

	/* newest first: a reused TID belongs to the latest thread */
	for (i = run->n; i > 0; i--) {
		if (run->threads[i - 1].tid == tid)
			return &run->threads[i - 1];
	}
	if (run->n == run->cap) {
		size_t cap = run->cap ? run->cap * 2 : 64;

		t = realloc(run->threads, cap * sizeof(*t));
		if (!t)
			return NULL;
		run->threads = t;
		run->cap = cap;
	}
	t = &run->threads[run->n++];
	memset(t, 0, sizeof(*t));
	t->tid = tid;
	t->stack_id = -1;
	return t;
}

/* Threads listed in /proc/PID/task now, with their names; marks them live. Returns how many. */
static size_t read_live(struct threads_run *run, int pid)
{
	size_t n = 0;
	char path[64];
	struct dirent *d;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return 0;
	while ((d = readdir(dir))) {
		struct thread_info *t;
		char comm[80];
		FILE *f;
		int tid = atoi(d->d_name);

		if (tid <= 0)
			continue;
		t = thread_get(run, (__u32)tid);
		if (!t)
			break;
		t->live = true;
		n++;
		snprintf(comm, sizeof(comm), "/proc/%d/task/%d/comm", pid, tid);
		f = fopen(comm, "re");
		if (f) {
			if (fgets(t->name, sizeof(t->name), f))
				t->name[strcspn(t->name, "\n")] = '\0';
			fclose(f);
		}
	}
	closedir(dir);
	return n;
}

static const char *type_name(__u32 type)
{
	switch (type) {
	case THREAD_CREATE:
		return "create";
	case THREAD_START:
		return "start";
	case THREAD_RENAME:
		return "rename";
	case THREAD_EXIT:
		return "exit";
	}
	return "?";
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct threads_run *run = ctx;
	const struct thread_event *e = data;
	struct thread_info *t;
	char comm[THREAD_COMM_LEN + 1], routine[512] = "";
	const struct threads_opts *o = run->opts;

	if (size < sizeof(*e))
		return 0;
	memcpy(comm, e->comm, THREAD_COMM_LEN);
	comm[THREAD_COMM_LEN] = '\0';
	t = thread_get(run, e->tid);
	if (!t)
		return -ENOMEM;
	switch (e->type) {
	case THREAD_CREATE:
		/* a TID seen again after its exit is a new thread */
		if (t->exit_ns || t->create_ns) {
			t->tid = 0;
			t = thread_get(run, e->tid);
			if (!t)
				return -ENOMEM;
		}
		t->creator_tid = e->creator_tid;
		t->create_ns = e->ts_ns;
		t->start_routine = e->start_routine;
		t->stack_id = e->stack_id;
		t->caller_ip = e->caller_ip;
		run->created++;
		break;
	case THREAD_START:
		t->start_ns = e->ts_ns;
		break;
	case THREAD_EXIT:
		t->exit_ns = e->ts_ns;
		run->exited++;
		break;
	}
	snprintf(t->name, sizeof(t->name), "%s", comm);
	if (e->start_routine)
		ustacks__format(run->stacks, e->start_routine, routine, sizeof(routine));
	if (e->type == THREAD_CREATE)
		ustacks__touch(run->stacks, e->stack_id); /* resolvable after the process exits */

	if (o->json) {
		printf("{\"type\":\"%s\",\"time_ns\":%" PRIu64 ",\"tid\":%u,\"name\":",
		       type_name(e->type), (uint64_t)(e->ts_ns - run->t0_ns), e->tid);
		json_str(stdout, comm);
		if (e->type == THREAD_CREATE) {
			printf(",\"creator_tid\":%u,\"start_routine\":", e->creator_tid);
			json_str(stdout, routine[0] ? routine : NULL);
			fputs(",\"stack\":", stdout);
			ustacks__print(run->stacks, stdout, e->stack_id, e->caller_ip, NULL, true);
		}
		if (e->type == THREAD_EXIT && t->create_ns)
			printf(",\"lifetime_ns\":%" PRIu64, (uint64_t)(e->ts_ns - t->create_ns));
		fputs("}\n", stdout);
	} else {
		if (!run->header_done) {
			printf("%-12s %-7s %-8s %-16s %s\n", "TIME(s)", "EVENT", "TID", "NAME",
			       "DETAIL");
			run->header_done = true;
		}
		printf("%-12.6f %-7s %-8u %-16s", (e->ts_ns - run->t0_ns) / 1e9, type_name(e->type),
		       e->tid, comm);
		if (e->type == THREAD_CREATE) {
			printf(" by %u", e->creator_tid);
			if (routine[0])
				printf(", start %s", routine);
		} else if (e->type == THREAD_EXIT && t->create_ns) {
			printf(" after %.3f ms", (e->ts_ns - t->create_ns) / 1e6);
		}
		putchar('\n');
	}
	fflush(stdout);
	return 0;
}

static int cmp_stack_count(const void *a, const void *b)
{
	const struct stack_count *x = a, *y = b;

	if (x->n != y->n)
		return x->n < y->n ? 1 : -1;
	return x->stack_id - y->stack_id;
}

static void print_summary(struct threads_run *run, struct session *s, __u64 lost)
{
	const struct threads_opts *o = run->opts;
	struct stack_count *sc = calloc(run->n ? run->n : 1, sizeof(*sc));
	size_t i, j, nsc = 0, nlive = 0;
	bool alive = session__alive(s);

	for (i = 0; i < run->n; i++) {
		const struct thread_info *t = &run->threads[i];

		if (!t->tid || !sc || !t->create_ns)
			continue;
		for (j = 0; j < nsc; j++)
			if (sc[j].stack_id == t->stack_id && sc[j].caller_ip == t->caller_ip)
				break;
		if (j == nsc) {
			sc[nsc].stack_id = t->stack_id;
			sc[nsc++].caller_ip = t->caller_ip;
		}
		sc[j].n++;
	}
	if (sc)
		qsort(sc, nsc, sizeof(*sc), cmp_stack_count);
	for (i = 0; i < run->n; i++)
		run->threads[i].live = false;
	if (alive)
		nlive = read_live(run, session__pid(s));

	if (o->json) {
		for (i = 0; i < run->n; i++) {
			const struct thread_info *t = &run->threads[i];

			if (!t->tid || !t->live)
				continue;
			printf("{\"type\":\"live\",\"tid\":%u,\"name\":", t->tid);
			json_str(stdout, t->name);
			printf(",\"created_during_trace\":%s}\n", t->create_ns ? "true" : "false");
		}
		for (i = 0; i < nsc; i++) {
			printf("{\"type\":\"creating_stack\",\"threads\":%u,\"stack\":", sc[i].n);
			ustacks__print(run->stacks, stdout, sc[i].stack_id, sc[i].caller_ip, NULL,
				       true);
			fputs("}\n", stdout);
		}
		printf("{\"type\":\"summary\",\"created\":%u,\"exited\":%u,\"live\":%zu,\"lost\":"
		       "%" PRIu64 ",\"process_alive\":%s",
		       run->created, run->exited, nlive, (uint64_t)lost, alive ? "true" : "false");
		session__json_end(s, stdout);
		puts("}");
		goto cleanup;
	}
	printf("\n%u threads created, %u exited, %zu live at the end%s\n", run->created,
	       run->exited, nlive, alive ? "" : " (process exited)");
	printf("\n%-8s %-16s %-8s %12s %12s %12s\n", "TID", "NAME", "CREATOR", "CREATED(s)",
	       "EXITED(s)", "LIFETIME(ms)");
	for (i = 0; i < run->n; i++) {
		const struct thread_info *t = &run->threads[i];
		char creator[16] = "-", created[24] = "-", exited[24] = "-", life[24] = "-";

		if (!t->tid)
			continue;
		if (t->create_ns) {
			snprintf(creator, sizeof(creator), "%u", t->creator_tid);
			snprintf(created, sizeof(created), "%.6f",
				 (t->create_ns - run->t0_ns) / 1e9);
		}
		if (t->exit_ns)
			snprintf(exited, sizeof(exited), "%.6f", (t->exit_ns - run->t0_ns) / 1e9);
		else if (t->live)
			snprintf(exited, sizeof(exited), "live");
		if (t->exit_ns && t->create_ns)
			snprintf(life, sizeof(life), "%.3f", (t->exit_ns - t->create_ns) / 1e6);
		printf("%-8u %-16s %-8s %12s %12s %12s\n", t->tid, t->name, creator, created,
		       exited, life);
	}
	if (nsc)
		printf("\ncreating stacks:\n");
	for (i = 0; i < nsc; i++) {
		printf("  %u thread%s created from:\n", sc[i].n, sc[i].n == 1 ? "" : "s");
		ustacks__print(run->stacks, stdout, sc[i].stack_id, sc[i].caller_ip, "      ",
			       false);
	}
cleanup:
	if (lost)
		pr_warn("threads: %" PRIu64 " events lost (ring buffer full)\n", (uint64_t)lost);
	free(sc);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: rtprof threads (-p PID | -- CMD ARGS...) [-d SECONDS] [--json]\n"
		"\n"
		"Thread lifecycle of a process: each creation (creator, start routine, creating "
		"stack),\n"
		"first wake-up (start), rename (pthread_setname_np, prctl) and exit, as they "
		"happen; at\n"
		"the end every thread seen, the live threads, and the creating stacks by count.\n"
		"Kernel tracepoints see every thread; pthread_create is traced with a uprobe in "
		"the\n"
		"process's C library for the start routine and the stack (frame pointers).\n"
		"\n"
		"  -p, --pid PID          trace this process\n"
		"  -d, --duration SEC     stop after SEC seconds (default: until Ctrl-C or exit)\n"
		"      --json             one JSON object per event (type "
		"create/start/rename/exit,\n"
		"                         tid, name, ...), then live, creating_stack and summary "
		"objects\n"
		"  -v, --verbose          debug output\n"
		"  -h, --help             this help\n"
		"\n"
		"examples:\n"
		"  rtprof threads -- ./server --workers 8\n"
		"  rtprof threads -p $(pgrep -n mariadbd) -d 10 --json\n");
}

static int parse_opts(int argc, char **argv, struct threads_opts *o)
{
	static const struct option longopts[] = {
		{"pid", required_argument, NULL, 'p'}, {"duration", required_argument, NULL, 'd'},
		{"json", no_argument, NULL, 'j'},      {"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},      {},
	};
	struct opts_common co = {"threads", &o->target, &o->duration_s, usage};
	int c, err;

	while ((c = getopt_long(argc, argv, "+p:d:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			o->json = true;
			break;
		default:
			err = opts_common__handle(&co, c, optarg);
			if (err)
				return err;
		}
	}
	return opts_common__finish(&co, argc, argv, optind);
}

int cmd_threads(int argc, char **argv)
{
	struct threads_opts opts = {};
	struct threads_run run = {.opts = &opts};
	struct bpf_link *links[6] = {};
	struct threads_bpf *skel = NULL;
	struct ring_buffer *rb = NULL;
	struct session *s = NULL;
	char libc[4096], what[64];
	__u64 deadline_ns = 0, refresh_ns = 0, refresh_ms = 5, off;
	size_t nlinks = 0, i;
	int err, pid;

	err = parse_opts(argc, argv, &opts);
	if (err)
		return err > 0 ? 0 : err;
	signals_install();
	s = session__new(&opts.target);
	if (!s) {
		err = -errno;
		goto cleanup;
	}
	pid = session__pid(s);
	if (opts.target.pid)
		snprintf(what, sizeof(what), "-p %d", pid);
	else
		snprintf(what, sizeof(what), "%s", opts.target.argv[0]);

	skel = threads_bpf__open();
	if (!skel) {
		err = -errno;
		pr_warn("threads: cannot open the BPF program: %s\n", err_str(err));
		goto cleanup;
	}
	skel->rodata->target_tgid = (__u32)pid;
	err = threads_bpf__load(skel);
	if (err) {
		pr_warn("threads: cannot load the BPF program: %s\n", err_str(err));
		goto cleanup;
	}
	run.stacks = ustacks__new(pid, bpf_map__fd(skel->maps.stacks), THREAD_STACK_DEPTH, true);
	if (!run.stacks) {
		err = -errno;
		goto cleanup;
	}
	{
		struct bpf_program *tps[] = {skel->progs.on_fork, skel->progs.on_wakeup_new,
					     skel->progs.on_rename, skel->progs.on_exit};

		for (i = 0; i < sizeof(tps) / sizeof(tps[0]); i++) {
			links[nlinks] = bpf_program__attach(tps[i]);
			if (!links[nlinks]) {
				err = -errno;
				pr_warn("threads: cannot attach %s: %s\n",
					bpf_program__name(tps[i]), err_str(err));
				goto cleanup;
			}
			nlinks++;
		}
	}
	/* pthread_create in the target's C library: start routine and creating stack */
	err = pthread_find_libc(pid, libc, sizeof(libc));
	if (err) {
		pr_warn("threads %s: no C library mapped (%s): no start routines nor creating "
			"stacks\n",
			what, err_str(err));
	} else if ((err = runtime_symbol_offset(libc, pthread_probes.create_symbol, &off))) {
		pr_warn("threads %s: %s not found in %s: %s\n", what, pthread_probes.create_symbol,
			libc, err_str(err));
		goto cleanup;
	} else {
		links[nlinks] = bpf_program__attach_uprobe(skel->progs.pthread_create_entry, false,
							   pid, libc, off);
		if (links[nlinks])
			links[++nlinks] = bpf_program__attach_uprobe(
				skel->progs.pthread_create_return, true, pid, libc, off);
		if (!links[nlinks]) {
			err = -errno;
			pr_warn("threads %s: cannot attach %s in %s: %s\n", what,
				pthread_probes.create_symbol, libc, err_str(err));
			goto cleanup;
		}
		nlinks++;
	}
	err = 0;
	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_event, &run, NULL);
	if (!rb) {
		err = -errno;
		pr_warn("threads: cannot create the ring buffer: %s\n", err_str(err));
		goto cleanup;
	}
	if (opts.target.pid)
		read_live(&run, pid); /* threads that exist before the trace, with their names */
	run.t0_ns = mono_ns();
	err = session__start(s);
	if (err)
		goto cleanup;
	if (opts.duration_s)
		deadline_ns = run.t0_ns + (__u64)(opts.duration_s * 1e9);
	pr_info("threads %s: tracing, Ctrl-C to stop\n", what);
	while (!signals_stop_requested() && session__alive(s)) {
		__u64 now = mono_ns();

		if (deadline_ns && now >= deadline_ns)
			break;
		if (now >= refresh_ns) {
			/* libraries are mapped just after exec: look often at first */
			ustacks__refresh(run.stacks);
			refresh_ms =
				refresh_ms * 2 > MAPS_REFRESH_MS ? MAPS_REFRESH_MS : refresh_ms * 2;
			refresh_ns = now + refresh_ms * 1000000ULL;
		}
		err = ring_buffer__poll(rb, POLL_MS);
		if (err == -EINTR) {
			err = 0;
			continue;
		}
		if (err < 0) {
			pr_warn("threads: ring buffer: %s\n", err_str(err));
			goto cleanup;
		}
		err = 0;
	}
	ring_buffer__consume(rb);
	print_summary(&run, s, skel->bss->lost);
	fflush(stdout);
	session__report_end(s, "threads");
cleanup:
	ring_buffer__free(rb);
	for (i = 0; i < nlinks; i++)
		bpf_link__destroy(links[i]);
	ustacks__free(run.stacks);
	threads_bpf__destroy(skel);
	session__free(s);
	free(run.threads);
	return err;
}
