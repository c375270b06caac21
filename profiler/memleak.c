// SPDX-License-Identifier: GPL-2.0
/*
 * rtprof memleak: outstanding allocations by stack, for a live process or a launched command.
 *
 * The BPF half (bpf/memleak.bpf.c, whose top comment explains the split) keeps the table of
 * outstanding allocations, each with a cheap stack key, and sends a full stack capture the first
 * time it sees a key. This half:
 *  - finds the allocator library (the libc the target maps, or --lib) and attaches the table of
 *    probes below, return probes first so that no entry is seen without its return;
 *  - tells BPF where the target's code is (for the stack key) and where the allocator's code is
 *    (to ignore its own mmap/munmap calls), again whenever libraries come and go;
 *  - turns each capture into frames with the stack pipeline of rtprof profile
 *    (stacks/stacks.h, stacks__resolve: unwind, symbolize, "[truncated]"/"[incomplete]"
 *    outermost); keys with the same frames are one stack. The frames of a key are kept, while
 *    its weight, the outstanding bytes, changes at every report;
 *  - reports: reads the table, groups it by stack (bytes, count, age of the oldest), every -i
 *    seconds and once at the end, as text, JSON lines, folded stacks, an SVG, pprof
 *    (inuse_objects, inuse_space; the frames of each stack's first capture, stacks/export.h)
 *    or speedscope JSON.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/memleak.h"
#include "bpf/stack_capture.h"
#include "flamegraph/folded.h"
#include "flamegraph/formats.h"
#include "flamegraph/svg.h"
#include "profiler/commands.h"
#include "lib/errors.h"
#include "lib/opts.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/session.h"
#include "lib/signals.h"
#include "stacks/capture_queue.h"
#include "stacks/export.h"
#include "stacks/stack_keys.h"
#include "stacks/stacks.h"
#include "symbolize/maps.h"
#include "memleak.skel.h"

_Static_assert(sizeof(struct memleak_alloc) == 24, "memleak_alloc layout");

#define MLK_POLL_MS	    100
#define MLK_CAPTURE_READ_MS 10		 /* the capture reader's poll */
#define MLK_REFRESH_NS	    500000000ULL /* re-read the code ranges every 0.5 s */
#define MLK_BATCH	    4096
#define MLK_DEFAULT_LIBC    "/lib/x86_64-linux-gnu/libc.so.6"

struct memleak_opts {
	struct target_opts target;
	const char *lib;
	struct outputs outs; /* --folded, --svg, --pprof, -o: the final report */
	bool to_files;	     /* -o FILE: reports go to stderr, nothing to stdout */
	bool to_stdout;	     /* -o -: reports go to stdout, even beside a launched command */
	bool json;
	bool bare;
	bool lines;	  /* Python frames with their line */
	bool native_only; /* no interpreter frames */
	double interval_s;
	double duration_s; /* -d: 0 until Ctrl-C or the target's end */
	double min_age_s;
	int top;
	__u64 sample_bytes;
	__u32 max_allocs;
	__u32 max_stacks;
	__u32 key_window;
	__u32 verify_keys;
};

/* A distinct stack (keys with the same frames are merged into one). */
struct mlk_stack {
	size_t n;
	const char **names; /* innermost first */
	char **locs;	    /* "file:line" or NULL, per frame */
	char *joined;	    /* names joined by ';' (identity) */
	/* the frames of its first capture (pprof), or NULL: names only */
	struct stack_frame *frames;
	__u64 hash;
	/* filled by a report */
	double bytes, count;
	__u64 oldest_ns;
};

struct key_slot {
	__u64 key; /* 0: empty */
	__u32 stack;
};

