// SPDX-License-Identifier: GPL-2.0
/*
 * Folded stacks: parsing, the stack tree they merge into, and writing them back.
 *
 * Built for big inputs (hundreds of MB): the file is read in large chunks (never mapped whole, so
 * the resident size stays the size of the tree), a line costs no allocation, counts are parsed by
 * hand, each frame name is stored once (interned), and a child is found through one hash of
 * (parent, name). Folded files are usually sorted, so consecutive lines share prefixes: the nodes
 * of the frames a line shares, byte for byte, with the previous line are reused without hashing.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "flamegraph/folded.h"
#include "flamegraph/tree.h"
#include "lib/errors.h"

#define ST_MAX_DEPTH	 8192 /* frames per stack; deeper lines count as invalid */
#define ST_SCAN_CHILDREN 8    /* a parent with more children is indexed in the kids hash */
#ifndef READ_CHUNK
#define READ_CHUNK (256u << 10) /* bytes: stays in the cache; the fuzzer makes it smaller */
#endif
#define BINARY_PROBE (64u << 10) /* bytes: a NUL byte among the first ones means binary data */

enum parse_mode {
	PARSE_PAIR,	  /* one count: AFTER; two counts: BEFORE AFTER */
	PARSE_COL_AFTER,  /* every count into AFTER */
	PARSE_COL_BEFORE, /* every count into BEFORE */
};

/* What is remembered of the previous line to reuse the frames it shares with the next one. */
struct parse_state {
	enum parse_mode mode;
	char *prev; /* previous stack text */
	size_t prev_len, prev_cap;
	uint32_t *nodes; /* its nodes, root excluded */
	size_t *ends;	 /* end offset of each of its frames in prev */
	size_t depth, cap;
	bool have_prev;
	const char **fr; /* frames of the line still to look up: text, length, name hash */
	size_t *fl;
	uint32_t *fh;
};

static uint64_t hash_bytes(const char *p, size_t n)
{
	uint64_t h = 0x243f6a8885a308d3ull ^ n, w;

	while (n >= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0x9e3779b97f4a7c15ull;
		h ^= h >> 29;
		p += 8;
		n -= 8;
	}
	w = 0;
	memcpy(&w, p, n);
	h = (h ^ w) * 0x9e3779b97f4a7c15ull;
	h ^= h >> 32;
	h *= 0xd6e8feb86659fd93ull;
	h ^= h >> 32;
	return h;
}

/*
 * Arrays of the tree that grow to megabytes (nodes, names, their text and index) move, at
 * BIG_MIN, from malloc to a mapping of their own that asks for 2 MB pages (transparent huge
 * pages in madvise mode): one page fault, and one TLB entry, for 2 MB instead of 4 KB. On a
 * 30 MB profile the 4 KB page faults were a tenth of the time, and the lookups' TLB misses as
 * much again. A mapping grows with mremap (without copying); the size decides which it is.
 */
#define BIG_MIN	 (256u << 10) /* bytes; a tree this big costs at most 2 MB more per array */
#define BIG_PAGE (2u << 20)   /* bytes */

static size_t big_len(size_t size)
{
	return (size + BIG_PAGE - 1) & ~(size_t)(BIG_PAGE - 1);
}

static void *big_map(size_t size)
{
	void *p = mmap(NULL, big_len(size), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		       0);

	if (p == MAP_FAILED)
		return NULL;
	madvise(p, big_len(size), MADV_HUGEPAGE); /* only advice */
	return p;
}

/* A zeroed array of size bytes. */
static void *big_calloc(size_t size)
{
	return size < BIG_MIN ? calloc(1, size) : big_map(size);
}

/* p (old_size bytes, or NULL and 0) grown to new_size bytes; the new bytes are not zeroed. */
static void *big_grow(void *p, size_t old_size, size_t new_size)
{
	void *q;

	if (new_size < BIG_MIN)
		return realloc(p, new_size);
	if (old_size >= BIG_MIN) {
		q = mremap(p, big_len(old_size), big_len(new_size), MREMAP_MAYMOVE);
		return q == MAP_FAILED ? NULL : q;
	}
	q = big_map(new_size);
	if (q) {
		memcpy(q, p, old_size);
		free(p);
	}
	return q;
}

static void big_free(void *p, size_t size)
{
	if (size >= BIG_MIN)
		munmap(p, big_len(size));
	else
		free(p);
}

