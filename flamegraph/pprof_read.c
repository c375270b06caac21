// SPDX-License-Identifier: GPL-2.0
/*
 * The pprof reader (see flamegraph/pprof.h): untrusted input, so every read is bounds-checked,
 * every index and id is looked up before it is used, and the work is bounded by the input's
 * size (decompressed bytes, and frames per sample times samples). It decodes what rtprof's
 * writer and Go's pprof package write: the profile's sample types, samples (location ids and
 * values packed or not, labels), locations with their lines, functions (names), mappings (file
 * names, for locations without lines) and the string table; every other field is skipped by its
 * wire type.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "flamegraph/folded.h"
#include "flamegraph/pprof.h"
#include "lib/errors.h"

#define DEFAULT_MAX_BYTES (1ULL << 30)
#define FRAMES_PER_BYTE	  64 /* frames expanded per input byte, at most (plus FRAMES_BASE) */
#define FRAMES_BASE	  (1u << 20)

struct pb {
	const unsigned char *p, *end;
};

struct str {
	const char *p;
	size_t len;
};

struct loc {
	uint64_t id, mapping, address;
	size_t first, n; /* its lines' function ids in line_fn[], innermost first */
};

struct id_idx {
	uint64_t id;
	size_t idx;
};

struct reader {
	struct pprof_read_info *info;
	/* ids 1..n as most writers number them: id -> index + 1 (0: none), else bsearch */
	size_t *loc_at, *fn_at;
	uint64_t max_loc, max_fn;
	struct str *strs;
	size_t n_strs;
	uint64_t (*types)[2]; /* type, unit string indexes */
	size_t n_types;
	struct pb *samples;
	size_t n_samples;
	struct loc *locs;
	size_t n_locs;
	struct id_idx *fns; /* function id -> name string index (idx) */
	size_t n_fns;
	struct id_idx *maps; /* mapping id -> file name string index */
	size_t n_maps;
	uint64_t *line_fn; /* function ids of every location's lines */
	size_t n_line_fn, cap_line_fn;
	uint64_t default_type;
	int64_t period;
	/* one sample's frames: a name in the input (ptr, len) or made in names[] (NULL, offset
	 * in gen[]); root first once reversed */
	const char **frames;
	size_t *lens, *gen;
	size_t cap_frames;
	char *names; /* "0x..." names and the thread root */
	size_t names_len, names_cap;
	uint64_t frames_left;
	uint64_t *ids, *vals; /* one sample's location ids and values */
	size_t cap_ids, cap_vals;
};

__attribute__((format(printf, 2, 3))) static int bad(struct reader *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->info->error, sizeof(r->info->error), fmt, ap);
	va_end(ap);
	return -ERR_BADINPUT;
}

static int pb_varint(struct pb *b, uint64_t *v)
{
	uint64_t x = 0;
	unsigned shift;

	for (shift = 0; shift < 64; shift += 7) {
		if (b->p >= b->end)
			return -1;
		x |= (uint64_t)(*b->p & 0x7f) << shift;
		if (!(*b->p++ & 0x80)) {
			*v = x;
			return 0;
		}
	}
	return -1; /* more than 10 bytes */
}

/* The next field of b: its number, wire type and value (varint) or contents (length-delimited).
 * 1: end of b; 0: a field; -1: malformed. Fixed-size fields are skipped over (value 0). */
static int pb_next(struct pb *b, uint64_t *field, int *wire, uint64_t *v, struct pb *sub)
{
	uint64_t tag, len;

	if (b->p >= b->end)
		return 1;
	if (pb_varint(b, &tag))
		return -1;
	*field = tag >> 3;
	*wire = (int)(tag & 7);
	*v = 0;
	switch (*wire) {
	case 0:
		return pb_varint(b, v);
	case 1:
	case 5: {
		size_t n = *wire == 1 ? 8 : 4;

		if ((size_t)(b->end - b->p) < n)
			return -1;
		b->p += n;
		return 0;
	}
	case 2:
		if (pb_varint(b, &len) || len > (uint64_t)(b->end - b->p))
			return -1;
		sub->p = b->p;
		sub->end = b->p + len;
		b->p += len;
		return 0;
	default: /* groups (3, 4) are not part of profile.proto */
		return -1;
	}
}

