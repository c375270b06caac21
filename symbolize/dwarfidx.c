// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dwarf.h>

#include "symbolize/arena.h"
#include "symbolize/dwarfidx.h"

struct cu_sub {
	Dwarf_Die die;
	int parent; /* nearest enclosing subprogram or inlined subroutine, -1 */
	bool inlined;
};

struct cu_seg {
	Dwarf_Addr lo, hi;
	int sub;
};

struct cu_index {
	Dwarf_Die cudie;
	struct cu_sub *subs;
	size_t n_subs;
	struct cu_seg *segs; /* disjoint, sorted */
	size_t n_segs;
	Dwarf_Files *files;
	size_t n_files;
	bool files_read;
	bool built;	/* subs and segs hold the whole CU */
	unsigned walks; /* lookups answered by cu_walk before the index was built */
};

/* A CU's first lookups walk down its DIE tree to the address (cu_walk); the index of the whole CU
 * (cu_index_build) is built at the next one. One walk costs a small part of a build on a large CU
 * (CPython's ceval.c), so a one-shot dump that needs a few addresses of a CU never builds it;
 * a profile, which needs many, does. */
#define DWARF_WALK_LOOKUPS 16
/* The deepest chain of inlined subroutines a walk follows. */
#define DWARF_WALK_DEPTH 64

struct dwarf_index {
	struct u64map cus;   /* CU DIE offset -> struct cu_index */
	struct u64map paths; /* libdw file name -> absolute path (comp_dir prepended) */
	struct arena *arena;
	bool aranges_read;
	Dwarf_Aranges *aranges; /* NULL when the file has no .debug_aranges */
};

struct raw_range {
	Dwarf_Addr lo, hi;
	int sub;
};

struct vec {
	void *v;
	size_t n, cap, elem;
};

static void *vec_push(struct vec *v)
{
	if (v->n == v->cap) {
		size_t ncap = v->cap ? v->cap * 2 : 64;
		void *nv = realloc(v->v, ncap * v->elem);

		if (!nv)
			return NULL;
		v->v = nv;
		v->cap = ncap;
	}
	return (char *)v->v + v->elem * v->n++;
}

static int cmp_range(const void *a, const void *b)
{
	const struct raw_range *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->sub < y->sub ? -1 : x->sub > y->sub;
}

static int cmp_addr(const void *a, const void *b)
{
	const Dwarf_Addr *x = a, *y = b;

	return *x < *y ? -1 : *x > *y;
}

/* Max-heap of range indexes, ordered by their DIE's position (later DIE = inner). */
static void heap_push(int *heap, size_t *n, const struct raw_range *r, int idx)
{
	size_t i = (*n)++;

	heap[i] = idx;
	while (i > 0) {
		size_t p = (i - 1) / 2;

		if (r[heap[p]].sub >= r[heap[i]].sub)
			break;
		int t = heap[p];
		heap[p] = heap[i];
		heap[i] = t;
		i = p;
	}
}

static void heap_pop(int *heap, size_t *n, const struct raw_range *r)
{
	size_t i = 0;

	heap[0] = heap[--(*n)];
	for (;;) {
		size_t l = 2 * i + 1, m = i;

		if (l < *n && r[heap[l]].sub > r[heap[m]].sub)
			m = l;
		if (l + 1 < *n && r[heap[l + 1]].sub > r[heap[m]].sub)
			m = l + 1;
		if (m == i)
			break;
		int t = heap[m];
		heap[m] = heap[i];
		heap[i] = t;
		i = m;
	}
}

