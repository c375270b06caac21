/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A reader thread between a BPF ring buffer of stack captures and the pipeline. What must be read
 * while the sampled process lives (the code objects behind its interpreter frames, the
 * interpreter search of a new process image) cannot wait behind the slow part of the pipeline:
 * the first samples of a process load its modules' CFI and debug information, which takes
 * hundreds of milliseconds, in which a short-lived process may end and its code objects go. So
 * the reader drains the ring buffer every poll_ms (less often while nothing comes, down to every
 * 8 poll_ms; BPF wakes it for what cannot wait), copies each capture, lets stacks__prefetch()
 * read what it needs at once, and queues it; the command's thread unwinds and symbolizes the
 * queue at its own pace.
 *
 *	q = capture_queue__new(stacks, bpf_map__fd(skel->maps.events), 10);
 *	while (running)
 *		capture_queue__run(q, on_sample, ctx, 50);   // hands queued records to on_sample
 *	capture_queue__stop(q);                          // a last drain of the ring buffer
 *	capture_queue__run(q, on_sample, ctx, 0);        // the rest
 *	capture_queue__free(q);
 */
#ifndef RTPROF_CAPTURE_QUEUE_H
#define RTPROF_CAPTURE_QUEUE_H

#include <stddef.h>

struct stacks;
struct capture_queue;

/* NULL with errno. */
struct capture_queue *capture_queue__new(struct stacks *s, int ringbuf_fd, unsigned int poll_ms);
/* Hand each queued record to fn, in order; when none is queued, wait up to timeout_ms for one.
 * Returns how many were handed, or the reader's error (a negative errno). */
int capture_queue__run(struct capture_queue *q, int (*fn)(void *ctx, void *data, size_t size),
		       void *ctx, int timeout_ms);
/* Wait until the reader has drained the ring buffer once after the call (at most two of its
 * polls): every record submitted before the call is queued then. */
void capture_queue__sync(struct capture_queue *q);
/* Drain the ring buffer a last time and stop the reader (the records stay queued). */
void capture_queue__stop(struct capture_queue *q);
void capture_queue__free(struct capture_queue *q);

#endif
