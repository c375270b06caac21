/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Runtime tracers and the one generic attach loop behind flow, calls, gc and objnew.
 *
 * A tracer descriptor (runtimes/python.c, ruby.c, jvm.c, node.c) is data: which object holds the
 * probes, which probes serve each command and with which BPF program (by name) and cookie, why a
 * command is unavailable, and a few optional hooks for what a runtime needs beyond attaching
 * (the JVM's flag check, Ruby's TracePoint for launched commands, the explanation of a silent
 * probe). The loop in attach.c finds the runtime of the target, checks, attaches every probe of
 * the descriptor to the command's BPF object and reports each failure by name.
 *
 *	tr = rt_trace__new("flow", RT_CMD_FLOW, lang, &target);    // detect, check, launch held
 *	... open and load the command's BPF object ...
 *	rt_trace__attach(tr, obj);                                 // every probe of the descriptor
 *	rt_trace__start(tr);                                       // launched command: exec now
 *	rt_trace__run(tr, &run_opts, tick, ctx);                   // until exit, Ctrl-C or -d
 *	rt_trace__report(tr, &seen);                               // how the command ended; why
 *	                                                           // nothing came, if so
 *	rt_trace__free(tr);                                        // detach: semaphores go back
 */
#ifndef RTPROF_ATTACH_H
#define RTPROF_ATTACH_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

#include "bpf/usdt_events.h"
#include "lib/session.h"

struct bpf_object;

enum rt_cmd {
	RT_CMD_FLOW,
	RT_CMD_CALLS,
	RT_CMD_GC,
	RT_CMD_OBJNEW,
	RT_NCMDS,
};

enum rt_probe_kind {
	RT_USDT,      /* provider:name of the probe object */
	RT_UPROBE,    /* entry of a function: C name, or C++ qualified name prefix ("a::b::f") */
	RT_URETPROBE, /* return of such a function */
	RT_HOLD_SEMAPHORE, /* no-op uprobe at function `name` whose only job is to keep the
			    * semaphore of USDT probe provider:sema_of raised (ref_ctr_offset);
			    * the kernel lowers it when the uprobe goes, even after kill -9 */
};

struct rt_probe {
	const char *prog; /* program name in the command's BPF object; NULL ends a list */
	enum rt_probe_kind kind;
	const char *provider; /* RT_USDT, RT_HOLD_SEMAPHORE */
	const char *name;     /* USDT name, or function */
	const char *sema_of;  /* RT_HOLD_SEMAPHORE: the USDT probe whose semaphore to hold */
	__u64 cookie;	      /* BPF cookie (USDT: bpf_usdt_cookie()) */
	bool optional;	      /* absent from this build of the runtime: not an error */
};

/* What tracing found out, for the explanation hook. */
struct rt_seen {
	__u64 events;	     /* everything the command saw */
	__u64 method_events; /* calls of methods written in the language (not C functions) */
};

struct rt_trace;

struct rt_tracer {
	const char *name;			 /* "python", as in runtimes[] and -l */
	const char *const *exe_globs;		 /* launched command: executable file names */
	const char *const *object_globs;	 /* file name of the object that holds the probes */
	const struct rt_probe *probes[RT_NCMDS]; /* NULL: the command is unavailable, see why[] */
	const char *why[RT_NCMDS];		 /* why a command is unavailable and what to use */
	/* What to say when the object has no USDT probe of the runtime at all (a build without
	 * them), and when it has some but not one the command needs (NULL: no_probes). Both end
	 * with what still works, e.g. rtprof profile. */
	const char *no_probes;
	const char *missing_probe;
	/* Launched command: the probe object from the executable's path (not mapped yet). */
	int (*launched_object)(const char *exe, char *out, size_t size);
	/* Launched command whose name matches no exe_globs: the probe object if the executable
	 * starts this runtime all the same (javac embeds the JVM through libjli), or -ENOENT. */
	int (*embedded_object)(const char *exe, char *out, size_t size);
	/* Launched command, before the fork: change the environment (Ruby's TracePoint). */
	int (*prepare_launch)(struct rt_trace *tr, enum rt_cmd cmd);
	/* Will the probes of cmd fire? 0, or -ERR_NOPROBES after telling the user exactly why. */
	int (*check)(const struct rt_trace *tr, enum rt_cmd cmd);
	/* After the trace: explain a silent probe from what was seen. */
	void (*explain)(const struct rt_trace *tr, enum rt_cmd cmd, const struct rt_seen *seen);
	/* The method probes pass a signature (the JVM's "(ILjava/lang/String;)V"): write it as a
	 * reader wants it, "(int, String)". NULL: the runtime passes none. */
	void (*signature)(const char *sig, char *out, size_t size);
};

