// SPDX-License-Identifier: GPL-2.0
/* speedscope JSON (see flamegraph/speedscope.h). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flamegraph/folded.h"
#include "flamegraph/speedscope.h"
#include "lib/json.h"

#define SPEEDSCOPE_SCHEMA "https://www.speedscope.app/file-format-schema.json"

struct frame_ent {
	char *name, *file;
	uint64_t hash;
};

struct sprofile {
	char *name;
	uint32_t *idx; /* frame indexes of every sample, one after the other */
	size_t n_idx, cap_idx;
	size_t *ends; /* per sample: end of its frames in idx */
	double *weights;
	size_t n, cap;
	double total;
};

struct speedscope {
	char *name, *unit;
	struct frame_ent *frames;
	size_t n_frames, cap_frames;
	uint32_t *slots; /* frame index + 1; 0: empty */
	size_t mask;
	struct sprofile *profiles;
	size_t n_profiles, cap_profiles;
};

static uint64_t hash_str(uint64_t h, const char *s)
{
	for (; s && *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (h ^ (s ? 0xff : 0)) * 1099511628211ULL;
}

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

struct speedscope *speedscope__new(const char *name, const char *unit)
{
	struct speedscope *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->name = strdup(name);
	s->unit = strdup(unit);
	if (!s->name || !s->unit) {
		speedscope__free(s);
		errno = ENOMEM;
		return NULL;
	}
	return s;
}

void speedscope__free(struct speedscope *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n_frames; i++) {
		free(s->frames[i].name);
		free(s->frames[i].file);
	}
	for (i = 0; i < s->n_profiles; i++) {
		free(s->profiles[i].name);
		free(s->profiles[i].idx);
		free(s->profiles[i].ends);
		free(s->profiles[i].weights);
	}
	free(s->frames);
	free(s->slots);
	free(s->profiles);
	free(s->name);
	free(s->unit);
	free(s);
}

int speedscope__profile(struct speedscope *s, const char *name)
{
	struct sprofile *p;

	if (s->n_profiles == s->cap_profiles) {
		size_t cap = s->cap_profiles ? s->cap_profiles * 2 : 8;

		p = realloc(s->profiles, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		s->profiles = p;
		s->cap_profiles = cap;
	}
	p = &s->profiles[s->n_profiles];
	memset(p, 0, sizeof(*p));
	p->name = strdup(name);
	if (!p->name)
		return -ENOMEM;
	s->n_profiles++;
	return 0;
}

size_t speedscope__profiles(const struct speedscope *s)
{
	return s->n_profiles;
}

static int grow_slots(struct speedscope *s)
{
	size_t cap = s->mask ? (s->mask + 1) * 2 : 1024, i, j;
	uint32_t *n = calloc(cap, sizeof(*n));

	if (!n)
		return -ENOMEM;
	for (i = 0; i < s->n_frames; i++) {
		for (j = s->frames[i].hash & (cap - 1); n[j]; j = (j + 1) & (cap - 1))
			;
		n[j] = (uint32_t)i + 1;
	}
	free(s->slots);
	s->slots = n;
	s->mask = cap - 1;
	return 0;
}

/* The index of frame f, added when new; -ENOMEM. */
static int64_t frame_idx(struct speedscope *s, const struct speedscope_frame *f)
{
	uint64_t h = hash_str(hash_str(1469598103934665603ULL, f->name), f->file);
	struct frame_ent *e;
	size_t i;

	if ((s->n_frames + 1) * 2 > (s->mask ? s->mask + 1 : 0) && grow_slots(s))
		return -ENOMEM;
	for (i = h & s->mask; s->slots[i]; i = (i + 1) & s->mask) {
		e = &s->frames[s->slots[i] - 1];
		if (e->hash == h && str_eq(e->name, f->name) && str_eq(e->file, f->file))
			return s->slots[i] - 1;
	}
	if (s->n_frames == s->cap_frames) {
		size_t cap = s->cap_frames ? s->cap_frames * 2 : 1024;

		e = realloc(s->frames, cap * sizeof(*e));
		if (!e)
			return -ENOMEM;
		s->frames = e;
		s->cap_frames = cap;
	}
	e = &s->frames[s->n_frames];
	e->name = strdup(f->name ? f->name : "");
	e->file = f->file ? strdup(f->file) : NULL;
	e->hash = h;
	if (!e->name || (f->file && !e->file)) {
		free(e->name);
		free(e->file);
		return -ENOMEM;
	}
	s->slots[i] = (uint32_t)++s->n_frames;
	return (int64_t)s->n_frames - 1;
}

int speedscope__sample(struct speedscope *s, const struct speedscope_frame *f, size_t n,
		       double weight)
{
	struct sprofile *p;
	size_t i;
	int err;

	if (!s->n_profiles && (err = speedscope__profile(s, s->name)))
		return err;
	p = &s->profiles[s->n_profiles - 1];
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 256;
		size_t *e = realloc(p->ends, cap * sizeof(*e));
		double *w;

		if (!e)
			return -ENOMEM;
		p->ends = e;
		w = realloc(p->weights, cap * sizeof(*w));
		if (!w)
			return -ENOMEM;
		p->weights = w;
		p->cap = cap;
	}
	if (p->n_idx + n > p->cap_idx) {
		size_t cap = p->cap_idx ? p->cap_idx : 1024;
		uint32_t *x;

		while (cap < p->n_idx + n)
			cap *= 2;
		x = realloc(p->idx, cap * sizeof(*x));
		if (!x)
			return -ENOMEM;
		p->idx = x;
		p->cap_idx = cap;
	}
	for (i = 0; i < n; i++) {
		int64_t k = frame_idx(s, &f[i]);

		if (k < 0)
			return (int)k;
		p->idx[p->n_idx + i] = (uint32_t)k;
	}
	p->n_idx += n;
	p->ends[p->n] = p->n_idx;
	p->weights[p->n++] = weight;
	p->total += weight;
	return 0;
}

