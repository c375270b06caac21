// SPDX-License-Identifier: GPL-2.0
/*
 * rtprof profile: timed stack sampling of a process (-p PID) or of a command rtprof launches.
 *
 * The kernel half (bpf/profile.bpf.c) runs on the software cpu-clock event of every CPU at HZ,
 * keeps samples of the target's processes only, and sends each one as a stack capture (registers,
 * optional kernel stack, a copy of the top of the user stack, or with --stack-bytes 0 the
 * frame-pointer chain) through a ring buffer, waking this process only at a process's first
 * sample (after fork or exec: its maps are read then) or when the buffer fills up. This file drains
 * the ring buffer into the stack pipeline (stacks/stacks.h), which unwinds the copy with CFI,
 * symbolizes and aggregates; at the end it writes folded stacks, the SVG, pprof and speedscope
 * files (stacks/export.h), prints a summary to stderr, and with --push sends the pprof profile
 * to a Pyroscope or Parca server (lib/push.h) after every file is written.
 *
 * A launched command is held before exec until every perf event is attached, then runs to its
 * end (or until -d or Ctrl-C). For -p, the profile ends with -d, Ctrl-C, or the process's exit;
 * what was collected is written in every case.
 */
#include <errno.h>
#include <getopt.h>
#include <linux/capability.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/profile.h"
#include "flamegraph/folded.h"
#include "flamegraph/formats.h"
#include "flamegraph/svg.h"
#include "lib/bpf_util.h"
#include "lib/cpu_clock.h"
#include "profiler/commands.h"
#include "lib/errors.h"
#include "lib/opts.h"
#include "lib/log.h"
#include "lib/push.h"
#include "lib/session.h"
#include "lib/signals.h"
#include "runtimes/jvm_perfmap.h"
#include "runtimes/runtime.h"
#include "stacks/capture_queue.h"
#include "stacks/export.h"
#include "stacks/stack_keys.h"
#include "stacks/stacks.h"
#include "symbolize/symbolize.h"
#include "profile.skel.h"

_Static_assert(sizeof(struct stack_capture) == STACK_CAPTURE_HDR_SIZE, "stack_capture header");

#define PROFILE_DEFAULT_HZ	    99
#define PROFILE_DEFAULT_STACK_BYTES 16384
#define PROFILE_POLL_MS		    100	 /* ms: the longest the loop waits for samples */
#define PROFILE_ALIVE_S		    0.25 /* s: a -p target is checked for its end this often */
#define PROFILE_READ_MS		    10	 /* ms: how often the reader drains the ring buffer */
#define PROFILE_TOP		    10	 /* functions in the summary */
#define PROFILE_EVICT_S		    1.0	 /* s: -a forgets the processes gone since, this often */
#define PROFILE_CUT_MARGIN_S	    0.2 /* s: --every waits this long for an interval's last samples */

struct profile_opts {
	struct target_opts target;
	int hz;
	double duration_s;   /* 0: until Ctrl-C or the end of the target */
	struct outputs outs; /* --folded, --svg, --pprof, --speedscope, -o: in the order given */
	bool kernel;
	bool per_thread;
	bool follow;
	bool lines;	  /* Python frames with their line */
	bool native_only; /* no interpreter frames */
	bool jvm_fp;	  /* --jvm-frame-pointers: a launched JVM keeps frame pointers */
	bool capture_all; /* --capture-all: no sample keys, every sample captured */
	long stack_bytes;
	bool all;	/* -a: every process of the host */
	bool per_pid;	/* root frame "comm-PID" */
	double every_s; /* --every: one profile per interval into out_dir; 0: one profile */
	const char *out_dir;
	const char *push_url; /* --push URL, NULL: none */
	struct push_target push;
};

struct profile_run {
	struct stacks *stacks;
	__u64 bad_records;
	int first_err;
	/* --every: intervals are cut by the samples' own time (CLOCK_MONOTONIC, from BPF), so
	 * each sample lands in its interval however far behind the pipeline runs */
	const struct profile_opts *o;
	struct profile_span *span;
	double next_cut; /* s */
	int cut_err;
	/* sampling ends at -d or Ctrl-C even while the pipeline works through a long backlog */
	struct bpf_link **links;
	int n_links;
	double deadline; /* s, 0: none */
	__u64 handled;
	/* sample keys (bpf/profile.bpf.c): BPF counts most samples by key instead of capturing */
	bool keys;
	int counts_fd, ranges_fd;
	__u64 keys_full;    /* keys found to stand for several stacks (captured in full since) */
	__u64 keys_retried; /* first captures not good enough to stand for their key */
	int *nokeys;	    /* processes captured in full (JIT code) */
	size_t n_nokeys, cap_nokeys;
	struct key_count *counts; /* sample_counts as drain_keys last read it */
	size_t cap_counts;
	struct profile_key *batch_keys; /* a batch of its keys and values (COUNTS_BATCH) */
	__u64 *batch_vals;
	__u64 keys_unresolved; /* counted samples of a key whose stack was never added */
};

