// SPDX-License-Identifier: GPL-2.0
/*
 * The stack pipeline: capture -> unwind -> symbolize -> stack tree (see stacks/stacks.h).
 *
 * Symbolization dominates the cost of a sample once unwinding is done, and profiles repeat the
 * same few thousand addresses, so each (pid, address) is resolved once and its frames (function
 * names and source lines, innermost first, inline frames included) are kept in a hash table.
 * An address that resolves to nothing ("[unknown]", or an anonymous mapping without a perf map
 * entry yet) is not cached: it is retried, and the process's maps are re-read at most every
 * 2 ms, so JIT code whose perf-PID.map entry appears later still gets its name.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flamegraph/folded.h"
#include "lib/errors.h"
#include "lib/json.h"
#include "lib/log.h"
#include "stacks/samples.h"
#include "stacks/stacks.h"
#include "symbolize/arena.h"
#include "symbolize/maps.h"
#include "symbolize/symbolize.h"
#include "stacks/unwind.h"

#define STACKS_MAX_ADDRS     256 /* user frames unwound per stack */
#define STACKS_MAX_INLINE    16	 /* frames one address may expand to */
#define STACKS_MAX_FRAMES    (1 + STACK_FRAMES_MAX)
#define STACKS_RESYM_NS	     2000000ULL	   /* 2 ms between two refreshes of a process's maps */
#define STACKS_PIN_EVERY_NS  2000000ULL	   /* 2 ms between two reads of a young process's maps */
#define STACKS_PIN_YOUNG_NS  200000000ULL  /* ... for its first 200 ms */
#define STACKS_EVICT_IDLE_NS 2000000000ULL /* 2 s unused before a gone process is forgotten */
/* Modules (ELF files and their debug data) that no live process maps, kept for when the same
 * program runs again (stacks__evict frees the others); $RTPROF_MODULES_KEPT */
#define STACKS_MODULES_KEPT 16

_Static_assert(STACK_FRAMES_MAX >=
		       STACKS_MAX_ADDRS * STACKS_MAX_INLINE + 1 + STACK_CAPTURE_MAX_KFRAMES,
	       "stack_frames holds every frame of a capture");

/* A string owned by the table, with the self weight of the function it names. */
struct str_entry {
	char *str;
	__u32 hash;
	double self;
};

struct str_table {
	struct str_entry *e;
	size_t n, mask;
};

/* (process image, address) -> frames pool[off .. off+n), innermost first */
struct addr_entry {
	__u64 addr;
	__u32 image;
	__u32 n; /* 0: empty slot */
	__u32 off;
};

struct ksym {
	__u64 addr;
	const char *name; /* "name_[k]" */
};

struct sym_proc {
	int pid;
	__u32 image; /* changes with each snapshot (exec): the key of the address cache */
	struct sym_process *sp;
	__u64 refreshed_ns;
	__u64 used_ns; /* last capture resolved or snapshot taken */
};

/*
 * A sample key's stack (stacks__add_keyed): what adding one capture of it to the profile did, kept
 * so that the key's counted samples can be added the same way (stacks__add_key_count). Its leaf
 * (the frames of the interrupted instruction) is replaced for samples counted at another one.
 */
struct key_entry {
	__u64 hash; /* 0: a free slot */
	__u32 pid, tid;
	const char **names; /* root first, as in the tree (strings of the string table) */
	size_t n_names;
	struct stack_frame *frames; /* innermost first, as in the sample table */
	size_t n_frames;
	__u64 leaf_ip;	  /* the instruction of the key's capture */
	size_t kframes;	  /* kernel frames, first in frames */
	size_t leaf_n;	  /* then the frames of leaf_ip (0: none) ... */
	bool leaf_merged; /* ... or none: leaf_ip was in the eval loop, whose frames were replaced
			   * by the interpreter's */
	char comm[STACK_CAPTURE_COMM_LEN];
	struct stacks_stats per_capture; /* the stats one capture added */
	struct interp_stats per_capture_i;
};

struct key_table {
	struct key_entry *e;
	size_t n, mask; /* used slots; slots - 1 (0: no table) */
};

/* The samples of a key counted at one instruction that were added so far (BPF's running total). */
struct leaf_entry {
	__u64 hash; /* 0: a free slot */
	__u64 ip;
	__u32 pid, tid;
	__u64 counted;
};

struct leaf_table {
	struct leaf_entry *e;
	size_t n, mask;
};