extern const struct rt_tracer python_tracer, ruby_tracer, jvm_tracer, node_tracer;

/* Tracer by name ("python", "ruby", "jvm" or "java", "node"), or NULL. */
const struct rt_tracer *rt_tracer_by_name(const char *name);

/* Find the runtime, check it, create the session (a launched command is held before exec).
 * NULL with errno: ERR_NOPROBES (message printed), ESRCH, ENOENT, ERR_USAGE, ... */
struct rt_trace *rt_trace__new(const char *cmd_name, enum rt_cmd cmd, const char *lang,
			       const struct target_opts *target);
void rt_trace__free(struct rt_trace *tr);

/* Say why loading the command's BPF programs failed; returns the error to exit with. EPERM
 * and EACCES mean missing privileges only when rtprof lacks them (exit 4); with them, the
 * kernel refused the programs (its verifier, a security module, lockdown): -EINVAL, exit 1. */
int rt_load_error(const char *cmd_name, int err);
/* Attach every probe of the command's descriptor list to programs of obj. A failure of a
 * required probe is reported by name and returned; optional ones are reported at -v. */
int rt_trace__attach(struct rt_trace *tr, struct bpf_object *obj);
/* Attach program `to` wherever the descriptor names program `from` ("*": every USDT probe);
 * bench/calls.sh attaches a no-op on the same probes this way. */
void rt_trace__alias_prog(struct rt_trace *tr, const char *from, const char *to);
int rt_trace__start(struct rt_trace *tr);
/* Remove every probe now (rt_trace__free does it too): after this no event is produced, so the
 * counts read next are final. Semaphores go back. */
void rt_trace__detach(struct rt_trace *tr);
bool rt_trace__alive(struct rt_trace *tr);
/* At the end of a trace: how a launched command ended, when it died by a signal or exited
 * non-zero (session__report_end(), one line), and otherwise, from what was seen, why a probe
 * stayed silent (the tracer's explain hook): never a hint that contradicts the command's end. */
void rt_trace__report(struct rt_trace *tr, const struct rt_seen *seen);

/* How rt_trace__run() waits and when it stops. */
struct rt_run_opts {
	double duration_s; /* 0: until the target exits or a stop is requested (Ctrl-C) */
	double interval_s; /* call tick this often; 0: never */
	/* Wait up to wait_ms for events (a ring buffer's poll); NULL: sleep wait_ms. A negative
	 * return other than -EINTR ends the run with that error. */
	int (*wait)(void *ctx, int timeout_ms);
	int wait_ms; /* 0: 100 ms */
};

/* The event loop of flow, calls, gc and objnew: wait, and call tick(ctx) (if not NULL) every
 * interval_s, until the target exits (said at -v for -p), a stop is requested or duration_s has
 * passed. 0, or the first error of wait or tick. */
int rt_trace__run(struct rt_trace *tr, const struct rt_run_opts *o, int (*tick)(void *ctx),
		  void *ctx);
/* CLOCK_MONOTONIC in ns, the clock of bpf_ktime_get_ns(): event times are shown from it. */
__u64 rt_monotonic_ns(void);