struct stack_tree *stack_tree__new(void)
{
	struct stack_tree *t;

	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->cap_nodes = 1024;
	t->nodes = malloc(t->cap_nodes * sizeof(*t->nodes));
	t->kids_mask = 2047;
	t->kids = calloc(t->kids_mask + 1, sizeof(*t->kids));
	t->name_mask = 1023;
	t->name_idx = big_calloc((t->name_mask + 1) * sizeof(*t->name_idx));
	t->indexed = calloc(t->cap_nodes / 64, sizeof(*t->indexed));
	if (!t->nodes || !t->kids || !t->name_idx || !t->indexed) {
		stack_tree__free(t);
		errno = ENOMEM;
		return NULL;
	}
	t->nodes[0] = (struct st_node){ST_ROOT_NAME, ST_NONE, ST_NONE, ST_NONE, 0};
	t->n_nodes = 1;
	return t;
}

void stack_tree__free(struct stack_tree *t)
{
	if (!t)
		return;
	big_free(t->nodes, (size_t)t->cap_nodes * sizeof(*t->nodes));
	free(t->before);
	free(t->kids);
	free(t->indexed);
	big_free(t->arena, t->arena_cap);
	big_free(t->names, (size_t)t->cap_names * sizeof(*t->names));
	big_free(t->name_idx, ((size_t)t->name_mask + 1) * sizeof(*t->name_idx));
	free(t->path);
	free(t);
}

int stack_tree__set_flags(struct stack_tree *t, unsigned flags)
{
	if (t->n_nodes > 1)
		return -EBUSY;
	t->flags = flags;
	return 0;
}

size_t stack_tree__stacks(const struct stack_tree *t)
{
	return t->stacks;
}

bool stack_tree__is_diff(const struct stack_tree *t)
{
	return t->before != NULL;
}

double stack_tree__total(const struct stack_tree *t, enum stack_col col)
{
	if (col == STACK_COL_BEFORE)
		return t->before ? t->before[0] : 0;
	return t->nodes[0].total;
}

void stack_tree__scale(struct stack_tree *t, enum stack_col col, double factor)
{
	uint32_t i;

	for (i = 0; i < t->n_nodes; i++) {
		if (col == STACK_COL_BEFORE) {
			if (t->before)
				t->before[i] *= factor;
		} else {
			t->nodes[i].total *= factor;
		}
	}
}

static int ensure_before(struct stack_tree *t)
{
	if (t->before)
		return 0;
	t->before = calloc(t->cap_nodes, sizeof(*t->before));
	return t->before ? 0 : -ENOMEM;
}

static inline uint32_t name_hash(const char *p, size_t len)
{
	return (uint32_t)hash_bytes(p, len);
}

/*
 * Ask for the memory that intern() will read for a name of hash h: its slot in the name index
 * and, when the slot is already there and holds a name of that hash, the name's text. Only a
 * hint: a lookup that finds something else is still correct.
 */
static inline void prefetch_name_slot(const struct stack_tree *t, uint32_t h)
{
	__builtin_prefetch(&t->name_idx[h & t->name_mask]);
}

static inline void prefetch_name_text(const struct stack_tree *t, uint32_t h)
{
	const struct st_slot *e = &t->name_idx[h & t->name_mask];

	if (e->id && e->hash == h)
		__builtin_prefetch(t->arena + e->off);
}