struct memleak {
	const struct memleak_opts *o;
	struct memleak_bpf *skel;
	struct session *sess;
	int pid;
	dev_t lib_dev;
	ino_t lib_ino;
	struct stacks *pipeline;     /* unwinds and symbolizes the captures */
	struct stack_frames *frames; /* of one capture */
	bool pymalloc_noted;
	bool pythonmalloc; /* the target's environment has PYTHONMALLOC=malloc */
	struct mlk_stack *stacks;
	size_t n_stacks, cap_stacks;
	struct key_slot *keys;
	size_t n_keys, keys_mask;
	size_t n_maps_seen; /* mappings in the last code-range snapshot */
	/* captures of new stack keys: a reader thread reads what must be read while the process
	 * lives (interpreter code objects) as each arrives, before the slow unwinding here */
	struct capture_queue *captures;
	FILE *rep; /* reports: stdout; stderr with -o FILE or a launched command */
	struct bpf_link *links[2 * MLK_FN_COUNT];
	size_t n_links;
	__u64 start_ns;
	unsigned reports;
	__u64 collisions; /* verification captures whose frames differ from their key's */
};

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static __u64 hash_str(const char *s)
{
	__u64 h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* ---- key -> stack table ---- */

static struct key_slot *key_find(struct memleak *m, __u64 key)
{
	size_t i;

	if (!m->keys)
		return NULL;
	for (i = (key * 0x9e3779b97f4a7c15ULL) & m->keys_mask; m->keys[i].key;
	     i = (i + 1) & m->keys_mask)
		if (m->keys[i].key == key)
			return &m->keys[i];
	return NULL;
}

static int key_insert(struct memleak *m, __u64 key, __u32 stack)
{
	size_t i;

	if ((m->n_keys + 1) * 2 > m->keys_mask + 1) {
		size_t cap = m->keys ? (m->keys_mask + 1) * 2 : 1024, j;
		struct key_slot *t = calloc(cap, sizeof(*t));

		if (!t)
			return -ENOMEM;
		for (j = 0; m->keys && j <= m->keys_mask; j++) {
			if (!m->keys[j].key)
				continue;
			for (i = (m->keys[j].key * 0x9e3779b97f4a7c15ULL) & (cap - 1); t[i].key;
			     i = (i + 1) & (cap - 1))
				;
			t[i] = m->keys[j];
		}
		free(m->keys);
		m->keys = t;
		m->keys_mask = cap - 1;
	}
	for (i = (key * 0x9e3779b97f4a7c15ULL) & m->keys_mask; m->keys[i].key;
	     i = (i + 1) & m->keys_mask)
		;
	m->keys[i].key = key;
	m->keys[i].stack = stack;
	m->n_keys++;
	return 0;
}

static void mlk_stack__clear(struct mlk_stack *st)
{
	size_t i;

	for (i = 0; st->locs && i < st->n; i++)
		free(st->locs[i]);
	free(st->locs);
	free(st->names);
	free(st->joined);
	free(st->frames);
}

/* The stack with these frames (innermost first), added when new. Returns its index or -errno. */
static int stack_intern(struct memleak *m, const char **names, char **locs, size_t n)
{
	struct mlk_stack *st;
	size_t i, len = 1;
	char *joined, *p;
	__u64 h;

	for (i = 0; i < n; i++)
		len += strlen(names[i]) + 1;
	joined = malloc(len);
	if (!joined)
		return -ENOMEM;
	p = joined;
	*p = 0;
	for (i = 0; i < n; i++)
		p += sprintf(p, "%s%s", i ? ";" : "", names[i]);
	h = hash_str(joined);
	for (i = 0; i < m->n_stacks; i++) {
		if (m->stacks[i].hash == h && !strcmp(m->stacks[i].joined, joined)) {
			free(joined);
			return (int)i;
		}
	}
	if (m->n_stacks == m->cap_stacks) {
		size_t cap = m->cap_stacks ? m->cap_stacks * 2 : 64;
		struct mlk_stack *t = realloc(m->stacks, cap * sizeof(*t));

		if (!t) {
			free(joined);
			return -ENOMEM;
		}
		m->stacks = t;
		m->cap_stacks = cap;
	}
	st = &m->stacks[m->n_stacks];
	memset(st, 0, sizeof(*st));
	st->names = malloc((n ? n : 1) * sizeof(*st->names));
	st->locs = calloc(n ? n : 1, sizeof(*st->locs));
	if (!st->names || !st->locs) {
		free(st->names);
		free(st->locs);
		free(joined);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		st->names[i] = names[i];
		st->locs[i] = locs[i] ? strdup(locs[i]) : NULL;
	}
	st->n = n;
	st->joined = joined;
	st->hash = h;
	return (int)m->n_stacks++;
}

/* ---- captures: unwind, symbolize, remember key -> stack ---- */

/* Unwind and symbolize capture c of size bytes: the index of its stack, or a negative errno. */
static int resolve_capture(struct memleak *m, const struct stack_capture *c, size_t size)
{
	const struct stack_frames *fr = m->frames;
	const char **names = NULL;
	char **locs = NULL;
	char loc[512];
	size_t i, n = 0;
	int err;

	err = stacks__resolve(m->pipeline, c, size, m->frames);
	if (err)
		return err;
	names = calloc(fr->n + 1, sizeof(*names));
	locs = calloc(fr->n + 1, sizeof(*locs));
	if (!names || !locs) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (; n < fr->n; n++) {
		const struct stack_frame *f = &fr->f[n];

		names[n] = f->name;
		if (f->file && f->line) {
			const char *base = strrchr(f->file, '/');

			snprintf(loc, sizeof(loc), "%s:%d", base ? base + 1 : f->file, f->line);
			locs[n] = strdup(loc);
		}
	}
	/* Nothing unwound: an incomplete stack, not a stack of its own. */
	if (!n)
		names[n++] = "[incomplete]";
	err = stack_intern(m, names, locs, n);
	/* the frame records behind the names, for pprof (their strings live in the pipeline) */
	if (err >= 0 && fr->n && !m->stacks[err].frames) {
		m->stacks[err].frames = malloc(fr->n * sizeof(*fr->f));
		if (m->stacks[err].frames)
			memcpy(m->stacks[err].frames, fr->f, fr->n * sizeof(*fr->f));
	}
cleanup:
	for (i = 0; locs && i < n; i++)
		free(locs[i]);
	free(locs);
	free(names);
	return err;
}

#define MLK_AMBIGUOUS "[several callers: raise --key-window]"

/*
 * Key ks turned out to stand for two paths (its stack and stack other): from now on its
 * allocations show under the frames both share (innermost first), then MLK_AMBIGUOUS, rather
 * than under one of the paths.
 */
static void key_ambiguous(struct memleak *m, struct key_slot *ks, size_t other)
{
	const struct mlk_stack *a = &m->stacks[ks->stack], *b = &m->stacks[other];
	const char **names = NULL;
	char **locs = NULL;
	size_t n = 0;
	int id;

	names = calloc(a->n + 1, sizeof(*names));
	locs = calloc(a->n + 1, sizeof(*locs));
	if (!names || !locs)
		goto cleanup;
	while (n < a->n && n < b->n && strcmp(a->names[n], MLK_AMBIGUOUS) &&
	       !strcmp(a->names[n], b->names[n])) {
		names[n] = a->names[n];
		locs[n] = a->locs[n];
		n++;
	}
	names[n++] = MLK_AMBIGUOUS;
	id = stack_intern(m, names, locs, n);
	if (id < 0 || (__u32)id == ks->stack)
		goto cleanup;
	a = &m->stacks[ks->stack]; /* stack_intern may have moved the stacks */
	if (a->frames && !m->stacks[id].frames) {
		/* the frames both share, then the marker (pprof) */
		struct stack_frame *f = calloc(n, sizeof(*f));

		if (f) {
			memcpy(f, a->frames, (n - 1) * sizeof(*f));
			f[n - 1] = (struct stack_frame){.name = MLK_AMBIGUOUS,
							.function = MLK_AMBIGUOUS,
							.kind = SF_MARKER};
			m->stacks[id].frames = f;
		}
	}
	if (!m->collisions++)
		pr_warn("memleak: two call paths share a stack key (they differ only deeper than "
			"--key-window %u bytes): shown as %s\n",
			m->o->key_window, MLK_AMBIGUOUS);
	ks->stack = (__u32)id;
cleanup:
	free(names);
	free(locs);
}

/* Does the target's environment set PYTHONMALLOC=malloc (or malloc_debug)? A launched command
 * has rtprof's environment; a running process's is read from /proc (while it lives). */
static bool env_pythonmalloc(struct memleak *m)
{
	char path[64], *env = NULL;
	const char *v;
	size_t len = 0;
	bool found = false;
	FILE *f;

	if (session__launched(m->sess)) {
		v = getenv("PYTHONMALLOC");
		return v && !strncmp(v, "malloc", 6);
	}
	snprintf(path, sizeof(path), "/proc/%d/environ", m->pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (!found && getdelim(&env, &len, '\0', f) > 0)
		found = !strncmp(env, "PYTHONMALLOC=malloc", 19);
	free(env);
	fclose(f);
	return found;
}

/*
 * CPython serves objects up to 512 bytes from its own arenas (pymalloc), so malloc sees a few
 * arena allocations instead of the objects: say so once, when the target runs CPython without
 * PYTHONMALLOC=malloc (or malloc_debug).
 */
static void note_pymalloc(struct memleak *m)
{
	if (m->pymalloc_noted || !stacks__has_interp(m->pipeline, m->pid))
		return;
	m->pymalloc_noted = true;
	if (!m->pythonmalloc)
		pr_warn("memleak: python %d uses pymalloc for objects up to 512 bytes: only larger "
			"blocks and its arenas reach malloc; run it with PYTHONMALLOC=malloc to "
			"see "
			"every object\n",
			m->pid);
}

static int on_capture(void *ctx, void *data, size_t size)
{
	struct memleak *m = ctx;
	const struct stack_capture *c = data;
	struct key_slot *ks;
	int id;

	if (size < STACK_CAPTURE_HDR_SIZE || STACK_CAPTURE_HDR_SIZE + c->stack_len > size)
		return 0;
	ks = key_find(m, c->cookie);
	if (ks && !c->weight)
		return 0;
	id = resolve_capture(m, c, size);
	note_pymalloc(m);
	if (id < 0) {
		pr_warn("memleak: cannot resolve a stack: %s\n", err_str(id));
		return 0;
	}
	if (!ks) {
		id = key_insert(m, c->cookie, (__u32)id);
		if (id < 0)
			pr_warn("memleak: cannot keep a stack: %s\n", err_str(id));
		return 0;
	}
	/* A verification capture (weight 1): does the key still mean the same frames? */
	if ((__u32)id != ks->stack)
		key_ambiguous(m, ks, (size_t)id);
	return 0;
}

/* ---- target layout: allocator library, code ranges ---- */

static bool is_libc(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	return !strncmp(base, "libc.so", 7) || !strncmp(base, "libc-2.", 7);
}

/* Does the executable at path name libc.so.* among its DT_NEEDED libraries? True when unsure. */
static bool links_libc(const char *path)
{
	Elf_Scn *scn = NULL;
	Elf *elf = NULL;
	bool dynamic = false, libc = false;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF)
		libc = true;
	while (elf && !libc && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;
		GElf_Dyn dyn;
		size_t k, n;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNAMIC)
			continue;
		dynamic = true;
		data = elf_getdata(scn, NULL);
		n = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
		for (k = 0; data && k < n && !libc; k++) {
			const char *name;

			if (!gelf_getdyn(data, (int)k, &dyn) || dyn.d_tag != DT_NEEDED)
				continue;
			name = elf_strptr(elf, sh.sh_link, dyn.d_un.d_val);
			libc = name && !strncmp(name, "libc.so", 7);
		}
	}
	if (elf && elf_kind(elf) == ELF_K_ELF && !dynamic)
		libc = false; /* a static executable */
	elf_end(elf);
	close(fd);
	return libc;
}