const struct rt_tracer *rt_trace__tracer(const struct rt_trace *tr);
struct session *rt_trace__session(const struct rt_trace *tr);
int rt_trace__pid(const struct rt_trace *tr);
bool rt_trace__launched(const struct rt_trace *tr);
const char *rt_trace__cmd_name(const struct rt_trace *tr);
/* The object with the probes, as rtprof opens it (-p: through /proc/PID/root), and as the
 * target sees it (for messages). */
const char *rt_trace__object(const struct rt_trace *tr);
const char *rt_trace__object_shown(const struct rt_trace *tr);
/* Executable: the launched command as found in PATH, or /proc/PID/exe's target. */
const char *rt_trace__exe(const struct rt_trace *tr);
/* Launched command's arguments, NULL for -p. */
char *const *rt_trace__argv(const struct rt_trace *tr);
/* Register a file to remove when the trace is freed (Ruby's TracePoint file). */
int rt_trace__add_tempfile(struct rt_trace *tr, const char *path);

/* Helpers for descriptors. */
/* The library the program elf_path will load whose file name matches glob, found as the
 * dynamic loader finds it with this process's environment (runtimes/ldso.h: RPATH, RUNPATH,
 * LD_LIBRARY_PATH, the loader cache). 0; -ENOENT when it needs none; -ELIBACC when it needs
 * one the loader would not find (its name in out). */
int rt_needed_lib(const char *elf_path, const char *glob, char *out, size_t size);
/* Read /proc/PID/FILE (cmdline, environ) as NUL-separated strings; returns a malloc'ed buffer
 * and its length in *len, or NULL with errno. */
char *rt_proc_strings(int pid, const char *file, size_t *len);

#endif

/* Options shared by flow, calls, gc and objnew; each command says which it takes. */
enum {
	RT_OPT_FILTER = 1 << 0,	  /* -m METHOD, -c CLASS */
	RT_OPT_INTERVAL = 1 << 1, /* -i SECONDS, -n TOP */
	RT_OPT_HIST = 1 << 2,	  /* -L */
	RT_OPT_MIN = 1 << 3,	  /* --min MS */
	RT_OPT_BUFFER = 1 << 4,	  /* --buffer KB */
	RT_OPT_TRACE = 1 << 5,	  /* --trace FILE */
};

struct rt_cmd_opts {
	struct target_opts target;
	const char *lang;
	const char *method_pat; /* "name" exact, "prefix*" prefix */
	const char *class_pat;
	bool json;
	bool hist;
	bool no_tracepoint;
	double duration_s; /* 0: until the target exits or Ctrl-C */
	double interval_s; /* 0: print at the end */
	int top;	   /* 0: all */
	double min_ms;
	unsigned int buffer_kb;	   /* ring buffer size, 0: the command's default */
	const char *trace_path;	   /* --trace: Chrome Trace Event JSON */
	struct opts_output output; /* -o: output.f is where the results go (lib/opts.h) */
};

/* Parse argv; usage() is called for --help (returns 1) and on errors (-ERR_USAGE). */
int rt_cmd_opts__parse(struct rt_cmd_opts *o, const char *cmd, unsigned int accepts, int argc,
		       char **argv, void (*usage)(FILE *f));

/* Split a pattern for the BPF filter: copies up to len bytes without a trailing '*' into pat
 * and says whether it was a prefix. -ERR_USAGE when longer than the BPF pattern buffer or
 * using '*' elsewhere. */
int rt_pattern(const char *cmd, const char *in, char *pat, size_t size, __u32 *len, bool *prefix);

/* Fill the BPF filter of flow and calls from -m and -c (zeroed first: no filter). 0 or
 * -ERR_USAGE after saying why. */
int rt_filter__set(struct rt_filter *f, const char *cmd, const struct rt_cmd_opts *o);
