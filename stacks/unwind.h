/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space unwinding of a captured stack snapshot (bpf/stack_capture.h): the registers at the
 * sample and a copy of the top of the user stack. libdw's unwinder walks it with the CFI of each
 * module (.eh_frame, else .debug_frame from the debug file found by build-id); where a module has
 * no CFI (JIT code) elfutils' x86-64 backend follows the frame pointer. Memory reads are served
 * from the copy only, so unwinding works after the process has exited.
 *
 * An unwinder keeps one libdwfl session per process: the modules of its file mappings, reported
 * from a /proc/PID/maps snapshot and opened at once (so they stay readable after the process
 * exits). The snapshot is refreshed when a sample's instruction pointer lies outside every
 * mapping it knows (a library loaded later, new JIT code, an exec).
 */
#ifndef RTPROF_UNWIND_H
#define RTPROF_UNWIND_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "bpf/stack_capture.h"

enum unwind_status {
	UNWIND_COMPLETE =
		0, /* reached the outermost frame (_start, clone: return address undefined) */
	UNWIND_TRUNCATED = 1, /* needed stack memory beyond the captured copy */
	UNWIND_BROKEN = 2, /* stopped for another reason (no CFI and no frame pointer, bad data) */
};

struct unwind_result {
	size_t n; /* frames written, innermost first */
	enum unwind_status status;
	bool maps_reread; /* the process's maps were (re)read during this call */
};

struct unwinder;

struct maps_pins;

/* pins: maps of processes that may be gone when first unwound (symbolize/maps.h; not owned, may
 * be NULL). NULL and errno on failure. */
struct unwinder *unwinder__new(struct maps_pins *pins);
void unwinder__free(struct unwinder *u);

/*
 * Unwind capture c (of process c->pid) into addrs[0..max): each a code address to symbolize,
 * innermost first. The first is the sampled instruction pointer; the others are return
 * addresses minus one, so they fall inside the call instruction (and its inline context).
 * Returns 0 (see res->status for how far it got) or a negative errno.
 */
int unwinder__unwind(struct unwinder *u, const struct stack_capture *c, __u64 *addrs, size_t max,
		     struct unwind_result *res);

/* Take a maps snapshot of pid now if there is none (call as early as possible for short-lived
 * processes). Returns 0 or a negative errno (-ESRCH when the process is gone). */
int unwinder__track(struct unwinder *u, int pid);

/* The module of pid that holds addr, as the unwinder knows it: its path as the process sees it
 * (valid until the next call on pid) and addr as an address in the ELF file. 0 or -ENOENT. */
int unwinder__locate(struct unwinder *u, int pid, __u64 addr, const char **path, __u64 *elf_addr);

/* Drop what is cached about pid. */
void unwinder__forget(struct unwinder *u, int pid);

struct proc_maps;
/* Call fn each time a process's maps snapshot is (re)read for unwinding (its first capture, a
 * library loaded, an exec). */
void unwinder__on_maps(struct unwinder *u,
		       void (*fn)(void *ctx, int pid, const struct proc_maps *maps), void *ctx);

#endif