/* Path through which to attach to the allocator library. */
static int find_lib(struct memleak *m, char *buf, size_t size)
{
	struct proc_maps *maps = NULL;
	struct stat st;
	size_t i;
	int err = 0;

	if (m->o->lib) {
		snprintf(buf, size, "%s", m->o->lib);
	} else if (session__launched(m->sess) && !links_libc(session__exe(m->sess))) {
		/* A static executable carries its allocator. */
		snprintf(buf, size, "%s", session__exe(m->sess));
		pr_info("memleak: %s does not load libc.so: probing its own allocator\n", buf);
	} else if (session__launched(m->sess)) {
		/* Not mapped yet: the standard path (what the dynamic loader will map). */
		snprintf(buf, size, "%s", MLK_DEFAULT_LIBC);
	} else {
		maps = proc_maps__read(m->pid);
		if (!maps) {
			err = -errno;
			goto cleanup;
		}
		err = -ENOENT;
		for (i = 0; i < maps->n; i++) {
			if (maps->maps[i].path && proc_map__is_file(&maps->maps[i]) &&
			    is_libc(maps->maps[i].path)) {
				err = proc_map__open_path(maps, &maps->maps[i], buf, size);
				break;
			}
		}
		if (err == -ENOENT)
			pr_warn("memleak -p %d: the process maps no libc; give the allocator with "
				"--lib PATH\n",
				m->pid);
		if (err)
			goto cleanup;
	}
	if (stat(buf, &st)) {
		err = -errno;
		pr_warn("memleak: %s: %s\n", buf, err_str(err));
		goto cleanup;
	}
	m->lib_dev = st.st_dev;
	m->lib_ino = st.st_ino;
cleanup:
	proc_maps__free(maps);
	return err;
}

/*
 * Give BPF the target's executable file mappings (code, stacks/stack_keys.h) and the allocator's
 * own code. Returns 1 when the allocator library is mapped, 0 when not (yet), or a negative errno.
 */
static int update_ranges(struct memleak *m)
{
	struct proc_maps *maps;
	struct memleak_bpf__bss *bss = m->skel->bss;
	__u64 lib_lo = 0, lib_hi = 0;
	size_t i, n, execs;
	int found = 0;

	maps = proc_maps__read(m->pid);
	if (!maps)
		return -errno;
	for (i = 0; i < maps->n; i++) {
		const struct proc_map *pm = &maps->maps[i];

		if (pm->perms[2] != 'x' || !proc_map__is_file(pm) || pm->inode != m->lib_ino)
			continue;
		if (!lib_lo || pm->start < lib_lo)
			lib_lo = pm->start;
		if (pm->end > lib_hi)
			lib_hi = pm->end;
		found = 1;
	}
	execs = stack_key_ranges__count(maps);
	if (execs == m->n_maps_seen && found) {
		proc_maps__free(maps);
		return found;
	}
	m->n_maps_seen = execs;
	n = stack_key_ranges__set(&bss->stack_key_ranges, maps);
	proc_maps__free(maps);
	bss->alloc_lib_lo = lib_lo;
	bss->alloc_lib_hi = lib_hi;
	pr_debug("memleak: %zu code ranges, allocator at 0x%llx-0x%llx\n", n,
		 (unsigned long long)lib_lo, (unsigned long long)lib_hi);
	return found;
}

/* ---- attaching ---- */

struct probe_def {
	const char *name;
	bool required;
	struct bpf_program *entry, *ret; /* ret NULL: no return probe */
};

/*
 * Addresses of the probed functions in lib (0 when absent), from its symbol tables. Aliases
 * (glibc's aligned_alloc is memalign) must be probed once: two entry probes at one address
 * would look like a nested call.
 */
