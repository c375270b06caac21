/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Interpreter frames in the stack pipeline: which processes run an interpreter rtprof can walk
 * (told to BPF through the command's interp_procs map, bpf/interp.h), and the names of the frames
 * BPF read (code objects read from the live process, cached per process and address, checked
 * again when an entry is a second old).
 *
 * Every function may be called from two threads (the capture queue's reader prefetches).
 *
 * The merge itself is in stacks/stacks.c: each native activation of the eval loop is replaced by
 * the interpreter frames it was running (interp_seg below gives them, innermost first).
 */
#ifndef RTPROF_STACKS_INTERP_H
#define RTPROF_STACKS_INTERP_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "bpf/interp.h"

struct interps;

struct interp_stats {
	__u64 samples;	   /* captures with interpreter frames read */
	__u64 merged;	   /* ... whose segments matched the native eval frames one to one */
	__u64 mismatched;  /* ... whose segments and eval frames did not match (see the stacks) */
	__u64 leftover;	   /* ... with frames put at the root, below a marker */
	__u64 truncated;   /* ... with more frames than BPF reads (INTERP_MAX_FRAMES) */
	__u64 no_thread;   /* captures of threads without interpreter state */
	__u64 read_errors; /* walks BPF had to stop early */
	__u64 unnamed;	   /* frames whose code object could not be read */
	__u64 frames;	   /* interpreter frames named */
	__u64 unqualified; /* Ruby method frames named without their class (it could not be read) */
	bool python, ruby; /* which interpreters the frames came from */
};

/* map_fd: the interp_procs map of the command's BPF object, or -1 (no interpreter frames).
 * lines: names carry the line ("qualname (file:line)"). NULL with errno. */
struct interps *interps__new(int map_fd, bool lines);
void interps__free(struct interps *ip);

/* Look for an interpreter in pid (again: a process that exec'ed or loaded it late); when one is
 * found, BPF starts reading its frames. 0, -ENOENT (none), or a negative errno. Says once per
 * process when the interpreter's version cannot be walked. */
int interps__track(struct interps *ip, int pid);
/* Track pid again if nothing was found yet (call when its mappings changed: a first sample, an
 * exec, a library loaded); at most every 10 ms. */
void interps__retry(struct interps *ip, int pid);
/* The same without the 10 ms limit: pid's maps were just read anew (the unwinder found an
 * address outside the ones it knew), so an interpreter library mapped since the last look is
 * found now, not never. */
void interps__maps_changed(struct interps *ip, int pid);
/* Forget pid (it exited, or exec'ed) and remove it from the BPF map. */
void interps__forget(struct interps *ip, int pid);
/* The processes pids[0..n) are gone: forget them and their code objects (memory stays bounded
 * over a long run of processes coming and going). Sorts pids. */
void interps__drop(struct interps *ip, int *pids, size_t n);
/* pid has a new image (its first capture, an exec): forget it and look again. */
void interps__new_image(struct interps *ip, int pid);
/* Read the code objects of frames f[0..n) of pid now, while it surely lives (the capture queue's
 * reader thread calls it as each capture arrives); interps__name finds them cached. */
void interps__prefetch(struct interps *ip, int pid, const struct interp_frame *f, size_t n);
/* Does pid run an interpreter whose frames BPF reads? */
bool interps__active(struct interps *ip, int pid);

/* One named interpreter frame. Strings are owned by ip (valid until interps__free). */
struct interp_named {
	const char *name;     /* "qualname (file)" or "qualname (file:line)" */
	const char *function; /* qualname */
	const char *file;
	int line;
	bool entry; /* the outermost frame of a native activation of the eval loop */
	__u8 kind;  /* enum interp_kind */
};

/* Name the n frames f[] BPF read for a capture of pid into out[] (innermost first, shim frames
 * left out); returns how many. */
size_t interps__name(struct interps *ip, int pid, const struct interp_frame *f, size_t n,
		     struct interp_named *out);

/* Is a native function named fn one activation of an interpreter's eval loop
 * (_PyEval_EvalFrameDefault, rb_vm_exec)? */
bool interps__is_eval(const char *fn);

void interps__stats(struct interps *ip, struct interp_stats *st);
/* The counters, for the merge (one thread: the one that resolves stacks). */
struct interp_stats *interps__stats_mut(struct interps *ip);

/* glibc's layout of thread-specific data, measured in this process (the same C library as the
 * targets on this host): 0 and the four fields of struct interp_proc, or -ENOENT. */
int interps__tsd_layout(__u32 *first, __u32 *second, __u32 *entry, __u32 *data);

#endif
