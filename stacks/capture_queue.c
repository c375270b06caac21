// SPDX-License-Identifier: GPL-2.0
/* A reader thread for stack captures: see stacks/capture_queue.h. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "stacks/capture_queue.h"
#include "stacks/stacks.h"

struct record {
	struct record *next;
	size_t size;
	unsigned char data[];
};

struct capture_queue {
	struct stacks *stacks;
	struct ring_buffer *rb;
	unsigned int poll_ms;
	pthread_t thread;
	bool started;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct record *head, *tail;	   /* under lock */
	bool stop;			   /* under lock */
	int err;			   /* under lock: the reader's first error */
	struct record *batch, *batch_tail; /* the reader's, not queued yet */
	bool boost;			   /* raise the reader's priority */
	unsigned long rounds;		   /* under lock: ring buffer drains done by the reader */
	unsigned int syncing;		   /* under lock: capture_queue__sync calls waiting */
};

/* A reader that finds little polls less and less often, down to every CAPTURE_QUEUE_IDLE_X
 * poll_ms: most samples of a steady profile are counted by key in BPF, not sent, and every wakeup
 * of the reader and of the pipeline costs (a steady profile of ruby at 999 Hz sends a capture that
 * checks a key, or a new key, every 50 ms or so; polled every poll_ms for them, rtprof took 4.8 to
 * 5.4 us of CPU per sample, 3.1 to 3.4 us with this). A record that must be read at once (a new
 * process) wakes the reader from BPF anyway, and so does a ring buffer a quarter full. */
#define CAPTURE_QUEUE_IDLE_X 8
/* Records in one poll that bring the poll interval back to poll_ms. */
#define CAPTURE_QUEUE_BUSY 16

/* Reader thread: called by libbpf for each record. A new image's maps are read at once (the
 * process may be short-lived); the rest waits for the end of the batch (publish). */
static int on_record(void *ctx, void *data, size_t size)
{
	struct capture_queue *q = ctx;
	struct record *r;

	stacks__track_new(q->stacks, data, size);
	r = malloc(sizeof(*r) + size);
	if (!r)
		return -ENOMEM;
	memcpy(r->data, data, size);
	r->size = size;
	r->next = NULL;
	if (q->batch_tail)
		q->batch_tail->next = r;
	else
		q->batch = r;
	q->batch_tail = r;
	return 0;
}

/*
 * Reader thread, after a batch: read what the records need while their processes live (the
 * interpreter search of each new image, code objects), then queue them for the pipeline. Done
 * after the whole batch so that the maps of every new image in it were read first. Returns the
 * number of records.
 */
static size_t publish(struct capture_queue *q)
{
	struct record *r, *head = q->batch, *tail = q->batch_tail;
	size_t n = 0;

	if (!head)
		return 0;
	q->batch = q->batch_tail = NULL;
	for (r = head; r; r = r->next, n++)
		stacks__prefetch(q->stacks, (const struct stack_capture *)r->data, r->size);
	pthread_mutex_lock(&q->lock);
	if (q->tail)
		q->tail->next = head;
	else
		q->head = head;
	q->tail = tail;
	pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&q->lock);
	return n;
}

static void *reader(void *arg)
{
	struct capture_queue *q = arg;
	unsigned int idle = 1; /* the poll's timeout, in poll_ms */
	bool stop = false;
	int err;

	/* Woken at a new process's first sample, the reader reads its maps before the process may
	 * end: on a loaded host that needs it to run soon after the wakeup. A higher CFS weight
	 * (nice -10, when allowed) gets that; the reader itself uses little CPU. */
	if (q->boost)
		setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), -10);

	while (!stop) {
		/* records are sent without a wakeup (bpf/stack_capture.bpf.h): a poll that timed
		 * out has not looked at them; consume does */
		err = ring_buffer__poll(q->rb, (int)(q->poll_ms * idle));
		if (err >= 0)
			err = ring_buffer__consume(q->rb);
		if (publish(q) >= CAPTURE_QUEUE_BUSY)
			idle = 1;
		else if (idle < CAPTURE_QUEUE_IDLE_X)
			idle *= 2;
		pthread_mutex_lock(&q->lock);
		if (err < 0 && err != -EINTR && !q->err)
			q->err = err;
		stop = q->stop || (err < 0 && err != -EINTR);
		q->rounds++;
		if (q->syncing || stop)
			pthread_cond_broadcast(&q->cond);
		pthread_mutex_unlock(&q->lock);
	}
	ring_buffer__consume(q->rb); /* what came between the last poll and the stop */
	publish(q);
	return NULL;
}

struct capture_queue *capture_queue__new(struct stacks *s, int ringbuf_fd, unsigned int poll_ms)
{
	struct capture_queue *q = calloc(1, sizeof(*q));
	int err;

	if (!q)
		return NULL;
	q->stacks = s;
	q->poll_ms = poll_ms;
	/* always: a launched command or a -p target's children may be short-lived too (a 0.3 s
	 * python3.11 once got no Python frame on a loaded host: the reader came too late) */
	q->boost = true;
	stacks__prefetch(s, NULL, 0); /* new images are looked at by the reader from now on */
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->cond, NULL);
	q->rb = ring_buffer__new(ringbuf_fd, on_record, q, NULL);
	if (!q->rb) {
		err = errno;
		goto fail;
	}
	err = pthread_create(&q->thread, NULL, reader, q);
	if (err)
		goto fail;
	q->started = true;
	return q;
fail:
	capture_queue__free(q);
	errno = err;
	return NULL;
}

int capture_queue__run(struct capture_queue *q, int (*fn)(void *ctx, void *data, size_t size),
		       void *ctx, int timeout_ms)
{
	struct record *list, *r;
	struct timespec until;
	int n = 0, err;

	pthread_mutex_lock(&q->lock);
	if (!q->head && timeout_ms > 0 && !q->stop) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += timeout_ms / 1000;
		until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&q->cond, &q->lock, &until);
	}
	list = q->head;
	q->head = q->tail = NULL;
	err = q->err;
	pthread_mutex_unlock(&q->lock);
	while ((r = list)) {
		list = r->next;
		fn(ctx, r->data, r->size);
		free(r);
		n++;
	}
	return err ? err : n;
}

void capture_queue__sync(struct capture_queue *q)
{
	unsigned long until;

	if (!q || !q->started)
		return;
	pthread_mutex_lock(&q->lock);
	/* the round under way may have drained before the call: wait for the one after it */
	until = q->rounds + 2;
	q->syncing++;
	while (q->rounds < until && !q->stop && !q->err)
		pthread_cond_wait(&q->cond, &q->lock);
	q->syncing--;
	pthread_mutex_unlock(&q->lock);
}

void capture_queue__stop(struct capture_queue *q)
{
	if (!q || !q->started)
		return;
	pthread_mutex_lock(&q->lock);
	q->stop = true;
	pthread_mutex_unlock(&q->lock);
	pthread_join(q->thread, NULL);
	q->started = false;
}

void capture_queue__free(struct capture_queue *q)
{
	struct record *r;

	if (!q)
		return;
	capture_queue__stop(q);
	while ((r = q->head)) {
		q->head = r->next;
		free(r);
	}
	while ((r = q->batch)) {
		q->batch = r->next;
		free(r);
	}
	ring_buffer__free(q->rb);
	pthread_cond_destroy(&q->cond);
	pthread_mutex_destroy(&q->lock);
	free(q);
}