/* Append v to a growing array of uint64_t. */
static int push_u64(uint64_t **a, size_t *n, size_t *cap, uint64_t v)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 64;
		uint64_t *p = realloc(*a, c * sizeof(*p));

		if (!p)
			return -ENOMEM;
		*a = p;
		*cap = c;
	}
	(*a)[(*n)++] = v;
	return 0;
}

#define PUSH(arr, n, cap, val)                                          \
	({                                                              \
		int _e = 0;                                             \
		if ((n) == (cap)) {                                     \
			size_t _c = (cap) ? (cap)*2 : 64;               \
			void *_p = realloc((arr), _c * sizeof(*(arr))); \
			if (_p) {                                       \
				(arr) = _p;                             \
				(cap) = _c;                             \
			} else {                                        \
				_e = -ENOMEM;                           \
			}                                               \
		}                                                       \
		if (!_e)                                                \
			(arr)[(n)++] = (val);                           \
		_e;                                                     \
	})

/* A repeated scalar field, packed (wire type 2) or one value (wire type 0), appended to a. */
static int repeated(struct reader *r, int wire, uint64_t v, struct pb *sub, uint64_t **a, size_t *n,
		    size_t *cap)
{
	if (wire == 0)
		return push_u64(a, n, cap, v);
	if (wire != 2)
		return bad(r, "malformed pprof: repeated field of wire type %d", wire);
	while (sub->p < sub->end) {
		if (pb_varint(sub, &v))
			return bad(r, "malformed pprof: bad packed varint");
		if (push_u64(a, n, cap, v))
			return -ENOMEM;
	}
	return 0;
}

static int cmp_id(const void *a, const void *b)
{
	uint64_t x = ((const struct id_idx *)a)->id, y = ((const struct id_idx *)b)->id;

	return x < y ? -1 : x > y;
}

static int cmp_loc(const void *a, const void *b)
{
	uint64_t x = ((const struct loc *)a)->id, y = ((const struct loc *)b)->id;

	return x < y ? -1 : x > y;
}

static const struct id_idx *find_id(const struct id_idx *a, size_t n, uint64_t id)
{
	struct id_idx key = {.id = id};

	return n ? bsearch(&key, a, n, sizeof(*a), cmp_id) : NULL;
}

static const struct id_idx *find_fn(const struct reader *r, uint64_t id)
{
	if (r->fn_at)
		return id && id <= r->max_fn && r->fn_at[id] ? &r->fns[r->fn_at[id] - 1] : NULL;
	return find_id(r->fns, r->n_fns, id);
}

static const struct loc *find_loc(const struct reader *r, uint64_t id)
{
	struct loc key = {.id = id};

	if (r->loc_at)
		return id && id <= r->max_loc && r->loc_at[id] ? &r->locs[r->loc_at[id] - 1] : NULL;
	return r->n_locs ? bsearch(&key, r->locs, r->n_locs, sizeof(*r->locs), cmp_loc) : NULL;
}

static int str_at(struct reader *r, uint64_t idx, struct str *out)
{
	if (idx >= r->n_strs)
		return bad(r, "malformed pprof: string index %" PRIu64 " out of range", idx);
	*out = r->strs[idx];
	return 0;
}

/* ---- the top level ---- */

static int read_simple(struct reader *r, struct pb *sub, uint64_t *a, uint64_t *b_)
{
	uint64_t field, v;
	struct pb s;
	int wire, rc;

	while ((rc = pb_next(sub, &field, &wire, &v, &s)) == 0) {
		if (wire != 0)
			continue;
		if (field == 1)
			*a = v;
		else if (field == 2)
			*b_ = v;
	}
	return rc < 0 ? bad(r, "malformed pprof: bad value type") : 0;
}