struct stacks {
	struct stacks_opts opts;
	struct stack_tree *tree;
	struct symbolizer *sym;
	size_t modules_kept;	/* see STACKS_MODULES_KEPT */
	struct u64map mod_info; /* interned module name -> struct sym_module_info (malloc) */
	struct maps_pins *pins; /* maps of new images, read by the capture queue's reader */
	struct unwinder *unw;
	struct stacks_stats stats;
	struct str_table strs;
	struct addr_entry *cache;
	size_t cache_n, cache_mask;
	struct stack_frame *pool;
	size_t pool_n, pool_cap;
	struct sym_proc *procs;
	size_t n_procs, cap_procs;
	__u32 next_image;
	struct ksym *ksyms; /* sorted by address; loaded at the first kernel frame */
	size_t n_ksyms;
	char *ksym_names;
	bool ksyms_loaded;
	struct interps *interp;
	struct sample_table *samples;
	struct key_table keys; /* profile's sample keys: key -> the stack it stands for */
	struct leaf_table leaves;
	bool prefetched; /* a capture queue calls stacks__prefetch before stacks__resolve */
	/* scratch for one stack */
	__u64 addrs[STACKS_MAX_ADDRS];
	size_t group[STACKS_MAX_ADDRS + 1]; /* first frame of each address in the resolved frames */
	size_t ngroups, kframes;
	struct interp_named named[INTERP_MAX_FRAMES];
	struct stack_frame merged[STACK_FRAMES_MAX];
	struct stack_frames *resolved;
	const char *frames[STACKS_MAX_FRAMES]; /* a root, then the frames of one capture */
	size_t leaf_n;	  /* frames of the stack's first address (its leaf) ... */
	bool leaf_merged; /* ... replaced by interpreter frames */
	/* scratch for a key's stack with another leaf */
	struct stack_frame key_frames[STACK_FRAMES_MAX];
	const char *key_names[STACKS_MAX_FRAMES];
};

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static __u32 str_hash(const char *s)
{
	__u32 h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static int str_table__grow(struct str_table *t)
{
	size_t cap = t->mask ? (t->mask + 1) * 2 : 256, i;
	struct str_entry *e = calloc(cap, sizeof(*e));

	if (!e)
		return -ENOMEM;
	for (i = 0; t->mask && i <= t->mask; i++) {
		size_t j;

		if (!t->e[i].str)
			continue;
		for (j = t->e[i].hash & (cap - 1); e[j].str; j = (j + 1) & (cap - 1))
			;
		e[j] = t->e[i];
	}
	free(t->e);
	t->e = e;
	t->mask = cap - 1;
	return 0;
}

/* The entry for s, added when missing; NULL on ENOMEM. */
static struct str_entry *str_table__get(struct str_table *t, const char *s)
{
	__u32 h = str_hash(s);
	size_t i;

	if ((t->n + 1) * 2 > t->mask + 1 && str_table__grow(t))
		return NULL;
	for (i = h & t->mask; t->e[i].str; i = (i + 1) & t->mask)
		if (t->e[i].hash == h && !strcmp(t->e[i].str, s))
			return &t->e[i];
	t->e[i].str = strdup(s);
	if (!t->e[i].str)
		return NULL;
	t->e[i].hash = h;
	t->n++;
	return &t->e[i];
}

static void str_table__free(struct str_table *t)
{
	size_t i;

	for (i = 0; t->mask && i <= t->mask; i++)
		free(t->e[i].str);
	free(t->e);
}

static size_t addr_slot(__u32 image, __u64 addr, size_t mask)
{
	__u64 h = (addr ^ ((__u64)image << 40)) * 0x9e3779b97f4a7c15ULL;

	return (h >> 20) & mask;
}

static int cache_grow(struct stacks *s)
{
	size_t cap = s->cache_mask ? (s->cache_mask + 1) * 2 : 4096, i;
	struct addr_entry *c = calloc(cap, sizeof(*c));

	if (!c)
		return -ENOMEM;
	for (i = 0; s->cache_mask && i <= s->cache_mask; i++) {
		const struct addr_entry *e = &s->cache[i];
		size_t j;

		if (!e->n)
			continue;
		for (j = addr_slot(e->image, e->addr, cap - 1); c[j].n; j = (j + 1) & (cap - 1))
			;
		c[j] = *e;
	}
	free(s->cache);
	s->cache = c;
	s->cache_mask = cap - 1;
	return 0;
}

/* ---- kernel symbols, from /proc/kallsyms ---- */

static int ksym_cmp(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static void load_ksyms(struct stacks *s)
{
	size_t cap = 0, names_len = 0, names_cap = 0, i;
	char line[512], name[256], type;
	unsigned long long addr;
	FILE *f;

	s->ksyms_loaded = true;
	f = fopen("/proc/kallsyms", "re");
	if (!f)
		return;
	/* names first into one buffer, then point into it (it does not move afterwards) */
	while (fgets(line, sizeof(line), f)) {
		size_t len;

		if (sscanf(line, "%llx %c %255s", &addr, &type, name) != 3 || !addr)
			continue;
		if (type != 't' && type != 'T' && type != 'w' && type != 'W')
			continue;
		len = strlen(name) + sizeof("_[k]");
		if (names_len + len > names_cap) {
			char *n = realloc(s->ksym_names, names_cap = (names_cap + len) * 2);

			if (!n)
				break;
			s->ksym_names = n;
		}
		if (s->n_ksyms == cap) {
			struct ksym *k =
				realloc(s->ksyms, (cap = cap ? cap * 2 : 65536) * sizeof(*k));

			if (!k)
				break;
			s->ksyms = k;
		}
		sprintf(s->ksym_names + names_len, "%s_[k]", name);
		s->ksyms[s->n_ksyms].addr = addr;
		s->ksyms[s->n_ksyms++].name = (const char *)(uintptr_t)names_len;
		names_len += len;
	}
	fclose(f);
	for (i = 0; i < s->n_ksyms; i++)
		s->ksyms[i].name = s->ksym_names + (uintptr_t)s->ksyms[i].name;
	qsort(s->ksyms, s->n_ksyms, sizeof(*s->ksyms), ksym_cmp);
}

static const char *ksym_name(struct stacks *s, __u64 addr)
{
	size_t lo = 0, hi;

	if (!s->ksyms_loaded)
		load_ksyms(s);
	hi = s->n_ksyms;
	if (!hi || addr < s->ksyms[0].addr)
		return "[unknown]_[k]";
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;

		if (s->ksyms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	return s->ksyms[lo].name;
}

/* ---- user symbols ---- */

static struct sym_proc *sym_proc_find(struct stacks *s, int pid)
{
	size_t i;

	for (i = 0; i < s->n_procs; i++)
		if (s->procs[i].pid == pid)
			return &s->procs[i];
	return NULL;
}

/* The symbols of pid; with new_image (first sample, exec), a new snapshot of its maps. */
static struct sym_proc *sym_proc_get(struct stacks *s, int pid, bool new_image)
{
	struct sym_proc *p = sym_proc_find(s, pid);

	if (p && !new_image)
		return p;
	if (p) {
		sym_process__free(p->sp);
		goto snapshot;
	}
	if (s->n_procs == s->cap_procs) {
		size_t cap = s->cap_procs ? s->cap_procs * 2 : 8;

		p = realloc(s->procs, cap * sizeof(*p));
		if (!p)
			return NULL;
		s->procs = p;
		s->cap_procs = cap;
	}
	p = &s->procs[s->n_procs++];
	p->pid = pid;
snapshot:
	p->image = ++s->next_image;
	p->sp = symbolizer__process(s->sym, pid);
	if (!p->sp)
		pr_debug("stacks %d: cannot read the maps: %s\n", pid, err_str(-errno));
	p->refreshed_ns = 0; /* the first refresh may come at once */
	p->used_ns = now_ns();
	return p;
}

int stacks__track(struct stacks *s, int pid)
{
	int err;

	unwinder__forget(s->unw, pid);
	err = unwinder__track(s->unw, pid);
	if (!sym_proc_get(s, pid, true))
		err = -ENOMEM;
	interps__forget(s->interp, pid);
	interps__track(s->interp, pid);
	return err;
}

bool stacks__track_early(const struct stacks *s)
{
	return s->opts.track_early;
}

void stacks__track_new(struct stacks *s, const struct stack_capture *c, size_t size)
{
	if (!s->opts.track_early || size < STACK_CAPTURE_HDR_SIZE || (c->flags & SC_F_NO_USER))
		return;
	if (c->flags & SC_F_NEW_IMAGE)
		maps_pins__pin(s->pins, c->pid);
	else /* the libraries the dynamic loader maps after the first sample */
		maps_pins__young(s->pins, c->pid, c->regs[SC_REG_IP], STACKS_PIN_EVERY_NS,
				 STACKS_PIN_YOUNG_NS);
}

int stacks__refresh(struct stacks *s, int pid)
{
	struct sym_proc *p;
	int err;

	p = sym_proc_get(s, pid, false);
	unwinder__forget(s->unw, pid);
	err = unwinder__track(s->unw, pid);
	if (!p)
		err = -ENOMEM;
	else if (p->sp && sym_process__refresh(p->sp) == 0)
		p->refreshed_ns = now_ns();
	interps__retry(s->interp, pid);
	return err;
}

static bool unresolved(const struct sym_frame *f, int n)
{
	return n == 1 && (!f->module || !strcmp(f->function, "[unknown]"));
}

/* A copy of str that lives as long as s (str itself when NULL or out of memory). */
static const char *intern(struct stacks *s, const char *str)
{
	struct str_entry *e;

	if (!str)
		return NULL;
	e = str_table__get(&s->strs, str);
	return e ? e->str : str;
}

/* intern() for a module's path; its build-id and ranges (pprof's mapping) are read the first time,
 * while the symbolizer has the module (stacks__module_info answers from this copy). */
static const char *intern_module(struct stacks *s, const char *module)
{
	struct sym_module_info *info;
	const char *m = intern(s, module);

	if (!m || m == module || u64map__get(&s->mod_info, (uintptr_t)m))
		return m;
	info = malloc(sizeof(*info));
	if (!info)
		return m;
	if (symbolizer__module_info(s->sym, module, info) ||
	    u64map__put(&s->mod_info, (uintptr_t)m, info))
		free(info);
	return m;
}

/* Frames of addr (innermost first) into out; returns how many. */
static int resolve(struct stacks *s, struct sym_proc *p, __u64 addr, struct stack_frame *out,
		   int max)
{
	struct sym_frame fr[STACKS_MAX_INLINE];
	struct addr_entry *e;
	size_t i;
	int n, k;

	if (s->cache_mask) {
		for (i = addr_slot(p->image, addr, s->cache_mask); s->cache[i].n;
		     i = (i + 1) & s->cache_mask) {
			e = &s->cache[i];
			if (e->addr == addr && e->image == p->image) {
				n = e->n < (__u32)max ? (int)e->n : max;
				memcpy(out, s->pool + e->off, n * sizeof(*out));
				return n;
			}
		}
	}
	if (!p->sp) {
		out[0] = (struct stack_frame){.name = "[unknown]", .function = "[unknown]"};
		return 1;
	}
	n = symbolizer__resolve(s->sym, p->sp, addr, fr, STACKS_MAX_INLINE);
	if (n > 0 && unresolved(fr, n) && now_ns() - p->refreshed_ns > STACKS_RESYM_NS) {
		p->refreshed_ns = now_ns();
		if (sym_process__refresh(p->sp) == 0)
			n = symbolizer__resolve(s->sym, p->sp, addr, fr, STACKS_MAX_INLINE);
	}
	if (n <= 0 || unresolved(fr, n)) {
		/* The symbolizer's snapshot missed the mapping (the process was gone before it
		 * re-read its maps); the unwinder may know the module: resolve in the file. */
		const char *path;
		__u64 elf_addr;
		int m;

		if (!unwinder__locate(s->unw, p->pid, addr, &path, &elf_addr)) {
			m = symbolizer__resolve_elf(s->sym, path, elf_addr, fr, STACKS_MAX_INLINE);
			if (m > 0)
				n = m;
		}
	}
	if (n <= 0) {
		out[0] = (struct stack_frame){.name = "[unknown]", .function = "[unknown]"};
		return 1;
	}
	if (n > max)
		n = max;
	/* the symbolizer's strings go with its modules (stacks__evict): keep copies */
	for (k = 0; k < n; k++) {
		const char *fn = intern(s, fr[k].function ? fr[k].function : "[unknown]");

		out[k] = (struct stack_frame){.name = fn,
					      .function = fn,
					      .file = intern(s, fr[k].file),
					      .line = fr[k].line,
					      .inlined = fr[k].inlined,
					      .module = intern_module(s, fr[k].module),
					      .offset = fr[k].module ? fr[k].module_offset : 0};
	}
	if (unresolved(fr, n))
		return n; /* retried next time */
	/* cache it */
	if ((s->cache_n + 1) * 2 > s->cache_mask + 1 && cache_grow(s))
		return n;
	if (s->pool_n + n > s->pool_cap) {
		size_t cap = (s->pool_cap + n) * 2;
		struct stack_frame *pool = realloc(s->pool, cap * sizeof(*pool));

		if (!pool)
			return n;
		s->pool = pool;
		s->pool_cap = cap;
	}
	memcpy(s->pool + s->pool_n, out, n * sizeof(*out));
	for (i = addr_slot(p->image, addr, s->cache_mask); s->cache[i].n;
	     i = (i + 1) & s->cache_mask)
		;
	s->cache[i] =
		(struct addr_entry){.addr = addr, .image = p->image, .n = n, .off = s->pool_n};
	s->pool_n += n;
	s->cache_n++;
	return n;
}

void stacks_opts__init(struct stacks_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->user = true;
	o->interp_map_fd = -1;
}

/* Sample keys (see stacks/stacks.h, stacks__add_keyed). */

static size_t key_slot(const struct key_table *t, __u32 pid, __u32 tid, __u64 hash)
{
	size_t i = (size_t)(hash ^ ((__u64)tid << 32 | pid) * 0x9e3779b97f4a7c15ULL) & t->mask;

	while (t->e[i].hash && !(t->e[i].hash == hash && t->e[i].pid == pid && t->e[i].tid == tid))
		i = (i + 1) & t->mask;
	return i;
}

static void key_entry__free(struct key_entry *e)
{
	free(e->names);
	free(e->frames);
	memset(e, 0, sizeof(*e));
}

static bool pid_in(__u32 pid, const int *pids, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (pid == (__u32)pids[i])
			return true;
	return false;
}

/* Rehash into slots (a power of two), leaving out the entries of the pids in gone[0..n_gone). */
static int key_table__rebuild(struct key_table *t, size_t slots, const int *gone, size_t n_gone)
{
	struct key_table nt = {.mask = slots - 1};
	size_t i;

	nt.e = calloc(slots, sizeof(*nt.e));
	if (!nt.e)
		return -ENOMEM;
	for (i = 0; t->mask && i <= t->mask; i++) {
		struct key_entry *e = &t->e[i];

		if (!e->hash)
			continue;
		if (pid_in(e->pid, gone, n_gone)) {
			key_entry__free(e);
			continue;
		}
		nt.e[key_slot(&nt, e->pid, e->tid, e->hash)] = *e;
		nt.n++;
	}
	free(t->e);
	*t = nt;
	return 0;
}

static void key_table__free(struct key_table *t)
{
	size_t i;

	for (i = 0; t->mask && i <= t->mask; i++)
		if (t->e[i].hash)
			key_entry__free(&t->e[i]);
	free(t->e);
	memset(t, 0, sizeof(*t));
}

static void stats_sub(struct stacks_stats *d, const struct stacks_stats *a,
		      const struct stacks_stats *b)
{
	memset(d, 0, sizeof(*d));
	d->complete = a->complete - b->complete;
	d->truncated = a->truncated - b->truncated;
	d->incomplete = a->incomplete - b->incomplete;
	d->kernel_only = a->kernel_only - b->kernel_only;
	d->unnamed = a->unnamed - b->unnamed;
}

static void interp_stats_sub(struct interp_stats *d, const struct interp_stats *a,
			     const struct interp_stats *b)
{
	*d = *a;
	d->samples -= b->samples;
	d->merged -= b->merged;
	d->mismatched -= b->mismatched;
	d->leftover -= b->leftover;
	d->truncated -= b->truncated;
	d->no_thread -= b->no_thread;
	d->read_errors -= b->read_errors;
	d->unnamed -= b->unnamed;
	d->frames -= b->frames;
	d->unqualified -= b->unqualified;
}

/* d += k * per (a key's counted samples, each adding what its capture added) */
static void stats_add_times(struct stacks_stats *d, const struct stacks_stats *per, __u64 k)
{
	d->complete += k * per->complete;
	d->truncated += k * per->truncated;
	d->incomplete += k * per->incomplete;
	d->kernel_only += k * per->kernel_only;
	d->unnamed += k * per->unnamed;
}

static void interp_stats_add_times(struct interp_stats *d, const struct interp_stats *per, __u64 k)
{
	d->samples += k * per->samples;
	d->merged += k * per->merged;
	d->mismatched += k * per->mismatched;
	d->leftover += k * per->leftover;
	d->truncated += k * per->truncated;
	d->no_thread += k * per->no_thread;
	d->read_errors += k * per->read_errors;
	d->unnamed += k * per->unnamed;
	d->frames += k * per->frames;
	d->unqualified += k * per->unqualified;
}

/* Does a stack run through JIT code (a frame named from a perf map)? */
static bool has_jit(const struct stack_frames *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->f[i].module && !strcmp(r->f[i].module, "[jit]"))
			return true;
	return false;
}

/* Does a stack have a frame without a name ("[unknown]", "[unknown python]", ...)? */
static bool has_unknown(const char *const *names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strncmp(names[i], "[unknown", 8))
			return true;
	return false;
}

/*
 * Is a key's first stack good enough to stand for its later samples? Not when it has a frame
 * without a name (a name may come later: a JIT's perf map, a code object read again) or a Ruby
 * method without its class, an unwind that stopped early, or interpreter frames that were cut or
 * did not match the native stack: the next capture of the key may do better.
 */
static bool key_trusted(const struct key_entry *e)
{
	const struct stacks_stats *st = &e->per_capture;
	const struct interp_stats *is = &e->per_capture_i;

	return !st->truncated && !st->incomplete && !st->unnamed && !is->mismatched &&
	       !is->leftover && !is->truncated && !is->read_errors && !is->unnamed &&
	       !is->unqualified && !has_unknown(e->names, e->n_names);
}

static size_t leaf_slot(const struct leaf_table *t, __u32 pid, __u32 tid, __u64 hash, __u64 ip)
{
	size_t i = (size_t)((hash ^ ip * 0xff51afd7ed558ccdULL ^
			     ((__u64)tid << 32 | pid) * 0x9e3779b97f4a7c15ULL) &
			    t->mask);

	while (t->e[i].hash && !(t->e[i].hash == hash && t->e[i].ip == ip && t->e[i].pid == pid &&
				 t->e[i].tid == tid))
		i = (i + 1) & t->mask;
	return i;
}

/* Rehash into slots, leaving out the entries of the pids in gone[0..n_gone). */
static int leaf_table__rebuild(struct leaf_table *t, size_t slots, const int *gone, size_t n_gone)
{
	struct leaf_table nt = {.mask = slots - 1};
	size_t i;

	nt.e = calloc(slots, sizeof(*nt.e));
	if (!nt.e)
		return -ENOMEM;
	for (i = 0; t->mask && i <= t->mask; i++) {
		struct leaf_entry *e = &t->e[i];

		if (!e->hash || pid_in(e->pid, gone, n_gone))
			continue;
		nt.e[leaf_slot(&nt, e->pid, e->tid, e->hash, e->ip)] = *e;
		nt.n++;
	}
	free(t->e);
	*t = nt;
	return 0;
}

/* The entry of (pid, tid, hash, ip), made when new; NULL without memory. */
static struct leaf_entry *leaf_get(struct leaf_table *t, __u32 pid, __u32 tid, __u64 hash, __u64 ip)
{
	struct leaf_entry *e;

	if ((!t->mask || (t->n + 1) * 4 > (t->mask + 1) * 3) &&
	    leaf_table__rebuild(t, t->mask ? (t->mask + 1) * 2 : 1024, NULL, 0))
		return NULL;
	e = &t->e[leaf_slot(t, pid, tid, hash, ip)];
	if (!e->hash) {
		*e = (struct leaf_entry){.hash = hash, .ip = ip, .pid = pid, .tid = tid};
		t->n++;
	}
	return e;
}

/* Remember key -> the stack just added (names root first, r innermost first). */
static int key_remember(struct stacks *s, const struct stack_capture *c, const char **names,
			size_t n, const struct stack_frames *r, const struct stacks_stats *before,
			const struct interp_stats *before_i)
{
	struct key_table *t = &s->keys;
	struct key_entry *e;
	size_t i;

	if (!t->mask || (t->n + 1) * 4 > (t->mask + 1) * 3) {
		int err = key_table__rebuild(t, t->mask ? (t->mask + 1) * 2 : 1024, NULL, 0);

		if (err)
			return err;
	}
	i = key_slot(t, c->pid, c->tid, c->key);
	e = &t->e[i];
	if (e->hash) /* the key again (its first capture was lost once, then sent again) */
		key_entry__free(e);
	else
		t->n++;
	e->names = malloc(n * sizeof(*e->names));
	e->frames = malloc((r->n ? r->n : 1) * sizeof(*e->frames));
	if (!e->names || !e->frames) {
		key_entry__free(e);
		t->n--;
		return -ENOMEM;
	}
	memcpy(e->names, names, n * sizeof(*names));
	memcpy(e->frames, r->f, r->n * sizeof(*r->f));
	e->n_names = n;
	e->n_frames = r->n;
	e->hash = c->key;
	e->pid = c->pid;
	e->tid = c->tid;
	e->leaf_ip = c->regs[SC_REG_IP];
	e->kframes = s->kframes;
	e->leaf_n = s->leaf_n;
	e->leaf_merged = s->leaf_merged;
	memcpy(e->comm, c->comm, sizeof(e->comm));
	stats_sub(&e->per_capture, &s->stats, before);
	interp_stats_sub(&e->per_capture_i, interps__stats_mut(s->interp), before_i);
	return 0;
}

/*
 * The stack of key e for a sample at instruction ip: e's own, or e's with the frames of ip as its
 * leaf (in s->key_frames, innermost first, and s->key_names, root first). An eval-loop leaf was
 * replaced by interpreter frames: another instruction of the eval loop keeps them; one elsewhere
 * (a sample in a function's prologue, where the stack had not grown yet) goes on top of them.
 */
static void key_path(struct stacks *s, const struct key_entry *e, __u64 ip,
		     const struct stack_frame **frames, size_t *nf, const char ***names, size_t *nn)
{
	struct stack_frame leaf[STACKS_MAX_INLINE], *kf = s->key_frames;
	struct sym_proc *p = ip != e->leaf_ip ? sym_proc_find(s, (int)e->pid) : NULL;
	size_t n = 0, m = 0, rest, i, k = 0;
	bool per_root = s->opts.per_thread || s->opts.per_process || s->opts.per_comm;
	int r;

	*frames = e->frames;
	*nf = e->n_frames;
	*names = e->names;
	*nn = e->n_names;
	if (!p || (!e->leaf_n && !e->leaf_merged))
		return;
	r = resolve(s, p, ip, leaf, STACKS_MAX_INLINE);
	if (r > 0)
		m = (size_t)r;
	if (e->leaf_merged && m && !leaf[m - 1].inlined && interps__is_eval(leaf[m - 1].name))
		return;
	rest = e->kframes + (e->leaf_merged ? 0 : e->leaf_n);
	if (rest > e->n_frames || e->n_frames - rest + e->kframes + m > STACK_FRAMES_MAX)
		return;
	memcpy(kf, e->frames, e->kframes * sizeof(*kf));
	n = e->kframes;
	memcpy(kf + n, leaf, m * sizeof(*kf));
	n += m;
	memcpy(kf + n, e->frames + rest, (e->n_frames - rest) * sizeof(*kf));
	n += e->n_frames - rest;
	if (per_root)
		s->key_names[k++] = e->names[0];
	for (i = n; i-- > 0;)
		s->key_names[k++] = kf[i].name;
	if (!k || (k == 1 && per_root))
		s->key_names[k++] = "[unknown]";
	*frames = kf;
	*nf = n;
	*names = s->key_names;
	*nn = k;
}

/* A verification capture of a known key: does it show the key's stack (with its leaf)? */
static bool key_matches(struct stacks *s, const struct stack_capture *c, const char **names,
			size_t n)
{
	const struct key_table *t = &s->keys;
	const struct key_entry *e;
	const struct stack_frame *kf;
	const char **kn;
	size_t nf, nn, i;

	if (!t->mask)
		return true; /* not known (its first capture was not added): nothing to check */
	e = &t->e[key_slot(t, c->pid, c->tid, c->key)];
	if (!e->hash)
		return true;
	key_path(s, e, c->regs[SC_REG_IP], &kf, &nf, &kn, &nn);
	if (nn != n)
		return false;
	for (i = 0; i < n; i++)
		if (kn[i] != names[i] && strcmp(kn[i], names[i]))
			return false;
	return true;
}

static int add_path(struct stacks *s, const char **names, size_t n, const struct stack_frame *f,
		    size_t nf, int pid, int tid, const char *comm, double weight)
{
	struct str_entry *leaf;
	int err;

	err = stack_tree__add(s->tree, names, n, weight);
	if (!err)
		err = sample_table__add(s->samples, f, nf, pid, tid, comm, weight,
					s->opts.per_process || s->opts.per_comm,
					s->opts.per_thread);
	if (err)
		return err;
	leaf = str_table__get(&s->strs, names[n - 1]);
	if (!leaf)
		return -ENOMEM;
	leaf->self += weight;
	return 0;
}

int stacks__add_key_count(struct stacks *s, __u32 pid, __u32 tid, __u64 hash, __u64 ip, __u64 count)
{
	struct key_table *t = &s->keys;
	const struct stack_frame *frames;
	const struct key_entry *e;
	struct leaf_entry *l;
	const char **names;
	size_t nf, nn;
	__u64 d;

	if (!t->mask)
		return -ENOENT;
	e = &t->e[key_slot(t, pid, tid, hash)];
	if (!e->hash)
		return -ENOENT;
	l = leaf_get(&s->leaves, pid, tid, hash, ip);
	if (!l)
		return -ENOMEM;
	if (count <= l->counted)
		return 0;
	d = count - l->counted;
	l->counted = count;
	s->stats.records += d;
	s->stats.interval_records += d;
	s->stats.weight += (double)d;
	stats_add_times(&s->stats, &e->per_capture, d);
	interp_stats_add_times(interps__stats_mut(s->interp), &e->per_capture_i, d);
	key_path(s, e, ip, &frames, &nf, &names, &nn);
	return add_path(s, names, nn, frames, nf, (int)pid, (int)tid, e->comm, (double)d);
}

size_t stacks__key_count(const struct stacks *s)
{
	return s->keys.n;
}

/* STACKS_MODULES_KEPT, or $RTPROF_MODULES_KEPT (a number, 0 or more) */
static size_t modules_kept(void)
{
	const char *v = getenv("RTPROF_MODULES_KEPT");
	unsigned long long n;
	char *end;

	if (!v || !*v)
		return STACKS_MODULES_KEPT;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno || *end || v[0] == '-' || n > 1000000) {
		pr_warn("RTPROF_MODULES_KEPT=%s: not a number of modules; %d are kept\n", v,
			STACKS_MODULES_KEPT);
		return STACKS_MODULES_KEPT;
	}
	return n;
}

