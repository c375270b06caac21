// SPDX-License-Identifier: GPL-2.0
/*
 * The pprof writer (see flamegraph/pprof.h): samples are encoded as they come; strings,
 * functions and locations are interned in tables keyed by their bytes, whose keys are what is
 * encoded at the end (locations last of all, once mapping ids are final: programs first).
 *
 * Field numbers are those of google/pprof proto/profile.proto. Repeated scalars are written
 * packed (location_id, value), as proto3 and Go's pprof package do.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "flamegraph/pprof.h"

/* Profile */
#define PF_SAMPLE_TYPE	       1
#define PF_SAMPLE	       2
#define PF_MAPPING	       3
#define PF_LOCATION	       4
#define PF_FUNCTION	       5
#define PF_STRING_TABLE	       6
#define PF_TIME_NANOS	       9
#define PF_DURATION_NANOS      10
#define PF_PERIOD_TYPE	       11
#define PF_PERIOD	       12
#define PF_COMMENT	       13
#define PF_DEFAULT_SAMPLE_TYPE 14
/* wire types */
#define WT_VARINT 0
#define WT_LEN	  2

#define GZIP_LEVEL 6
#define OUT_CHUNK  (64 * 1024)

struct buf {
	unsigned char *p;
	size_t len, cap;
	bool failed; /* an allocation failed: everything after it is lost */
};

static void buf_reserve(struct buf *b, size_t more)
{
	size_t cap;
	unsigned char *p;

	if (b->failed || b->len + more <= b->cap)
		return;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + more)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p) {
		b->failed = true;
		return;
	}
	b->p = p;
	b->cap = cap;
}