static int read_location(struct reader *r, struct pb *sub, struct loc *l)
{
	uint64_t field, v;
	struct pb s;
	int wire, rc;

	memset(l, 0, sizeof(*l));
	l->first = r->n_line_fn;
	while ((rc = pb_next(sub, &field, &wire, &v, &s)) == 0) {
		if (field == 1 && wire == 0) {
			l->id = v;
		} else if (field == 2 && wire == 0) {
			l->mapping = v;
		} else if (field == 3 && wire == 0) {
			l->address = v;
		} else if (field == 4 && wire == 2) {
			uint64_t lf, lv, fn = 0;
			struct pb ls;
			int lw, lrc;

			while ((lrc = pb_next(&s, &lf, &lw, &lv, &ls)) == 0)
				if (lf == 1 && lw == 0)
					fn = lv;
			if (lrc < 0)
				return bad(r, "malformed pprof: bad line in location %" PRIu64 "",
					   l->id);
			if (push_u64(&r->line_fn, &r->n_line_fn, &r->cap_line_fn, fn))
				return -ENOMEM;
		}
	}
	if (rc < 0)
		return bad(r, "malformed pprof: bad location %" PRIu64 "", l->id);
	if (!l->id)
		return bad(r, "malformed pprof: location with id 0");
	l->n = r->n_line_fn - l->first;
	return 0;
}

/* function or mapping: its id and one string index field */
static int read_named(struct reader *r, struct pb *sub, uint64_t name_field, struct id_idx *out,
		      const char *what)
{
	uint64_t field, v;
	struct pb s;
	int wire, rc;

	memset(out, 0, sizeof(*out));
	while ((rc = pb_next(sub, &field, &wire, &v, &s)) == 0) {
		if (wire != 0)
			continue;
		if (field == 1)
			out->id = v;
		else if (field == name_field)
			out->idx = v;
	}
	if (rc < 0)
		return bad(r,
			   what[0] == 'f' ? "malformed pprof: bad function %" PRIu64 ""
					  : "malformed pprof: bad mapping %" PRIu64 "",
			   out->id);
	if (!out->id)
		return bad(r, what[0] == 'f' ? "malformed pprof: function with id 0"
					     : "malformed pprof: mapping with id 0");
	if (out->idx >= r->n_strs)
		return 1; /* checked once the string table is complete */
	return 0;
}

