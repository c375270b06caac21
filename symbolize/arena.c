// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "symbolize/arena.h"

#define CHUNK_SIZE (256 * 1024) /* bytes */

struct chunk {
	struct chunk *next;
	size_t used, size;
	max_align_t data[];
};

struct arena {
	struct chunk *chunks;
	/* interned strings: open addressing on a string hash */
	const char **strs;
	size_t str_cap, str_n;
};

struct arena *arena__new(void)
{
	return calloc(1, sizeof(struct arena));
}

void arena__free(struct arena *a)
{
	struct chunk *c, *next;

	if (!a)
		return;
	for (c = a->chunks; c; c = next) {
		next = c->next;
		free(c);
	}
	free(a->strs);
	free(a);
}

void *arena__alloc(struct arena *a, size_t size)
{
	struct chunk *c = a->chunks;
	void *p;

	size = (size + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
	if (!c || c->size - c->used < size) {
		size_t csize = size > CHUNK_SIZE ? size : CHUNK_SIZE;

		c = malloc(sizeof(*c) + csize);
		if (!c)
			return NULL;
		c->size = csize;
		c->used = 0;
		/* a big one-off block goes behind the current chunk so that it stays in use */
		if (a->chunks && size > CHUNK_SIZE) {
			c->next = a->chunks->next;
			a->chunks->next = c;
		} else {
			c->next = a->chunks;
			a->chunks = c;
		}
	}
	p = (char *)c->data + c->used;
	c->used += size;
	return p;
}

static __u64 hash_bytes(const char *s, size_t len)
{
	__u64 h = 1469598103934665603ULL; /* FNV-1a */
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static int strs_grow(struct arena *a)
{
	size_t ncap = a->str_cap ? a->str_cap * 2 : 1024, i;
	const char **n = calloc(ncap, sizeof(*n));

	if (!n)
		return -ENOMEM;
	for (i = 0; i < a->str_cap; i++) {
		const char *s = a->strs[i];
		size_t j;

		if (!s)
			continue;
		j = hash_bytes(s, strlen(s)) & (ncap - 1);
		while (n[j])
			j = (j + 1) & (ncap - 1);
		n[j] = s;
	}
	free(a->strs);
	a->strs = n;
	a->str_cap = ncap;
	return 0;
}

const char *arena__intern(struct arena *a, const char *s, size_t len)
{
	size_t j;
	char *copy;

	if ((a->str_n + 1) * 2 > a->str_cap && strs_grow(a))
		return NULL;
	j = hash_bytes(s, len) & (a->str_cap - 1);
	while (a->strs[j]) {
		if (!strncmp(a->strs[j], s, len) && a->strs[j][len] == '\0')
			return a->strs[j];
		j = (j + 1) & (a->str_cap - 1);
	}
	copy = arena__alloc(a, len + 1);
	if (!copy)
		return NULL;
	memcpy(copy, s, len);
	copy[len] = '\0';
	a->strs[j] = copy;
	a->str_n++;
	return copy;
}

static size_t slot_of(__u64 key, size_t cap)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdULL;
	key ^= key >> 33;
	return key & (cap - 1);
}

void *u64map__get(const struct u64map *m, __u64 key)
{
	size_t j;

	if (!m->cap)
		return NULL;
	for (j = slot_of(key, m->cap); m->vals[j]; j = (j + 1) & (m->cap - 1))
		if (m->keys[j] == key)
			return m->vals[j];
	return NULL;
}

int u64map__put(struct u64map *m, __u64 key, void *val)
{
	size_t j;

	if ((m->n + 1) * 2 > m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 256, i;
		__u64 *keys = calloc(ncap, sizeof(*keys));
		void **vals = calloc(ncap, sizeof(*vals));

		if (!keys || !vals) {
			free(keys);
			free(vals);
			return -ENOMEM;
		}
		for (i = 0; i < m->cap; i++) {
			if (!m->vals[i])
				continue;
			for (j = slot_of(m->keys[i], ncap); vals[j]; j = (j + 1) & (ncap - 1))
				;
			keys[j] = m->keys[i];
			vals[j] = m->vals[i];
		}
		free(m->keys);
		free(m->vals);
		m->keys = keys;
		m->vals = vals;
		m->cap = ncap;
	}
	for (j = slot_of(key, m->cap); m->vals[j]; j = (j + 1) & (m->cap - 1)) {
		if (m->keys[j] == key) {
			m->vals[j] = val;
			return 0;
		}
	}
	m->keys[j] = key;
	m->vals[j] = val;
	m->n++;
	return 0;
}

void u64map__clear(struct u64map *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}