/* Stop sampling (idempotent): what is queued is still processed. */
static void stop_sampling(struct profile_run *run)
{
	int i;

	for (i = 0; i < run->n_links; i++) {
		bpf_link__destroy(run->links[i]);
		run->links[i] = NULL;
	}
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: rtprof profile (-p PID | -a | -- CMD ARGS...) [-F HZ] [-d SECONDS]\n"
		"                      [--folded FILE] [--svg FILE] [--pprof FILE] [--speedscope "
		"FILE]\n"
		"                      [-o FILE] [--every SECONDS --out-dir DIR] [-K] "
		"[--per-thread]\n"
		"                      [--per-pid] [-f] [--stack-bytes N] [--capture-all] "
		"[--lines]\n"
		"                      [--native-only]\n"
		"                      [--push URL [--name APP] [--label K=V]... [--tenant ID]\n"
		"                      [--backend pyroscope|parca]]\n"
		"\n"
		"Sample the target's stacks HZ times per second on each CPU it runs on, unwind "
		"them\n"
		"with the binaries' CFI (no frame pointers needed), and write folded stacks and/or "
		"a\n"
		"flame graph. With no output file (nor --push), folded stacks go to stdout\n"
		"(-p) or, beside a launched command, to stderr: its stdout stays its own\n"
		"(-o - for stdout).\n"
		"\n"
		"  -p, --pid PID          profile a running process (all its threads)\n"
		"  -a, --all              profile every process of the host (rtprof and the idle "
		"task\n"
		"                         left out); the root frame of each stack is the process "
		"name\n"
		"  -- CMD ARGS...         launch CMD, profile it from its first instruction to its "
		"end\n"
		"  -F, --freq HZ          samples per second per CPU (default %d)\n"
		"  -d, --duration SECONDS stop after this long (default: Ctrl-C, or the command's "
		"end)\n"
		"      --folded FILE      write folded stacks (\"-\" for stdout)\n"
		"      --svg FILE         write a flame graph\n"
		"      --pprof FILE       write a pprof profile (gzipped protobuf: samples/count,\n"
		"                         cpu/nanoseconds)\n"
		"      --speedscope FILE  write speedscope JSON (a profile per thread with -T)\n"
		"  -o, --output FILE      write FILE in the format of its extension: .folded, "
		".svg,\n"
		"                         .pb.gz, .speedscope.json (repeatable); -o - is folded\n"
		"                         stacks to stdout\n"
		"  -K, --kernel           add kernel frames (suffix _[k]) above the user frames\n"
		"  -T, --per-thread       put \"comm-TID\" at the root of every stack\n"
		"      --per-pid          put \"comm-PID\" at the root of every stack\n"
		"      --every SECONDS    one profile per interval (>= 1 s), until -d or Ctrl-C, "
		"written\n"
		"                         as DIR/profile-TIMESTAMP.folded and .pb.gz (needs "
		"--out-dir)\n"
		"      --out-dir DIR      the directory of --every's profiles\n"
		"  -f, --follow           also profile child processes of the target\n"
		"      --lines            Python and Ruby frames with their line\n"
		"      --native-only      no Python or Ruby frames: the interpreter's C functions\n"
		"      --jvm-frame-pointers\n"
		"                         a launched JVM gets -XX:+PreserveFramePointer (through\n"
		"                         JAVA_TOOL_OPTIONS): stacks go on through compiled code\n"
		"      --stack-bytes N    user stack bytes copied per sample (default %d, max %d;\n"
		"                         0 = frame-pointer chain only)\n"
		"      --capture-all      copy and unwind every sample (default: a sample whose "
		"stack\n"
		"                         was seen before is only counted, by a key BPF computes)\n"
		"      --push URL         at the end, send the pprof profile to a Pyroscope or "
		"Parca\n"
		"                         server: [pyroscope:|parca:]http://HOST[:PORT] (as rtprof "
		"push;\n"
		"                         files are written first; a failed push is exit "
		"1)\n" PUSH_USAGE "  -v, --verbose          debug output\n"
		"  -h, --help             this help\n"
		"\n"
		"examples:\n"
		"  rtprof profile -p 4242 -d 10 --svg cpu.svg\n"
		"  rtprof profile --svg py.svg -- python3 script.py\n"
		"  rtprof profile -F 999 -K --per-thread --folded out.folded -- ./server --bench\n"
		"  rtprof profile -d 30 -o cpu.pb.gz -o cpu.svg -p 4242\n"
		"  rtprof profile -d 30 --push pyroscope:http://127.0.0.1:4040 --name shop -p "
		"4242\n"
		"  rtprof profile --jvm-frame-pointers --svg java.svg -- java -jar app.jar\n"
		"  rtprof profile -a -d 10 --svg host.svg\n"
		"  rtprof profile -a --every 60 --out-dir /var/lib/rtprof\n",
		PROFILE_DEFAULT_HZ, PROFILE_DEFAULT_STACK_BYTES, STACK_CAPTURE_MAX_BYTES);
}