struct stacks *stacks__new(const struct stacks_opts *o)
{
	struct symbolizer_opts sopts = {};
	struct stacks *s;
	int err;

	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->opts = *o;
	s->tree = stack_tree__new();
	s->pins = maps_pins__new();
	if (o->sym)
		sopts = *o->sym;
	sopts.pins = s->pins;
	s->sym = symbolizer__new(&sopts);
	s->modules_kept = modules_kept();
	s->unw = unwinder__new(s->pins);
	if (s->unw && o->maps_changed)
		unwinder__on_maps(s->unw, o->maps_changed, o->maps_ctx);
	s->interp = interps__new(o->interp_map_fd, o->lines);
	s->samples = sample_table__new();
	s->resolved = malloc(sizeof(*s->resolved));
	if (!s->tree || !s->pins || !s->sym || !s->unw || !s->interp || !s->samples ||
	    !s->resolved) {
		err = errno ? errno : ENOMEM;
		stacks__free(s);
		errno = err;
		return NULL;
	}
	return s;
}

void stacks__free(struct stacks *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n_procs; i++)
		sym_process__free(s->procs[i].sp);
	free(s->procs);
	unwinder__free(s->unw);
	interps__free(s->interp);
	sample_table__free(s->samples);
	symbolizer__free(s->sym);
	stack_tree__free(s->tree);
	for (i = 0; i < s->mod_info.cap; i++)
		free(s->mod_info.vals[i]);
	u64map__clear(&s->mod_info);
	str_table__free(&s->strs);
	free(s->cache);
	free(s->pool);
	free(s->ksyms);
	free(s->ksym_names);
	free(s->resolved);
	key_table__free(&s->keys);
	free(s->leaves.e);
	maps_pins__free(s->pins);
	free(s);
}