/* Name id of p[0..len) (h: its name_hash), interned on first sight; ST_NONE when out of memory. */
static uint32_t intern(struct stack_tree *t, const char *p, size_t len, uint32_t h)
{
	uint32_t i, id;
	struct st_slot *idx;
	struct st_name *names;
	size_t need;
	char *arena;

	for (i = h & t->name_mask; t->name_idx[i].id; i = (i + 1) & t->name_mask) {
		const struct st_slot *e = &t->name_idx[i];

		if (e->hash == h && e->len == len && !memcmp(t->arena + e->off, p, len))
			return e->id - 1;
	}
	if (len > UINT32_MAX / 2 || t->n_names >= UINT32_MAX / 4 ||
	    t->arena_len + len + 1 > UINT32_MAX)
		return ST_NONE;
	if (t->n_names == t->cap_names) {
		uint32_t cap = t->cap_names ? t->cap_names * 2 : 1024;

		names = big_grow(t->names, (size_t)t->cap_names * sizeof(*names),
				 (size_t)cap * sizeof(*names));
		if (!names)
			return ST_NONE;
		t->names = names;
		t->cap_names = cap;
	}
	need = t->arena_len + len + 1;
	if (need > t->arena_cap) {
		size_t cap = t->arena_cap ? t->arena_cap : 65536;

		while (cap < need)
			cap *= 2;
		arena = big_grow(t->arena, t->arena_cap, cap);
		if (!arena)
			return ST_NONE;
		t->arena = arena;
		t->arena_cap = cap;
	}
	memcpy(t->arena + t->arena_len, p, len);
	t->arena[t->arena_len + len] = '\0';
	id = t->n_names++;
	t->names[id] = (struct st_name){t->arena_len, (uint32_t)len, h};
	t->arena_len = need;
	t->name_idx[i] = (struct st_slot){h, id + 1, (uint32_t)t->names[id].off, (uint32_t)len};
	if (t->n_names * 2 > t->name_mask) {
		uint32_t mask = t->name_mask * 2 + 1, j, k;

		idx = big_calloc(((size_t)mask + 1) * sizeof(*idx));
		if (!idx)
			return id; /* still correct, only slower */
		for (j = 0; j < t->n_names; j++) {
			for (k = t->names[j].hash & mask; idx[k].id; k = (k + 1) & mask)
				;
			idx[k] = (struct st_slot){t->names[j].hash, j + 1,
						  (uint32_t)t->names[j].off, t->names[j].len};
		}
		big_free(t->name_idx, ((size_t)t->name_mask + 1) * sizeof(*idx));
		t->name_idx = idx;
		t->name_mask = mask;
	}
	return id;
}

static inline uint32_t kid_slot(uint32_t parent, uint32_t name, uint32_t mask)
{
	uint64_t h = (((uint64_t)parent << 32) | name) * 0x9e3779b97f4a7c15ull;

	return (uint32_t)(h >> 32) & mask;
}

/* The kids table is grown at 70% load: linear probing stays short and the table small. */
static int grow_kids(struct stack_tree *t)
{
	uint32_t mask = t->kids_mask * 2 + 1, i, k;
	struct st_kid *kids;

	kids = calloc((size_t)mask + 1, sizeof(*kids));
	if (!kids)
		return -ENOMEM;
	for (i = 0; i <= t->kids_mask; i++) {
		const struct st_kid *e = &t->kids[i];

		if (!e->node)
			continue;
		for (k = kid_slot(e->parent, e->name, mask); kids[k].node; k = (k + 1) & mask)
			;
		kids[k] = *e;
	}
	free(t->kids);
	t->kids = kids;
	t->kids_mask = mask;
	return 0;
}

static uint32_t new_node(struct stack_tree *t, uint32_t parent, uint32_t name)
{
	uint32_t id;

	if (t->n_nodes == t->cap_nodes) {
		uint32_t cap = t->cap_nodes * 2;
		struct st_node *nodes;

		if (t->cap_nodes >= UINT32_MAX / 4)
			return ST_NONE;
		nodes = big_grow(t->nodes, (size_t)t->cap_nodes * sizeof(*nodes),
				 (size_t)cap * sizeof(*nodes));
		if (!nodes)
			return ST_NONE;
		t->nodes = nodes;
		{
			uint64_t *bits = realloc(t->indexed, (size_t)cap / 64 * sizeof(*bits));

			if (!bits)
				return ST_NONE;
			memset(bits + t->cap_nodes / 64, 0,
			       (size_t)(cap - t->cap_nodes) / 64 * sizeof(*bits));
			t->indexed = bits;
		}
		if (t->before) {
			double *b = realloc(t->before, (size_t)cap * sizeof(*b));

			if (!b)
				return ST_NONE;
			memset(b + t->cap_nodes, 0, (size_t)(cap - t->cap_nodes) * sizeof(*b));
			t->before = b;
		}
		t->cap_nodes = cap;
	}
	id = t->n_nodes++;
	t->nodes[id] = (struct st_node){name, parent, ST_NONE, t->nodes[parent].child, 0};
	t->nodes[parent].child = id;
	return id;
}

/* Index every child of parent in the kids hash (it has too many to scan). */
static int index_children(struct stack_tree *t, uint32_t parent)
{
	uint32_t c, k;

	for (c = t->nodes[parent].child; c != ST_NONE; c = t->nodes[c].sibling) {
		for (k = kid_slot(parent, t->nodes[c].name, t->kids_mask); t->kids[k].node;
		     k = (k + 1) & t->kids_mask)
			;
		t->kids[k] = (struct st_kid){parent, t->nodes[c].name, c + 1};
		if (++t->n_kids * 10 > (uint64_t)t->kids_mask * 7 && grow_kids(t))
			return -ENOMEM;
	}
	t->indexed[parent / 64] |= 1ull << (parent % 64);
	return 0;
}