static int decode_top(struct reader *r, struct pb *b)
{
	size_t cap_strs = 0, cap_types = 0, cap_samples = 0, cap_locs = 0, cap_fns = 0,
	       cap_maps = 0;
	uint64_t field, v;
	struct pb s;
	int wire, rc, err;

	/* the string table first: the other messages are checked against it */
	struct pb all = *b;

	while ((rc = pb_next(&all, &field, &wire, &v, &s)) == 0) {
		if (field != 6)
			continue;
		if (wire != 2)
			return bad(r, "malformed pprof: string table entry of wire type %d", wire);
		err = PUSH(r->strs, r->n_strs, cap_strs,
			   ((struct str){(const char *)s.p, (size_t)(s.end - s.p)}));
		if (err)
			return err;
	}
	if (rc < 0)
		return bad(r, "malformed pprof: not a protobuf message");
	if (!r->n_strs || r->strs[0].len)
		return bad(r, "malformed pprof: string_table[0] is not \"\"");
	while ((rc = pb_next(b, &field, &wire, &v, &s)) == 0) {
		switch (field) {
		case 1: { /* sample_type */
			uint64_t t[2] = {0, 0};

			if (wire != 2)
				return bad(r, "malformed pprof: sample_type of wire type %d", wire);
			err = read_simple(r, &s, &t[0], &t[1]);
			if (!err && (t[0] >= r->n_strs || t[1] >= r->n_strs))
				err = bad(r,
					  "malformed pprof: sample_type string %" PRIu64
					  " out of range",
					  t[0] >= r->n_strs ? t[0] : t[1]);
			if (!err && r->n_types == cap_types) {
				size_t c = cap_types ? cap_types * 2 : 4;
				void *p = realloc(r->types, c * sizeof(*r->types));

				err = p ? 0 : -ENOMEM;
				if (p) {
					r->types = p;
					cap_types = c;
				}
			}
			if (err)
				return err;
			r->types[r->n_types][0] = t[0];
			r->types[r->n_types][1] = t[1];
			r->n_types++;
			break;
		}
		case 2: /* sample */
			if (wire != 2)
				return bad(r, "malformed pprof: sample of wire type %d", wire);
			err = PUSH(r->samples, r->n_samples, cap_samples, s);
			if (err)
				return err;
			break;
		case 3: { /* mapping: id, filename (5) */
			struct id_idx m;

			if (wire != 2)
				return bad(r, "malformed pprof: mapping of wire type %d", wire);
			err = read_named(r, &s, 5, &m, "mapping");
			if (err > 0)
				return bad(r,
					   "malformed pprof: mapping file name %" PRIu64
					   " out of range",
					   m.idx);
			if (!err)
				err = PUSH(r->maps, r->n_maps, cap_maps, m);
			if (err)
				return err;
			break;
		}
		case 4: { /* location */
			struct loc l;

			if (wire != 2)
				return bad(r, "malformed pprof: location of wire type %d", wire);
			err = read_location(r, &s, &l);
			if (!err)
				err = PUSH(r->locs, r->n_locs, cap_locs, l);
			if (err)
				return err;
			break;
		}
		case 5: { /* function: id, name (2) */
			struct id_idx f;

			if (wire != 2)
				return bad(r, "malformed pprof: function of wire type %d", wire);
			err = read_named(r, &s, 2, &f, "function");
			if (err > 0)
				return bad(r,
					   "malformed pprof: function name %" PRIu64
					   " out of range",
					   f.idx);
			if (!err)
				err = PUSH(r->fns, r->n_fns, cap_fns, f);
			if (err)
				return err;
			break;
		}
		case 12:
			if (wire == 0)
				r->period = (int64_t)v;
			break;
		case 14:
			if (wire == 0)
				r->default_type = v;
			break;
		default:
			break;
		}
	}
	if (rc < 0)
		return bad(r, "malformed pprof: not a protobuf message");
	if (!r->n_types)
		return bad(r, "malformed pprof: no sample type");
	return 0;
}