int stacks__reset(struct stacks *s)
{
	struct stack_tree *tree = stack_tree__new();
	struct sample_table *samples = sample_table__new();
	size_t i;

	if (!tree || !samples) {
		stack_tree__free(tree);
		sample_table__free(samples);
		return -ENOMEM;
	}
	stack_tree__free(s->tree);
	sample_table__free(s->samples);
	s->tree = tree;
	s->samples = samples;
	for (i = 0; s->strs.mask && i <= s->strs.mask; i++)
		s->strs.e[i].self = 0;
	s->stats.interval_records = 0;
	return 0;
}

static int image_cmp(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

/* Keep the cached addresses of the images in live[0..n) (sorted) only, in a compacted pool. */
static void cache_compact(struct stacks *s, const __u32 *live, size_t n)
{
	struct addr_entry *c;
	struct stack_frame *pool;
	size_t cap = s->cache_mask + 1, i, j, pool_n = 0;

	if (!s->cache_mask)
		return;
	c = calloc(cap, sizeof(*c));
	pool = malloc((s->pool_n ? s->pool_n : 1) * sizeof(*pool));
	if (!c || !pool) {
		free(c);
		free(pool);
		return;
	}
	s->cache_n = 0;
	for (i = 0; i < cap; i++) {
		const struct addr_entry *e = &s->cache[i];

		if (!e->n || !bsearch(&e->image, live, n, sizeof(*live), image_cmp))
			continue;
		for (j = addr_slot(e->image, e->addr, cap - 1); c[j].n; j = (j + 1) & (cap - 1))
			;
		c[j] = *e;
		c[j].off = pool_n;
		memcpy(pool + pool_n, s->pool + e->off, e->n * sizeof(*pool));
		pool_n += e->n;
		s->cache_n++;
	}
	free(s->cache);
	free(s->pool);
	s->cache = c;
	s->pool = pool;
	s->pool_n = pool_n;
	s->pool_cap = s->pool_n ? s->pool_n : 1;
}

void stacks__evict(struct stacks *s)
{
	__u64 now = now_ns();
	int *gone = NULL;
	__u32 *live = NULL;
	size_t n_gone = 0, i;

	gone = malloc((s->n_procs + 1) * sizeof(*gone));
	live = malloc((s->n_procs + 1) * sizeof(*live));
	if (!gone || !live)
		goto out;
	for (i = 0; i < s->n_procs;) {
		struct sym_proc *p = &s->procs[i];

		if (now - p->used_ns < STACKS_EVICT_IDLE_NS ||
		    !(kill(p->pid, 0) && errno == ESRCH)) {
			i++;
			continue;
		}
		gone[n_gone++] = p->pid;
		unwinder__forget(s->unw, p->pid);
		maps_pins__drop(s->pins, p->pid);
		sym_process__free(p->sp);
		*p = s->procs[--s->n_procs];
	}
	if (!n_gone)
		goto out;
	s->stats.procs_evicted += n_gone;
	if (s->keys.n)
		key_table__rebuild(&s->keys, s->keys.mask + 1, gone, n_gone);
	if (s->leaves.n)
		leaf_table__rebuild(&s->leaves, s->leaves.mask + 1, gone, n_gone);
	for (i = 0; i < s->n_procs; i++)
		live[i] = s->procs[i].image;
	qsort(live, s->n_procs, sizeof(*live), image_cmp);
	cache_compact(s, live, s->n_procs);
	interps__drop(s->interp, gone, n_gone);
	s->stats.modules_freed += symbolizer__trim(s->sym, s->modules_kept);
out:
	free(gone);
	free(live);
}

static size_t fp_chain(struct stacks *s, const struct stack_capture *c)
{
	size_t n = c->fpframes < STACKS_MAX_ADDRS ? c->fpframes : STACKS_MAX_ADDRS, i;

	for (i = 0; i < n; i++)
		s->addrs[i] = i ? c->fpstack[i] - 1 : c->fpstack[i];
	return n;
}

static void add_marker(struct stack_frames *out, const char *name)
{
	out->f[out->n++] = (struct stack_frame){.name = name, .function = name, .kind = SF_MARKER};
}

static struct stack_frame interp_frame(const struct interp_named *n)
{
	return (struct stack_frame){.name = n->name,
				    .function = n->function,
				    .file = n->file,
				    .line = n->line,
				    .kind = n->kind == INTERP_RUBY ? SF_RUBY : SF_PYTHON};
}

/* Is address group g (its outermost frame) an activation of the eval loop? */
static bool group_is_eval(const struct stacks *s, const struct stack_frames *out, size_t g)
{
	size_t last = s->group[g + 1] - 1;

	return s->group[g + 1] > s->group[g] && !out->f[last].inlined &&
	       interps__is_eval(out->f[last].name);
}

/*
 * Replace each native activation of the eval loop in out (the user frames of c, address groups
 * in s->group) by the interpreter frames it was running, then add the marker. The segments (each
 * ends at an "entry" frame) pair with the eval groups from the root when the native stack is
 * complete (a sample in an activation's prologue, before its frame exists, leaves the innermost
 * eval frame without a segment), from the leaf when the native stack stopped early (the
 * outermost segments then go at the root, after the marker). Unpaired eval frames stay native;
 * every mismatch is counted.
 */
static int merge_interp(struct stacks *s, const struct stack_capture *c, struct stack_frames *out,
			enum unwind_status status)
{
	const struct interp_frame *f = (const struct interp_frame *)(c->stack + c->stack_len);
	struct interp_stats *st = interps__stats_mut(s->interp);
	size_t seg_start[INTERP_MAX_FRAMES + 1], nseg = 0, m, i, g, j, k, n = 0;
	size_t evals[STACKS_MAX_ADDRS], ne = 0, first_pair, pair_seg0 = 0, extra_at = (size_t)-1;
	const char *marker = NULL;
	bool from_root = status == UNWIND_COMPLETE;
	struct stack_frame *mf = s->merged;
	ssize_t seg_of[STACKS_MAX_ADDRS];

	if (c->iflags & IW_TRUNCATED)
		st->truncated++;
	if (c->iflags & IW_NO_THREAD)
		st->no_thread++;
	if (c->iflags & IW_READ_ERR)
		st->read_errors++;
	m = interps__name(s->interp, c->pid, f, c->iframes, s->named);
	if (!m) {
		if (status != UNWIND_COMPLETE)
			add_marker(out,
				   status == UNWIND_TRUNCATED ? "[truncated]" : "[incomplete]");
		return 0;
	}
	st->samples++;
	/* segments: named[seg_start[j] .. seg_start[j + 1]) */
	for (i = 0; i < m; i++) {
		if (i == 0 || s->named[i - 1].entry)
			seg_start[nseg++] = i;
	}
	seg_start[nseg] = m;
	for (g = 0; g < s->ngroups; g++) {
		seg_of[g] = -1;
		if (group_is_eval(s, out, g))
			evals[ne++] = g;
	}
	k = ne < nseg ? ne : nseg;
	if (from_root && ne) {
		/* the outermost k eval groups take the outermost k segments */
		first_pair = ne - k;
		pair_seg0 = nseg - k;
		for (i = 0; i < k; i++)
			seg_of[evals[first_pair + i]] = (ssize_t)(pair_seg0 + i);
		/* more segments than eval frames: the innermost ones join the innermost pair */
		if (nseg > ne)
			extra_at = evals[first_pair];
	} else {
		for (i = 0; i < k; i++)
			seg_of[evals[i]] = (ssize_t)i;
	}
	if (ne == nseg)
		st->merged++;
	else
		st->mismatched++;
	s->leaf_merged = s->ngroups && seg_of[0] >= 0;

	/* kernel frames first, unchanged */
	for (i = 0; i < s->kframes; i++)
		mf[n++] = out->f[i];
	for (g = 0; g < s->ngroups; g++) {
		size_t a = s->group[g], b = s->group[g + 1], j0, j1, j;

		if (seg_of[g] < 0) {
			for (j = a; j < b; j++)
				mf[n++] = out->f[j];
			continue;
		}
		j0 = seg_start[seg_of[g]];
		j1 = seg_start[seg_of[g] + 1];
		if (g == extra_at)
			j0 = 0; /* with the unpaired innermost segments */
		for (j = j0; j < j1; j++)
			mf[n++] = interp_frame(&s->named[j]);
	}
	if (status != UNWIND_COMPLETE)
		marker = status == UNWIND_TRUNCATED ? "[truncated]" : "[incomplete]";
	else if (!ne)
		marker = "[unmatched]";
	if (marker)
		mf[n++] =
			(struct stack_frame){.name = marker, .function = marker, .kind = SF_MARKER};
	/* segments no eval frame took: the outer ones when the native stack stopped early, or
	 * all of them when it has no eval frame at all */
	if (nseg > ne && !(from_root && ne)) {
		st->leftover++;
		for (j = seg_start[ne]; j < m; j++)
			mf[n++] = interp_frame(&s->named[j]);
	}
	memcpy(out->f, mf, n * sizeof(*mf));
	out->n = n;
	return 0;
}

/* The user frames of c, then its marker, appended to out (innermost first). */
static int resolve_user(struct stacks *s, struct sym_proc *p, const struct stack_capture *c,
			struct stack_frames *out)
{
	struct unwind_result res = {0, UNWIND_BROKEN};
	size_t na, i;
	int err;

	if (s->opts.fp_only || !c->stack_len) {
		na = fp_chain(s, c);
		res.n = na;
		/* a chain cannot tell whether it is whole: asked for, it counts as complete; as a
		 * stand-in for a stack copy that failed, it does not */
		res.status = s->opts.fp_only && na ? UNWIND_COMPLETE : UNWIND_BROKEN;
	} else {
		err = unwinder__unwind(s->unw, c, s->addrs, STACKS_MAX_ADDRS, &res);
		if (err)
			return err;
		/* The unwinder saw new mappings (libraries loaded since the snapshot): so should
		 * the symbolizer, now, while the process is surely alive. */
		if (res.maps_reread && p->sp && !(c->flags & SC_F_NEW_IMAGE)) {
			sym_process__refresh(p->sp);
			p->refreshed_ns = now_ns();
		}
		/* ... and so should the interpreter search (a libpython loaded late) */
		if (res.maps_reread)
			interps__maps_changed(s->interp, c->pid);
		/* No CFI walk at all (module unreadable): the frame-pointer chain is better. It
		 * cannot tell whether it is whole, so the stack stays marked as not unwound. */
		if (res.n <= 1 && c->fpframes > 1) {
			res.n = fp_chain(s, c);
			res.status = UNWIND_BROKEN;
		}
	}
	if (res.status == UNWIND_COMPLETE)
		s->stats.complete++;
	else if (res.status == UNWIND_TRUNCATED)
		s->stats.truncated++;
	else
		s->stats.incomplete++;
	for (i = 0; i < res.n; i++) {
		s->group[i] = out->n;
		out->n += resolve(s, p, s->addrs[i], out->f + out->n, STACKS_MAX_INLINE);
	}
	s->group[res.n] = out->n;
	s->ngroups = res.n;
	s->leaf_n = res.n ? s->group[1] - s->group[0] : 0;
	if (c->iframes && !(c->iflags & IW_WALKED))
		return -ERR_BADINPUT;
	if (c->iflags & IW_WALKED)
		return merge_interp(s, c, out, res.status);
	if (res.status != UNWIND_COMPLETE)
		add_marker(out, res.status == UNWIND_TRUNCATED ? "[truncated]" : "[incomplete]");
	return 0;
}

void stacks__prefetch(struct stacks *s, const struct stack_capture *c, size_t size)
{
	s->prefetched = true;
	if (!c || size < STACK_CAPTURE_HDR_SIZE || c->iframes > INTERP_MAX_FRAMES ||
	    c->stack_len > STACK_CAPTURE_MAX_BYTES ||
	    size < STACK_CAPTURE_HDR_SIZE + (size_t)c->stack_len +
			    (size_t)c->iframes * sizeof(struct interp_frame))
		return;
	if (c->flags & SC_F_NEW_IMAGE)
		interps__new_image(s->interp, c->pid);
	if (c->iframes)
		interps__prefetch(s->interp, c->pid,
				  (const struct interp_frame *)(c->stack + c->stack_len),
				  c->iframes);
}

int stacks__resolve(struct stacks *s, const struct stack_capture *c, size_t size,
		    struct stack_frames *out)
{
	struct sym_proc *p;
	bool new_image;
	size_t i;

	out->n = 0;
	s->leaf_n = 0;
	s->leaf_merged = false;
	if (size < STACK_CAPTURE_HDR_SIZE || c->kframes > STACK_CAPTURE_MAX_KFRAMES ||
	    c->fpframes > STACK_CAPTURE_MAX_FPFRAMES || c->iframes > INTERP_MAX_FRAMES ||
	    c->stack_len > STACK_CAPTURE_MAX_BYTES || c->stack_len % 8 ||
	    size < STACK_CAPTURE_HDR_SIZE + (size_t)c->stack_len +
			    (size_t)c->iframes * sizeof(struct interp_frame))
		return -ERR_BADINPUT;
	/* A new process image: snapshot its maps now, before anything else (it may be short-lived)
	 * (or from the pin the capture queue's reader took as the capture arrived, when it is gone:
	 * stacks__track_new) */
	new_image = c->flags & SC_F_NEW_IMAGE;
	if (new_image)
		unwinder__forget(s->unw, c->pid);
	p = sym_proc_get(s, c->pid, new_image);
	if (!p)
		return -ENOMEM;
	p->used_ns = now_ns();
	if ((c->flags & SC_F_NEW_IMAGE) && !s->prefetched)
		interps__new_image(s->interp, c->pid);
	s->kframes = 0;
	if (s->opts.kernel)
		for (i = 0; i < c->kframes; i++, s->kframes++)
			out->f[out->n++] =
				(struct stack_frame){.name = ksym_name(s, c->kstack[i]),
						     .function = ksym_name(s, c->kstack[i]),
						     .kind = SF_KERNEL};
	if (s->opts.user && !(c->flags & SC_F_NO_USER))
		return resolve_user(s, p, c, out);
	if (c->flags & SC_F_NO_USER)
		s->stats.kernel_only++;
	return 0;
}

/* Does a user stack have no named frame at all? */
static bool all_unknown(const struct stack_frames *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->f[i].kind != SF_KERNEL && r->f[i].kind != SF_MARKER &&
		    strcmp(r->f[i].name, "[unknown]"))
			return false;
	return true;
}