/* Turn nested (possibly overlapping) ranges into disjoint segments naming the latest DIE. */
static int flatten(struct cu_index *ci, struct raw_range *raw, size_t n_raw)
{
	Dwarf_Addr *bounds = NULL;
	size_t n_bounds = 0, i, ri = 0, heap_n = 0;
	int *heap = NULL, err = 0;

	if (!n_raw)
		return 0;
	qsort(raw, n_raw, sizeof(*raw), cmp_range);
	bounds = malloc(2 * n_raw * sizeof(*bounds));
	heap = malloc(n_raw * sizeof(*heap));
	ci->segs = malloc(2 * n_raw * sizeof(*ci->segs));
	if (!bounds || !heap || !ci->segs) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (i = 0; i < n_raw; i++) {
		bounds[2 * i] = raw[i].lo;
		bounds[2 * i + 1] = raw[i].hi;
	}
	qsort(bounds, 2 * n_raw, sizeof(*bounds), cmp_addr);
	for (i = 0; i < 2 * n_raw; i++)
		if (!n_bounds || bounds[n_bounds - 1] != bounds[i])
			bounds[n_bounds++] = bounds[i];
	for (i = 0; i + 1 < n_bounds; i++) {
		Dwarf_Addr b = bounds[i];
		struct cu_seg *last;
		int sub;

		while (ri < n_raw && raw[ri].lo <= b)
			heap_push(heap, &heap_n, raw, ri++);
		while (heap_n && raw[heap[0]].hi <= b)
			heap_pop(heap, &heap_n, raw);
		if (!heap_n)
			continue;
		sub = raw[heap[0]].sub;
		last = ci->n_segs ? &ci->segs[ci->n_segs - 1] : NULL;
		if (last && last->hi == b && last->sub == sub) {
			last->hi = bounds[i + 1];
		} else {
			ci->segs[ci->n_segs].lo = b;
			ci->segs[ci->n_segs].hi = bounds[i + 1];
			ci->segs[ci->n_segs].sub = sub;
			ci->n_segs++;
		}
	}
cleanup:
	free(bounds);
	free(heap);
	return err;
}

struct walk_level {
	Dwarf_Die die;
	int parent;
};

static int cu_index_build(struct cu_index *ci)
{
	struct vec subs = {.elem = sizeof(struct cu_sub)};
	struct vec raw = {.elem = sizeof(struct raw_range)};
	struct vec stack = {.elem = sizeof(struct walk_level)};
	struct walk_level *top;
	Dwarf_Die child;
	int err = 0;

	if (dwarf_child(&ci->cudie, &child) != 0)
		goto cleanup;
	top = vec_push(&stack);
	if (!top) {
		err = -ENOMEM;
		goto cleanup;
	}
	top->die = child;
	top->parent = -1;
	while (stack.n) {
		struct walk_level *lv = (struct walk_level *)stack.v + stack.n - 1;
		Dwarf_Die die = lv->die, next;
		int tag = dwarf_tag(&die), me = lv->parent;

		if (tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine) {
			struct cu_sub *s = vec_push(&subs);
			Dwarf_Addr base, lo, hi;
			ptrdiff_t off = 0;

			if (!s) {
				err = -ENOMEM;
				goto cleanup;
			}
			s->die = die;
			s->parent = lv->parent;
			s->inlined = tag == DW_TAG_inlined_subroutine;
			me = subs.n - 1;
			while ((off = dwarf_ranges(&die, off, &base, &lo, &hi)) > 0) {
				struct raw_range *r;

				if (lo >= hi)
					continue;
				r = vec_push(&raw);
				if (!r) {
					err = -ENOMEM;
					goto cleanup;
				}
				r->lo = lo;
				r->hi = hi;
				r->sub = me;
			}
		}
		if (dwarf_haschildren(&die) && dwarf_child(&die, &next) == 0) {
			top = vec_push(&stack);
			if (!top) {
				err = -ENOMEM;
				goto cleanup;
			}
			top->die = next;
			top->parent = me;
			continue;
		}
		/* no children: move to the next sibling, climbing while there is none */
		while (stack.n) {
			lv = (struct walk_level *)stack.v + stack.n - 1;
			die = lv->die;
			if (dwarf_siblingof(&die, &next) == 0) {
				lv->die = next;
				break;
			}
			stack.n--;
		}
	}
	err = flatten(ci, raw.v, raw.n);
	ci->subs = subs.v;
	ci->n_subs = subs.n;
	subs.v = NULL;
cleanup:
	free(subs.v);
	free(raw.v);
	free(stack.v);
	return err;
}

