// SPDX-License-Identifier: GPL-2.0
/* Distinct stacks as frame records: see stacks/samples.h. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stacks/samples.h"

#define FRAME_BLOCK 4096 /* frames per allocation: interned frames never move */

struct frame_slot {
	struct stack_frame *f; /* NULL: empty */
	__u64 hash;
};

struct stack_slot {
	size_t idx; /* into samples[], + 1; 0: empty */
	__u64 hash;
};

struct sample_entry {
	struct stacks_sample s;
	char comm[17];
	int key_pid, key_tid;
};

struct sample_table {
	struct frame_slot *frames;
	size_t n_frames, frames_mask;
	struct stack_frame **blocks;
	size_t n_blocks, block_used;
	struct stack_slot *stacks;
	size_t stacks_mask;
	struct sample_entry *samples;
	size_t n_samples, cap_samples;
};

static __u64 mix(__u64 h, __u64 v)
{
	h ^= v;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 32;
	return h;
}

static __u64 frame_hash(const struct stack_frame *f)
{
	__u64 h = 0x9e3779b97f4a7c15ULL;

	h = mix(h, (__u64)(uintptr_t)f->name);
	h = mix(h, (__u64)(uintptr_t)f->function);
	h = mix(h, (__u64)(uintptr_t)f->file);
	h = mix(h, (__u64)(uintptr_t)f->module);
	h = mix(h, f->offset);
	h = mix(h, (__u64)f->line << 16 | (__u64)f->kind << 8 | f->inlined);
	return h;
}

static bool frame_eq(const struct stack_frame *a, const struct stack_frame *b)
{
	return a->name == b->name && a->function == b->function && a->file == b->file &&
	       a->module == b->module && a->offset == b->offset && a->line == b->line &&
	       a->kind == b->kind && a->inlined == b->inlined;
}

struct sample_table *sample_table__new(void)
{
	return calloc(1, sizeof(struct sample_table));
}

void sample_table__free(struct sample_table *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->n_blocks; i++)
		free(t->blocks[i]);
	for (i = 0; i < t->n_samples; i++)
		free((void *)t->samples[i].s.frames);
	free(t->blocks);
	free(t->frames);
	free(t->stacks);
	free(t->samples);
	free(t);
}

static int frames_grow(struct sample_table *t)
{
	size_t cap = t->frames_mask ? (t->frames_mask + 1) * 2 : 4096, i;
	struct frame_slot *n = calloc(cap, sizeof(*n));

	if (!n)
		return -ENOMEM;
	for (i = 0; t->frames_mask && i <= t->frames_mask; i++) {
		size_t j;

		if (!t->frames[i].f)
			continue;
		for (j = t->frames[i].hash & (cap - 1); n[j].f; j = (j + 1) & (cap - 1))
			;
		n[j] = t->frames[i];
	}
	free(t->frames);
	t->frames = n;
	t->frames_mask = cap - 1;
	return 0;
}

/* The interned copy of f, or NULL on ENOMEM. */
static const struct stack_frame *intern_frame(struct sample_table *t, const struct stack_frame *f)
{
	__u64 h = frame_hash(f);
	struct stack_frame *c;
	size_t i;

	if ((t->n_frames + 1) * 2 > t->frames_mask + 1 && frames_grow(t))
		return NULL;
	for (i = h & t->frames_mask; t->frames[i].f; i = (i + 1) & t->frames_mask)
		if (t->frames[i].hash == h && frame_eq(t->frames[i].f, f))
			return t->frames[i].f;
	if (!t->n_blocks || t->block_used == FRAME_BLOCK) {
		struct stack_frame **b = realloc(t->blocks, (t->n_blocks + 1) * sizeof(*b));

		if (!b)
			return NULL;
		t->blocks = b;
		b[t->n_blocks] = malloc(FRAME_BLOCK * sizeof(**b));
		if (!b[t->n_blocks])
			return NULL;
		t->n_blocks++;
		t->block_used = 0;
	}
	c = &t->blocks[t->n_blocks - 1][t->block_used++];
	*c = *f;
	t->frames[i].f = c;
	t->frames[i].hash = h;
	t->n_frames++;
	return c;
}

