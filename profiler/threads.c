// SPDX-License-Identifier: GPL-2.0
/*
 * rtprof threads: the threads of a process as they are created, named, started and ended.
 *
 * bpf/threads.bpf.c reports each kernel event of the target's thread group through a ring buffer
 * (creation in the creator's context, first wake-up, rename, exit), and a uprobe on pthread_create
 * adds the start routine and the creating stack's key (bpf/stack_key.bpf.h). This half keeps the
 * code ranges of the stack keys current (stacks/stack_keys.h), unwinds and symbolizes the capture
 * of each new key as it comes (stacks/stacks.h: CFI, no frame pointers needed, interpreter
 * frames merged), prints the events as they come, and at the end every thread seen, the live
 * threads (from /proc/PID/task while the target runs), and the creating stacks with how many
 * threads each created.
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
#include <unistd.h>
#include <bpf/libbpf.h>

#include "bpf/threads.h"
#include "profiler/commands.h"
#include "lib/errors.h"
#include "lib/opts.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/session.h"
#include "lib/signals.h"
#include "stacks/capture_queue.h"
#include "stacks/stack_keys.h"
#include "stacks/stacks.h"
#include "symbolize/maps.h"
#include "runtimes/runtime.h"
#include "threads.skel.h"

_Static_assert(sizeof(struct thread_event) == 56, "thread_event layout");

#define POLL_MS		100
#define MAPS_REFRESH_MS 1000
#define CAPTURE_READ_MS 10  /* the capture reader's poll (it is woken for each capture) */
#define CAPTURE_WAIT_MS 200 /* most a creation waits for its stack's capture (a lost one) */

struct threads_opts {
	struct target_opts target;
	double duration_s;
	bool json;
	bool native_only;	   /* no interpreter frames in the creating stacks */
	struct opts_output output; /* -o */
};

struct thread_info {
	__u32 tid;
	__u32 creator_tid; /* 0: existed before the trace */
	char name[THREAD_COMM_LEN];
	__u64 create_ns, start_ns, exit_ns; /* 0 when not seen */
	__u64 start_routine;
	__u64 stack_key; /* 0: no creating stack */
	bool live;	 /* listed in /proc/PID/task at the end */
};

struct stack_count {
	__u64 key; /* the first key seen with the same frames */
	unsigned int n;
};

/* The frames of one stack key, innermost (pthread_create) first, ending with the marker
 * "[truncated]" or "[incomplete]" when the unwinding stopped early. */
struct key_stack {
	__u64 key;
	__u64 same; /* the first key seen with the same frames (keys differ by stack words) */
	size_t n;
	struct stack_frame *f;
};

/* Resolving the creating stacks. */
struct thread_stacks {
	int pid;
	struct threads_bpf *skel;
	struct stacks *pipeline;
	struct stack_frames *frames; /* of one capture */
	/* captures of new keys: a reader thread reads what must be read while the process lives
	 * (interpreter code objects) as each arrives, before the slow unwinding here */
	struct capture_queue *captures;
	struct key_stack *keys;
	size_t n, cap;
	size_t n_code_maps;	      /* code mappings at the last code-range update */
	__u64 image_ino, image_start; /* the first file mapping (the executable) when tracked */
	__u64 unresolved;	      /* captures that could not be resolved */
	__u64 missing; /* creations whose stack key has no frames (its capture was lost) */
};

struct threads_run {
	const struct threads_opts *opts;
	struct thread_stacks *stacks;
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

static void thread_stacks__free(struct thread_stacks *ts)
{
	size_t i;

	if (!ts)
		return;
	capture_queue__free(ts->captures);
	for (i = 0; i < ts->n; i++)
		free(ts->keys[i].f);
	free(ts->keys);
	free(ts->frames);
	stacks__free(ts->pipeline);
	free(ts);
}

/* native_only: no interpreter frames. */
static struct thread_stacks *thread_stacks__new(int pid, struct threads_bpf *skel, bool native_only)
{
	struct thread_stacks *ts = calloc(1, sizeof(*ts));
	struct stacks_opts so;
	int err;

