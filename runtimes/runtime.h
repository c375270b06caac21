/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Room runtimes/: what each runtime provides (USDT discovery, one descriptor per runtime, the
 * attach loop, and how to find and name interpreter frames). May use lib/, bpf/, symbolize/ and
 * flamegraph/; never stacks/ or profiler/.
 *
 * Runtimes are data. Each runtime file (python.c, ruby.c, ...) exports a descriptor; one generic
 * loop uses them. A descriptor says how to recognize the runtime among the objects a process maps
 * and, as commands grow, which probes serve which command and what to tell the user when a probe
 * exists but the runtime keeps it silent.
 */
#ifndef RTPROF_RUNTIME_H
#define RTPROF_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct runtime {
	const char *name;		 /* "python", "ruby", "jvm", ... */
	const char *const *object_globs; /* fnmatch patterns on an object's file name, NULL-ended */
	/* "provider:name" of probes whose semaphore must never be raised: the runtime's own code
	 * behind them harms the process (Ruby's cmethod__*, see runtimes/ruby.c). NULL-ended. */
	const char *const *unsafe_semaphores;
};

/* The runtime whose objects match path's file name, or NULL. */
const struct runtime *runtime_for_object(const char *path);
/* Must the semaphore of provider:name in an object of runtime r (may be NULL) stay down? */
bool runtime_semaphore_unsafe(const struct runtime *r, const char *provider, const char *name);

/* All known runtimes, NULL-ended. */
extern const struct runtime *const runtimes[];

/*
 * Probes of the thread library and of database servers (runtimes/pthread.c, runtimes/mysql.c),
 * used by the threads, locks and queries commands. Symbol names are exported functions, attached
 * as uprobes; SDT names are used instead when the object has those notes.
 */
enum runtime_lock_op {
	LOCK_OP_LOCK,	  /* blocks until acquired; returns 0 on success */
	LOCK_OP_TRYLOCK,  /* never blocks; returns 0 when acquired */
	LOCK_OP_UNLOCK,	  /* releases */
	LOCK_OP_CONDWAIT, /* (cond, mutex): releases mutex, waits on cond, reacquires mutex */
};

enum runtime_lock_kind {
	LOCK_KIND_MUTEX,
	LOCK_KIND_RWLOCK_RD,
	LOCK_KIND_RWLOCK_WR,
	LOCK_KIND_COND,
};

struct runtime_lock_func {
	const char *symbol;
	enum runtime_lock_op op;
	enum runtime_lock_kind kind;
};

struct runtime_pthread_probes {
	const char *create_symbol;		    /* pthread_create(thread, attr, start, arg) */
	const struct runtime_lock_func *lock_funcs; /* ended by a NULL symbol */
	const char *sdt_provider;		    /* "libc" */
	const char *sdt_mutex_entry, *sdt_mutex_acquired, *sdt_mutex_release;
};

struct runtime_query_probes {
	const char *usdt_provider;	     /* "mysql" */
	const char *usdt_start;		     /* query__start(query, connid, db, user, host) */
	const char *usdt_done;		     /* query__done(status) */
	const char *const *dispatch_symbols; /* (enum cmd, THD *, char *packet, uint len, ...) */
	unsigned int com_query;		     /* value of cmd for a text query */
};

/* Node.js under rtprof profile: for a launched node (exe, before it runs), add --perf-basic-prof
 * to NODE_OPTIONS, announced, so that JIT-compiled JavaScript gets names; 1 when added, 0 when
 * exe is not node or has it already. For a running node, say once how to get names when it
 * writes no perf map. */
int node_prepare_profile(const char *exe);
void node_check_profile(int pid, const char *exe);

/* For a launched JVM (exe: java, or another JDK launcher such as javac, found by the libjli.so or
 * libjvm.so it needs, before it runs): append -XX:+PreserveFramePointer to JAVA_TOOL_OPTIONS,
 * announced, so that compiled Java code keeps frame pointers and stacks go on through it to
 * main. 1 (added, or there already), 0 when exe is no JVM launcher, or a negative errno. */
int jvm_prepare_frame_pointers(const char *exe);
/* A HotSpot JVM (javac, jar, jshell and other launchers included): does pid map libjvm.so? */
bool jvm_process(int pid);
/* Ask the JVM pid to write /tmp/perf-PID.map of its compiled code now (Compiler.perfmap through
 * its attach mechanism, as jcmd does): 0, -EAGAIN (the JVM does not handle SIGQUIT yet: ask
 * again later), -ETIMEDOUT (no attach listener), -EPROTO, -errno. */
int jvm_request_perfmap(int pid);

extern const struct runtime_pthread_probes pthread_probes;
extern const struct runtime_query_probes mysql_query_probes;

/* Path (through /proc/PID/root) of the C library process pid maps: 0, -ENOENT (static binary),
 * -ESRCH, -ENAMETOOLONG. */
int pthread_find_libc(int pid, char *path, size_t size);
/* File offset (what a uprobe wants) of function name in the ELF file at path: the default
 * version in .dynsym (pthread_create@@GLIBC_2.34, not @GLIBC_2.2.5), else .symtab.
 * 0, -ENOENT (no such function), -ENOEXEC, -errno. */
int runtime_symbol_offset(const char *path, const char *name, __u64 *offset);
/* Does the ELF file at path have all three libc:mutex_entry/acquired/release SDT probes? */
bool pthread_has_mutex_sdt(const char *path);

#endif