static void buf_put(struct buf *b, const void *p, size_t n)
{
	buf_reserve(b, n);
	if (b->failed || !n)
		return;
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void put_varint(struct buf *b, uint64_t v)
{
	unsigned char tmp[10];
	size_t n = 0;

	do {
		tmp[n++] = (unsigned char)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
	buf_put(b, tmp, n);
}

static size_t varint_len(uint64_t v)
{
	size_t n = 1;

	while (v > 0x7f) {
		v >>= 7;
		n++;
	}
	return n;
}

static void put_tag(struct buf *b, unsigned field, unsigned wire)
{
	put_varint(b, (uint64_t)field << 3 | wire);
}

/* A varint field, left out when zero (proto3's default). int64 fields take the two's complement. */
static void put_field(struct buf *b, unsigned field, uint64_t v)
{
	if (!v)
		return;
	put_tag(b, field, WT_VARINT);
	put_varint(b, v);
}

static void put_bytes(struct buf *b, unsigned field, const void *p, size_t n)
{
	put_tag(b, field, WT_LEN);
	put_varint(b, n);
	buf_put(b, p, n);
}

/* ---- tables keyed by bytes: key -> id 0, 1, 2... in the order added ---- */

struct key_ent {
	size_t off;
	uint32_t len;
	uint32_t hash;
};

struct key_table {
	uint32_t *slots; /* id + 1; 0: empty */
	size_t mask;
	struct key_ent *ents;
	size_t n, cap;
	struct buf keys;
};

/* A hash of n bytes, eight at a time (the keys are names, and ids packed in structs). */
static uint32_t hash_key(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ n, w;

	for (; n >= 8; s += 8, n -= 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 29;
	}
	if (n) {
		w = 0;
		memcpy(&w, s, n);
		h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
	}
	h ^= h >> 32;
	h *= 0xff51afd7ed558ccdULL;
	return (uint32_t)(h ^ h >> 29);
}

static void key_table__clear(struct key_table *t)
{
	free(t->slots);
	free(t->ents);
	free(t->keys.p);
}

static const unsigned char *key_table__key(const struct key_table *t, uint32_t id, size_t *len)
{
	*len = t->ents[id].len;
	return t->keys.p + t->ents[id].off;
}

static int key_table__grow(struct key_table *t)
{
	size_t cap = t->mask ? (t->mask + 1) * 2 : 1024, i, j;
	uint32_t *s = calloc(cap, sizeof(*s));

	if (!s)
		return -ENOMEM;
	for (i = 0; i < t->n; i++) {
		for (j = t->ents[i].hash & (cap - 1); s[j]; j = (j + 1) & (cap - 1))
			;
		s[j] = (uint32_t)i + 1;
	}
	free(t->slots);
	t->slots = s;
	t->mask = cap - 1;
	return 0;
}

/* The id of key (added when new; *added says so). 0 or -ENOMEM. */
static int key_table__get(struct key_table *t, const void *key, size_t len, uint32_t *id,
			  bool *added)
{
	uint32_t h = hash_key(key, len);
	size_t i;

	if (added)
		*added = false;
	if ((t->n + 1) * 2 > (t->mask ? t->mask + 1 : 0) && key_table__grow(t))
		return -ENOMEM;
	for (i = h & t->mask; t->slots[i]; i = (i + 1) & t->mask) {
		const struct key_ent *e = &t->ents[t->slots[i] - 1];

		if (e->hash == h && e->len == len && !memcmp(t->keys.p + e->off, key, len)) {
			*id = t->slots[i] - 1;
			return 0;
		}
	}
	if (len > UINT32_MAX || t->n >= UINT32_MAX - 1)
		return -ENOMEM;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 1024;
		struct key_ent *e = realloc(t->ents, cap * sizeof(*e));

		if (!e)
			return -ENOMEM;
		t->ents = e;
		t->cap = cap;
	}
	t->ents[t->n] = (struct key_ent){.off = t->keys.len, .len = (uint32_t)len, .hash = h};
	buf_put(&t->keys, key, len);
	if (t->keys.failed)
		return -ENOMEM;
	t->slots[i] = (uint32_t)++t->n;
	*id = (uint32_t)(t->n - 1);
	if (added)
		*added = true;
	return 0;
}

/* ---- the writer ---- */

struct mapping {
	uint32_t file, build_id; /* string indexes */
	uint64_t start, limit, file_offset;
	uint64_t lo, hi; /* addresses seen */
	bool known_range, main, seen_addr;
	bool has_filenames, has_line_numbers, has_inline_frames;
};

struct pprof_writer {
	struct pprof_opts o;
	struct pprof_value_type *types;
	struct key_table strings;   /* bytes -> string index */
	struct key_table functions; /* struct fn_key -> function id - 1 */
	struct key_table locations; /* loc key -> location id - 1 */
	struct key_table modules;   /* string index -> mapping index */
	struct mapping *maps;
	size_t n_maps, cap_maps;
	struct buf samples; /* encoded Sample fields (tag included) */
	size_t n_samples;
	struct buf scratch, ids; /* one sample, one location key */
	uint32_t *loc_ids;
	size_t cap_loc_ids;
	/* the caller's frame keys (pprof_writer__sample_keyed) of a location -> its id */
	struct key_table memo;
	uint32_t *memo_ids;
	size_t cap_memo_ids;
};

struct fn_key {
	uint32_t name, system_name, file;
	uint32_t pad;
	int64_t start_line;
};

/* A location key: header, then one struct line_key per line, innermost first. */
struct loc_hdr {
	uint32_t mapping; /* index + 1; 0: none */
	uint32_t pad;
	uint64_t address;
};

struct line_key {
	uint32_t function; /* id - 1 */
	uint32_t pad;
	int64_t line;
};

static int intern(struct pprof_writer *w, const char *s, uint32_t *idx)
{
	return key_table__get(&w->strings, s ? s : "", s ? strlen(s) : 0, idx, NULL);
}

static char *dup_or_null(const char *s, int *err)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		*err = -ENOMEM;
	return d;
}

void pprof_writer__free(struct pprof_writer *w)
{
	size_t i;

	if (!w)
		return;
	for (i = 0; w->types && i < w->o.n_sample_types; i++) {
		free((char *)w->types[i].type);
		free((char *)w->types[i].unit);
	}
	free(w->types);
	free((char *)w->o.period_type.type);
	free((char *)w->o.period_type.unit);
	free((char *)w->o.default_sample_type);
	free((char *)w->o.comment);
	key_table__clear(&w->strings);
	key_table__clear(&w->functions);
	key_table__clear(&w->locations);
	key_table__clear(&w->modules);
	key_table__clear(&w->memo);
	free(w->memo_ids);
	free(w->maps);
	free(w->samples.p);
	free(w->scratch.p);
	free(w->ids.p);
	free(w->loc_ids);
	free(w);
}