/* Sort the id tables and refuse duplicates. */
static int index_ids(struct reader *r)
{
	size_t i;

	/* (qsort wants a non-NULL array even when it is empty) */
	if (r->n_fns)
		qsort(r->fns, r->n_fns, sizeof(*r->fns), cmp_id);
	if (r->n_maps)
		qsort(r->maps, r->n_maps, sizeof(*r->maps), cmp_id);
	if (r->n_locs)
		qsort(r->locs, r->n_locs, sizeof(*r->locs), cmp_loc);
	for (i = 1; i < r->n_fns; i++)
		if (r->fns[i].id == r->fns[i - 1].id)
			return bad(r, "malformed pprof: two functions with id %" PRIu64 "",
				   r->fns[i].id);
	for (i = 1; i < r->n_maps; i++)
		if (r->maps[i].id == r->maps[i - 1].id)
			return bad(r, "malformed pprof: two mappings with id %" PRIu64 "",
				   r->maps[i].id);
	for (i = 1; i < r->n_locs; i++)
		if (r->locs[i].id == r->locs[i - 1].id)
			return bad(r, "malformed pprof: two locations with id %" PRIu64 "",
				   r->locs[i].id);
	/* dense ids (at most twice as many as entries): direct tables (sorted: the last is the
	 * largest) */
	if (r->n_locs && r->locs[r->n_locs - 1].id <= 2 * (uint64_t)r->n_locs) {
		r->max_loc = r->locs[r->n_locs - 1].id;
		r->loc_at = calloc(r->max_loc + 1, sizeof(*r->loc_at));
		for (i = 0; r->loc_at && i < r->n_locs; i++)
			r->loc_at[r->locs[i].id] = i + 1;
	}
	if (r->n_fns && r->fns[r->n_fns - 1].id <= 2 * (uint64_t)r->n_fns) {
		r->max_fn = r->fns[r->n_fns - 1].id;
		r->fn_at = calloc(r->max_fn + 1, sizeof(*r->fn_at));
		for (i = 0; r->fn_at && i < r->n_fns; i++)
			r->fn_at[r->fns[i].id] = i + 1;
	}
	/* every line's function must exist */
	for (i = 0; i < r->n_line_fn; i++)
		if (r->line_fn[i] && !find_fn(r, r->line_fn[i]))
			return bad(r, "malformed pprof: line of unknown function %" PRIu64 "",
				   r->line_fn[i]);
	for (i = 0; i < r->n_locs; i++)
		if (r->locs[i].mapping && !find_id(r->maps, r->n_maps, r->locs[i].mapping))
			return bad(r, "malformed pprof: location of unknown mapping %" PRIu64 "",
				   r->locs[i].mapping);
	return 0;
}

/* ---- samples ---- */

/* Room for n frames in the current sample. */
static int reserve_frames(struct reader *r, size_t n)
{
	size_t c;
	void *p;

	if (n <= r->cap_frames)
		return 0;
	for (c = r->cap_frames ? r->cap_frames : 256; c < n; c *= 2)
		;
	p = realloc(r->frames, c * sizeof(*r->frames));
	if (!p)
		return -ENOMEM;
	r->frames = p;
	p = realloc(r->lens, c * sizeof(*r->lens));
	if (!p)
		return -ENOMEM;
	r->lens = p;
	p = realloc(r->gen, c * sizeof(*r->gen));
	if (!p)
		return -ENOMEM;
	r->gen = p;
	r->cap_frames = c;
	return 0;
}

/* Frame n of the sample: a name made of prefix (may be empty; ';', line ends and NUL become '_')
 * and suffix, in names[]. */
static int make_name(struct reader *r, size_t n, struct str prefix, const char *suffix)
{
	size_t sl = strlen(suffix), need = r->names_len + prefix.len + sl, i;

	if (need > r->names_cap) {
		size_t c = r->names_cap ? r->names_cap : 4096;
		char *p;

		while (c < need)
			c *= 2;
		p = realloc(r->names, c);
		if (!p)
			return -ENOMEM;
		r->names = p;
		r->names_cap = c;
	}
	r->frames[n] = NULL;
	r->gen[n] = r->names_len;
	r->lens[n] = prefix.len + sl;
	for (i = 0; i < prefix.len; i++) {
		char c = prefix.p[i];

		r->names[r->names_len + i] = c && c != ';' && c != '\n' && c != '\r' ? c : '_';
	}
	memcpy(r->names + r->names_len + prefix.len, suffix, sl);
	r->names_len = need;
	return 0;
}

/* Frame n is named name, as it is when folded text can hold it: otherwise a copy in which the
 * bytes folded text cannot hold in a name (';' between frames, line ends, NUL) become '_'. */
static int frame_name(struct reader *r, size_t n, struct str name)
{
	size_t i;

	for (i = 0; i < name.len && name.p[i] && name.p[i] != ';' && name.p[i] != '\n' &&
		    name.p[i] != '\r';
	     i++)
		;
	if (i < name.len)
		return make_name(r, n, name, "");
	r->frames[n] = name.p;
	r->lens[n] = name.len;
	return 0;
}

/* The name of a location without a function: "MODULE+0xADDRESS" (the mapping file's base name),
 * or "0xADDRESS". */