static inline bool is_indexed(const struct stack_tree *t, uint32_t node)
{
	return t->indexed[node / 64] & (1ull << (node % 64));
}

/*
 * The child of parent with that name id, created if needed; ST_NONE when out of memory. A parent
 * with few children is searched by walking its list (most nodes of a big profile have zero or
 * one child, and their lookups then cost no hash probe); one with more is indexed in the hash.
 */
static uint32_t child(struct stack_tree *t, uint32_t parent, uint32_t name)
{
	uint32_t k, id, n = 0;

	if (name == ST_NONE)
		return ST_NONE;
	if (t->flags & STACK_TREE_FLAMECHART) {
		/* time order: merge only with the latest child, i.e. the previous sample */
		id = t->nodes[parent].child;
		if (id != ST_NONE && t->nodes[id].name == name)
			return id;
		return new_node(t, parent, name);
	}
	if (is_indexed(t, parent)) {
		for (k = kid_slot(parent, name, t->kids_mask); t->kids[k].node;
		     k = (k + 1) & t->kids_mask) {
			if (t->kids[k].parent == parent && t->kids[k].name == name)
				return t->kids[k].node - 1;
		}
		id = new_node(t, parent, name);
		if (id == ST_NONE)
			return ST_NONE;
		t->kids[k] = (struct st_kid){parent, name, id + 1};
		if (++t->n_kids * 10 > (uint64_t)t->kids_mask * 7 && grow_kids(t))
			return ST_NONE;
		return id;
	}
	for (id = t->nodes[parent].child; id != ST_NONE; id = t->nodes[id].sibling, n++) {
		if (t->nodes[id].name == name)
			return id;
	}
	id = new_node(t, parent, name);
	if (id != ST_NONE && n + 1 > ST_SCAN_CHILDREN && index_children(t, parent))
		return ST_NONE;
	return id;
}

static int ensure_path(struct stack_tree *t, size_t n)
{
	uint32_t *p;

	if (n <= t->path_cap)
		return 0;
	p = realloc(t->path, n * sizeof(*p));
	if (!p)
		return -ENOMEM;
	t->path = p;
	t->path_cap = n;
	return 0;
}

/* Add the counts to the root and the n nodes of t->path. */
static int add_counts(struct stack_tree *t, size_t n, double after, double before, bool has_before)
{
	size_t i;

	if (has_before) {
		if (ensure_before(t))
			return -ENOMEM;
		t->before[0] += before;
		for (i = 0; i < n; i++)
			t->before[t->path[i]] += before;
	}
	t->nodes[0].total += after;
	for (i = 0; i < n; i++)
		t->nodes[t->path[i]].total += after;
	t->stacks++;
	return 0;
}

int stack_tree__add_col(struct stack_tree *t, const char *const *frames, const size_t *lens,
			size_t n, double count, enum stack_col col)
{
	uint32_t parent = 0;
	size_t i, j;
	int err;

	if (n > ST_MAX_DEPTH)
		return -E2BIG;
	err = ensure_path(t, n);
	if (err)
		return err;
	for (i = 0; i < n; i++) {
		size_t len;

		j = t->flags & STACK_TREE_REVERSE ? n - 1 - i : i;
		len = lens ? lens[j] : strlen(frames[j]);
		parent = child(t, parent, intern(t, frames[j], len, name_hash(frames[j], len)));
		if (parent == ST_NONE)
			return -ENOMEM;
		t->path[i] = parent;
	}
	if (col == STACK_COL_BEFORE)
		return add_counts(t, n, 0, count, true);
	return add_counts(t, n, count, 0, false);
}

int stack_tree__add(struct stack_tree *t, const char *const *frames, size_t n, double count)
{
	return stack_tree__add_col(t, frames, NULL, n, count, STACK_COL_AFTER);
}