struct pprof_writer *pprof_writer__new(const struct pprof_opts *o)
{
	struct pprof_writer *w = calloc(1, sizeof(*w));
	uint32_t idx;
	int err = 0;
	size_t i;

	if (!w)
		return NULL;
	w->o = *o;
	w->o.period_type.type = dup_or_null(o->period_type.type, &err);
	w->o.period_type.unit = dup_or_null(o->period_type.unit, &err);
	w->o.default_sample_type = dup_or_null(o->default_sample_type, &err);
	w->o.comment = dup_or_null(o->comment, &err);
	w->types = calloc(o->n_sample_types ? o->n_sample_types : 1, sizeof(*w->types));
	if (!w->types)
		err = -ENOMEM;
	for (i = 0; !err && i < o->n_sample_types; i++) {
		w->types[i].type = dup_or_null(o->sample_types[i].type, &err);
		w->types[i].unit = dup_or_null(o->sample_types[i].unit, &err);
	}
	w->o.sample_types = w->types;
	/* string_table[0] = "", then the profile's own strings, so they come first */
	if (!err)
		err = intern(w, "", &idx);
	for (i = 0; !err && i < o->n_sample_types; i++) {
		err = intern(w, w->types[i].type, &idx);
		if (!err)
			err = intern(w, w->types[i].unit, &idx);
	}
	if (!err && w->o.period_type.type) {
		err = intern(w, w->o.period_type.type, &idx);
		if (!err)
			err = intern(w, w->o.period_type.unit, &idx);
	}
	if (err) {
		pprof_writer__free(w);
		errno = -err;
		return NULL;
	}
	return w;
}

size_t pprof_writer__samples(const struct pprof_writer *w)
{
	return w->n_samples;
}

size_t pprof_writer__n_values(const struct pprof_writer *w)
{
	return w->o.n_sample_types;
}