/*
 * The subprogram and inlined subroutines whose ranges hold addr, outermost first, each one's parent
 * the one before it: down from the CU's DIE through the DIEs that hold addr (subprograms, inlined
 * subroutines, lexical blocks), skipping the others with their subtrees. Returns how many, 0 when
 * none was found (say, a definition inside a C++ namespace: the caller builds the index then).
 */
static int cu_walk(Dwarf_Die *cudie, Dwarf_Addr addr, struct cu_sub *chain, int max)
{
	Dwarf_Die die, next, found;
	int n = 0, tag;

	if (dwarf_child(cudie, &die) != 0)
		return 0;
	for (;;) {
		/* of the DIEs of this level that hold addr, the last (as the index takes the
		 * latest DIE where ranges overlap) */
		bool hit = false;

		for (;;) {
			tag = dwarf_tag(&die);
			if ((tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine ||
			     tag == DW_TAG_lexical_block) &&
			    dwarf_haspc(&die, addr) > 0) {
				found = die;
				hit = true;
			}
			if (dwarf_siblingof(&die, &next) != 0)
				break;
			die = next;
		}
		if (!hit)
			break;
		tag = dwarf_tag(&found);
		if (tag != DW_TAG_lexical_block) {
			if (n == max)
				break;
			chain[n].die = found;
			chain[n].parent = n - 1;
			chain[n].inlined = tag == DW_TAG_inlined_subroutine;
			n++;
		}
		if (!dwarf_haschildren(&found) || dwarf_child(&found, &die) != 0)
			break;
	}
	return n;
}

struct dwarf_index *dwarf_index__new(struct arena *arena)
{
	struct dwarf_index *idx = calloc(1, sizeof(struct dwarf_index));

	if (idx)
		idx->arena = arena;
	return idx;
}

void dwarf_index__free(struct dwarf_index *idx)
{
	size_t i;

	if (!idx)
		return;
	for (i = 0; i < idx->cus.cap; i++) {
		struct cu_index *ci = idx->cus.vals[i];

		if (!ci)
			continue;
		free(ci->subs);
		free(ci->segs);
		free(ci);
	}
	u64map__clear(&idx->cus);
	u64map__clear(&idx->paths);
	free(idx);
}

static const char *die_name(Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	const char *s;

	if (dwarf_attr_integrate(die, DW_AT_linkage_name, &attr) && (s = dwarf_formstring(&attr)))
		return s;
	if (dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &attr) &&
	    (s = dwarf_formstring(&attr)))
		return s;
	return dwarf_diename(die);
}

static int die_udata(Dwarf_Die *die, int name)
{
	Dwarf_Attribute attr;
	Dwarf_Word w;

	if (!dwarf_attr(die, name, &attr) || dwarf_formudata(&attr, &w))
		return 0;
	return (int)w;
}

static const char *cu_file(struct cu_index *ci, Dwarf_Word idx)
{
	if (!ci->files_read) {
		ci->files_read = true;
		if (dwarf_getsrcfiles(&ci->cudie, &ci->files, &ci->n_files))
			ci->files = NULL;
	}
	if (!ci->files || idx >= ci->n_files)
		return NULL;
	return dwarf_filesrc(ci->files, idx, NULL, NULL);
}

/* A relative file name is relative to the CU's compilation directory (llvm-symbolizer prints
 * comp_dir/dir/file, without normalizing "..").
 */
static const char *abs_path(struct dwarf_index *idx, struct cu_index *ci, const char *file)
{
	const char *dir, *p;
	char *buf;
	size_t len;

	if (!file || file[0] == '/')
		return file;
	p = u64map__get(&idx->paths, (uintptr_t)file);
	if (p)
		return p;
	dir = dwarf_formstring(dwarf_attr(&ci->cudie, DW_AT_comp_dir, &(Dwarf_Attribute){}));
	if (!dir || !dir[0])
		return file;
	len = strlen(dir) + strlen(file) + 2;
	buf = malloc(len);
	if (!buf)
		return file;
	snprintf(buf, len, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", file);
	p = arena__intern(idx->arena, buf, strlen(buf));
	free(buf);
	if (!p || u64map__put(&idx->paths, (uintptr_t)file, (void *)p))
		return file;
	return p;
}

static const struct cu_seg *find_seg(const struct cu_index *ci, Dwarf_Addr addr)
{
	size_t lo = 0, hi = ci->n_segs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ci->segs[mid].hi <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < ci->n_segs && ci->segs[lo].lo <= addr)
		return &ci->segs[lo];
	return NULL;
}