static void symbol_addrs(const char *lib, const struct probe_def *defs, __u64 *addrs)
{
	Elf_Scn *scn = NULL;
	Elf *elf = NULL;
	int fd, i;

	memset(addrs, 0, MLK_FN_COUNT * sizeof(*addrs));
	fd = open(lib, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	while (elf && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;
		size_t k, n;

		if (!gelf_getshdr(scn, &sh) ||
		    (sh.sh_type != SHT_DYNSYM && sh.sh_type != SHT_SYMTAB))
			continue;
		data = elf_getdata(scn, NULL);
		n = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
		for (k = 0; data && k < n; k++) {
			GElf_Sym sym;
			const char *name;

			if (!gelf_getsym(data, (int)k, &sym) || !sym.st_value ||
			    (GELF_ST_TYPE(sym.st_info) != STT_FUNC &&
			     GELF_ST_TYPE(sym.st_info) != STT_GNU_IFUNC))
				continue;
			name = elf_strptr(elf, sh.sh_link, sym.st_name);
			for (i = 0; name && i < MLK_FN_COUNT; i++)
				if (!addrs[i] && !strcmp(name, defs[i].name))
					addrs[i] = sym.st_value;
		}
	}
	elf_end(elf);
	close(fd);
}

/* Functions whose entry releases a block (attached before the others). */
static bool releases(int fn)
{
	return fn == MLK_FN_FREE || fn == MLK_FN_MUNMAP || fn == MLK_FN_REALLOC ||
	       fn == MLK_FN_REALLOCARRAY || fn == MLK_FN_MREMAP;
}

static int attach_all(struct memleak *m, const char *lib)
{
	struct memleak_bpf *sk = m->skel;
	struct probe_def defs[MLK_FN_COUNT] = {
		[MLK_FN_MALLOC] = {"malloc", true, sk->progs.malloc_entry, sk->progs.malloc_return},
		[MLK_FN_CALLOC] = {"calloc", false, sk->progs.calloc_entry,
				   sk->progs.calloc_return},
		[MLK_FN_REALLOC] = {"realloc", false, sk->progs.realloc_entry,
				    sk->progs.realloc_return_},
		[MLK_FN_REALLOCARRAY] = {"reallocarray", false, sk->progs.reallocarray_entry,
					 sk->progs.reallocarray_return},
		[MLK_FN_POSIX_MEMALIGN] = {"posix_memalign", false, sk->progs.posix_memalign_entry,
					   sk->progs.posix_memalign_return},
		[MLK_FN_ALIGNED_ALLOC] = {"aligned_alloc", false, sk->progs.aligned_alloc_entry,
					  sk->progs.aligned_alloc_return},
		[MLK_FN_MEMALIGN] = {"memalign", false, sk->progs.memalign_entry,
				     sk->progs.memalign_return},
		[MLK_FN_VALLOC] = {"valloc", false, sk->progs.valloc_entry,
				   sk->progs.valloc_return},
		[MLK_FN_PVALLOC] = {"pvalloc", false, sk->progs.pvalloc_entry,
				    sk->progs.pvalloc_return},
		[MLK_FN_FREE] = {"free", true, sk->progs.free_entry, NULL},
		[MLK_FN_MMAP] = {"mmap", false, sk->progs.mmap_entry, sk->progs.mmap_return},
		[MLK_FN_MUNMAP] = {"munmap", false, sk->progs.munmap_entry, NULL},
		[MLK_FN_MREMAP] = {"mremap", false, sk->progs.mremap_entry,
				   sk->progs.mremap_return},
	};
	bool entry_ok[MLK_FN_COUNT] = {}, ret_ok[MLK_FN_COUNT] = {}, alias[MLK_FN_COUNT] = {};
	__u64 addrs[MLK_FN_COUNT];
	struct bpf_link *link;
	int pass, i, j, err, attached = 0;

	symbol_addrs(lib, defs, addrs);
	for (i = 0; i < MLK_FN_COUNT; i++) {
		for (j = 0; addrs[i] && j < i; j++) {
			if (addrs[j] == addrs[i]) {
				alias[i] = true;
				pr_debug("memleak: %s is %s in %s: probed once\n", defs[i].name,
					 defs[j].name, lib);
				break;
			}
		}
	}

	/*
	 * Order matters on a busy process. Return probes first: an entry is then never seen
	 * without its return. Then the entries of the functions that release a block (free,
	 * munmap, realloc, reallocarray, mremap): a block recorded after that has its release seen
	 * too; one recorded while free was not yet probed could be freed unseen and stay in the
	 * table for ever. The other allocating functions last.
	 */
	for (pass = 0; pass < 3; pass++) {
		for (i = 0; i < MLK_FN_COUNT; i++) {
			const struct probe_def *d = &defs[i];
			bool ret = pass == 0;
			struct bpf_program *prog = ret ? d->ret : d->entry;
			LIBBPF_OPTS(bpf_uprobe_opts, uo, .func_name = d->name, .retprobe = ret);

			if (!prog || alias[i] || (!ret && d->ret && !ret_ok[i]))
				continue;
			if (pass > 0 && (pass == 1) != releases(i))
				continue;
			if (m->o->bare)
				prog = ret ? sk->progs.bare_return : sk->progs.bare_entry;
			link = bpf_program__attach_uprobe_opts(prog, m->pid, lib, 0, &uo);
			if (!link) {
				err = -errno;
				if (d->required) {
					pr_warn("memleak: %s: cannot attach %s%s: %s\n", lib,
						d->name, ret ? " (return)" : "", err_str(err));
					return err == -ENOENT || err == -ESRCH ? -ERR_NOPROBES
									       : err;
				}
				pr_info("memleak: %s: no %s%s (%s), not traced\n", lib, d->name,
					ret ? " return" : "", err_str(err));
				continue;
			}
			m->links[m->n_links++] = link; /* destroyed by memleak__free() */
			if (ret) {
				ret_ok[i] = true;
			} else {
				entry_ok[i] = true;
				attached++;
			}
		}
	}
	if (!entry_ok[MLK_FN_MALLOC] || !entry_ok[MLK_FN_FREE]) {
		pr_warn("memleak: %s: malloc and free must both be probed\n", lib);
		return -ERR_NOPROBES;
	}
	pr_info("memleak: %d allocator functions probed in %s\n", attached, lib);
	return 0;
}

/* ---- reports ---- */

static __u64 counter(struct memleak *m, enum memleak_counter idx)
{
	int ncpu = libbpf_num_possible_cpus(), i;
	__u32 key = idx;
	__u64 sum = 0, *v;

	if (ncpu <= 0)
		return 0;
	v = calloc(ncpu, sizeof(*v));
	if (!v)
		return 0;
	if (!bpf_map_lookup_elem(bpf_map__fd(m->skel->maps.counters), &key, v))
		for (i = 0; i < ncpu; i++)
			sum += v[i];
	free(v);
	return sum;
}

static int unknown_stack(struct memleak *m)
{
	const char *name = "[unknown stack]";
	char *loc = NULL;

	return stack_intern(m, &name, &loc, 1);
}

static void account(struct memleak *m, __u64 now, const struct memleak_alloc *a)
{
	__u64 n = m->o->sample_bytes, age = now > a->ts_ns ? now - a->ts_ns : 0;
	struct key_slot *ks = key_find(m, a->stack_key);
	struct mlk_stack *st;
	int id;

	if (age < (__u64)(m->o->min_age_s * 1e9))
		return;
	id = ks ? (int)ks->stack : unknown_stack(m);
	if (id < 0)
		return;
	st = &m->stacks[id];
	/* Sampled with probability size/n: each sample stands for n bytes, n/size blocks. */
	if (n && a->size && a->size < n) {
		st->bytes += (double)n;
		st->count += (double)n / (double)a->size;
	} else {
		st->bytes += (double)a->size;
		st->count += 1;
	}
	if (!st->oldest_ns || a->ts_ns < st->oldest_ns)
		st->oldest_ns = a->ts_ns;
}

/* Read the table of outstanding allocations and sum it per stack. */
static int collect(struct memleak *m, __u64 now)
{
	int fd = bpf_map__fd(m->skel->maps.allocs), err = 0;
	__u64 *keys = NULL, in_batch = 0, out_batch = 0, key, next;
	struct memleak_alloc *vals = NULL, a;
	bool first = true;
	size_t i;

	for (i = 0; i < m->n_stacks; i++) {
		m->stacks[i].bytes = m->stacks[i].count = 0;
		m->stacks[i].oldest_ns = 0;
	}
	keys = malloc(MLK_BATCH * sizeof(*keys));
	vals = malloc(MLK_BATCH * sizeof(*vals));
	if (!keys || !vals) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (;;) {
		__u32 cnt = MLK_BATCH;

		err = bpf_map_lookup_batch(fd, first ? NULL : &in_batch, &out_batch, keys, vals,
					   &cnt, NULL);
		if (err && err != -ENOENT)
			break;
		for (i = 0; i < cnt; i++)
			account(m, now, &vals[i]);
		if (err == -ENOENT) {
			err = 0;
			goto cleanup;
		}
		in_batch = out_batch;
		first = false;
	}
	if (!first) /* failed half way: the entries already read are counted */
		goto cleanup;
	/* No batch operations: one entry at a time. */
	pr_debug("memleak: batch lookup: %s; reading entries one by one\n", err_str(err));
	err = 0;
	for (err = bpf_map_get_next_key(fd, NULL, &key); !err;
	     err = bpf_map_get_next_key(fd, &key, &next), key = next)
		if (!bpf_map_lookup_elem(fd, &key, &a))
			account(m, now, &a);
	err = 0;
cleanup:
	free(keys);
	free(vals);
	return err;
}

static int cmp_stack_bytes(const void *a, const void *b, void *arg)
{
	const struct mlk_stack *s = arg;
	const struct mlk_stack *x = &s[*(const size_t *)a], *y = &s[*(const size_t *)b];

	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->joined, y->joined);
}