static void put_num(FILE *f, double v)
{
	char b[48];

	fputs(stack_count_str(v, b, sizeof(b)), f);
}

int speedscope__write(const struct speedscope *s, FILE *f)
{
	size_t i, k, start;

	fprintf(f, "{\"$schema\":\"%s\",\"exporter\":\"rtprof\",\"name\":", SPEEDSCOPE_SCHEMA);
	json_str(f, s->name);
	fputs(",\"activeProfileIndex\":0,\"shared\":{\"frames\":[", f);
	for (i = 0; i < s->n_frames; i++) {
		fputs(i ? ",\n{\"name\":" : "\n{\"name\":", f);
		json_str(f, s->frames[i].name);
		if (s->frames[i].file) {
			fputs(",\"file\":", f);
			json_str(f, s->frames[i].file);
		}
		fputc('}', f);
	}
	fputs("]},\"profiles\":[", f);
	for (i = 0; i < s->n_profiles; i++) {
		const struct sprofile *p = &s->profiles[i];

		fputs(i ? ",\n{\"type\":\"sampled\",\"name\":"
			: "\n{\"type\":\"sampled\",\"name\":",
		      f);
		json_str(f, p->name);
		fputs(",\"unit\":", f);
		json_str(f, s->unit);
		fputs(",\"startValue\":0,\"endValue\":", f);
		put_num(f, p->total);
		fputs(",\"samples\":[", f);
		for (k = 0, start = 0; k < p->n; start = p->ends[k++]) {
			size_t j;

			fputs(k ? ",[" : "[", f);
			for (j = start; j < p->ends[k]; j++)
				fprintf(f, j > start ? ",%u" : "%u", p->idx[j]);
			fputc(']', f);
		}
		fputs("],\"weights\":[", f);
		for (k = 0; k < p->n; k++) {
			if (k)
				fputc(',', f);
			put_num(f, p->weights[k]);
		}
		fputs("]}", f);
	}
	fputs("]}\n", f);
	return fflush(f) || ferror(f) ? -EIO : 0;
}
