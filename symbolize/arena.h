/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Memory the symbolizer hands out and never frees one by one: frames, names it builds
 * ("module+0x1f0", demangled names, JIT names), all released at once with the symbolizer.
 * Also a u64 -> pointer hash map for the caches (CU index by DIE offset, frames by address).
 */
#ifndef RTPROF_SYM_ARENA_H
#define RTPROF_SYM_ARENA_H

#include <stddef.h>
#include <linux/types.h>

struct arena;

struct arena *arena__new(void);
void arena__free(struct arena *a);
/* size bytes aligned for any type; NULL when out of memory. */
void *arena__alloc(struct arena *a, size_t size);
/* A copy of s (len bytes) with a NUL; the same pointer for equal strings (interned). */
const char *arena__intern(struct arena *a, const char *s, size_t len);

struct u64map {
	__u64 *keys;
	void **vals; /* NULL: empty slot */
	size_t cap;  /* power of two */
	size_t n;
};

void *u64map__get(const struct u64map *m, __u64 key);
/* val must not be NULL. 0 or -ENOMEM. */
int u64map__put(struct u64map *m, __u64 key, void *val);
void u64map__clear(struct u64map *m);

#endif