	if (!ts)
		return NULL;
	ts->pid = pid;
	ts->skel = skel;
	stacks_opts__init(&so);
	so.interp_map_fd = native_only ? -1 : bpf_map__fd(skel->maps.interp_procs);
	ts->pipeline = stacks__new(&so);
	ts->frames = malloc(sizeof(*ts->frames));
	if (ts->pipeline && ts->frames)
		ts->captures = capture_queue__new(ts->pipeline, bpf_map__fd(skel->maps.captures),
						  CAPTURE_READ_MS);
	if (!ts->captures) {
		err = errno ? errno : ENOMEM;
		thread_stacks__free(ts);
		errno = err;
		return NULL;
	}
	return ts;
}

/* Is the process ending (its main thread exiting or gone)? Its mappings are being torn down then:
 * a snapshot taken now would forget modules that its captures need. */
static bool process_ending(int pid)
{
	char path[64], state = 0;
	unsigned long flags = 0;
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return true;
	n = fscanf(f, "%*d (%*[^)]) %c %*d %*d %*d %*d %*d %lu", &state, &flags);
	fclose(f);
	return n != 2 || state == 'Z' || state == 'X' || (flags & 0x4 /* PF_EXITING */);
}

/* While the process runs, when its code mappings changed: give BPF the code ranges of the stack
 * keys, and the pipeline new snapshots of the mappings. The process is tracked (snapshots and
 * the interpreter search) the first time and after an exec; otherwise only its snapshots are
 * renewed, and an interpreter found is kept (tracking again forgets it for a moment, and a
 * thread created then would miss its frames). */
static void thread_stacks__refresh(struct thread_stacks *ts)
{
	struct proc_maps *maps = process_ending(ts->pid) ? NULL : proc_maps__read(ts->pid);
	const struct proc_map *exe = NULL;
	bool new_image;
	size_t n, i;

	if (!maps)
		return;
	n = stack_key_ranges__count(maps);
	/* (maps read while the exit began may be partial: look again) */
	if (n != ts->n_code_maps && !process_ending(ts->pid)) {
		ts->n_code_maps = n;
		n = stack_key_ranges__set(&ts->skel->bss->stack_key_ranges, maps);
		pr_debug("threads: %zu code ranges for the stack keys\n", n);
		for (i = 0; i < maps->n && !exe; i++)
			if (proc_map__is_file(&maps->maps[i]))
				exe = &maps->maps[i];
		new_image = exe && (exe->inode != ts->image_ino || exe->start != ts->image_start);
		if (new_image) {
			stacks__track(ts->pipeline, ts->pid);
			ts->image_ino = exe->inode;
			ts->image_start = exe->start;
		} else {
			stacks__refresh(ts->pipeline, ts->pid);
		}
	}
	proc_maps__free(maps);
}

/* A launched command maps its libraries right after exec: wait (briefly) until the C library is
 * there, so that the stack keys know the code ranges (and the interpreter is found) before the
 * first thread is created. */
static void wait_for_libc(struct thread_stacks *ts, const char *libc)
{
	struct proc_maps *maps;
	bool found = false;
	size_t i;
	int tries;

	for (tries = 0; tries < 2000 && !found; tries++) {
		maps = proc_maps__read(ts->pid);
		for (i = 0; maps && i < maps->n && !found; i++) {
			const struct proc_map *pm = &maps->maps[i];
			size_t lp = strlen(libc), mp = pm->path ? strlen(pm->path) : 0;

			/* libc is the same path seen through /proc/PID/root */
			found = pm->perms[2] == 'x' && mp && mp <= lp &&
				!strcmp(libc + lp - mp, pm->path);
		}
		proc_maps__free(maps);
		if (!found)
			usleep(500);
	}
	thread_stacks__refresh(ts);
}

static const struct key_stack *thread_stacks__find(const struct thread_stacks *ts, __u64 key)
{
	size_t i;

	for (i = 0; i < ts->n; i++)
		if (ts->keys[i].key == key)
			return &ts->keys[i];
	return NULL;
}

static bool is_marker(const struct stack_frame *f)
{
	return f->kind == SF_MARKER;
}

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static bool same_frame(const struct stack_frame *a, const struct stack_frame *b)
{
	return str_eq(a->name, b->name) && str_eq(a->file, b->file) &&
	       str_eq(a->module, b->module) && a->line == b->line && a->offset == b->offset &&
	       a->inlined == b->inlined;
}

/* A capture of a new stack key (ring buffer callback): unwind and symbolize it now, while the
 * process lives. The stack starts at pthread_create, whose entry the capture was taken at. */
static int on_capture(void *ctx, void *data, size_t size)
{
	struct thread_stacks *ts = ctx;
	const struct stack_capture *c = data;
	const struct stack_frame *f = ts->frames->f;
	struct key_stack *ks;
	size_t i, k, n;

	if (size < STACK_CAPTURE_HDR_SIZE || thread_stacks__find(ts, c->cookie))
		return 0;
	/* the code may be in a library loaded since the last refresh: new keys are rare, look */
	thread_stacks__refresh(ts);
	if (stacks__resolve(ts->pipeline, c, size, ts->frames)) {
		ts->unresolved++;
		ts->frames->n = 0; /* known, without frames: not waited for again */
	}
	n = ts->frames->n;
	/* A thread's stack ends at its start routine's caller (start_thread), as frame-pointer
	 * walks always showed it: the clone system call below it is left out. */
	if (n > 1 && !is_marker(&f[n - 1]) &&
	    (!strcmp(f[n - 1].name, "clone3") || !strcmp(f[n - 1].name, "clone")))
		for (n--; n > 1 && f[n - 1].inlined; n--)
			;
	if (ts->n == ts->cap) {
		size_t cap = ts->cap ? ts->cap * 2 : 64;
		struct key_stack *kk = realloc(ts->keys, cap * sizeof(*kk));

		if (!kk)
			return 0;
		ts->keys = kk;
		ts->cap = cap;
	}
	ks = &ts->keys[ts->n];
	*ks = (struct key_stack){.key = c->cookie, .same = c->cookie};
	if (n) {
		ks->f = malloc(n * sizeof(*ks->f));
		if (!ks->f)
			return 0;
		memcpy(ks->f, f, n * sizeof(*ks->f));
		ks->n = n;
	}
	for (i = 0; i < ts->n; i++) {
		const struct key_stack *o = &ts->keys[i];

		if (o->n != ks->n)
			continue;
		for (k = 0; k < ks->n && same_frame(&o->f[k], &ks->f[k]); k++)
			;
		if (k == ks->n) {
			ks->same = o->same;
			break;
		}
	}
	ts->n++;
	return 0;
}

/* The frames of the key of a creation event: its capture, if new, was sent before the event, so
 * it is queued or about to be (wait for it, a little: it may have been lost). NULL when unknown. */
static const struct key_stack *thread_stacks__get(struct thread_stacks *ts, __u64 key)
{
	const struct key_stack *ks = key ? thread_stacks__find(ts, key) : NULL;
	__u64 deadline = mono_ns() + CAPTURE_WAIT_MS * 1000000ULL;

	while (key && !ks && mono_ns() < deadline) {
		capture_queue__run(ts->captures, on_capture, ts, CAPTURE_READ_MS);
		ks = thread_stacks__find(ts, key);
	}
	return ks;
}

static const char *base_name(const char *path)
{
	const char *b = path ? strrchr(path, '/') : NULL;

	return b ? b + 1 : path;
}

/* Print the stack of key innermost (pthread_create) first: text, one frame a line after indent,
 * or a JSON array of frames (stack_frame__json); an incomplete unwinding ends with a frame
 * "[truncated]" or "[incomplete]". */
static void print_stack(const struct key_stack *ks, const char *indent, bool json, FILE *out)
{
	size_t i, n = ks ? ks->n : 0, nu = n && is_marker(&ks->f[n - 1]) ? n - 1 : n;
	bool exact = true; /* the first address is pthread_create's entry, not a return address */

	if (json)
		fputc('[', out);
	for (i = 0; i < n; i++) {
		const struct stack_frame *s = &ks->f[i];

		if (!json) {
			fprintf(out, "%s%s%s", indent, s->name, s->inlined ? " (inlined)" : "");
			if (s->file)
				fprintf(out, " %s:%d", base_name(s->file), s->line);
			else if (s->module)
				fprintf(out, " [%s]", base_name(s->module));
			fputc('\n', out);
		} else {
			fputs(i ? "," : "", out);
			/* the address as in the ELF file: a return address is resolved at - 1 */
			stack_frame__json(s, out, s->offset + (s->module && !exact));
		}
		if (!s->inlined)
			exact = false;
	}
	if (json)
		fputc(']', out);
	else if (!nu)
		fprintf(out, "%s(no stack)\n", indent);
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
	const struct key_stack *ks = NULL;
	FILE *out = o->output.f;

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
		t->stack_key = e->stack_key;
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
	if (e->start_routine) {
		const char *fn =
			stacks__function(run->stacks->pipeline, run->stacks->pid, e->start_routine);

		snprintf(routine, sizeof(routine), "%s", fn ? fn : "");
	}
	if (e->type == THREAD_CREATE) {
		ks = thread_stacks__get(run->stacks, e->stack_key); /* resolved while it runs */
		if (e->stack_key && !ks)
			run->stacks->missing++;
	}

	if (o->json) {
		fprintf(out, "{\"type\":\"%s\",\"time_ns\":%" PRIu64 ",\"tid\":%u,\"name\":",
			type_name(e->type), (uint64_t)(e->ts_ns - run->t0_ns), e->tid);
		json_str(out, comm);
		if (e->type == THREAD_CREATE) {
			fprintf(out, ",\"creator_tid\":%u,\"start_routine\":", e->creator_tid);
			json_str(out, routine[0] ? routine : NULL);
			fputs(",\"stack\":", out);
			print_stack(ks, NULL, true, out);
		}
		if (e->type == THREAD_EXIT && t->create_ns)
			fprintf(out, ",\"lifetime_ns\":%" PRIu64,
				(uint64_t)(e->ts_ns - t->create_ns));
		fputs("}\n", out);
	} else {
		if (!run->header_done) {
			fprintf(out, "%-12s %-7s %-8s %-16s %s\n", "TIME(s)", "EVENT", "TID",
				"NAME", "DETAIL");
			run->header_done = true;
		}
		fprintf(out, "%-12.6f %-7s %-8u %-16s", (e->ts_ns - run->t0_ns) / 1e9,
			type_name(e->type), e->tid, comm);
		if (e->type == THREAD_CREATE) {
			fprintf(out, " by %u", e->creator_tid);
			if (routine[0])
				fprintf(out, ", start %s", routine);
		} else if (e->type == THREAD_EXIT && t->create_ns) {
			fprintf(out, " after %.3f ms", (e->ts_ns - t->create_ns) / 1e6);
		}
		fputc('\n', out);
	}
	fflush(out);
	return 0;
}

static int cmp_stack_count(const void *a, const void *b)
{
	const struct stack_count *x = a, *y = b;

	if (x->n != y->n)
		return x->n < y->n ? 1 : -1;
	return x->key < y->key ? -1 : x->key > y->key;
}

static void print_summary(struct threads_run *run, struct session *s, __u64 lost)
{
	const struct threads_opts *o = run->opts;
	FILE *out = o->output.f;
	struct stack_count *sc = calloc(run->n ? run->n : 1, sizeof(*sc));
	size_t i, j, nsc = 0, nlive = 0;
	bool alive = session__alive(s);

	for (i = 0; i < run->n; i++) {
		const struct thread_info *t = &run->threads[i];
		const struct key_stack *ks;
		__u64 key;

		if (!t->tid || !sc || !t->create_ns)
			continue;
		/* keys with the same frames are one stack */
		ks = thread_stacks__find(run->stacks, t->stack_key);
		key = ks ? ks->same : t->stack_key;
		for (j = 0; j < nsc; j++)
			if (sc[j].key == key)
				break;
		if (j == nsc)
			sc[nsc++].key = key;
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
			fprintf(out, "{\"type\":\"live\",\"tid\":%u,\"name\":", t->tid);
			json_str(out, t->name);
			fprintf(out, ",\"created_during_trace\":%s}\n",
				t->create_ns ? "true" : "false");
		}
		for (i = 0; i < nsc; i++) {
			fprintf(out,
				"{\"type\":\"creating_stack\",\"threads\":%u,\"stack\":", sc[i].n);
			print_stack(thread_stacks__find(run->stacks, sc[i].key), NULL, true, out);
			fputs("}\n", out);
		}
		fprintf(out,
			"{\"type\":\"summary\",\"created\":%u,\"exited\":%u,\"live\":%zu,\"lost\":"
			"%" PRIu64 ",\"process_alive\":%s",
			run->created, run->exited, nlive, (uint64_t)lost, alive ? "true" : "false");
		session__json_end(s, out);
		fputs("}\n", out);
		goto cleanup;
	}
	fprintf(out, "\n%u threads created, %u exited, %zu live at the end%s\n", run->created,
		run->exited, nlive, alive ? "" : " (process exited)");
	fprintf(out, "\n%-8s %-16s %-8s %12s %12s %12s\n", "TID", "NAME", "CREATOR", "CREATED(s)",
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
		fprintf(out, "%-8u %-16s %-8s %12s %12s %12s\n", t->tid, t->name, creator, created,
			exited, life);
	}
	if (nsc)
		fprintf(out, "\ncreating stacks:\n");
	for (i = 0; i < nsc; i++) {
		fprintf(out, "  %u thread%s created from:\n", sc[i].n, sc[i].n == 1 ? "" : "s");
		print_stack(thread_stacks__find(run->stacks, sc[i].key), "      ", false, out);
	}
cleanup:
	if (lost)
		pr_warn("threads: %" PRIu64 " events lost (ring buffer full)\n", (uint64_t)lost);
	if (run->stacks->unresolved || run->stacks->missing)
		pr_warn("threads: %" PRIu64 " creations without their creating stack (%" PRIu64
			" captures lost or not resolvable)\n",
			(uint64_t)run->stacks->missing, (uint64_t)run->stacks->unresolved);
	free(sc);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: rtprof threads (-p PID | -- CMD ARGS...) [-d SECONDS] [--native-only] "
		"[--json] [-o FILE]\n"
		"\n"
		"Thread lifecycle of a process: each creation (creator, start routine, creating "
		"stack),\n"
		"first wake-up (start), rename (pthread_setname_np, prctl) and exit, as they "
		"happen; at\n"
		"the end every thread seen, the live threads, and the creating stacks by count.\n"
		"Kernel tracepoints see every thread; pthread_create is traced with a uprobe in "
		"the\n"
		"process's C library for the start routine and the creating stack (no frame "
		"pointers\n"
		"needed; with the Python and Ruby frames of a thread running an interpreter).\n"
		"\n"
		"  -p, --pid PID          trace this process\n"
		"  -o, --output FILE      results to FILE, \"-\" for stdout (default: stdout; "
		"stderr\n"
		"                         beside a launched command: its stdout stays its own)\n"
		"  -d, --duration SEC     stop after SEC seconds (default: until Ctrl-C or exit)\n"
		"      --native-only      no Python or Ruby frames in the creating stacks\n"
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
		{"pid", required_argument, NULL, 'p'},
		{"duration", required_argument, NULL, 'd'},
		{"json", no_argument, NULL, 'j'},
		{"native-only", no_argument, NULL, 'N'},
		{"output", required_argument, NULL, 'o'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	struct opts_common co = {"threads", &o->target, &o->duration_s, usage, &o->output};
	int c, err;

	while ((c = getopt_long(argc, argv, "+p:d:o:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			o->json = true;
			break;
		case 'N':
			o->native_only = true;
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
	bool probed = false; /* pthread_create is traced */
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
	skel->rodata->verify_keys = 0; /* key -> frames is kept as first seen */
	bpf_map__set_max_entries(skel->maps.stack_capture_scratch,
				 libbpf_num_possible_cpus() > 0 ? libbpf_num_possible_cpus() : 1);
	err = threads_bpf__load(skel);
	if (err) {
		pr_warn("threads: cannot load the BPF program: %s\n", err_str(err));
		goto cleanup;
	}
	run.stacks = thread_stacks__new(pid, skel, opts.native_only);
	if (!run.stacks) {
		err = -errno;
		pr_warn("threads: cannot set up the stack pipeline: %s\n", err_str(err));
		goto cleanup;
	}
	if (!session__launched(s))
		thread_stacks__refresh(run.stacks);
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
		probed = true;
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
	if (session__launched(s) && probed)
		wait_for_libc(run.stacks, libc);
	if (opts.duration_s)
		deadline_ns = run.t0_ns + (__u64)(opts.duration_s * 1e9);
	pr_info("threads %s: tracing, Ctrl-C to stop\n", what);
	while (!signals_stop_requested() && session__alive(s)) {
		__u64 now = mono_ns();

		if (deadline_ns && now >= deadline_ns)
			break;
		if (now >= refresh_ns) {
			/* libraries are mapped just after exec: look often at first */
			thread_stacks__refresh(run.stacks);
			refresh_ms =
				refresh_ms * 2 > MAPS_REFRESH_MS ? MAPS_REFRESH_MS : refresh_ms * 2;
			refresh_ns = now + refresh_ms * 1000000ULL;
		}
		err = ring_buffer__poll(rb, refresh_ms < POLL_MS ? (int)refresh_ms : POLL_MS);
		/* resolved while the process runs */
		capture_queue__run(run.stacks->captures, on_capture, run.stacks, 0);
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
	capture_queue__stop(run.stacks->captures);
	capture_queue__run(run.stacks->captures, on_capture, run.stacks, 0);
	print_summary(&run, s, skel->bss->lost);
	fflush(opts.output.f);
	session__report_end(s, "threads");
cleanup:
	ring_buffer__free(rb);
	for (i = 0; i < nlinks; i++)
		bpf_link__destroy(links[i]);
	thread_stacks__free(run.stacks);
	threads_bpf__destroy(skel);
	session__free(s);
	free(run.threads);
	{
		int e = opts_output__close(&opts.output, "threads");

		err = err ? err : e;
	}
	return err;
}
