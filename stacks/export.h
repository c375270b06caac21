/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The frames of the stack pipeline (struct stack_frame) as pprof and speedscope files: the
 * adapter between stacks/ and the writers of flamegraph/ (pprof.h, speedscope.h), which know
 * nothing of rtprof's frames.
 *
 * How a frame becomes pprof (README, "Exports"):
 *  - Function.name is the frame's name as folded stacks and flame graphs show it ("main",
 *    "do_syscall_64_[k]", "slow_sum (app.py)", with --lines "slow_sum (app.py:7)"), so that the
 *    stacks `go tool pprof -traces` prints are the folded stacks; Function.system_name is the
 *    function alone ("do_syscall_64", "slow_sum"); Function.filename the source file.
 *  - Line.line is the frame's line (Python frames always carry theirs).
 *  - A native frame's module becomes a Mapping (its GNU build-id, its code's ELF address range,
 *    programs before libraries) and its ELF address the Location's address; inlined frames are
 *    extra Lines of the Location of the frame they were inlined into.
 *  - Kernel frames share one Mapping "[kernel.kallsyms]" (the running kernel's build-id from
 *    /sys/kernel/notes), one Location per function, address 0 (captures keep no kernel address).
 *  - Python frames, markers ("[truncated]", "[incomplete]", "[unknown]") and frames without a
 *    module have no Mapping and no address.
 */
#ifndef RTPROF_STACKS_EXPORT_H
#define RTPROF_STACKS_EXPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "flamegraph/pprof.h"
#include "stacks/stacks.h"

#define STACKS_KERNEL_MAPPING "[kernel.kallsyms]"

/* A pprof writer whose mappings are described by s's symbolizer (s must outlive it). o's
 * module_info is replaced. NULL and errno on failure. */
struct pprof_writer *stacks__pprof_writer(struct stacks *s, const struct pprof_opts *o);

/* Add frames f[0..n) (INNERMOST first, as the pipeline gives them) as one sample with values (one
 * per sample type) and labels. No frame at all reads "[unknown]", as in folded stacks. interned:
 * the records are interned for the writer's life (stacks__foreach_sample's), so that equal
 * pointers are equal frames and a location is found by its frames' pointers. */
int stacks__pprof_sample(struct pprof_writer *w, const struct stack_frame *const *f, size_t n,
			 bool interned, const int64_t *values, const struct pprof_label *labels,
			 size_t n_labels);

/* Every distinct stack of s (stacks__foreach_sample) into w: values[i] = weight * scale[i],
 * rounded; with thread_labels, the labels thread_name, thread_id and pid of each stack's thread
 * (-T: stacks are kept apart per thread). */
int stacks__pprof_samples(struct stacks *s, struct pprof_writer *w, const double *scale,
			  bool thread_labels);

/* Every distinct stack of s as speedscope JSON (file name name, unit unit, weight * scale per
 * stack): one sampled profile per thread with per_thread (per "comm-TID" root of the folded
 * stacks, in the order first seen), else one called profile_name. */
int stacks__write_speedscope(const struct stacks *s, const char *name, const char *profile_name,
			     const char *unit, double scale, bool per_thread, FILE *f);

#endif