static int stacks_grow(struct sample_table *t)
{
	size_t cap = t->stacks_mask ? (t->stacks_mask + 1) * 2 : 1024, i;
	struct stack_slot *n = calloc(cap, sizeof(*n));

	if (!n)
		return -ENOMEM;
	for (i = 0; t->stacks_mask && i <= t->stacks_mask; i++) {
		size_t j;

		if (!t->stacks[i].idx)
			continue;
		for (j = t->stacks[i].hash & (cap - 1); n[j].idx; j = (j + 1) & (cap - 1))
			;
		n[j] = t->stacks[i];
	}
	free(t->stacks);
	t->stacks = n;
	t->stacks_mask = cap - 1;
	return 0;
}

int sample_table__add(struct sample_table *t, const struct stack_frame *f, size_t n, int pid,
		      int tid, const char *comm, double weight, bool keep_pid, bool keep_tid)
{
	const struct stack_frame **fr = malloc((n ? n : 1) * sizeof(*fr));
	int key_pid = keep_pid || keep_tid ? pid : 0, key_tid = keep_tid ? tid : 0;
	struct sample_entry *e;
	__u64 h = 0x243f6a8885a308d3ULL;
	size_t i;

	if (!fr)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		fr[i] = intern_frame(t, &f[i]);
		if (!fr[i])
			goto nomem;
		h = mix(h, (__u64)(uintptr_t)fr[i]);
	}
	h = mix(h, (__u64)(__u32)key_pid << 32 | (__u32)key_tid);
	/* per thread, a renamed thread is two roots ("comm-TID") in folded stacks: two entries */
	if (keep_tid)
		for (i = 0; i < 16 && comm[i]; i++)
			h = mix(h, (unsigned char)comm[i]);
	if ((t->n_samples + 1) * 2 > t->stacks_mask + 1 && stacks_grow(t))
		goto nomem;
	for (i = h & t->stacks_mask; t->stacks[i].idx; i = (i + 1) & t->stacks_mask) {
		e = &t->samples[t->stacks[i].idx - 1];
		if (t->stacks[i].hash != h || e->s.n != n || e->key_pid != key_pid ||
		    e->key_tid != key_tid || memcmp(e->s.frames, fr, n * sizeof(*fr)) ||
		    (keep_tid && strncmp(e->comm, comm, 16)))
			continue;
		e->s.weight += weight;
		e->s.count++;
		free(fr);
		return 0;
	}
	if (t->n_samples == t->cap_samples) {
		size_t cap = t->cap_samples ? t->cap_samples * 2 : 1024;
		struct sample_entry *ns = realloc(t->samples, cap * sizeof(*ns));

		if (!ns)
			goto nomem;
		t->samples = ns;
		t->cap_samples = cap;
	}
	e = &t->samples[t->n_samples];
	memset(e, 0, sizeof(*e));
	e->s.frames = fr;
	e->s.n = n;
	e->s.weight = weight;
	e->s.count = 1;
	e->s.pid = pid;
	e->s.tid = tid;
	e->key_pid = key_pid;
	e->key_tid = key_tid;
	memcpy(e->comm, comm, 16);
	t->stacks[i].idx = ++t->n_samples;
	t->stacks[i].hash = h;
	return 0;
nomem:
	free(fr);
	return -ENOMEM;
}

int sample_table__foreach(const struct sample_table *t,
			  int (*fn)(void *ctx, const struct stacks_sample *sm), void *ctx)
{
	size_t i;
	int err;

	for (i = 0; i < t->n_samples; i++) {
		struct sample_entry *e = &t->samples[i];

		e->s.comm = e->comm;
		err = fn(ctx, &e->s);
		if (err)
			return err;
	}
	return 0;
}

size_t sample_table__count(const struct sample_table *t)
{
	return t->n_samples;
}