static void print_text(struct memleak *m, const size_t *order, size_t n, double bytes, double count,
		       __u64 now, bool final)
{
	const struct memleak_opts *o = m->o;
	size_t i, k, top = o->top > 0 && (size_t)o->top < n ? (size_t)o->top : n;

	fprintf(m->rep,
		"%s pid %d after %.1f s: %.0f bytes in %.0f allocations outstanding, %zu "
		"stacks%s\n",
		final ? "memleak (final)" : "memleak", m->pid, (now - m->start_ns) / 1e9, bytes,
		count, n, o->sample_bytes ? " (sampled, scaled up)" : "");
	for (i = 0; i < top; i++) {
		const struct mlk_stack *st = &m->stacks[order[i]];

		fprintf(m->rep, "\n%.0f bytes in %.0f allocations, oldest %.1f s\n", st->bytes,
			st->count, (now - st->oldest_ns) / 1e9);
		for (k = 0; k < st->n; k++) {
			if (st->locs[k])
				fprintf(m->rep, "\t%s (%s)\n", st->names[k], st->locs[k]);
			else
				fprintf(m->rep, "\t%s\n", st->names[k]);
		}
	}
	if (top < n)
		fprintf(m->rep, "\n... %zu more stacks (--top 0 shows all)\n", n - top);
	fprintf(m->rep, "\n");
	fflush(m->rep);
}

static void print_json(struct memleak *m, const size_t *order, size_t n, double bytes, double count,
		       __u64 now, bool final)
{
	size_t i, k;

	fprintf(m->rep,
		"{\"pid\":%d,\"final\":%s,\"elapsed_s\":%.3f,\"sample_bytes\":%llu,\"bytes\":%.0f,"
		"\"count\":%.0f,\"untracked_frees\":%llu,\"table_full\":%llu,\"stacks_lost\":%llu,"
		"\"key_collisions\":%llu,"
		"\"stacks\":[",
		m->pid, final ? "true" : "false", (now - m->start_ns) / 1e9,
		(unsigned long long)m->o->sample_bytes, bytes, count,
		(unsigned long long)counter(m, MLK_C_FREE_UNTRACKED),
		(unsigned long long)counter(m, MLK_C_TABLE_FULL),
		(unsigned long long)(counter(m, MLK_C_STACK_LOST) + counter(m, MLK_C_STACKS_FULL)),
		(unsigned long long)m->collisions);
	for (i = 0; i < n; i++) {
		const struct mlk_stack *st = &m->stacks[order[i]];

		fprintf(m->rep,
			"%s{\"bytes\":%.0f,\"count\":%.0f,\"oldest_age_s\":%.3f,\"stack\":[",
			i ? "," : "", st->bytes, st->count, (now - st->oldest_ns) / 1e9);
		for (k = 0; k < st->n; k++) {
			if (k)
				fputc(',', m->rep);
			json_str(m->rep, st->names[k]);
		}
		fprintf(m->rep, "]}");
	}
	fprintf(m->rep, "]");
	if (final)
		session__json_end(m->sess, m->rep);
	fprintf(m->rep, "}\n");
	fflush(m->rep);
}

/* The final report as pprof: inuse_objects and inuse_space per stack, the frames of each stack's
 * first capture (names alone for the stacks made of markers). */
static int write_pprof(struct memleak *m, const size_t *order, size_t n, FILE *f)
{
	static const struct pprof_value_type types[] = {{"inuse_objects", "count"},
							{"inuse_space", "bytes"}};
	__u64 now = now_ns(), elapsed = now - m->start_ns;
	struct timespec wall;
	struct pprof_opts po = {
		.sample_types = types,
		.n_sample_types = 2,
		.period_type = {"space", "bytes"},
		.period = m->o->sample_bytes ? (int64_t)m->o->sample_bytes : 1,
		.default_sample_type = "inuse_space",
		.duration_nanos = (int64_t)elapsed,
		.comment = "rtprof memleak " RTPROF_VERSION,
	};
	const struct stack_frame **ptrs = NULL;
	struct stack_frame *tmp = NULL;
	struct pprof_writer *w;
	size_t i, k, max = 1;
	int err = 0;

	clock_gettime(CLOCK_REALTIME, &wall);
	po.time_nanos = (int64_t)wall.tv_sec * 1000000000 + wall.tv_nsec - (int64_t)elapsed;
	w = stacks__pprof_writer(m->pipeline, &po);
	if (!w)
		return -errno;
	for (i = 0; i < n; i++)
		if (m->stacks[order[i]].n > max)
			max = m->stacks[order[i]].n;
	ptrs = calloc(max, sizeof(*ptrs));
	tmp = calloc(max, sizeof(*tmp));
	if (!ptrs || !tmp) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (i = 0; i < n && !err; i++) {
		const struct mlk_stack *st = &m->stacks[order[i]];
		int64_t values[2] = {llround(st->count), llround(st->bytes)};

		for (k = 0; k < st->n; k++) {
			if (st->frames) {
				ptrs[k] = &st->frames[k];
				continue;
			}
			tmp[k] = (struct stack_frame){.name = st->names[k],
						      .function = st->names[k],
						      .kind = st->names[k][0] == '[' ? SF_MARKER
										     : SF_NATIVE};
			ptrs[k] = &tmp[k];
		}
		err = stacks__pprof_sample(w, ptrs, st->n, false, values, NULL, 0);
	}
	if (!err)
		err = pprof_writer__write(w, f);
cleanup:
	pprof_writer__free(w);
	free(ptrs);
	free(tmp);
	return err;
}