/* The mapping index of module (created at its first sight), or -ENOMEM. */
static int mapping_of(struct pprof_writer *w, const char *module)
{
	struct pprof_mapping pm = {};
	struct mapping *m;
	uint32_t file, idx;
	bool added;
	int err;

	err = intern(w, module, &file);
	if (!err)
		err = key_table__get(&w->modules, &file, sizeof(file), &idx, &added);
	if (err)
		return err;
	if (!added)
		return (int)idx;
	if (w->n_maps == w->cap_maps) {
		size_t cap = w->cap_maps ? w->cap_maps * 2 : 16;
		struct mapping *n = realloc(w->maps, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		w->maps = n;
		w->cap_maps = cap;
	}
	m = &w->maps[w->n_maps++];
	memset(m, 0, sizeof(*m));
	m->file = file;
	if (w->o.module_info && !w->o.module_info(w->o.ctx, module, &pm)) {
		m->known_range = pm.known_range;
		m->start = pm.start;
		m->limit = pm.limit;
		m->file_offset = pm.file_offset;
		m->main = pm.main;
		pm.build_id[sizeof(pm.build_id) - 1] = 0;
		if (pm.build_id[0] && intern(w, pm.build_id, &m->build_id))
			return -ENOMEM;
	}
	return (int)idx;
}

/* The location id of frames f[0..n) (the last one is the outer function, the others were inlined
 * into it, innermost first), or -errno. */
static int64_t location_of(struct pprof_writer *w, const struct pprof_frame *f, size_t n)
{
	const struct pprof_frame *outer = &f[n - 1];
	struct loc_hdr h = {.address = outer->module ? outer->address : 0};
	struct mapping *m = NULL;
	uint32_t id;
	size_t i;
	int err;

	if (outer->module) {
		err = mapping_of(w, outer->module);
		if (err < 0)
			return err;
		h.mapping = (uint32_t)err + 1;
		m = &w->maps[err];
	}
	w->ids.len = 0;
	buf_put(&w->ids, &h, sizeof(h));
	for (i = 0; i < n; i++) {
		struct fn_key fk = {.start_line = f[i].start_line};
		struct line_key lk = {.line = f[i].line};

		if (!f[i].function)
			return -EINVAL;
		err = intern(w, f[i].function, &fk.name);
		/* the common cases without a second lookup: the same name, no file */
		if (!err && f[i].system_name && f[i].system_name != f[i].function &&
		    strcmp(f[i].system_name, f[i].function))
			err = intern(w, f[i].system_name, &fk.system_name);
		else
			fk.system_name = fk.name;
		if (!err && f[i].file)
			err = intern(w, f[i].file, &fk.file);
		if (!err)
			err = key_table__get(&w->functions, &fk, sizeof(fk), &lk.function, NULL);
		if (err)
			return err;
		buf_put(&w->ids, &lk, sizeof(lk));
		if (m) {
			m->has_filenames |= f[i].file != NULL;
			m->has_line_numbers |= f[i].line > 0;
		}
	}
	if (w->ids.failed)
		return -ENOMEM;
	if (m) {
		m->has_inline_frames |= n > 1;
		if (!m->seen_addr || h.address < m->lo)
			m->lo = h.address;
		if (!m->seen_addr || h.address > m->hi)
			m->hi = h.address;
		m->seen_addr = true;
	}
	err = key_table__get(&w->locations, w->ids.p, w->ids.len, &id, NULL);
	return err ? err : (int64_t)id + 1;
}

/* The location of frames f[0..n) through the memo of their keys, when the caller gave keys. */
static int64_t location_memo(struct pprof_writer *w, const struct pprof_frame *f,
			     const void *const *keys, size_t n)
{
	uint32_t idx;
	int64_t id;
	bool added;
	int err;

	if (!keys)
		return location_of(w, f, n);
	err = key_table__get(&w->memo, keys, n * sizeof(*keys), &idx, &added);
	if (err)
		return err;
	if (!added)
		return w->memo_ids[idx];
	id = location_of(w, f, n);
	if (id < 0)
		return id;
	if (idx >= w->cap_memo_ids) {
		size_t cap = w->cap_memo_ids ? w->cap_memo_ids * 2 : 1024;
		uint32_t *m = realloc(w->memo_ids, cap * sizeof(*m));

		if (!m)
			return -ENOMEM;
		w->memo_ids = m;
		w->cap_memo_ids = cap;
	}
	w->memo_ids[idx] = (uint32_t)id;
	return id;
}

int pprof_writer__sample(struct pprof_writer *w, const struct pprof_frame *f, size_t n,
			 const int64_t *values, const struct pprof_label *labels, size_t n_labels)
{
	return pprof_writer__sample_keyed(w, f, NULL, n, values, labels, n_labels);
}

int pprof_writer__sample_keyed(struct pprof_writer *w, const struct pprof_frame *f,
			       const void *const *keys, size_t n, const int64_t *values,
			       const struct pprof_label *labels, size_t n_labels)
{
	struct buf *s = &w->scratch;
	size_t i, start, nloc = 0, len;
	int err;

	if (n > w->cap_loc_ids) {
		uint32_t *p = realloc(w->loc_ids, n * sizeof(*p));

		if (!p)
			return -ENOMEM;
		w->loc_ids = p;
		w->cap_loc_ids = n;
	}
	/* leaf first: a run of inlined frames and the frame they were inlined into */
	for (start = 0; start < n; start = i + 1) {
		int64_t id;

		for (i = start; i + 1 < n && f[i].inlined; i++)
			;
		id = location_memo(w, f + start, keys ? keys + start : NULL, i - start + 1);
		if (id < 0)
			return (int)id;
		w->loc_ids[nloc++] = (uint32_t)id;
	}
	s->len = 0;
	for (len = 0, i = 0; i < nloc; i++)
		len += varint_len(w->loc_ids[i]);
	if (nloc) {
		put_tag(s, 1, WT_LEN);
		put_varint(s, len);
		for (i = 0; i < nloc; i++)
			put_varint(s, w->loc_ids[i]);
	}
	for (len = 0, i = 0; i < w->o.n_sample_types; i++)
		len += varint_len((uint64_t)values[i]);
	if (w->o.n_sample_types) {
		put_tag(s, 2, WT_LEN);
		put_varint(s, len);
		for (i = 0; i < w->o.n_sample_types; i++)
			put_varint(s, (uint64_t)values[i]);
	}
	for (i = 0; i < n_labels; i++) {
		struct buf l = {};
		uint32_t key, str = 0, unit = 0;

		err = intern(w, labels[i].key, &key);
		if (!err && labels[i].str)
			err = intern(w, labels[i].str, &str);
		if (!err && labels[i].num_unit)
			err = intern(w, labels[i].num_unit, &unit);
		if (err)
			return err;
		put_field(&l, 1, key);
		put_field(&l, 2, str);
		if (!labels[i].str)
			put_field(&l, 3, (uint64_t)labels[i].num);
		put_field(&l, 4, unit);
		if (l.failed) {
			free(l.p);
			return -ENOMEM;
		}
		put_bytes(s, 3, l.p, l.len);
		free(l.p);
	}
	if (s->failed)
		return -ENOMEM;
	put_bytes(&w->samples, PF_SAMPLE, s->p, s->len);
	if (w->samples.failed)
		return -ENOMEM;
	w->n_samples++;
	return 0;
}

/* ---- encoding ---- */

static void put_value_type(struct buf *out, unsigned field, uint32_t type, uint32_t unit)
{
	struct buf b = {};

	put_field(&b, 1, type);
	put_field(&b, 2, unit);
	put_bytes(out, field, b.p, b.len);
	out->failed |= b.failed;
	free(b.p);
}

/* Index of string s, which was interned before. */
static uint32_t str_idx(struct pprof_writer *w, const char *s)
{
	uint32_t idx = 0;

	intern(w, s, &idx);
	return idx;
}

/* Mapping ids: programs first, then the others, each in the order first seen. */
static void order_mappings(const struct pprof_writer *w, uint32_t *id_of)
{
	uint32_t next = 1;
	size_t i;

	for (i = 0; i < w->n_maps; i++)
		if (w->maps[i].main)
			id_of[i] = next++;
	for (i = 0; i < w->n_maps; i++)
		if (!w->maps[i].main)
			id_of[i] = next++;
}

static void put_mapping(struct buf *out, const struct mapping *m, uint32_t id)
{
	struct buf b = {};
	uint64_t start = m->start, limit = m->limit, off = m->file_offset;

	if (!m->known_range) {
		/* the addresses seen, when nothing is known */
		start = m->seen_addr && m->hi ? m->lo : 0;
		limit = m->seen_addr && m->hi ? m->hi + 1 : 0;
		off = 0;
	} else if (m->seen_addr) {
		/* and wide enough for every address seen (a frame resolved to a module from outside
		 * its code, as a bad unwind can give) */
		if (m->lo < start) {
			start = m->lo;
			off = 0;
		}
		if (m->hi >= limit)
			limit = m->hi + 1;
	}
	put_field(&b, 1, id);
	put_field(&b, 2, start);
	put_field(&b, 3, limit);
	put_field(&b, 4, off);
	put_field(&b, 5, m->file);
	put_field(&b, 6, m->build_id);
	put_field(&b, 7, 1); /* has_functions: every location is symbolized */
	put_field(&b, 8, m->has_filenames);
	put_field(&b, 9, m->has_line_numbers);
	/* the symbolizer gives inline chains wherever it has line numbers */
	put_field(&b, 10, m->has_inline_frames || m->has_line_numbers);
	put_bytes(out, PF_MAPPING, b.p, b.len);
	out->failed |= b.failed;
	free(b.p);
}

static void put_location(struct buf *out, const struct pprof_writer *w, uint32_t id,
			 const uint32_t *map_id)
{
	struct buf b = {}, l = {};
	struct loc_hdr h;
	struct line_key lk;
	const unsigned char *k;
	size_t len, off;

	k = key_table__key(&w->locations, id, &len);
	memcpy(&h, k, sizeof(h));
	put_field(&b, 1, (uint64_t)id + 1);
	put_field(&b, 2, h.mapping ? map_id[h.mapping - 1] : 0);
	put_field(&b, 3, h.address);
	for (off = sizeof(h); off + sizeof(lk) <= len; off += sizeof(lk)) {
		memcpy(&lk, k + off, sizeof(lk));
		l.len = 0;
		put_field(&l, 1, (uint64_t)lk.function + 1);
		put_field(&l, 2, (uint64_t)lk.line);
		put_bytes(&b, 4, l.p, l.len);
	}
	put_bytes(out, PF_LOCATION, b.p, b.len);
	out->failed |= b.failed || l.failed;
	free(b.p);
	free(l.p);
}

static void put_function(struct buf *out, const struct pprof_writer *w, uint32_t id)
{
	struct buf b = {};
	struct fn_key fk;
	size_t len;

	memcpy(&fk, key_table__key(&w->functions, id, &len), sizeof(fk));
	put_field(&b, 1, (uint64_t)id + 1);
	put_field(&b, 2, fk.name);
	put_field(&b, 3, fk.system_name);
	put_field(&b, 4, fk.file);
	put_field(&b, 5, (uint64_t)fk.start_line);
	put_bytes(out, PF_FUNCTION, b.p, b.len);
	out->failed |= b.failed;
	free(b.p);
}

static int encode(struct pprof_writer *w, struct buf *out)
{
	uint32_t *map_id = NULL, dflt = 0, comment = 0;
	size_t i, len;
	int err;

	/* strings the header refers to, interned before the table is written */
	if (w->o.default_sample_type && (err = intern(w, w->o.default_sample_type, &dflt)))
		return err;
	if (w->o.comment && (err = intern(w, w->o.comment, &comment)))
		return err;
	map_id = calloc(w->n_maps ? w->n_maps : 1, sizeof(*map_id));
	if (!map_id)
		return -ENOMEM;
	order_mappings(w, map_id);
	for (i = 0; i < w->o.n_sample_types; i++)
		put_value_type(out, PF_SAMPLE_TYPE, str_idx(w, w->types[i].type),
			       str_idx(w, w->types[i].unit));
	buf_put(out, w->samples.p, w->samples.len);
	for (i = 1; i <= w->n_maps; i++) { /* in id order */
		size_t k;

		for (k = 0; k < w->n_maps && map_id[k] != i; k++)
			;
		put_mapping(out, &w->maps[k], (uint32_t)i);
	}
	for (i = 0; i < w->locations.n; i++)
		put_location(out, w, (uint32_t)i, map_id);
	for (i = 0; i < w->functions.n; i++)
		put_function(out, w, (uint32_t)i);
	for (i = 0; i < w->strings.n; i++) {
		const unsigned char *s = key_table__key(&w->strings, (uint32_t)i, &len);

		put_bytes(out, PF_STRING_TABLE, s, len);
	}
	put_field(out, PF_TIME_NANOS, (uint64_t)w->o.time_nanos);
	put_field(out, PF_DURATION_NANOS, (uint64_t)w->o.duration_nanos);
	if (w->o.period_type.type)
		put_value_type(out, PF_PERIOD_TYPE, str_idx(w, w->o.period_type.type),
			       str_idx(w, w->o.period_type.unit));
	put_field(out, PF_PERIOD, (uint64_t)w->o.period);
	if (w->o.comment) {
		put_tag(out, PF_COMMENT, WT_VARINT);
		put_varint(out, comment);
	}
	put_field(out, PF_DEFAULT_SAMPLE_TYPE, dflt);
	free(map_id);
	return out->failed ? -ENOMEM : 0;
}

/* gzip p[0..n) into f: no file name, time stamp 0, so the same bytes give the same file. */
static int gzip_write(const unsigned char *p, size_t n, FILE *f)
{
	unsigned char *chunk = malloc(OUT_CHUNK);
	z_stream z = {};
	int zr, err = 0;

	if (!chunk)
		return -ENOMEM;
	if (deflateInit2(&z, GZIP_LEVEL, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		free(chunk);
		return -ENOMEM;
	}
	z.next_in = (unsigned char *)p;
	do {
		size_t give = n > UINT32_MAX ? UINT32_MAX : n;

		z.avail_in = (uInt)give;
		n -= give;
		do {
			z.next_out = chunk;
			z.avail_out = OUT_CHUNK;
			zr = deflate(&z, n ? Z_NO_FLUSH : Z_FINISH);
			if (zr == Z_STREAM_ERROR) {
				err = -EIO;
				goto cleanup;
			}
			if (fwrite(chunk, 1, OUT_CHUNK - z.avail_out, f) !=
			    OUT_CHUNK - z.avail_out) {
				err = -EIO;
				goto cleanup;
			}
		} while (z.avail_out == 0);
	} while (n);
	if (zr != Z_STREAM_END)
		err = -EIO;
cleanup:
	deflateEnd(&z);
	free(chunk);
	return err;
}

int pprof_writer__write(struct pprof_writer *w, FILE *f)
{
	struct buf out = {};
	int err;

	err = encode(w, &out);
	if (!err)
		err = gzip_write(out.p ? out.p : (const unsigned char *)"", out.len, f);
	if (!err && (fflush(f) || ferror(f)))
		err = -EIO;
	free(out.p);
	return err;
}