/* A count: digits, optionally '.' and more digits. Returns false when p[0..n) is not one. */
static bool parse_count(const char *p, size_t n, double *v)
{
	uint64_t ip = 0;
	double frac = 0, scale = 1;
	size_t i = 0;

	if (!n || p[0] < '0' || p[0] > '9')
		return false;
	for (; i < n && p[i] >= '0' && p[i] <= '9'; i++) {
		if (ip > (UINT64_MAX - 9) / 10)
			return false;
		ip = ip * 10 + (uint64_t)(p[i] - '0');
	}
	if (i < n) {
		if (p[i] != '.')
			return false;
		for (i++; i < n; i++) {
			if (p[i] < '0' || p[i] > '9')
				return false;
			scale /= 10;
			frac += (p[i] - '0') * scale;
		}
	}
	*v = (double)ip + frac;
	return true;
}

static inline bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Split off a trailing " COUNT" of line[0..*end): *end becomes the end of what precedes it. */
static bool take_count(const char *line, size_t *end, double *v)
{
	size_t e = *end, s = e;

	while (s > 0 && ((line[s - 1] >= '0' && line[s - 1] <= '9') || line[s - 1] == '.'))
		s--;
	if (s == e || s == 0 || !is_blank(line[s - 1]) || !parse_count(line + s, e - s, v))
		return false;
	while (s > 0 && is_blank(line[s - 1]))
		s--;
	*end = s;
	return true;
}

static int state_reserve(struct parse_state *ps, size_t depth, size_t len)
{
	if (depth > ps->cap) {
		size_t cap = depth * 2;
		uint32_t *nodes = realloc(ps->nodes, cap * sizeof(*nodes));
		size_t *ends;
		const char **fr;

		if (!nodes)
			return -ENOMEM;
		ps->nodes = nodes;
		ends = realloc(ps->ends, cap * sizeof(*ends));
		if (!ends)
			return -ENOMEM;
		ps->ends = ends;
		fr = realloc(ps->fr, cap * sizeof(*fr));
		if (!fr)
			return -ENOMEM;
		ps->fr = fr;
		ends = realloc(ps->fl, cap * sizeof(*ends));
		if (!ends)
			return -ENOMEM;
		ps->fl = ends;
		nodes = realloc(ps->fh, cap * sizeof(*nodes));
		if (!nodes)
			return -ENOMEM;
		ps->fh = nodes;
		ps->cap = cap;
	}
	if (len > ps->prev_cap) {
		size_t cap = len * 2 + 256;
		char *prev = realloc(ps->prev, cap);

		if (!prev)
			return -ENOMEM;
		ps->prev = prev;
		ps->prev_cap = cap;
	}
	return 0;
}

static void state_free(struct parse_state *ps)
{
	free(ps->prev);
	free(ps->nodes);
	free(ps->ends);
	free(ps->fr);
	free(ps->fl);
	free(ps->fh);
}

/* Length of the common prefix of a and b (n bytes at most), compared a word at a time. */
static size_t mismatch(const char *a, const char *b, size_t n)
{
	size_t i = 0;
	uint64_t x, y;

	for (; i + 8 <= n; i += 8) {
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		if (x != y)
			return i + (size_t)__builtin_ctzll(x ^ y) / 8; /* little endian */
	}
	while (i < n && a[i] == b[i])
		i++;
	return i;
}

/* Frames of s[0..len) that are the same as the previous line's, byte for byte. */
static size_t shared_frames(const struct parse_state *ps, const char *s, size_t len)
{
	size_t common, k = 0;

	if (!ps->have_prev)
		return 0;
	common = mismatch(s, ps->prev, len < ps->prev_len ? len : ps->prev_len);
	if (common == ps->prev_len && (len == ps->prev_len || s[common] == ';'))
		return ps->depth;
	while (k < ps->depth && ps->ends[k] < common)
		k++;
	return k;
}