static int parse_opts(int argc, char **argv, struct profile_opts *o)
{
	static const struct option longopts[] = {
		{"pid", required_argument, NULL, 'p'},
		{"all", no_argument, NULL, 'a'},
		{"per-pid", no_argument, NULL, 0x105},
		{"every", required_argument, NULL, 0x106},
		{"out-dir", required_argument, NULL, 0x107},
		{"freq", required_argument, NULL, 'F'},
		{"duration", required_argument, NULL, 'd'},
		{"folded", required_argument, NULL, 0x102},
		{"svg", required_argument, NULL, 's'},
		{"pprof", required_argument, NULL, 0x103},
		{"speedscope", required_argument, NULL, 0x104},
		{"output", required_argument, NULL, 'o'},
		{"kernel", no_argument, NULL, 'K'},
		{"per-thread", no_argument, NULL, 'T'},
		{"follow", no_argument, NULL, 'f'},
		{"stack-bytes", required_argument, NULL, 'b'},
		{"lines", no_argument, NULL, 0x100},
		{"native-only", no_argument, NULL, 0x101},
		{"capture-all", no_argument, NULL, 0x10a},
		{"push", required_argument, NULL, 0x108},
		PUSH_LONGOPTS,
		{"jvm-frame-pointers", no_argument, NULL, 0x109},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	struct opts_common co = {"profile", &o->target, &o->duration_s, usage};
	bool push_opt = false;
	char *end;
	int c, err;

	push_target__init(&o->push, "profile --push");
	o->hz = PROFILE_DEFAULT_HZ;
	o->stack_bytes = PROFILE_DEFAULT_STACK_BYTES;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+ap:F:d:o:KTfvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'F':
			o->hz = (int)strtol(optarg, &end, 10);
			if (*end || o->hz <= 0 || o->hz > 100000) {
				fprintf(stderr, "rtprof profile: -F wants 1..100000 Hz, not '%s'\n",
					optarg);
				return -ERR_USAGE;
			}
			break;
		case 0x102:
		case 's':
		case 0x103:
		case 0x104:
		case 'o':
			err = outputs__add(&o->outs,
					   c == 0x102 || (c == 'o' && !strcmp(optarg, "-"))
						   ? OUTPUT_FOLDED
					   : c == 's'	? OUTPUT_SVG
					   : c == 0x103 ? OUTPUT_PPROF
					   : c == 0x104 ? OUTPUT_SPEEDSCOPE
							: OUTPUT_UNKNOWN,
					   optarg);
			if (err) {
				fprintf(stderr, "rtprof profile: %s %s: %s\n",
					c == 'o' ? "-o" : "output", optarg,
					err == -EINVAL
						? "unknown extension (one of " OUTPUT_EXTENSIONS ")"
						: "too many outputs");
				return -ERR_USAGE;
			}
			break;
		case 'K':
			o->kernel = true;
			break;
		case 'a':
			o->all = true;
			break;
		case 0x105:
			o->per_pid = true;
			break;
		case 0x106:
			err = opts_seconds("profile", "--every", optarg, &o->every_s);
			if (!err && o->every_s < 1) {
				fprintf(stderr,
					"rtprof profile: --every wants 1 second or more, "
					"not '%s'\n",
					optarg);
				err = -ERR_USAGE;
			}
			if (err)
				return err;
			break;
		case 0x107:
			o->out_dir = optarg;
			break;
		case 'T':
			o->per_thread = true;
			break;
		case 'f':
			o->follow = true;
			break;
		case 0x100:
			o->lines = true;
			break;
		case 0x101:
			o->native_only = true;
			break;
		case 0x108:
			o->push_url = optarg;
			break;
		case 0x109:
			o->jvm_fp = true;
			break;
		case 0x10a:
			o->capture_all = true;
			break;
		case PUSH_OPT_NAME:
		case PUSH_OPT_LABEL:
		case PUSH_OPT_TENANT:
		case PUSH_OPT_BACKEND:
			push_opt = true;
			err = push_target__option(&o->push, c, optarg);
			if (err)
				return err;
			break;
		case 'b':
			o->stack_bytes = strtol(optarg, &end, 10);
			if (*end || o->stack_bytes < 0 ||
			    o->stack_bytes > STACK_CAPTURE_MAX_BYTES) {
				fprintf(stderr,
					"rtprof profile: --stack-bytes wants 0..%d, not '%s'\n",
					STACK_CAPTURE_MAX_BYTES, optarg);
				return -ERR_USAGE;
			}
			break;
		default:
			err = opts_common__handle(&co, c, optarg);
			if (err)
				return err;
		}
	}
	if (push_opt && !o->push_url) {
		fprintf(stderr, "rtprof profile: --name, --label, --tenant and --backend go "
				"with --push URL\n");
		return -ERR_USAGE;
	}
	if (o->push_url) {
		err = push_target__finish(&o->push, o->push_url);
		if (err)
			return err;
	}
	if (o->every_s && !o->out_dir && !o->push_url) {
		fprintf(stderr, "rtprof profile: --every needs --out-dir DIR or --push URL\n");
		return -ERR_USAGE;
	}
	if (o->out_dir && !o->every_s) {
		fprintf(stderr, "rtprof profile: --out-dir goes with --every SECONDS\n");
		return -ERR_USAGE;
	}
	if (o->every_s && o->outs.n) {
		fprintf(stderr, "rtprof profile: --every writes its profiles into --out-dir: no "
				"-o, --folded, --svg, --pprof or --speedscope with it\n");
		return -ERR_USAGE;
	}
	if (o->all) {
		if (o->target.pid || optind < argc) {
			fprintf(stderr, "rtprof profile: -a profiles every process: no -p PID or "
					"-- COMMAND with it\n");
			return -ERR_USAGE;
		}
		if (o->follow) {
			fprintf(stderr, "rtprof profile: -a already profiles every process: no -f "
					"with it\n");
			return -ERR_USAGE;
		}
		return 0;
	}
	return opts_common__finish(&co, argc, argv, optind);
}

/* CAP_SYS_ADMIN, or CAP_BPF with CAP_PERFMON: what loading the programs and opening a
 * system-wide cpu-clock event need. */
static bool privileged(void)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2] = {};
	bool sys_admin, bpf, perfmon;

	if (syscall(SYS_capget, &hdr, data))
		return geteuid() == 0;
	sys_admin = data[0].effective & (1u << CAP_SYS_ADMIN);
	bpf = data[1].effective & (1u << (CAP_BPF - 32));
	perfmon = data[1].effective & (1u << (CAP_PERFMON - 32));
	return sys_admin || (bpf && perfmon);
}

/* Every followed process keeps its modules open while it is unwound: allow as many files as the
 * hard limit does. */
static void raise_nofile_limit(void)
{
	struct rlimit r;

	if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
		r.rlim_cur = r.rlim_max;
		setrlimit(RLIMIT_NOFILE, &r);
	}
}

static void cut_interval(struct profile_run *run);

static double now_s(void);

static bool keys_refused(const struct profile_run *run, int pid)
{
	size_t i;

	for (i = 0; i < run->n_nokeys; i++)
		if (run->nokeys[i] == pid)
			return true;
	return false;
}

/* A process whose samples are all captured in full from now on (JIT code, interpreter frames):
 * no code ranges, so BPF computes no key for it. */
static void keys_off(struct profile_run *run, int pid)
{
	__u32 key = (__u32)pid;

	if (keys_refused(run, pid))
		return;
	bpf_map_delete_elem(run->ranges_fd, &key);
	if (run->n_nokeys == run->cap_nokeys) {
		size_t cap = run->cap_nokeys ? 2 * run->cap_nokeys : 16;
		int *p = realloc(run->nokeys, cap * sizeof(*p));

		if (!p)
			return;
		run->nokeys = p;
		run->cap_nokeys = cap;
	}
	run->nokeys[run->n_nokeys++] = pid;
}

/* Sample keys: BPF's code ranges of a process, each time its maps are read for unwinding (none
 * for a process with JIT code: its samples are captured in full). */
static void keys_maps_changed(void *ctx, int pid, const struct proc_maps *maps)
{
	struct profile_run *run = ctx;
	struct stack_key_ranges r = {};
	__u32 key = (__u32)pid;

	/* JIT code (a JVM, node) is named through perf maps that change as code is compiled and
	 * moved: its samples are captured in full */
	if (stack_key_ranges__count_jit(maps) || keys_refused(run, pid)) {
		bpf_map_delete_elem(run->ranges_fd, &key);
		return;
	}
	if (stack_key_ranges__set(&r, maps))
		bpf_map_update_elem(run->ranges_fd, &key, &r, BPF_ANY);
}

/* What a key's capture said of the key (stacks__add_keyed): a key that does not stand for one
 * stack is captured in full from now on; one whose first stack was not good enough is captured
 * again (its samples counted so far go to the stack it has when they are added). */