int stacks__add_keyed(struct stacks *s, const struct stack_capture *c, size_t size,
		      enum stacks_key_verdict *verdict)
{
	struct stacks_stats before = s->stats;
	struct interp_stats before_i = *interps__stats_mut(s->interp);
	const struct stack_frames *r = s->resolved;
	const char **fr = s->frames;
	bool per_root = s->opts.per_thread || s->opts.per_process || s->opts.per_comm;
	size_t n = 0, i;
	char root[64];
	int err;

	if (verdict)
		*verdict = STACKS_KEY_KEPT;

	err = stacks__resolve(s, c, size, s->resolved);
	if (err)
		return err;
	s->stats.records++;
	s->stats.interval_records++;
	s->stats.weight += (double)c->weight;
	if (s->opts.user && !(c->flags & SC_F_NO_USER) && all_unknown(r))
		s->stats.unnamed++;

	if (per_root) {
		char comm[STACK_CAPTURE_COMM_LEN + 1];
		struct str_entry *e;

		memcpy(comm, c->comm, STACK_CAPTURE_COMM_LEN);
		comm[STACK_CAPTURE_COMM_LEN] = 0;
		if (s->opts.per_thread || s->opts.per_process)
			snprintf(root, sizeof(root), "%s-%u", comm,
				 s->opts.per_thread ? c->tid : c->pid);
		else
			snprintf(root, sizeof(root), "%s", comm[0] ? comm : "[unknown]");
		e = str_table__get(&s->strs, root);
		if (!e)
			return -ENOMEM;
		fr[n++] = e->str;
	}
	/* root first: the reverse of the resolved frames */
	for (i = r->n; i-- > 0;)
		fr[n++] = r->f[i].name;
	if (!n || (n == 1 && per_root))
		fr[n++] = "[unknown]";
	err = add_path(s, fr, n, r->f, r->n, c->pid, c->tid, c->comm, (double)c->weight);
	if (err || !c->key || !verdict)
		return err;
	if (has_jit(r)) {
		*verdict = STACKS_KEY_JIT;
		if (c->flags & SC_F_KEY_FIRST)
			return key_remember(s, c, fr, n, r, &before, &before_i);
		return 0;
	}
	if (c->flags & SC_F_KEY_FIRST) {
		struct key_entry *e;

		err = key_remember(s, c, fr, n, r, &before, &before_i);
		if (err)
			return err;
		e = &s->keys.e[key_slot(&s->keys, c->pid, c->tid, c->key)];
		if (!key_trusted(e))
			*verdict = STACKS_KEY_RETRY;
		return 0;
	}
	if ((c->flags & SC_F_KEY_VERIFY) && !key_matches(s, c, fr, n))
		*verdict = STACKS_KEY_SEVERAL;
	return 0;
}