static int address_name(struct reader *r, size_t n, const struct loc *l)
{
	const struct id_idx *m = l->mapping ? find_id(r->maps, r->n_maps, l->mapping) : NULL;
	struct str base = {"", 0};
	char suffix[32];
	size_t k;

	if (m && r->strs[m->idx].len) {
		base = r->strs[m->idx];
		for (k = base.len; k > 0; k--)
			if (base.p[k - 1] == '/')
				break;
		base.p += k;
		base.len -= k;
	}
	snprintf(suffix, sizeof(suffix), "%s0x%llx", base.len ? "+" : "",
		 (unsigned long long)l->address);
	return make_name(r, n, base, suffix);
}

/* The labels thread_name (string) and thread_id (number) of a sample, when it has both. */
static int read_label(struct reader *r, struct pb *s, struct str *tname, uint64_t *tid,
		      bool *has_tid)
{
	uint64_t key = 0, str = 0, num = 0, field, v;
	struct str k = {"", 0};
	struct pb sub;
	int wire, rc;

	while ((rc = pb_next(s, &field, &wire, &v, &sub)) == 0) {
		if (wire != 0)
			continue;
		if (field == 1)
			key = v;
		else if (field == 2)
			str = v;
		else if (field == 3)
			num = v;
	}
	if (rc < 0)
		return bad(r, "malformed pprof: bad label");
	if ((rc = str_at(r, key, &k)))
		return rc;
	if (str >= r->n_strs)
		return bad(r, "malformed pprof: string index %" PRIu64 " out of range", str);
	if (k.len == 11 && !memcmp(k.p, "thread_name", 11) && str)
		*tname = r->strs[str];
	if (k.len == 9 && !memcmp(k.p, "thread_id", 9) && !str) {
		*tid = num;
		*has_tid = true;
	}
	return 0;
}

static int add_sample(struct reader *r, struct pb *sm, size_t value_idx, struct stack_tree *t)
{
	size_t n_ids = 0, n_vals = 0, n = 0, i, k;
	struct str tname = {NULL, 0};
	uint64_t field, v, tid = 0;
	bool has_tid = false;
	struct pb s;
	int wire, rc, err = 0;

	while ((rc = pb_next(sm, &field, &wire, &v, &s)) == 0) {
		if (field == 1)
			err = repeated(r, wire, v, &s, &r->ids, &n_ids, &r->cap_ids);
		else if (field == 2)
			err = repeated(r, wire, v, &s, &r->vals, &n_vals, &r->cap_vals);
		else if (field == 3 && wire == 2)
			err = read_label(r, &s, &tname, &tid, &has_tid);
		if (err)
			return err;
	}
	if (rc < 0)
		return bad(r, "malformed pprof: bad sample");
	if (n_vals != r->n_types)
		return bad(r, "malformed pprof: a sample has %zu values, not one per sample type",
			   n_vals);
	if ((int64_t)r->vals[value_idx] <= 0) {
		r->info->skipped++;
		return 0;
	}
	/* leaf first: each location's lines, innermost first */
	r->names_len = 0;
	for (i = 0; i < n_ids; i++) {
		const struct loc *l = find_loc(r, r->ids[i]);
		size_t more = l && l->n ? l->n : 1;

		if (!l)
			return bad(r, "malformed pprof: sample of unknown location %" PRIu64 "",
				   r->ids[i]);
		if (more > r->frames_left)
			return bad(r, "malformed pprof: more frames than the input can hold");
		r->frames_left -= more;
		err = reserve_frames(r, n + more + 1);
		if (err)
			return err;
		if (!l->n) {
			err = address_name(r, n++, l);
			if (err)
				return err;
			continue;
		}
		for (k = 0; k < l->n; k++, n++) {
			uint64_t fid = r->line_fn[l->first + k];
			const struct id_idx *f = fid ? find_fn(r, fid) : NULL;

			if (f && r->strs[f->idx].len) {
				err = frame_name(r, n, r->strs[f->idx]);
			} else {
				err = address_name(r, n, l);
			}
			if (err)
				return err;
		}
	}
	err = reserve_frames(r, n + 2);
	if (err)
		return err;
	if (tname.p && has_tid) {
		char suffix[32];

		snprintf(suffix, sizeof(suffix), "-%lld", (long long)tid);
		err = make_name(r, n++, tname, suffix);
		if (err)
			return err;
	}
	if (!n)
		err = make_name(r, n++, (struct str){"", 0}, "[unknown]");
	if (err)
		return err;
	/* names made in names[] are final now; then root first */
	for (i = 0; i < n; i++)
		if (!r->frames[i])
			r->frames[i] = r->names + r->gen[i];
	for (i = 0; i < n / 2; i++) {
		const char *f = r->frames[i];
		size_t l = r->lens[i];

		r->frames[i] = r->frames[n - 1 - i];
		r->lens[i] = r->lens[n - 1 - i];
		r->frames[n - 1 - i] = f;
		r->lens[n - 1 - i] = l;
	}
	err = stack_tree__add_col(t, r->frames, r->lens, n, (double)(int64_t)r->vals[value_idx],
				  STACK_COL_AFTER);
	if (err == -E2BIG)
		return bad(r, "pprof: a sample has %zu frames, more than a stack may have", n);
	if (!err)
		r->info->samples++;
	return err;
}