static int add_line(struct stack_tree *t, struct parse_state *ps, const char *s, size_t len,
		    double after, double before, bool has_before)
{
	/* a line of len bytes has at most len + 1 frames: no counting pass needed */
	size_t max = len + 1 < ST_MAX_DEPTH + 1 ? len + 1 : ST_MAX_DEPTH + 1, depth, i, j, k, start;
	const char *p, *e = s + len, *semi;
	uint32_t parent;
	int err;

	err = state_reserve(ps, max, len);
	if (!err)
		err = ensure_path(t, max);
	if (err)
		return err;

	if (t->flags & STACK_TREE_REVERSE) {
		for (p = s, depth = 0; p <= e; p = semi + 1, depth++) {
			if (depth == ST_MAX_DEPTH)
				return -E2BIG;
			semi = memchr(p, ';', (size_t)(e - p));
			if (!semi)
				semi = e;
			ps->fr[depth] = p;
			ps->fl[depth] = (size_t)(semi - p);
		}
		for (parent = 0, i = 0; i < depth; i++) {
			j = depth - 1 - i;
			parent = child(
				t, parent,
				intern(t, ps->fr[j], ps->fl[j], name_hash(ps->fr[j], ps->fl[j])));
			if (parent == ST_NONE)
				return -ENOMEM;
			t->path[i] = parent;
		}
		return add_counts(t, depth, after, before, has_before);
	}

	k = shared_frames(ps, s, len);
	memcpy(t->path, ps->nodes, k * sizeof(*t->path));
	start = k ? ps->ends[k - 1] + 1 : 0;
	/*
	 * The frames not shared with the previous line, in three passes, so that the cache misses
	 * of their name lookups (the name index and the names are larger than the cache) overlap
	 * instead of coming one after another: split and hash each frame and prefetch its slot;
	 * prefetch the text of the name the slot holds; then look them up.
	 */
	for (i = k, p = s + start; p <= e; i++) {
		if (i == ST_MAX_DEPTH) {
			ps->have_prev = false; /* its ends were overwritten */
			return -E2BIG;
		}
		semi = memchr(p, ';', (size_t)(e - p));
		if (!semi)
			semi = e;
		ps->fr[i - k] = p;
		ps->fl[i - k] = (size_t)(semi - p);
		ps->fh[i - k] = name_hash(p, ps->fl[i - k]);
		prefetch_name_slot(t, ps->fh[i - k]);
		ps->ends[i] = (size_t)(semi - s);
		p = semi + 1;
	}
	depth = i;
	for (i = 0; i < depth - k; i++)
		prefetch_name_text(t, ps->fh[i]);
	parent = k ? t->path[k - 1] : 0;
	for (i = k; i < depth; i++) {
		j = i - k;
		parent = child(t, parent, intern(t, ps->fr[j], ps->fl[j], ps->fh[j]));
		if (parent == ST_NONE)
			return -ENOMEM;
		t->path[i] = parent;
	}
	memcpy(ps->nodes, t->path, depth * sizeof(*t->path));
	memcpy(ps->prev, s, len);
	ps->prev_len = len;
	ps->depth = depth;
	ps->have_prev = true;
	return add_counts(t, depth, after, before, has_before);
}

/* Parse the complete lines of buf[0..len) (the last one may lack its newline). */
static int parse_lines(struct stack_tree *t, struct parse_state *ps, const char *buf, size_t len,
		       size_t *bad)
{
	const char *line = buf, *end = buf + len, *nl;
	double after, before = 0;
	size_t n, s;
	int err;

	for (; line < end; line = nl + 1) {
		nl = memchr(line, '\n', (size_t)(end - line));
		if (!nl)
			nl = end;
		n = (size_t)(nl - line);
		while (n && is_blank(line[n - 1]))
			n--;
		for (s = 0; s < n && is_blank(line[s]);)
			s++;
		if (s == n)
			continue; /* blank line */
		line += s;	  /* leading white space is not part of the first frame */
		n -= s;
		if (!take_count(line, &n, &after)) {
			(*bad)++;
			continue;
		}
		if (ps->mode == PARSE_PAIR && take_count(line, &n, &before)) {
			if (n == 0) {
				(*bad)++;
				continue;
			}
			err = add_line(t, ps, line, n, after, before, true);
		} else {
			double dummy;

			if (ps->mode != PARSE_PAIR)
				take_count(line, &n, &dummy);
			if (n == 0) {
				(*bad)++;
				continue;
			}
			if (ps->mode == PARSE_COL_BEFORE)
				err = add_line(t, ps, line, n, 0, after, true);
			else
				err = add_line(t, ps, line, n, after, 0, false);
		}
		if (err == -E2BIG) {
			(*bad)++;
			continue;
		}
		if (err)
			return err;
	}
	return 0;
}

int stack_tree__parse_buf(struct stack_tree *t, const char *buf, size_t len, size_t *bad_lines)
{
	struct parse_state ps = {.mode = PARSE_PAIR};
	size_t bad = 0;
	int err;

	err = parse_lines(t, &ps, buf, len, &bad);
	state_free(&ps);
	if (bad_lines)
		*bad_lines += bad;
	return err;
}