int dwarf_index__frames(struct dwarf_index *idx, Dwfl_Module *mod, Dwarf_Addr addr, bool lines,
			struct dw_frame *out, int max)
{
	Dwarf_Addr bias = 0;
	Dwarf_Die *cudie;
	struct cu_sub walk[DWARF_WALK_DEPTH], *subs;
	struct cu_index *ci;
	const struct cu_seg *seg;
	Dwarf_Line *line;
	int n = 0, k, prev = -1, err, nwalk = 0;

	if (max <= 0)
		return 0;
	cudie = dwfl_module_addrdie(mod, addr, &bias);
	if (!cudie)
		return 0;
	addr -= bias;
	/* libdwfl stretches each arange up to the next one; the padding between functions
	 * belongs to no CU (as in llvm-symbolizer): check the real extent. */
	if (!idx->aranges_read) {
		Dwarf *dw = dwfl_module_getdwarf(mod, &(Dwarf_Addr){0});
		size_t n = 0;

		idx->aranges_read = true;
		if (!dw || dwarf_getaranges(dw, &idx->aranges, &n) || n == 0)
			idx->aranges = NULL;
	}
	if (idx->aranges ? !dwarf_getarange_addr(idx->aranges, addr)
			 : dwarf_haspc(cudie, addr) <= 0)
		return 0;
	ci = u64map__get(&idx->cus, dwarf_dieoffset(cudie) + 1);
	if (!ci) {
		ci = calloc(1, sizeof(*ci));
		if (!ci)
			return -ENOMEM;
		ci->cudie = *cudie;
		err = u64map__put(&idx->cus, dwarf_dieoffset(cudie) + 1, ci);
		if (err) {
			free(ci);
			return err;
		}
	}
	if (!ci->built && ci->walks < DWARF_WALK_LOOKUPS) {
		nwalk = cu_walk(&ci->cudie, addr, walk, DWARF_WALK_DEPTH);
		if (nwalk)
			ci->walks++;
	}
	if (!nwalk && !ci->built) {
		ci->built = true;
		err = cu_index_build(ci);
		if (err) {
			free(ci->segs);
			ci->segs = NULL;
			ci->n_segs = 0;
			return err;
		}
	}
	line = lines ? dwarf_getsrc_die(&ci->cudie, addr) : NULL;
	memset(&out[0], 0, sizeof(out[0]));
	if (line) {
		out[0].file = abs_path(idx, ci, dwarf_linesrc(line, NULL, NULL));
		dwarf_lineno(line, &out[0].line);
		dwarf_linecol(line, &out[0].column);
	}
	if (nwalk) {
		subs = walk;
		k = nwalk - 1;
	} else {
		seg = find_seg(ci, addr);
		if (!seg)
			return 1;
		subs = ci->subs;
		k = seg->sub;
	}
	for (; k >= 0 && n < max; k = subs[k].parent) {
		struct cu_sub *s = &subs[k];

		if (n > 0) {
			Dwarf_Die *inner = &subs[prev].die;
			Dwarf_Attribute attr;
			Dwarf_Word file;

			memset(&out[n], 0, sizeof(out[n]));
			if (lines && dwarf_attr(inner, DW_AT_call_file, &attr) &&
			    !dwarf_formudata(&attr, &file))
				out[n].file = abs_path(idx, ci, cu_file(ci, file));
			if (lines) {
				out[n].line = die_udata(inner, DW_AT_call_line);
				out[n].column = die_udata(inner, DW_AT_call_column);
			}
		}
		out[n].function = die_name(&s->die);
		n++;
		prev = k;
		if (!s->inlined)
			break;
	}
	return n ? n : 1;
}