int stacks__add(struct stacks *s, const struct stack_capture *c, size_t size)
{
	return stacks__add_keyed(s, c, size, NULL);
}

const char *stacks__function(struct stacks *s, int pid, __u64 addr)
{
	struct stack_frame fr[STACKS_MAX_INLINE];
	struct sym_proc *p;
	int n;

	p = sym_proc_get(s, pid, false);
	n = p ? resolve(s, p, addr, fr, STACKS_MAX_INLINE) : 0;

	if (n <= 0 || !strcmp(fr[n - 1].name, "[unknown]"))
		return NULL;
	return fr[n - 1].name;
}

int stacks__module_info(struct stacks *s, const char *module, struct sym_module_info *out)
{
	struct str_entry *e = str_table__get(&s->strs, module);
	const struct sym_module_info *info =
		e ? u64map__get(&s->mod_info, (uintptr_t)e->str) : NULL;

	if (!info)
		return symbolizer__module_info(s->sym, module, out);
	*out = *info;
	return 0;
}

const char *stack_frame__kind(const struct stack_frame *f)
{
	static const char *const names[] = {"native", "kernel", "marker", "python", "ruby"};

	return f->kind < sizeof(names) / sizeof(names[0]) ? names[f->kind] : "native";
}

bool stacks__has_interp(struct stacks *s, int pid)
{
	return interps__active(s->interp, pid);
}