static int write_graph(struct memleak *m, const struct stack_tree *tree, const size_t *order,
		       size_t n, const struct output *out)
{
	struct flamegraph_opts fo;
	const char *base;
	FILE *f;
	int err = 0;

	f = fopen(out->path, "we");
	if (!f) {
		err = -errno;
		pr_warn("memleak: cannot write %s: %s\n", out->path, err_str(err));
		return err;
	}
	switch (out->format) {
	case OUTPUT_FOLDED:
		err = stack_tree__write_folded(tree, f);
		break;
	case OUTPUT_SVG:
		flamegraph_opts__init(&fo);
		fo.title = "Outstanding allocations";
		fo.countname = "bytes";
		fo.colors = "mem";
		if (!flamegraph_palette_ok(fo.colors))
			fo.colors = "hot";
		if (stack_tree__total(tree, STACK_COL_AFTER) > 0)
			err = flamegraph__write_svg(tree, &fo, f);
		else
			fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"600\" "
				   "height=\"40\"><text x=\"10\" y=\"24\">no outstanding "
				   "allocations</text></svg>\n");
		break;
	case OUTPUT_PPROF:
		err = write_pprof(m, order, n, f);
		break;
	case OUTPUT_SPEEDSCOPE:
		base = strrchr(out->path, '/');
		err = stack_tree__write_speedscope(tree, base ? base + 1 : out->path, "bytes", f);
		break;
	default:
		err = -EINVAL;
	}
	if (fclose(f) && !err)
		err = -errno;
	if (err)
		pr_warn("memleak: cannot write %s: %s\n", out->path, err_str(err));
	return err;
}

static int write_graphs(struct memleak *m, const size_t *order, size_t n)
{
	const char *frames[STACK_FRAMES_MAX];
	struct stack_tree *tree = stack_tree__new();
	size_t i, k;
	int err = 0;

	if (!tree)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		const struct mlk_stack *st = &m->stacks[order[i]];

		for (k = 0; k < st->n && k < sizeof(frames) / sizeof(frames[0]); k++)
			frames[k] = st->names[st->n - 1 - k]; /* root first */
		err = stack_tree__add(tree, frames, k, round(st->bytes));
		if (err)
			goto cleanup;
	}
	for (i = 0; i < m->o->outs.n && !err; i++)
		err = write_graph(m, tree, order, n, &m->o->outs.v[i]);
cleanup:
	stack_tree__free(tree);
	return err;
}

static int report(struct memleak *m, bool final)
{
	__u64 now = now_ns();
	double bytes = 0, count = 0;
	size_t *order = NULL, i, n = 0;
	int err;

	/* Stacks still in the ring buffer first: their allocations are in the table. */
	if (final)
		capture_queue__stop(m->captures);
	else
		capture_queue__sync(m->captures);
	capture_queue__run(m->captures, on_capture, m, 0);
	err = collect(m, now);
	if (err) {
		pr_warn("memleak: cannot read the allocation table: %s\n", err_str(err));
		return err;
	}
	order = malloc((m->n_stacks + 1) * sizeof(*order));
	if (!order)
		return -ENOMEM;
	for (i = 0; i < m->n_stacks; i++) {
		if (m->stacks[i].count <= 0)
			continue;
		order[n++] = i;
		bytes += m->stacks[i].bytes;
		count += m->stacks[i].count;
	}
	qsort_r(order, n, sizeof(*order), cmp_stack_bytes, m->stacks);
	if (m->o->json)
		print_json(m, order, n, bytes, count, now, final);
	else if (!final || !m->o->outs.n || m->o->top)
		print_text(m, order, n, bytes, count, now, final);
	if (final && m->o->outs.n)
		err = write_graphs(m, order, n);
	free(order);
	m->reports++;
	return err;
}

/* With kernel.bpf_stats_enabled=1: time spent in each program (for bench/memleak.sh). */
static void print_prog_stats(struct memleak *m)
{
	struct bpf_program *prog;

	if (log_get_level() < LOG_DEBUG)
		return;
	bpf_object__for_each_program(prog, m->skel->obj)
	{
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len) || !info.run_cnt)
			continue;
		pr_debug("memleak: bpf %s: %llu runs, %llu ns\n", bpf_program__name(prog),
			 (unsigned long long)info.run_cnt, (unsigned long long)info.run_time_ns);
	}
}

static void print_counters(struct memleak *m)
{
	__u64 full = counter(m, MLK_C_TABLE_FULL), lost = counter(m, MLK_C_STACK_LOST),
	      sfull = counter(m, MLK_C_STACKS_FULL);

	pr_info("memleak: %llu allocations and %llu frees tracked, %llu frees of untracked blocks "
		"(allocated before rtprof attached%s), %llu stacks captured, %llu "
		"allocator-internal "
		"calls ignored\n",
		(unsigned long long)counter(m, MLK_C_ALLOCS),
		(unsigned long long)counter(m, MLK_C_FREES),
		(unsigned long long)counter(m, MLK_C_FREE_UNTRACKED),
		m->o->sample_bytes ? ", or not sampled" : "",
		(unsigned long long)counter(m, MLK_C_NEW_STACKS),
		(unsigned long long)counter(m, MLK_C_NESTED));
	pr_debug("memleak: %llu munmap calls on untracked ranges, %llu allocations not sampled\n",
		 (unsigned long long)counter(m, MLK_C_UNMAP_UNTRACKED),
		 (unsigned long long)counter(m, MLK_C_SAMPLED_OUT));
	if (full)
		pr_warn("memleak: the allocation table was full %llu times: those allocations are "
			"missing (raise --max-allocs, now %u)\n",
			(unsigned long long)full, m->o->max_allocs);
	if (lost || sfull)
		pr_warn("memleak: %llu stacks could not be captured (ring buffer or --max-stacks "
			"full): their allocations show as [unknown stack]\n",
			(unsigned long long)(lost + sfull));
}