static void key_verdict(struct profile_run *run, const struct stack_capture *c,
			enum stacks_key_verdict verdict)
{
	struct profile_key k = {.pid = c->pid, .tid = c->tid, .hash = c->key}; /* its state */
	__u64 always = PROFILE_KEY_ALWAYS;

	if (verdict == STACKS_KEY_KEPT)
		return;
	if (verdict == STACKS_KEY_JIT)
		keys_off(run, c->pid);
	if (verdict == STACKS_KEY_RETRY || verdict == STACKS_KEY_JIT) {
		bpf_map_delete_elem(run->counts_fd, &k);
		run->keys_retried++;
	} else if (!bpf_map_update_elem(run->counts_fd, &k, &always, BPF_EXIST)) {
		run->keys_full++;
	}
}

/* An entry of sample_counts. */
struct key_count {
	struct profile_key k;
	__u64 v;
};

static int key_count_cmp(const void *a, const void *b)
{
	const struct key_count *x = a, *y = b;

	return x->k.pid < y->k.pid ? -1 : x->k.pid > y->k.pid;
}

/* Room for n entries in run->counts; false without memory. */
static bool counts_room(struct profile_run *run, size_t n)
{
	struct key_count *c;
	size_t cap;

	if (n <= run->cap_counts)
		return true;
	cap = run->cap_counts ? 2 * run->cap_counts : 4096;
	while (cap < n)
		cap *= 2;
	c = realloc(run->counts, cap * sizeof(*c));
	if (!c)
		return false;
	run->counts = c;
	run->cap_counts = cap;
	return true;
}

#define COUNTS_BATCH 4096

/*
 * Read every entry of sample_counts into run->counts: in batches of COUNTS_BATCH (a few system
 * calls for the whole table; a key and an instruction per entry, there are thousands), else, where
 * the kernel has no batches, one key at a time. Returns the number of entries.
 */
static size_t counts_read(struct profile_run *run)
{
	struct profile_key *keys, next;
	__u64 *vals, token = 0;
	size_t n = 0, i;
	bool more, first = true;
	__u32 count;
	int err;

	if (!run->batch_keys)
		run->batch_keys = malloc(COUNTS_BATCH * sizeof(*run->batch_keys));
	if (!run->batch_vals)
		run->batch_vals = malloc(COUNTS_BATCH * sizeof(*run->batch_vals));
	keys = run->batch_keys;
	vals = run->batch_vals;
	if (!keys || !vals)
		goto one_by_one;
	for (;;) {
		count = COUNTS_BATCH;
		err = bpf_map_lookup_batch(run->counts_fd, first ? NULL : &token, &token, keys,
					   vals, &count, NULL);
		if (err && errno != ENOENT && first)
			goto one_by_one;
		first = false;
		if (!counts_room(run, n + count))
			return n;
		for (i = 0; i < count; i++)
			run->counts[n++] = (struct key_count){.k = keys[i], .v = vals[i]};
		if (err)
			return n; /* ENOENT: the end of the table (or a read that failed) */
	}
one_by_one:
	more = !bpf_map_get_next_key(run->counts_fd, NULL, &next);
	while (more && counts_room(run, n + 1)) {
		run->counts[n].k = next;
		more = !bpf_map_get_next_key(run->counts_fd, &run->counts[n].k, &next);
		if (!bpf_map_lookup_elem(run->counts_fd, &run->counts[n].k, &run->counts[n].v))
			n++;
	}
	return n;
}

/*
 * Add the samples BPF counted by key since the last call to the profile. final: every capture
 * was added: a count whose key has no stack is lost (counted). purge: forget the counts and code
 * ranges of processes that are gone (after adding their samples).
 */
static void drain_keys(struct profile_run *run, bool final, bool purge)
{
	size_t n, i;
	__u32 pid, npid;
	bool more, dead = false;

	if (!run->keys)
		return;
	n = counts_read(run);
	/* by process: one look at whether each one is gone */
	if (purge)
		qsort(run->counts, n, sizeof(*run->counts), key_count_cmp);
	for (i = 0; i < n; i++) {
		const struct profile_key *k = &run->counts[i].k;
		__u64 v = run->counts[i].v;

		if (k->ip && v != PROFILE_KEY_ALWAYS &&
		    stacks__add_key_count(run->stacks, k->pid, k->tid, k->hash, k->ip, v) ==
			    -ENOENT &&
		    final)
			run->keys_unresolved += v;
		if (!purge)
			continue;
		if (!i || k->pid != run->counts[i - 1].k.pid)
			dead = kill((pid_t)k->pid, 0) && errno == ESRCH;
		if (dead)
			bpf_map_delete_elem(run->counts_fd, k);
	}
	if (!purge)
		return;
	more = !bpf_map_get_next_key(run->ranges_fd, NULL, &npid);
	while (more) {
		pid = npid;
		more = !bpf_map_get_next_key(run->ranges_fd, &pid, &npid);
		if (kill((pid_t)pid, 0) && errno == ESRCH)
			bpf_map_delete_elem(run->ranges_fd, &pid);
	}
}