static int parse_stream(struct stack_tree *t, FILE *f, enum parse_mode mode, size_t *bad_lines)
{
	struct parse_state ps = {.mode = mode};
	size_t cap = READ_CHUNK, have = 0, bad = 0, done, probed = 0;
	char *buf = NULL, *nl, *nb;
	size_t r;
	int err = 0;

	buf = malloc(cap);
	if (!buf) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (;;) {
		if (have == cap) {
			/* one line longer than the buffer */
			nb = realloc(buf, cap * 2);
			if (!nb) {
				err = -ENOMEM;
				goto cleanup;
			}
			buf = nb;
			cap *= 2;
		}
		/* large reads go straight from the file into buf, bypassing stdio's buffer */
		errno = 0;
		r = fread(buf + have, 1, cap - have, f);
		if (r == 0 && ferror(f)) {
			err = errno ? -errno : -EIO;
			goto cleanup;
		}
		if (r == 0)
			break;
		/* text never holds NUL bytes: stop before reading a binary file (or /dev/zero)
		 * whole */
		if (probed < BINARY_PROBE) {
			if (memchr(buf + have, '\0',
				   r < BINARY_PROBE - probed ? r : BINARY_PROBE - probed)) {
				err = -ERR_BADINPUT;
				goto cleanup;
			}
			probed += r;
		}
		have += r;
		nl = memrchr(buf, '\n', have);
		if (!nl)
			continue;
		done = (size_t)(nl - buf) + 1;
		err = parse_lines(t, &ps, buf, done, &bad);
		if (err)
			goto cleanup;
		memmove(buf, buf + done, have - done);
		have -= done;
	}
	err = parse_lines(t, &ps, buf, have, &bad);
cleanup:
	if (bad_lines)
		*bad_lines += bad;
	state_free(&ps);
	free(buf);
	return err;
}

int stack_tree__parse_file(struct stack_tree *t, FILE *f, size_t *bad_lines)
{
	return parse_stream(t, f, PARSE_PAIR, bad_lines);
}

int stack_tree__parse_file_col(struct stack_tree *t, FILE *f, enum stack_col col, size_t *bad_lines)
{
	return parse_stream(t, f, col == STACK_COL_BEFORE ? PARSE_COL_BEFORE : PARSE_COL_AFTER,
			    bad_lines);
}

static int cmp_names(const void *a, const void *b, void *arg)
{
	return st_name_cmp(arg, *(const uint32_t *)a, *(const uint32_t *)b);
}

uint32_t *stack_tree__name_ranks(const struct stack_tree *t)
{
	uint32_t *order, *rank, i;

	order = malloc(((size_t)t->n_names + 1) * sizeof(*order));
	rank = malloc(((size_t)t->n_names + 1) * sizeof(*rank));
	if (!order || !rank) {
		free(order);
		free(rank);
		errno = ENOMEM;
		return NULL;
	}
	for (i = 0; i < t->n_names; i++)
		order[i] = i;
	qsort_r(order, t->n_names, sizeof(*order), cmp_names, (void *)t);
	for (i = 0; i < t->n_names; i++)
		rank[order[i]] = i;
	free(order);
	return rank;
}

const char *stack_count_str(double v, char *buf, size_t size)
{
	size_t n;

	if (v == floor(v) && v >= 0 && v < 1e15 && size >= 20) {
		/* integers, the common case, without printf's float conversion */
		unsigned long long q = (unsigned long long)v;
		char tmp[24], *p = tmp + sizeof(tmp);

		*--p = '\0';
		do {
			*--p = (char)('0' + q % 10);
			q /= 10;
		} while (q);
		memcpy(buf, p, (size_t)(tmp + sizeof(tmp) - p));
		return buf;
	}
	if (v == floor(v) && fabs(v) < 1e15) {
		snprintf(buf, size, "%.0f", v);
		return buf;
	}
	snprintf(buf, size, "%.6f", v);
	n = strlen(buf);
	while (n > 1 && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n > 1 && buf[n - 1] == '.')
		buf[--n] = '\0';
	return buf;
}

/* Writing folded text back: a depth-first walk that keeps the path's names. */
struct fold_writer {
	const struct stack_tree *t;
	const uint32_t *rank;
	FILE *f;
	/* stack_tree__foreach: called instead of printing, with the path's names */
	int (*fn)(void *ctx, const char *const *frames, size_t n, double count);
	void *ctx;
	const char **names;
	uint32_t *pool; /* children of every level of the current path, sorted */
	size_t pool_len, pool_cap;
	uint32_t *path;
	size_t depth;
};