/* ---- gzip ---- */

bool pprof_is_gzip(const void *buf, size_t len)
{
	const unsigned char *p = buf;

	return len >= 2 && p[0] == 0x1f && p[1] == 0x8b;
}

/* Inflate every gzip member of buf into *out (at most max bytes). */
static int gunzip(struct reader *r, const void *buf, size_t len, size_t max, unsigned char **out,
		  size_t *out_len)
{
	unsigned char *o = NULL;
	size_t cap = 0, n = 0;
	z_stream z = {};
	int zr = Z_OK, err = 0;

	if (inflateInit2(&z, 15 + 16) != Z_OK)
		return -ENOMEM;
	z.next_in = (unsigned char *)buf;
	z.avail_in = len > UINT32_MAX ? UINT32_MAX : (uInt)len;
	for (;;) {
		if (n == cap) {
			size_t c = cap ? cap * 2 : (len < 1024 ? 4096 : len * 4);
			unsigned char *p;

			if (cap >= max + 1) {
				err = bad(r, "pprof: decompressed profile larger than %llu bytes",
					  (unsigned long long)max);
				goto cleanup;
			}
			if (c > max + 1)
				c = max + 1;
			p = realloc(o, c);
			if (!p) {
				err = -ENOMEM;
				goto cleanup;
			}
			o = p;
			cap = c;
		}
		z.next_out = o + n;
		z.avail_out = (uInt)(cap - n > UINT32_MAX ? UINT32_MAX : cap - n);
		zr = inflate(&z, Z_NO_FLUSH);
		n = (size_t)(z.next_out - o);
		if (n > max) {
			err = bad(r, "pprof: decompressed profile larger than %llu bytes",
				  (unsigned long long)max);
			goto cleanup;
		}
		if (zr == Z_STREAM_END) {
			/* another member follows, or the end */
			if (!z.avail_in)
				break;
			if (!pprof_is_gzip(z.next_in, z.avail_in)) {
				err = bad(r, "pprof: data after the gzip stream");
				goto cleanup;
			}
			if (inflateReset(&z) != Z_OK) {
				err = -ENOMEM;
				goto cleanup;
			}
			continue;
		}
		if (zr == Z_BUF_ERROR && z.avail_out) {
			err = bad(r, "pprof: truncated gzip stream");
			goto cleanup;
		}
		if (zr != Z_OK && zr != Z_BUF_ERROR) {
			err = zr == Z_MEM_ERROR
				      ? -ENOMEM
				      : bad(r, "pprof: corrupt gzip stream (zlib %d)", zr);
			goto cleanup;
		}
	}
	*out = o;
	*out_len = n;
	o = NULL;
cleanup:
	inflateEnd(&z);
	free(o);
	return err;
}