void stack_frame__json(const struct stack_frame *f, FILE *out, __u64 offset)
{
	fputs("{\"name\":", out);
	json_str(out, f->name);
	fputs(",\"function\":", out);
	json_str(out, f->function ? f->function : f->name);
	fprintf(out, ",\"kind\":\"%s\",\"module\":", stack_frame__kind(f));
	json_str(out, f->module);
	fprintf(out, ",\"offset\":%llu,\"file\":", (unsigned long long)(f->module ? offset : 0));
	json_str(out, f->file);
	fprintf(out, ",\"line\":%d,\"inlined\":%s}", f->line, f->inlined ? "true" : "false");
}

void stacks__interp_stats(const struct stacks *s, struct interp_stats *st)
{
	interps__stats(s->interp, st);
}

void stacks__print_interp(const struct stacks *s, FILE *f, const char *prefix)
{
	struct interp_stats st;
	char classes[64] = "";

	interps__stats(s->interp, &st);
	if (!st.samples && !st.no_thread && !st.read_errors)
		return;
	if (st.ruby)
		snprintf(classes, sizeof(classes), ", %llu without their class",
			 (unsigned long long)st.unqualified);
	fprintf(f,
		"%s%s frames: %llu stacks (%llu matched the native eval frames, %llu did not, "
		"%llu with frames below a marker), %llu frames named, %llu unnamed%s, %llu walks "
		"cut at %d frames, %llu read errors, %llu samples of threads without interpreter "
		"state\n",
		prefix,
		st.ruby && st.python ? "interpreter"
		: st.ruby	     ? "ruby"
				     : "python",
		(unsigned long long)st.samples, (unsigned long long)st.merged,
		(unsigned long long)st.mismatched, (unsigned long long)st.leftover,
		(unsigned long long)st.frames, (unsigned long long)st.unnamed, classes,
		(unsigned long long)st.truncated, INTERP_MAX_FRAMES,
		(unsigned long long)st.read_errors, (unsigned long long)st.no_thread);
}