static int cmp_rank(const void *a, const void *b, void *arg)
{
	const struct fold_writer *w = arg;
	uint32_t x = w->rank[w->t->nodes[*(const uint32_t *)a].name];
	uint32_t y = w->rank[w->t->nodes[*(const uint32_t *)b].name];

	return x < y ? -1 : x > y;
}

static void put_stack(struct fold_writer *w)
{
	size_t i;

	for (i = 0; i < w->depth; i++) {
		if (i)
			putc(';', w->f);
		fwrite(st_name_str(w->t, w->t->nodes[w->path[i]].name), 1,
		       st_name_len(w->t, w->t->nodes[w->path[i]].name), w->f);
	}
}

static int fold_node(struct fold_writer *w, uint32_t id)
{
	const struct stack_tree *t = w->t;
	double self = t->nodes[id].total, self_b = t->before ? t->before[id] : 0;
	size_t start = w->pool_len, n, i;
	uint32_t c;
	char b1[48], b2[48];
	int err;

	for (c = t->nodes[id].child; c != ST_NONE; c = t->nodes[c].sibling) {
		if (w->pool_len == w->pool_cap) {
			size_t cap = w->pool_cap ? w->pool_cap * 2 : 4096;
			uint32_t *p = realloc(w->pool, cap * sizeof(*p));

			if (!p)
				return -ENOMEM;
			w->pool = p;
			w->pool_cap = cap;
		}
		w->pool[w->pool_len++] = c;
		self -= t->nodes[c].total;
		if (t->before)
			self_b -= t->before[c];
	}
	n = w->pool_len - start;
	if (t->flags & STACK_TREE_FLAMECHART) {
		for (i = 0; i < n / 2; i++) {
			c = w->pool[start + i];
			w->pool[start + i] = w->pool[start + n - 1 - i];
			w->pool[start + n - 1 - i] = c;
		}
	} else if (n > 1) {
		/* none or one child needs no sorting, and the pool may still be NULL (NULL + 0) */
		qsort_r(w->pool + start, n, sizeof(*w->pool), cmp_rank, w);
	}
	/* counts are sums of the input's, so a residue this small is rounding, not a stack */
	if (id && w->fn && self > 1e-9 * t->nodes[id].total) {
		for (i = 0; i < w->depth; i++)
			w->names[i] = st_name_str(t, t->nodes[w->path[i]].name);
		err = w->fn(w->ctx, w->names, w->depth, self);
		if (err)
			return err;
	} else if (id && (self > 1e-9 * t->nodes[id].total ||
			  (t->before && self_b > 1e-9 * t->before[id]))) {
		put_stack(w);
		if (t->before)
			fprintf(w->f, " %s %s\n", stack_count_str(self_b > 0 ? self_b : 0, b1, 48),
				stack_count_str(self > 0 ? self : 0, b2, 48));
		else
			fprintf(w->f, " %s\n", stack_count_str(self, b1, 48));
	}
	for (i = 0; i < n; i++) {
		w->path[w->depth++] = w->pool[start + i];
		err = fold_node(w, w->pool[start + i]);
		w->depth--;
		if (err)
			return err;
	}
	w->pool_len = start;
	return 0;
}

int stack_tree__write_folded(const struct stack_tree *t, FILE *f)
{
	struct fold_writer w = {.t = t, .f = f};
	int err;

	w.rank = stack_tree__name_ranks(t);
	w.path = malloc((ST_MAX_DEPTH + 1) * sizeof(*w.path));
	if (!w.rank || !w.path) {
		err = -ENOMEM;
		goto cleanup;
	}
	err = fold_node(&w, 0);
	if (!err && (fflush(f) || ferror(f)))
		err = -EIO;
cleanup:
	free((void *)w.rank);
	free(w.path);
	free(w.pool);
	return err;
}

int stack_tree__foreach(const struct stack_tree *t,
			int (*fn)(void *ctx, const char *const *frames, size_t n, double count),
			void *ctx)
{
	struct fold_writer w = {.t = t, .fn = fn, .ctx = ctx};
	int err;

	w.rank = stack_tree__name_ranks(t);
	w.path = malloc((ST_MAX_DEPTH + 1) * sizeof(*w.path));
	w.names = malloc((ST_MAX_DEPTH + 1) * sizeof(*w.names));
	if (!w.rank || !w.path || !w.names) {
		err = -ENOMEM;
		goto cleanup;
	}
	err = fold_node(&w, 0);
cleanup:
	free((void *)w.rank);
	free(w.path);
	free(w.names);
	free(w.pool);
	return err;
}