static int on_sample(void *ctx, void *data, size_t size)
{
	struct profile_run *run = ctx;
	const struct stack_capture *c = data;
	enum stacks_key_verdict verdict;
	int err;

	if (run->o->every_s && size >= STACK_CAPTURE_HDR_SIZE &&
	    (double)c->cookie / 1e9 >= run->next_cut)
		cut_interval(run);
	/* every 64 samples: the end asked for while the pipeline is behind */
	if (!(++run->handled & 63) &&
	    (signals_stop_requested() || (run->deadline && now_s() >= run->deadline)))
		stop_sampling(run);
	err = stacks__add_keyed(run->stacks, data, size, &verdict);
	if (!err)
		key_verdict(run, c, verdict);
	if (err == -ERR_BADINPUT)
		run->bad_records++;
	else if (err && !run->first_err)
		run->first_err = err;
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The time span of the profile, for pprof's time_nanos and duration_nanos. */
struct profile_span {
	__s64 start_ns; /* CLOCK_REALTIME */
	__s64 duration_ns;
	/* --every: the current interval */
	double interval_start;	  /* CLOCK_MONOTONIC, s */
	unsigned int intervals;	  /* written (or pushed) so far */
	unsigned int push_failed; /* intervals --push could not send */
};

static int write_pprof(const struct profile_opts *o, struct stacks *stacks,
		       const struct profile_span *span, FILE *f)
{
	static const struct pprof_value_type types[] = {{"samples", "count"},
							{"cpu", "nanoseconds"}};
	__s64 period = llround(1e9 / o->hz);
	const double scale[] = {1, (double)period};
	struct pprof_opts po = {
		.sample_types = types,
		.n_sample_types = 2,
		.period_type = types[1],
		.period = period,
		.default_sample_type = "samples",
		.time_nanos = span->start_ns,
		.duration_nanos = span->duration_ns,
		.comment = "rtprof profile " RTPROF_VERSION,
	};
	struct pprof_writer *w = stacks__pprof_writer(stacks, &po);
	int err;

	if (!w)
		return -errno;
	err = stacks__pprof_samples(stacks, w, scale, o->per_thread || o->per_pid || o->all);
	if (!err)
		err = pprof_writer__write(w, f);
	pprof_writer__free(w);
	return err;
}

static int write_speedscope(const struct profile_opts *o, struct stacks *stacks, const char *path,
			    FILE *f)
{
	const char *base = strrchr(path, '/');
	char name[64];

	if (o->target.argv) {
		const char *cmd = strrchr(o->target.argv[0], '/');

		snprintf(name, sizeof(name), "%s", cmd ? cmd + 1 : o->target.argv[0]);
	} else {
		snprintf(name, sizeof(name), "pid %d", o->target.pid);
	}
	/* weights in nanoseconds of CPU time: samples times the period */
	return stacks__write_speedscope(stacks, base ? base + 1 : path, name, "nanoseconds",
					(double)llround(1e9 / o->hz), o->per_thread, f);
}

static int write_output(const struct profile_opts *o, struct stacks *stacks,
			const struct profile_span *span, const struct output *out)
{
	const struct stack_tree *t = stacks__tree(stacks);
	const char *opt = output_format_name(out->format);
	struct flamegraph_opts fo;
	double t0 = now_s();
	FILE *f;
	int err = 0;

	if (out->format == OUTPUT_FOLDED && !strcmp(out->path, "-")) {
		err = stack_tree__write_folded(t, stdout);
		fflush(stdout);
		return err;
	}
	if (out->format == OUTPUT_SVG && stack_tree__total(t, STACK_COL_AFTER) <= 0) {
		pr_warn("profile --svg %s: no samples, nothing to draw\n", out->path);
		return 0;
	}
	f = fopen(out->path, "we");
	if (!f) {
		err = -errno;
		pr_warn("profile --%s %s: %s\n", opt, out->path, err_str(err));
		return err;
	}
	switch (out->format) {
	case OUTPUT_FOLDED:
		err = stack_tree__write_folded(t, f);
		break;
	case OUTPUT_SVG:
		flamegraph_opts__init(&fo);
		fo.title = "CPU profile";
		fo.countname = "samples";
		err = flamegraph__write_svg(t, &fo, f);
		break;
	case OUTPUT_PPROF:
		err = write_pprof(o, stacks, span, f);
		break;
	case OUTPUT_SPEEDSCOPE:
		err = write_speedscope(o, stacks, out->path, f);
		break;
	default:
		err = -EINVAL;
	}
	if (fclose(f) && !err)
		err = -errno;
	if (err)
		pr_warn("profile --%s %s: %s\n", opt, out->path, err_str(err));
	else /* for bench/export.sh */
		pr_debug("profile: --%s %s written in %.2f ms\n", opt, out->path,
			 (now_s() - t0) * 1e3);
	return err;
}

/*
 * --push: the profile as --pprof writes it, built in memory and sent by lib/push.h with the
 * whole seconds that cover the span. One line on stderr when the server refuses or cannot be
 * reached.
 */
static int push_profile(const struct profile_opts *o, struct stacks *stacks,
			const struct profile_span *span)
{
	char *buf = NULL;
	size_t len = 0;
	long long from, until;
	FILE *f;
	int err;

	f = open_memstream(&buf, &len);
	if (!f)
		return -errno;
	err = write_pprof(o, stacks, span, f);
	if (fclose(f) && !err)
		err = -ENOMEM;
	if (err) {
		pr_warn("profile --push: the pprof profile: %s\n", err_str(err));
		goto cleanup;
	}
	push_range(span->start_ns, span->duration_ns, &from, &until);
	err = push_send(&o->push, buf, len, PUSH_PPROF, from, until);
	if (!err)
		pr_info("profile: pushed to %s %s (%zu bytes of pprof, %lld..%lld)\n",
			push_backend_name(o->push.backend), o->push.url_str, len, from, until);
cleanup:
	free(buf);
	return err;
}

/* The files asked for, then the push: a push that fails never costs a file. */
static int write_outputs(const struct profile_opts *o, struct stacks *stacks,
			 const struct profile_span *span)
{
	FILE *f = o->target.argv ? stderr : stdout;
	size_t i;
	int err = 0, perr;

	/* Neither a file nor a push asked for: folded stacks to stdout, or to stderr beside a
	 * launched command, whose stdout stays its own (the rule of -o, lib/opts.h); -o - or
	 * --folded - asks for stdout. */
	if (!o->outs.n && !o->push_url) {
		err = stack_tree__write_folded(stacks__tree(stacks), f);
		fflush(f);
		return err;
	}
	for (i = 0; i < o->outs.n && !err; i++)
		err = write_output(o, stacks, span, &o->outs.v[i]);
	if (o->push_url) {
		perr = push_profile(o, stacks, span);
		if (!err)
			err = perr;
	}
	return err;
}

/* Write one output into path through a temporary name in the same directory, renamed at the end:
 * a file with the final name is always whole. */
static int write_whole(const struct profile_opts *o, struct stacks *stacks,
		       const struct profile_span *span, enum output_format format, const char *path)
{
	struct output out = {format, NULL};
	char tmp[4096];
	int err;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	out.path = tmp;
	err = write_output(o, stacks, span, &out);
	if (!err && rename(tmp, path)) {
		err = -errno;
		pr_warn("profile --out-dir: rename %s: %s\n", path, err_str(err));
	}
	if (err)
		unlink(tmp);
	return err;
}

/*
 * --every: the profile of the interval that ends at t (CLOCK_MONOTONIC), as
 * DIR/profile-TIMESTAMP.folded and .pb.gz, TIMESTAMP the interval's start in UTC
 * (20261204T143811.250Z). Every profile of a continuous run goes through here (a push to a
 * backend belongs here too). The caller then starts the next interval (stacks__reset).
 */
static int write_interval(const struct profile_opts *o, struct stacks *stacks,
			  struct profile_span *span, double t)
{
	static const enum output_format formats[] = {OUTPUT_FOLDED, OUTPUT_PPROF};
	static const char *const exts[] = {"folded", "pb.gz"};
	struct profile_span iv = *span;
	char stamp[64], path[4096];
	struct tm tm;
	time_t secs;
	size_t i;
	int err = 0;

	iv.duration_ns = llround((t - span->interval_start) * 1e9);
	secs = (time_t)(span->start_ns / 1000000000);
	gmtime_r(&secs, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", &tm);
	for (i = 0; o->out_dir && i < 2 && !err; i++) {
		if (snprintf(path, sizeof(path), "%s/profile-%s.%03dZ.%s", o->out_dir, stamp,
			     (int)(span->start_ns / 1000000 % 1000), exts[i]) >= (int)sizeof(path))
			err = -ENAMETOOLONG;
		else
			err = write_whole(o, stacks, &iv, formats[i], path);
	}
	if (err) {
		pr_warn("profile --out-dir %s: %s\n", o->out_dir, err_str(err));
		return err;
	}
	if (o->out_dir)
		pr_debug("profile: %s written\n", path);
	/* a server that is down for a while costs its intervals, not the run: counted, said at
	 * the end (exit 1) */
	if (o->push_url && push_profile(o, stacks, &iv))
		span->push_failed++;
	span->intervals++;
	span->start_ns += iv.duration_ns;
	span->interval_start = t;
	return 0;
}

/* --every: write the interval that ends at run->next_cut, start the next one. A sample later
 * than the next interval's end (nothing was sampled for a while) starts the interval it is in. */
static void cut_interval(struct profile_run *run)
{
	int err;

	if (run->cut_err)
		return;
	drain_keys(run, false, false);
	err = write_interval(run->o, run->stacks, run->span, run->next_cut);
	if (!err)
		err = stacks__reset(run->stacks);
	if (err) {
		run->cut_err = err;
		return;
	}
	run->next_cut += run->o->every_s;
	if (now_s() > run->next_cut + run->o->every_s) {
		run->next_cut = now_s() + run->o->every_s;
		run->span->interval_start = now_s();
	}
}

/* Every output is folded stacks or a flame graph (none given: folded stacks). */
static bool names_only(const struct outputs *outs)
{
	size_t i;

	for (i = 0; i < outs->n; i++)
		if (outs->v[i].format != OUTPUT_FOLDED && outs->v[i].format != OUTPUT_SVG)
			return false;
	return true;
}

static void print_summary(const struct profile_run *run, __u64 lost, double secs, bool every)
{
	struct stacks *stacks = run->stacks;
	struct stacks_stats st;
	double user;

	stacks__stats(stacks, &st);
	user = (double)(st.complete + st.truncated + st.incomplete);
	fprintf(stderr, "rtprof: profile: %llu samples in %.2f s, %llu lost",
		(unsigned long long)st.records, secs,
		(unsigned long long)(lost + run->keys_unresolved));
	if (run->keys_unresolved)
		fprintf(stderr, " (%llu counted under a stack key whose stack was not captured)",
			(unsigned long long)run->keys_unresolved);
	if (run->bad_records)
		fprintf(stderr, ", %llu malformed", (unsigned long long)run->bad_records);
	fprintf(stderr,
		"\nrtprof: profile: user stacks not fully unwound: %llu (%.1f%%: %llu "
		"truncated by --stack-bytes, %llu stopped early)\n",
		(unsigned long long)(st.truncated + st.incomplete),
		user > 0 ? 100.0 * (st.truncated + st.incomplete) / user : 0.0,
		(unsigned long long)st.truncated, (unsigned long long)st.incomplete);
	if (st.unnamed)
		fprintf(stderr,
			"rtprof: profile: %llu samples with no user frame named (shown as "
			"[unknown] under their process; the process was gone before its maps were "
			"read, or its code has no symbols)\n",
			(unsigned long long)st.unnamed);
	stacks__print_interp(stacks, stderr, "rtprof: profile: ");
	if (st.procs_evicted)
		fprintf(stderr,
			"rtprof: profile: %llu processes gone and forgotten; %llu modules no live "
			"process mapped freed\n",
			(unsigned long long)st.procs_evicted, (unsigned long long)st.modules_freed);
	if (run->keys)
		pr_debug("profile: sample keys: %llu samples captured, %llu counted by key; %zu "
			 "keys, "
			 "%llu captured again (first stack incomplete or unnamed), %llu found to "
			 "stand for several stacks\n",
			 (unsigned long long)run->handled,
			 (unsigned long long)(st.records > run->handled ? st.records - run->handled
									: 0),
			 stacks__key_count(stacks), (unsigned long long)run->keys_retried,
			 (unsigned long long)run->keys_full);
	if (st.interval_records && !every) {
		fprintf(stderr, "rtprof: profile: top functions (self):\n");
		stacks__print_top(stacks, stderr, PROFILE_TOP, "samples");
	}
}

int cmd_profile(int argc, char **argv)
{
	return profile_run(argc, argv, NULL);
}

int profile_run(int argc, char **argv, struct profile_result *res)
{
	struct profile_opts o = {};
	struct profile_run run = {};
	struct profile_bpf *skel = NULL;
	struct capture_queue *q = NULL;
	struct bpf_link **links = NULL, *fork_link = NULL, *exec_link = NULL, *exit_link = NULL;
	struct session *sess = NULL;
	struct stacks_opts so;
	struct symbolizer_opts sym = {};
	struct jvm_perfmap jvm = {};
	double start = 0, deadline = 0, rb_bytes, next_evict = 0, next_alive = 0;
	struct profile_span span = {};
	struct timespec wall;
	bool gone = false;
	int n_links = 0, err, i, pid;
	__u8 one = PROFILE_PID_NEW;
	__u32 key;

	err = parse_opts(argc, argv, &o);
	if (err)
		return err > 0 ? 0 : err;
	signals_install();
	if (!privileged()) {
		pr_warn("profile: permission denied: run as root (or with CAP_BPF and "
			"CAP_PERFMON)\n");
		err = -EPERM;
		goto cleanup;
	}
	err = outputs__check(&o.outs, "profile");
	if (err)
		goto cleanup;

	if (o.out_dir && mkdir(o.out_dir, 0755) && errno != EEXIST) {
		err = -errno;
		pr_warn("profile --out-dir %s: %s\n", o.out_dir, err_str(err));
		goto cleanup;
	}
	if (o.out_dir && access(o.out_dir, W_OK | X_OK)) {
		err = -errno;
		pr_warn("profile --out-dir %s: %s\n", o.out_dir, err_str(err));
		goto cleanup;
	}
	raise_nofile_limit();
	skel = profile_bpf__open();
	if (!skel) {
		err = -errno;
		pr_warn("profile: cannot open the BPF object: %s\n", err_str(err));
		goto cleanup;
	}
	skel->rodata->stack_capture_bytes = (__u32)o.stack_bytes;
	skel->rodata->stack_capture_kernel = o.kernel;
	skel->rodata->stack_capture_fp_chain = o.stack_bytes == 0;
	skel->rodata->follow_children = o.follow;
	skel->rodata->profile_all = o.all;
	skel->rodata->self_pid = (__u32)getpid();
	/* sample keys need a stack to hash and to capture */
	run.keys = !o.capture_all && o.stack_bytes > 0;
	skel->rodata->sample_keys = run.keys;
	if (o.all)
		bpf_map__set_max_entries(skel->maps.pids, PROFILE_ALL_MAX_PIDS);
	if (!o.all && !run.keys)
		bpf_program__set_autoload(skel->progs.profile_exit, false);
	bpf_map__set_max_entries(skel->maps.stack_capture_scratch, libbpf_num_possible_cpus());
	/* room for ~512 samples of the full copy size, at least 4 MB, a power of two */
	rb_bytes = 512.0 * (STACK_CAPTURE_HDR_SIZE + o.stack_bytes);
	if (!o.native_only)
		rb_bytes += 512.0 * 64 * sizeof(struct interp_frame);
	for (key = 4 << 20; key < rb_bytes && key < (256u << 20); key <<= 1)
		;
	bpf_map__set_max_entries(skel->maps.events, key);
	if (!o.follow)
		bpf_program__set_autoload(skel->progs.profile_fork, false);
	err = profile_bpf__load(skel);
	if (err) {
		pr_warn("profile: cannot load the BPF programs: %s (-v shows the verifier's log)\n",
			err_str(err));
		if (err == -EPERM || err == -EACCES)
			err = -EINVAL; /* the verifier said no: not a permission the user can fix */
		goto cleanup;
	}

	stacks_opts__init(&so);
	so.kernel = o.kernel;
	so.per_thread = o.per_thread;
	so.per_process = o.per_pid;
	so.per_comm = o.all;
	/* a launched command may be short-lived too: its maps read as its first samples arrive (a
	 * 50 ms command once had none of its samples reach main: its maps were read too late) */
	so.track_early = o.all || o.follow || o.target.argv;
	so.fp_only = o.stack_bytes == 0;
	so.interp_map_fd = o.native_only ? -1 : bpf_map__fd(skel->maps.interp_procs);
	so.lines = o.lines;
	/* folded stacks and flame graphs show names: the line tables (pprof's and speedscope's
	 * file and line of native frames) are not read for them */
	sym.no_lines = !o.lines && !o.push_url && !o.every_s && names_only(&o.outs);
	so.sym = &sym;
	if (run.keys) {
		run.counts_fd = bpf_map__fd(skel->maps.sample_counts);
		run.ranges_fd = bpf_map__fd(skel->maps.key_ranges);
		so.maps_changed = keys_maps_changed;
		so.maps_ctx = &run;
	}
	run.stacks = stacks__new(&so);
	if (!run.stacks) {
		err = -errno;
		pr_warn("profile: %s\n", err_str(err));
		goto cleanup;
	}
	q = capture_queue__new(run.stacks, bpf_map__fd(skel->maps.events), PROFILE_READ_MS);
	if (!q) {
		err = -errno;
		pr_warn("profile: ring buffer: %s\n", err_str(err));
		goto cleanup;
	}

	if (o.target.argv) {
		char exe[4096];
		bool found = !session_find_exe(o.target.argv[0], exe, sizeof(exe));
		int jvm = o.jvm_fp && found ? jvm_prepare_frame_pointers(exe) : 0;

		if (!o.native_only && found)
			node_prepare_profile(exe);
		if (o.jvm_fp && jvm < 0)
			pr_warn("profile: --jvm-frame-pointers: cannot set JAVA_TOOL_OPTIONS: %s\n",
				err_str(jvm));
		else if (o.jvm_fp && !jvm)
			pr_warn("profile: --jvm-frame-pointers: %s is not a JVM launcher: "
				"nothing added\n",
				o.target.argv[0]);
	} else if (o.jvm_fp) {
		pr_warn("profile: --jvm-frame-pointers: a running JVM cannot be given "
			"-XX:+PreserveFramePointer; it applies to a launched command\n");
	}
	if (!o.all) {
		sess = session__new(&o.target);
		if (!sess) {
			err = -errno;
			goto cleanup;
		}
		pid = session__pid(sess);
		key = pid;
		err = bpf_map_update_elem(bpf_map__fd(skel->maps.pids), &key, &one, BPF_ANY);
		if (err) {
			err = -errno;
			pr_warn("profile: pid map: %s\n", err_str(err));
			goto cleanup;
		}
	}
	if (o.all || run.keys) {
		if (o.all)
			pid = 0;
		exit_link = bpf_program__attach(skel->progs.profile_exit);
		if (!exit_link) {
			err = -errno;
			pr_warn("profile: attach profile_exit (raw_tp/sched_process_exit): %s\n",
				err_str(err));
			goto cleanup;
		}
	}
	if (o.follow) {
		fork_link = bpf_program__attach(skel->progs.profile_fork);
		if (!fork_link) {
			err = -errno;
			pr_warn("profile: attach profile_fork (raw_tp/sched_process_fork): %s\n",
				err_str(err));
			goto cleanup;
		}
	}
	exec_link = bpf_program__attach(skel->progs.profile_exec);
	if (!exec_link) {
		err = -errno;
		pr_warn("profile: attach profile_exec (raw_tp/sched_process_exec): %s\n",
			err_str(err));
		goto cleanup;
	}
	err = cpu_clock__attach("profile", skel->progs.profile_sample, o.hz, &links, &n_links);
	if (err) {
		if (err == -EACCES || err == -EPERM)
			pr_warn("profile: permission denied: run as root (or with CAP_PERFMON)\n");
		goto cleanup;
	}
	if (sess && !session__launched(sess)) {
		stacks__track(run.stacks, pid);
		if (!o.native_only)
			node_check_profile(pid, session__exe(sess));
	}
	err = sess ? session__start(sess) : 0;
	if (err) {
		pr_warn("profile: cannot run '%s': %s\n", o.target.argv[0], err_str(err));
		goto cleanup;
	}
	/* A launched command is tracked at its first sample, once its libraries are mapped. */
	start = now_s();
	clock_gettime(CLOCK_REALTIME, &wall);
	span.start_ns = (__s64)wall.tv_sec * 1000000000 + wall.tv_nsec;
	span.interval_start = start;
	deadline = o.duration_s > 0 ? start + o.duration_s : 0;
	run.deadline = deadline;
	run.links = links;
	run.n_links = n_links;
	if (o.all)
		pr_info("profile: sampling every process at %d Hz%s\n", o.hz,
			o.duration_s > 0 ? "" : "; Ctrl-C to stop");
	else if (!session__launched(sess))
		pr_info("profile: sampling PID %d at %d Hz%s\n", pid, o.hz,
			o.duration_s > 0 ? "" : "; Ctrl-C to stop");
	if (o.every_s)
		pr_info("profile: a profile every %g s%s%s%s%s\n", o.every_s,
			o.out_dir ? " into " : "", o.out_dir ? o.out_dir : "",
			o.push_url ? " to " : "", o.push_url ? o.push.url_str : "");
	run.o = &o;
	run.span = &span;
	run.next_cut = start + o.every_s;
	next_evict = start + PROFILE_EVICT_S;

	while (!signals_stop_requested()) {
		double t;

		if (sess && !o.native_only)
			jvm_perfmap__tick(&jvm, "profile", pid, now_s() - start);
		err = capture_queue__run(q, on_sample, &run, PROFILE_POLL_MS);
		if (err < 0 && err != -EINTR) {
			pr_warn("profile: ring buffer: %s\n", err_str(err));
			goto cleanup;
		}
		t = now_s();
		/* --every with nothing queued past the interval's end (an idle target): cut now,
		 * with a margin for samples still on their way */
		if (o.every_s && err == 0 && t >= run.next_cut + PROFILE_CUT_MARGIN_S)
			cut_interval(&run);
		if (run.cut_err) {
			err = run.cut_err;
			goto cleanup;
		}
		if (deadline && t >= deadline)
			break;
		/* a launched command's end is a cheap waitpid; a -p target's reads /proc */
		if (sess && (session__launched(sess) || t >= next_alive) && !session__alive(sess)) {
			gone = true;
			break;
		}
		if (t >= next_alive)
			next_alive = t + PROFILE_ALIVE_S;
		if ((o.all || o.follow) && t >= next_evict) {
			drain_keys(&run, false, true);
			stacks__evict(run.stacks);
			next_evict = t + PROFILE_EVICT_S;
		}
	}
	err = 0;
	/* compiled code's names, while the JVM lives (samples still queued get them) */
	if (!gone && jvm.is_jvm)
		jvm_perfmap__tick(&jvm, "profile", pid, -1);
	/* Stop sampling, then take what is still in the ring buffer. */
	stop_sampling(&run);
	capture_queue__stop(q);
	capture_queue__run(q, on_sample, &run, 0);
	drain_keys(&run, true, false);
	if (gone && !session__launched(sess))
		pr_warn("profile -p %d: process exited after %.2f s; writing what was collected\n",
			pid, now_s() - start);
	else if (gone)
		session__report_end(sess, "profile");
	if (run.first_err)
		pr_warn("profile: some samples were not processed: %s\n", err_str(run.first_err));
	span.duration_ns = llround((now_s() - start) * 1e9);
	if (o.every_s) {
		struct stacks_stats st;

		/* the interval cut short by -d or Ctrl-C, when it has samples */
		stacks__stats(run.stacks, &st);
		err = st.interval_records ? write_interval(&o, run.stacks, &span, now_s()) : 0;
	}
	print_summary(&run, percpu_array__sum_u64(skel->maps.stack_capture_lost, 0),
		      now_s() - start, o.every_s > 0);
	if (o.every_s && o.out_dir)
		pr_info("profile: %u profiles written into %s/\n", span.intervals, o.out_dir);
	if (o.every_s && o.push_url)
		pr_info("profile: %u of %u profiles pushed to %s\n",
			span.intervals - span.push_failed, span.intervals, o.push.url_str);
	if (o.every_s && span.push_failed) {
		pr_warn("profile --push %s: %u of %u profiles could not be sent\n", o.push.url_str,
			span.push_failed, span.intervals);
		if (!err)
			err = -EIO;
	}
	if (!o.every_s)
		err = write_outputs(&o, run.stacks, &span);
	if (res) {
		struct stacks_stats st;

		stacks__stats(run.stacks, &st);
		res->hz = o.hz;
		res->duration_s = o.duration_s;
		res->seconds = now_s() - start;
		res->samples = st.records;
		res->wait_status =
			gone && session__launched(sess) ? session__wait_status(sess) : -1;
	}

cleanup:
	for (i = 0; i < n_links; i++)
		bpf_link__destroy(links ? links[i] : NULL);
	free(links);
	bpf_link__destroy(fork_link);
	bpf_link__destroy(exec_link);
	bpf_link__destroy(exit_link);
	capture_queue__free(q);
	/* probes are gone: a launched command still running (Ctrl-C, -d) now gets SIGTERM */
	session__free(sess);
	stacks__free(run.stacks);
	free(run.nokeys);
	free(run.counts);
	free(run.batch_keys);
	free(run.batch_vals);
	profile_bpf__destroy(skel);
	return err;
}