/* ---- the command ---- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: rtprof memleak (-p PID | -- CMD ARGS...) [-d SECONDS] [-i SECONDS] [--top "
		"N]\n"
		"                      [--min-age SECONDS] [--json] [--folded FILE] [--svg FILE]\n"
		"                      [--pprof FILE] [-o FILE]\n"
		"                      [--sample-bytes N] [--lib PATH]\n"
		"\n"
		"Outstanding allocations (allocated, not yet freed) by allocation stack: bytes, "
		"count\n"
		"and age of the oldest. Stacks are complete without frame pointers (CFI "
		"unwinding).\n"
		"A report every -i SECONDS and a final one when the target exits or on Ctrl-C.\n"
		"\n"
		"  -p, --pid PID          attach to a running process (its earlier allocations "
		"are\n"
		"                         not known and never reported; their frees are counted)\n"
		"  -- CMD ARGS...         launch CMD, traced from its first instruction\n"
		"  -d, --duration SECS    stop after SECS, with the final report (default: Ctrl-C\n"
		"                         or the target's end)\n"
		"  -i, --interval SECS    print the top stacks every SECS seconds\n"
		"  -n, --top N            stacks per text report (default 10, 0: all)\n"
		"      --min-age SECS     only allocations at least SECS seconds old\n"
		"      --json             each report as one JSON line: per stack bytes, count,\n"
		"                         oldest_age_s and stack (frames innermost first)\n"
		"      --folded FILE      final report as folded stacks, bytes as the count\n"
		"      --svg FILE         final report as a flame graph of outstanding bytes\n"
		"      --pprof FILE       final report as a pprof profile (inuse_objects/count,\n"
		"                         inuse_space/bytes)\n"
		"  -o, --output FILE      final report in the format of FILE's extension: "
		".folded,\n"
		"                         .svg, .pb.gz, .speedscope.json (repeatable); reports\n"
		"                         then go to stderr, nothing to stdout. -o -: reports\n"
		"                         to stdout (default: stdout with -p, stderr with --)\n"
		"  -s, --sample-bytes N   sample allocations with probability size/N (decided in\n"
		"                         BPF); bytes and counts are scaled back up\n"
		"      --lib PATH         allocator to probe (default: the libc the target maps);\n"
		"                         jemalloc, tcmalloc, or a static executable\n"
		"      --max-allocs N     outstanding allocations tracked at once (default "
		"524288)\n"
		"      --max-stacks N     distinct stack keys (default 65536)\n"
		"      --key-window BYTES stack bytes hashed into an allocation's stack key "
		"(64..2048,\n"
		"                         default 1024): paths that differ only deeper share a "
		"key\n"
		"      --verify-keys N    re-capture a known stack key 1 time in N (default 1024,\n"
		"                         0: never) and warn when it stands for two paths\n"
		"      --lines            Python frames with their line: \"f (app.py:12)\"\n"
		"      --native-only      no Python frames: the interpreter's C functions instead\n"
		"      --bare             benchmark floor: the same probes, doing nothing\n"
		"  -v, --verbose          debug output\n"
		"  -h, --help             this help\n"
		"\n"
		"examples:\n"
		"  rtprof memleak -p $(pgrep -n myserver) -i 10 --min-age 30\n"
		"  rtprof memleak --svg leaks.svg -- ./myprog --input big.txt\n"
		"  rtprof memleak -p 1234 --sample-bytes 65536 --json   # cheap, for production\n"
		"  rtprof memleak --lib /usr/lib/x86_64-linux-gnu/libjemalloc.so.2 -p 1234\n"
		"  PYTHONMALLOC=malloc rtprof memleak -- python3 app.py\n");
}

static int parse_u32(const char *opt, const char *arg, __u32 *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || *end || !v || v > UINT32_MAX) {
		fprintf(stderr, "rtprof memleak: invalid %s '%s'\n", opt, arg);
		return -ERR_USAGE;
	}
	*out = (__u32)v;
	return 0;
}

static int parse_secs(const char *opt, const char *arg, double *out)
{
	char *end;

	*out = strtod(arg, &end);
	if (*end || *out < 0 || *arg == 0) {
		fprintf(stderr, "rtprof memleak: invalid %s '%s'\n", opt, arg);
		return -ERR_USAGE;
	}
	return 0;
}

static int parse_opts(int argc, char **argv, struct memleak_opts *o)
{
	enum {
		OPT_MIN_AGE = 256,
		OPT_JSON,
		OPT_FOLDED,
		OPT_SVG,
		OPT_PPROF,
		OPT_LIB,
		OPT_MAX_ALLOCS,
		OPT_MAX_STACKS,
		OPT_BARE,
		OPT_KEY_WINDOW,
		OPT_VERIFY_KEYS,
		OPT_LINES,
		OPT_NATIVE_ONLY,
	};
	static const struct option longopts[] = {
		{"pid", required_argument, NULL, 'p'},
		{"interval", required_argument, NULL, 'i'},
		{"duration", required_argument, NULL, 'd'},
		{"top", required_argument, NULL, 'n'},
		{"min-age", required_argument, NULL, OPT_MIN_AGE},
		{"json", no_argument, NULL, OPT_JSON},
		{"folded", required_argument, NULL, OPT_FOLDED},
		{"svg", required_argument, NULL, OPT_SVG},
		{"pprof", required_argument, NULL, OPT_PPROF},
		{"output", required_argument, NULL, 'o'},
		{"sample-bytes", required_argument, NULL, 's'},
		{"lib", required_argument, NULL, OPT_LIB},
		{"max-allocs", required_argument, NULL, OPT_MAX_ALLOCS},
		{"max-stacks", required_argument, NULL, OPT_MAX_STACKS},
		{"bare", no_argument, NULL, OPT_BARE},
		{"key-window", required_argument, NULL, OPT_KEY_WINDOW},
		{"verify-keys", required_argument, NULL, OPT_VERIFY_KEYS},
		{"lines", no_argument, NULL, OPT_LINES},
		{"native-only", no_argument, NULL, OPT_NATIVE_ONLY},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	struct opts_common co = {"memleak", &o->target, &o->duration_s, usage};
	__u32 v;
	char *end;
	int c, err = 0;

	o->top = 10;
	o->max_allocs = 1 << 19;
	o->max_stacks = 1 << 16;
	o->key_window = STACK_KEY_WINDOW_DEFAULT;
	o->verify_keys = 1024;
	while (!err && (c = getopt_long(argc, argv, "+p:d:i:n:s:o:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			err = parse_secs("-i", optarg, &o->interval_s);
			if (!err && o->interval_s <= 0)
				err = parse_secs("-i", "", &o->interval_s);
			break;
		case 'n':
			o->top = (int)strtol(optarg, &end, 10);
			if (*end || o->top < 0) {
				fprintf(stderr, "rtprof memleak: invalid --top '%s'\n", optarg);
				err = -ERR_USAGE;
			}
			break;
		case OPT_MIN_AGE:
			err = parse_secs("--min-age", optarg, &o->min_age_s);
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_FOLDED:
		case OPT_SVG:
		case OPT_PPROF:
		case 'o':
			if (c == 'o' && !strcmp(optarg, "-")) {
				o->to_stdout = true;
				break;
			}
			err = outputs__add(&o->outs,
					   c == OPT_FOLDED  ? OUTPUT_FOLDED
					   : c == OPT_SVG   ? OUTPUT_SVG
					   : c == OPT_PPROF ? OUTPUT_PPROF
							    : OUTPUT_UNKNOWN,
					   optarg);
			if (err) {
				fprintf(stderr, "rtprof memleak: %s %s: %s\n",
					c == 'o' ? "-o" : "output", optarg,
					err == -EINVAL
						? "unknown extension (one of " OUTPUT_EXTENSIONS ")"
						: "too many outputs");
				err = -ERR_USAGE;
			}
			o->to_files |= c == 'o';
			break;
		case 's':
			err = parse_u32("--sample-bytes", optarg, &v);
			o->sample_bytes = v;
			break;
		case OPT_LIB:
			o->lib = optarg;
			break;
		case OPT_MAX_ALLOCS:
			err = parse_u32("--max-allocs", optarg, &o->max_allocs);
			break;
		case OPT_MAX_STACKS:
			err = parse_u32("--max-stacks", optarg, &o->max_stacks);
			break;
		case OPT_BARE:
			o->bare = true;
			break;
		case OPT_LINES:
			o->lines = true;
			break;
		case OPT_NATIVE_ONLY:
			o->native_only = true;
			break;
		case OPT_VERIFY_KEYS:
			o->verify_keys = (__u32)strtoul(optarg, &end, 10);
			if (*end || !*optarg) {
				fprintf(stderr, "rtprof memleak: invalid --verify-keys '%s'\n",
					optarg);
				err = -ERR_USAGE;
			}
			break;
		case OPT_KEY_WINDOW:
			err = parse_u32("--key-window", optarg, &o->key_window);
			if (!err && (o->key_window < 64 || o->key_window > STACK_KEY_WINDOW ||
				     (o->key_window & (o->key_window - 1)))) {
				fprintf(stderr,
					"rtprof memleak: --key-window: a power of two from 64 "
					"to %d\n",
					STACK_KEY_WINDOW);
				err = -ERR_USAGE;
			}
			break;
		default:
			err = opts_common__handle(&co, c, optarg);
		}
	}
	if (err)
		return err;
	return opts_common__finish(&co, argc, argv, optind);
}

static void memleak__free(struct memleak *m)
{
	size_t i;

	for (i = 0; i < m->n_links; i++)
		bpf_link__destroy(m->links[i]);
	capture_queue__free(m->captures); /* its reader uses the pipeline */
	memleak_bpf__destroy(m->skel);
	for (i = 0; i < m->n_stacks; i++)
		mlk_stack__clear(&m->stacks[i]);
	free(m->stacks);
	free(m->keys);
	/* Frame names belong to the pipeline: free it last. */
	stacks__free(m->pipeline);
	free(m->frames);
	session__free(m->sess);
}