int stacks__foreach_sample(const struct stacks *s,
			   int (*fn)(void *ctx, const struct stacks_sample *sm), void *ctx)
{
	return sample_table__foreach(s->samples, fn, ctx);
}

const struct stack_tree *stacks__tree(const struct stacks *s)
{
	return s->tree;
}

void stacks__stats(const struct stacks *s, struct stacks_stats *st)
{
	*st = s->stats;
}

static int self_cmp(const void *a, const void *b)
{
	const struct str_entry *x = *(const struct str_entry *const *)a;
	const struct str_entry *y = *(const struct str_entry *const *)b;

	if (x->self != y->self)
		return x->self < y->self ? 1 : -1;
	return strcmp(x->str, y->str);
}

void stacks__print_top(const struct stacks *s, FILE *f, int n, const char *unit)
{
	const struct str_entry **v;
	double total = 0;
	size_t i, k = 0;

	if (!s->strs.mask)
		return;
	v = calloc(s->strs.n, sizeof(*v));
	if (!v)
		return;
	for (i = 0; i <= s->strs.mask; i++)
		if (s->strs.e[i].str && s->strs.e[i].self > 0) {
			v[k++] = &s->strs.e[i];
			total += s->strs.e[i].self; /* of this profile (since stacks__reset) */
		}
	qsort(v, k, sizeof(*v), self_cmp);
	for (i = 0; i < k && (int)i < n && total > 0; i++) {
		int w = (int)strlen(unit), len = w;

		if (v[i]->self == 1 && w && unit[w - 1] == 's') /* "1 sample", not "1 samples" */
			len--;
		fprintf(f, "  %6.2f%%  %12.0f %-*.*s  %s\n", 100.0 * v[i]->self / total, v[i]->self,
			w, len, unit, v[i]->str);
	}
	free(v);
}