/* ---- the entry point ---- */

static bool str_eq(struct str s, const char *c)
{
	return s.len == strlen(c) && !memcmp(s.p, c, s.len);
}

static void copy_str(char *dst, size_t size, struct str s)
{
	size_t n = s.len < size - 1 ? s.len : size - 1;

	memcpy(dst, s.p, n);
	dst[n] = 0;
}

int pprof_read(const void *buf, size_t len, const struct pprof_read_opts *o, struct stack_tree *t,
	       struct pprof_read_info *info)
{
	struct reader r = {.info = info};
	unsigned char *raw = NULL;
	size_t raw_len = len, i, vi;
	struct pb b;
	int err;

	memset(info, 0, sizeof(*info));
	info->gzip = pprof_is_gzip(buf, len);
	if (info->gzip) {
		err = gunzip(&r, buf, len, o && o->max_bytes ? o->max_bytes : DEFAULT_MAX_BYTES,
			     &raw, &raw_len);
		if (err)
			goto cleanup;
		buf = raw;
	}
	b.p = buf;
	b.end = b.p + raw_len;
	r.frames_left = (uint64_t)raw_len * FRAMES_PER_BYTE + FRAMES_BASE;
	err = decode_top(&r, &b);
	if (!err)
		err = index_ids(&r);
	if (err)
		goto cleanup;
	/* the value to read: by name, else default_sample_type, else the last */
	vi = r.n_types - 1;
	if (o && o->sample_type) {
		for (i = 0; i < r.n_types && !str_eq(r.strs[r.types[i][0]], o->sample_type); i++)
			;
		if (i == r.n_types) {
			/* name the ones there are */
			char list[96] = "";
			size_t k, at = 0;

			for (k = 0; k < r.n_types && at + 2 < sizeof(list); k++) {
				struct str t = r.strs[r.types[k][0]];
				int w = snprintf(list + at, sizeof(list) - at, "%s%.*s",
						 k ? ", " : "", (int)(t.len < 32 ? t.len : 32),
						 t.p);

				at += w > 0 ? (size_t)w : 0;
			}
			err = bad(&r, "pprof: no sample type %.32s (the profile has: %s)",
				  o->sample_type, list);
			goto cleanup;
		}
		vi = i;
	} else if (r.default_type && r.default_type < r.n_strs) {
		for (i = 0; i < r.n_types; i++)
			if (r.types[i][0] == r.default_type ||
			    (r.strs[r.types[i][0]].len == r.strs[r.default_type].len &&
			     !memcmp(r.strs[r.types[i][0]].p, r.strs[r.default_type].p,
				     r.strs[r.default_type].len)))
				break;
		if (i < r.n_types)
			vi = i;
	}
	copy_str(info->sample_type, sizeof(info->sample_type), r.strs[r.types[vi][0]]);
	copy_str(info->unit, sizeof(info->unit), r.strs[r.types[vi][1]]);
	info->period = r.period;
	for (i = 0; i < r.n_samples; i++) {
		err = add_sample(&r, &r.samples[i], vi, t);
		if (err)
			goto cleanup;
	}
cleanup:
	if (err == -ERR_BADINPUT && !info->error[0])
		snprintf(info->error, sizeof(info->error), "malformed pprof");
	free(raw);
	free(r.strs);
	free(r.types);
	free(r.samples);
	free(r.locs);
	free(r.fns);
	free(r.maps);
	free(r.line_fn);
	free(r.frames);
	free(r.lens);
	free(r.gen);
	free(r.names);
	free(r.ids);
	free(r.vals);
	free(r.loc_at);
	free(r.fn_at);
	return err;
}