static int open_and_load(struct memleak *m)
{
	const struct memleak_opts *o = m->o;
	struct memleak_bpf *sk;
	int ncpu = libbpf_num_possible_cpus(), err;

	sk = memleak_bpf__open();
	if (!sk)
		return -errno;
	m->skel = sk;
	sk->rodata->target_tgid = m->pid;
	sk->rodata->sample_bytes = o->bare ? 0 : o->sample_bytes;
	sk->rodata->key_window = o->key_window;
	sk->rodata->alloc_lib_ino = m->lib_ino;
	sk->rodata->verify_keys = o->verify_keys;
	bpf_map__set_max_entries(sk->maps.allocs, o->max_allocs);
	bpf_map__set_max_entries(sk->maps.stack_keys, o->max_stacks);
	bpf_map__set_max_entries(sk->maps.stack_capture_scratch, ncpu > 0 ? ncpu : 1);
	err = memleak_bpf__load(sk);
	if (err) {
		pr_warn("memleak: cannot load the BPF programs: %s\n", err_str(err));
		return err;
	}
	return 0;
}

/* A launched command maps its libraries right after exec: wait (briefly) until the allocator is
 * there, so the stack keys know the code ranges from the start. */
static void wait_for_lib(struct memleak *m)
{
	int i;

	for (i = 0; i < 2000 && session__alive(m->sess); i++) {
		if (update_ranges(m) == 1)
			return;
		usleep(500);
	}
	pr_debug("memleak: the allocator library is not mapped yet\n");
}

static int run(struct memleak *m)
{
	const struct memleak_opts *o = m->o;
	__u64 next_report, next_refresh, now, end_ns = UINT64_MAX;
	int err;

	m->start_ns = now_ns();
	if (o->duration_s > 0)
		end_ns = m->start_ns + (__u64)(o->duration_s * 1e9);
	next_report = m->start_ns + (__u64)(o->interval_s * 1e9);
	next_refresh = m->start_ns + MLK_REFRESH_NS;
	while (!signals_stop_requested()) {
		err = capture_queue__run(m->captures, on_capture, m, MLK_POLL_MS);
		if (err < 0 && err != -EINTR) {
			pr_warn("memleak: ring buffer: %s\n", err_str(err));
			return err;
		}
		if (!session__alive(m->sess))
			break;
		now = now_ns();
		if (now >= end_ns)
			break;
		if (now >= next_refresh) {
			update_ranges(m);
			next_refresh = now + MLK_REFRESH_NS;
		}
		if (o->interval_s > 0 && now >= next_report) {
			report(m, false);
			next_report = now + (__u64)(o->interval_s * 1e9);
		}
	}
	return 0;
}

int cmd_memleak(int argc, char **argv)
{
	struct memleak_opts o = {};
	struct stacks_opts so;
	struct memleak m = {};
	char lib[4096];
	int err;

	err = parse_opts(argc, argv, &o);
	if (err)
		return err > 0 ? 0 : err;
	m.o = &o;
	/* the one rule of -o (lib/opts.h): a launched command's stdout is its own */
	m.rep = o.to_stdout ? stdout : o.to_files || o.target.argv ? stderr : stdout;
	signals_install();
	log_hook_libbpf();
	err = outputs__check(&o.outs, "memleak");
	if (err)
		goto cleanup;
	m.sess = session__new(&o.target);
	if (!m.sess) {
		err = -errno;
		goto cleanup;
	}
	m.pid = session__pid(m.sess);
	err = find_lib(&m, lib, sizeof(lib));
	if (err)
		goto cleanup;
	err = open_and_load(&m);
	if (err)
		goto cleanup;
	if (!session__launched(m.sess) && update_ranges(&m) < 0) {
		err = -ESRCH;
		goto cleanup;
	}
	/* The pipeline first: a running Python's interpreter frames must be part of the stack
	 * keys from the first allocation seen. */
	stacks_opts__init(&so);
	so.interp_map_fd = o.native_only ? -1 : bpf_map__fd(m.skel->maps.interp_procs);
	so.lines = o.lines;
	m.pipeline = stacks__new(&so);
	m.frames = malloc(sizeof(*m.frames));
	if (m.pipeline && m.frames)
		m.captures = capture_queue__new(m.pipeline, bpf_map__fd(m.skel->maps.captures),
						MLK_CAPTURE_READ_MS);
	if (!m.captures) {
		err = -errno ? -errno : -ENOMEM;
		goto cleanup;
	}
	m.pythonmalloc = env_pythonmalloc(&m);
	if (!session__launched(m.sess)) {
		stacks__track(m.pipeline, m.pid);
		note_pymalloc(&m);
	}
	err = attach_all(&m, lib);
	if (err) {
		if (err == -EPERM || err == -EACCES)
			pr_warn("memleak: permission denied: run as root (or with CAP_BPF and "
				"CAP_PERFMON)\n");
		goto cleanup;
	}
	if (session__launched(m.sess)) {
		err = session__start(m.sess);
		if (err) {
			pr_warn("memleak: cannot run %s: %s\n", o.target.argv[0], err_str(err));
			goto cleanup;
		}
		wait_for_lib(&m);
	}
	/* Snapshots now (after exec): they stay usable when the process has exited. */
	stacks__track(m.pipeline, m.pid);
	pr_info("memleak: tracing pid %d%s; Ctrl-C for the final report\n", m.pid,
		o.bare ? " (bare probes)" : "");
	err = run(&m);
	if (err)
		goto cleanup;
	if (!o.bare)
		err = report(&m, true);
	session__report_end(m.sess, "memleak");
	print_counters(&m);
	print_prog_stats(&m);
cleanup:
	memleak__free(&m);
	return err;
}
