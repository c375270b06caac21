// SPDX-License-Identifier: GPL-2.0
/*
 * The symbolizer: modules (ELF objects) cached by build-id, process snapshots that point into
 * them, and the resolution of one address into frames.
 *
 * A module keeps its main file open (the fd taken when the process was snapshotted), so it can
 * be read after the process exited or the file was replaced. Its DWARF comes from libdwfl, which
 * looks for separate debug files by build-id and by .gnu_debuglink under the --debug-dir roots
 * and /usr/lib/debug; the inline chain from dwarfidx.c. The outermost frame takes its name from
 * the object's own symbol table when a symbol covers the address, as llvm-symbolizer does
 * (aliases and clones read as the linker named them); without DWARF or symbols the frame reads
 * "module+0xOFFSET". Every resolved address is cached per module, so repeated addresses, and a
 * second process of the same binary, cost one hash lookup.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <elfutils/libdwelf.h>
#include <elfutils/libdwfl.h>

#include "lib/log.h"
#include "symbolize/arena.h"
#include "symbolize/debugcache.h"
#include "symbolize/dwarfidx.h"
#include "symbolize/elfsyms.h"
#include "symbolize/maps.h"
#include "symbolize/perfmap.h"
#include "symbolize/symbolize.h"

/* libstdc++'s demangler (the Itanium C++ ABI entry point) */
extern char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);

#define MAX_CHAIN 64 /* inlined frames kept per address */

struct sym_module {
	struct sym_module *next;
	char *key;	   /* "b:" build-id in hex, or "f:" dev, inode, size, mtime */
	const char *name;  /* path as first seen (interned) */
	const char *base;  /* its basename, for "module+0xOFFSET" */
	char *search_path; /* path libdwfl derives .gnu_debuglink locations from */
	int fd;		   /* main file, kept open; -1 for the vdso */
	struct stat st;	   /* its device, inode, size and mtime (st_ino 0: not known) */
	Elf *elf;
	GElf_Phdr *loads; /* PT_LOAD headers */
	size_t n_loads;
	struct elf_syms *syms;	   /* the object's own table (.symtab, else .dynsym) */
	struct elf_syms *dbg_syms; /* the debug file's, read when first needed */
	bool dbg_syms_tried;
	bool dwfl_tried;
	Dwfl *dwfl;
	Dwfl_Module *mod; /* NULL when there is no DWARF */
	struct dwarf_index *dwidx;
	struct u64map cache;	 /* module offset -> struct cached_frames (malloc) */
	struct u64map demangled; /* raw name pointer -> demangled name */
	__u64 used;		 /* the symbolizer's clock at its last lookup */
	bool mapped;		 /* symbolizer__trim: a process snapshot maps it */
	bool doomed;		 /* symbolizer__trim: to be freed */
};

struct cached_frames {
	int n;
	struct sym_frame f[];
};

struct sym_map {
	__u64 start, end;
	__u64 bias;		/* runtime address - ELF address */
	struct sym_module *mod; /* NULL: anonymous, not ELF, or not executable */
};

struct sym_process {
	struct symbolizer *s;
	struct sym_process *next;
	int pid, nspid;
	uid_t uid;
	struct sym_map *maps; /* sorted by start, disjoint */
	size_t n;
	struct perf_map *perf;
	bool perf_warned;    /* the map file was refused once: do not warn again */
	__u64 perf_tried_ns; /* last attempt to open a missing map (CLOCK_MONOTONIC) */
};

struct symbolizer {
	struct maps_pins *pins; /* not owned; may be NULL */
	bool no_inline;
	bool no_lines;
	char *debuginfo_path;
	Dwfl_Callbacks cb;
	struct arena *arena;
	struct sym_module *modules;
	struct sym_module *vdso;
	bool vdso_tried;
	struct sym_process *procs;
	__u64 clock;		   /* counts lookups: the modules' last use */
	struct debug_cache *cache; /* NULL: off */
	/* -e paths already opened */
	char **elf_paths;
	struct sym_module **elf_mods;
	size_t n_elf;
};

/*
 * libdwfl's search for a separate debug file (build-id, then .gnu_debuglink, under the debug
 * roots), through the cache of decompressed copies: an entry for the module's build-id is used
 * as it is; a debug file found with compressed sections is stored there first (debugcache.h).
 * userdata holds the symbolizer's cache (module_dwfl sets it).
 */
static int find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
			  const char *file_name, const char *debuglink_file,
			  GElf_Word debuglink_crc, char **debuginfo_file_name)
{
	struct debug_cache *c = *userdata;
	const unsigned char *bid = NULL;
	GElf_Addr vaddr;
	char *path = NULL;
	int len = 0, fd, cfd;

	if (c)
		len = dwfl_module_build_id(mod, &bid, &vaddr);
	if (len > 0) {
		fd = debug_cache__open(c, bid, len, &path);
		if (fd >= 0) {
			*debuginfo_file_name = path;
			return fd;
		}
	}
	fd = dwfl_standard_find_debuginfo(mod, userdata, modname, base, file_name, debuglink_file,
					  debuglink_crc, debuginfo_file_name);
	if (fd < 0 || len <= 0)
		return fd;
	cfd = debug_cache__store(c, bid, len, fd, &path);
	if (cfd < 0)
		return fd;
	close(fd);
	free(*debuginfo_file_name);
	*debuginfo_file_name = path;
	return cfd;
}

/* Debug roots must be absolute for libdwfl (a relative one means "below the binary's folder"). */
static char *absolute_dir(const char *dir)
{
	char cwd[4096], *out = NULL;

	if (dir[0] == '/')
		return strdup(dir);
	if (!getcwd(cwd, sizeof(cwd)) || asprintf(&out, "%s/%s", cwd, dir) < 0)
		return NULL;
	return out;
}

struct symbolizer *symbolizer__new(const struct symbolizer_opts *opts)
{
	struct symbolizer *s;
	size_t n_dirs = opts ? opts->n_debug_dirs : 0, len = 64, i;
	char **dirs = NULL, *p;
	int err = -ENOMEM;

	elf_version(EV_CURRENT);
	s = calloc(1, sizeof(*s));
	dirs = calloc(n_dirs + 1, sizeof(*dirs));
	if (!s || !dirs)
		goto cleanup;
	for (i = 0; i < n_dirs; i++) {
		dirs[i] = absolute_dir(opts->debug_dirs[i]);
		if (!dirs[i])
			goto cleanup;
		len += strlen(dirs[i]) + 1;
	}
	s->debuginfo_path = malloc(len);
	s->arena = arena__new();
	if (!s->debuginfo_path || !s->arena)
		goto cleanup;
	/* check CRCs; the main file's folder, its .debug/, then the roots (build-id and path) */
	p = s->debuginfo_path + sprintf(s->debuginfo_path, "+:.debug");
	for (i = 0; i < n_dirs; i++)
		p += sprintf(p, ":%s", dirs[i]);
	sprintf(p, ":/usr/lib/debug");
	s->cb.find_elf = dwfl_build_id_find_elf;
	s->cb.find_debuginfo = find_debuginfo;
	s->cb.section_address = dwfl_offline_section_address;
	s->cb.debuginfo_path = &s->debuginfo_path;
	s->no_inline = opts && opts->no_inline;
	s->no_lines = opts && opts->no_lines;
	s->pins = opts ? opts->pins : NULL;
	s->cache = opts && opts->no_cache ? NULL : debug_cache__new();
	err = 0;
cleanup:
	for (i = 0; dirs && i < n_dirs; i++)
		free(dirs[i]);
	free(dirs);
	if (err) {
		symbolizer__free(s);
		errno = -err;
		return NULL;
	}
	return s;
}

static void module_free(struct sym_module *m)
{
	size_t i;

	for (i = 0; i < m->cache.cap; i++)
		free(m->cache.vals[i]);
	if (m->dwfl)
		dwfl_end(m->dwfl);
	dwarf_index__free(m->dwidx);
	elf_syms__free(m->syms);
	elf_syms__free(m->dbg_syms);
	if (m->elf)
		elf_end(m->elf);
	if (m->fd >= 0)
		close(m->fd);
	u64map__clear(&m->cache);
	u64map__clear(&m->demangled);
	free(m->loads);
	free(m->key);
	free(m->search_path);
	free(m);
}

void symbolizer__free(struct symbolizer *s)
{
	struct sym_module *m, *next;
	size_t i;

	if (!s)
		return;
	while (s->procs)
		sym_process__free(s->procs);
	for (m = s->modules; m; m = next) {
		next = m->next;
		module_free(m);
	}
	if (s->vdso)
		module_free(s->vdso);
	for (i = 0; i < s->n_elf; i++)
		free(s->elf_paths[i]);
	free(s->elf_paths);
	free(s->elf_mods);
	arena__free(s->arena);
	debug_cache__free(s->cache);
	free(s->debuginfo_path);
	free(s);
}

/* ---- modules ---- */

static int module_key(Elf *elf, int fd, char **key)
{
	const void *bid = NULL;
	struct stat st;
	ssize_t n;
	char *k, *p;

	n = dwelf_elf_gnu_build_id(elf, &bid);
	if (n > 0) {
		k = malloc(2 * n + 3);
		if (!k)
			return -ENOMEM;
		p = k + sprintf(k, "b:");
		for (ssize_t i = 0; i < n; i++)
			p += sprintf(p, "%02x", ((const unsigned char *)bid)[i]);
		*key = k;
		return 0;
	}
	if (fstat(fd, &st))
		return -errno;
	if (asprintf(key, "f:%llx:%llx:%llx:%llx", (unsigned long long)st.st_dev,
		     (unsigned long long)st.st_ino, (unsigned long long)st.st_size,
		     (unsigned long long)st.st_mtime) < 0)
		return -ENOMEM;
	return 0;
}

static int module_init_elf(struct sym_module *m)
{
	size_t phnum, i;

	if (elf_getphdrnum(m->elf, &phnum))
		return -ENOEXEC;
	m->loads = calloc(phnum ? phnum : 1, sizeof(*m->loads));
	if (!m->loads)
		return -ENOMEM;
	for (i = 0; i < phnum; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(m->elf, i, &ph) && ph.p_type == PT_LOAD)
			m->loads[m->n_loads++] = ph;
	}
	m->syms = elf_syms__read(m->elf, false);
	return m->syms ? 0 : -ENOMEM;
}

static const char *basename_of(const char *path)
{
	const char *b = strrchr(path, '/');

	return b ? b + 1 : path;
}

/* The module of the ELF file open as fd (taken over: kept or closed). name is the path as the
 * target sees it, search_path the one libdwfl looks for debuglink files from. */
static struct sym_module *module_from_fd(struct symbolizer *s, int fd, const char *name,
					 const char *search_path, int *errp)
{
	struct sym_module *m = NULL;
	Elf *elf = NULL;
	char *key = NULL;
	struct stat st = {};
	int err = 0;

	/* The file of a module known (each process of a program maps the same): no ELF read */
	if (!fstat(fd, &st))
		for (m = s->modules; m; m = m->next)
			if (stat__same_file(&m->st, &st))
				goto cleanup;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		err = -ENOEXEC;
		goto cleanup;
	}
	err = module_key(elf, fd, &key);
	if (err)
		goto cleanup;
	for (m = s->modules; m; m = m->next)
		if (!strcmp(m->key, key))
			goto cleanup; /* known: drop this fd */
	m = calloc(1, sizeof(*m));
	if (!m) {
		err = -ENOMEM;
		goto cleanup;
	}
	m->fd = fd;
	m->st = st;
	m->elf = elf;
	m->key = key;
	fd = -1;
	elf = NULL;
	key = NULL;
	m->name = arena__intern(s->arena, name, strlen(name));
	m->search_path = strdup(search_path);
	m->dwidx = dwarf_index__new(s->arena);
	if (!m->name || !m->search_path || !m->dwidx) {
		err = -ENOMEM;
		goto cleanup;
	}
	m->base = basename_of(m->name);
	err = module_init_elf(m);
	if (err)
		goto cleanup;
	m->next = s->modules;
	s->modules = m;
cleanup:
	if (err && m) {
		module_free(m);
		m = NULL;
	}
	if (elf)
		elf_end(elf);
	if (fd >= 0)
		close(fd);
	free(key);
	*errp = err;
	return m;
}

/* The kernel's vdso image is the same in every process: read our own. */
static struct sym_module *vdso_module(struct symbolizer *s)
{
	struct proc_maps *maps = NULL;
	struct sym_module *m = NULL;
	unsigned long base;
	size_t i, size = 0;

	if (s->vdso_tried)
		return s->vdso;
	s->vdso_tried = true;
	base = getauxval(AT_SYSINFO_EHDR);
	maps = proc_maps__read(getpid());
	if (!base || !maps)
		goto cleanup;
	for (i = 0; i < maps->n; i++)
		if (maps->maps[i].start == base && maps->maps[i].path &&
		    !strcmp(maps->maps[i].path, "[vdso]"))
			size = maps->maps[i].end - base;
	if (!size)
		goto cleanup;
	m = calloc(1, sizeof(*m));
	if (!m)
		goto cleanup;
	m->fd = -1;
	m->elf = elf_memory((char *)base, size);
	m->key = strdup("vdso");
	m->name = "[vdso]";
	m->base = "[vdso]";
	m->dwfl_tried = true; /* no DWARF */
	if (!m->elf || !m->key || module_init_elf(m)) {
		module_free(m);
		m = NULL;
	}
cleanup:
	proc_maps__free(maps);
	s->vdso = m;
	return m;
}

static Dwfl_Module *module_dwfl(struct symbolizer *s, struct sym_module *m)
{
	Dwarf_Addr bias;
	void **ud;
	Dwarf *dw;
	int fd;

	if (m->dwfl_tried)
		return m->mod;
	m->dwfl_tried = true;
	m->dwfl = dwfl_begin(&s->cb);
	if (!m->dwfl)
		return NULL;
	fd = dup(m->fd);
	if (fd < 0)
		return NULL;
	/* base 0 plus p_vaddr: module addresses are the ELF's own addresses */
	m->mod = dwfl_report_elf(m->dwfl, m->name, m->search_path, fd, 0, true);
	dwfl_report_end(m->dwfl, NULL, NULL);
	if (!m->mod) {
		close(fd);
		return NULL;
	}
	/* find_debuginfo's userdata */
	if (dwfl_module_info(m->mod, &ud, NULL, NULL, NULL, NULL, NULL, NULL))
		*ud = s->cache;
	dw = dwfl_module_getdwarf(m->mod, &bias);
	if (!dw) {
		pr_debug("symbolize %s: no DWARF: %s\n", m->name, dwfl_errmsg(-1));
		m->mod = NULL;
		return NULL;
	}
	return m->mod;
}

/* The separate debug file's symbol table (NULL when there is none), read at the first address
 * that neither DWARF nor the object's own table names: most runs never need it. */
static struct elf_syms *module_dbg_syms(struct sym_module *m)
{
	Dwarf_Addr bias;
	Dwarf *dw;

	if (m->dbg_syms_tried || !m->mod)
		return m->dbg_syms;
	m->dbg_syms_tried = true;
	dw = dwfl_module_getdwarf(m->mod, &bias);
	if (dw && dwarf_getelf(dw) && dwarf_getelf(dw) != dwfl_module_getelf(m->mod, &bias))
		m->dbg_syms = elf_syms__read(dwarf_getelf(dw), true);
	return m->dbg_syms;
}

/* libstdc++ writes GCC clone suffixes as " [clone .part.0] [clone .isra.0]"; llvm-symbolizer
 * (LLVM's demangler) as " (.part.0.isra.0)". Rewrite the trailing groups in place into the
 * latter, so that both tools print the same names. */
static void clone_suffixes_llvm_style(char *d)
{
	static const char open[] = " [clone ";
	char *first = strstr(d, open), *in, *out;

	while (first) {
		/* the groups must run to the end of the string */
		for (in = first; !strncmp(in, open, sizeof(open) - 1);) {
			char *close = strchr(in, ']');

			if (!close)
				break;
			in = close + 1;
		}
		if (*in == '\0')
			break;
		first = strstr(first + 1, open);
	}
	if (!first)
		return;
	out = first;
	*out++ = ' ';
	*out++ = '(';
	for (in = first + 2; *in;) {
		/* in points just after "[" of a group (or at its " [" when out caught up) */
		char *name = strstr(in, "clone ") + strlen("clone ");
		char *close = strchr(name, ']');

		memmove(out, name, close - name);
		out += close - name;
		in = close + 1;
	}
	*out++ = ')';
	*out = '\0';
}

static const char *demangle(struct symbolizer *s, struct sym_module *m, const char *name)
{
	const char *d;
	char *out;
	int status = 0;

	if (name[0] != '_' || name[1] != 'Z')
		return name;
	d = u64map__get(&m->demangled, (uintptr_t)name);
	if (d)
		return d;
	out = __cxa_demangle(name, NULL, NULL, &status);
	if (out && !status)
		clone_suffixes_llvm_style(out);
	if (!out || status)
		d = name;
	else
		d = arena__intern(s->arena, out, strlen(out));
	free(out);
	if (!d || u64map__put(&m->demangled, (uintptr_t)name, (void *)d))
		return name;
	return d;
}

static struct cached_frames *module_compute(struct symbolizer *s, struct sym_module *m, __u64 off)
{
	struct dw_frame dw[MAX_CHAIN];
	struct cached_frames *cf;
	const struct elf_sym *sym;
	Dwfl_Module *mod;
	int n = 0, i, outer;

	mod = module_dwfl(s, m);
	if (mod) {
		n = dwarf_index__frames(m->dwidx, mod, off, !s->no_lines, dw, MAX_CHAIN);
		if (n == -ENOMEM)
			return NULL;
		if (n < 0)
			n = 0;
	}
	if (n == 0) {
		memset(&dw[0], 0, sizeof(dw[0]));
		n = 1;
	}
	outer = n - 1;
	sym = elf_syms__find(m->syms, off);
	if (!sym && !dw[outer].function && module_dbg_syms(m))
		sym = elf_syms__find(m->dbg_syms, off);
	if (sym)
		dw[outer].function = sym->name;
	if (s->no_inline) {
		dw[0] = dw[outer];
		n = 1;
	}
	cf = malloc(sizeof(*cf) + n * sizeof(cf->f[0]));
	if (!cf)
		return NULL;
	cf->n = n;
	for (i = 0; i < n; i++) {
		struct sym_frame *f = &cf->f[i];

		memset(f, 0, sizeof(*f));
		if (dw[i].function) {
			f->function = demangle(s, m, dw[i].function);
		} else {
			char buf[512];
			int len = snprintf(buf, sizeof(buf), "%s+0x%llx", m->base,
					   (unsigned long long)off);

			f->function = arena__intern(s->arena, buf, len);
			if (!f->function) {
				free(cf);
				return NULL;
			}
		}
		f->file = dw[i].file;
		f->line = dw[i].line;
		f->column = dw[i].column;
		f->inlined = i < n - 1;
		f->module = m->name;
		f->module_offset = off;
	}
	return cf;
}

static int module_resolve(struct symbolizer *s, struct sym_module *m, __u64 off,
			  struct sym_frame *frames, int max_frames)
{
	struct cached_frames *cf;
	int n;

	m->used = ++s->clock;
	cf = u64map__get(&m->cache, off);
	if (!cf) {
		cf = module_compute(s, m, off);
		if (!cf)
			return -ENOMEM;
		if (u64map__put(&m->cache, off, cf)) {
			free(cf);
			return -ENOMEM;
		}
	}
	n = cf->n < max_frames ? cf->n : max_frames;
	memcpy(frames, cf->f, n * sizeof(*frames));
	return n;
}

/* ---- ELF files given by path ---- */

static struct sym_module *module_for_path(struct symbolizer *s, const char *path, int *errp)
{
	struct sym_module *m;
	char **paths;
	struct sym_module **mods;
	char *real;
	size_t i;
	int fd;

	for (i = 0; i < s->n_elf; i++) {
		if (!strcmp(s->elf_paths[i], path)) {
			*errp = 0;
			return s->elf_mods[i];
		}
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*errp = -errno;
		return NULL;
	}
	/* debuglink files under the debug roots are found from the absolute folder */
	real = realpath(path, NULL);
	m = module_from_fd(s, fd, path, real ? real : path, errp);
	free(real);
	if (!m)
		return NULL;
	paths = realloc(s->elf_paths, (s->n_elf + 1) * sizeof(*paths));
	if (paths)
		s->elf_paths = paths;
	mods = realloc(s->elf_mods, (s->n_elf + 1) * sizeof(*mods));
	if (mods)
		s->elf_mods = mods;
	if (paths && mods && (s->elf_paths[s->n_elf] = strdup(path))) {
		s->elf_mods[s->n_elf] = m;
		s->n_elf++;
	}
	return m;
}

static int cmp_used_desc(const void *a, const void *b)
{
	const struct sym_module *x = *(struct sym_module *const *)a;
	const struct sym_module *y = *(struct sym_module *const *)b;

	return x->used < y->used ? 1 : x->used > y->used ? -1 : 0;
}

size_t symbolizer__trim(struct symbolizer *s, size_t keep)
{
	struct sym_module **spare = NULL, **pm, *m;
	struct sym_process *p;
	size_t n = 0, cap = 0, i, j, freed = 0;

	for (m = s->modules; m; m = m->next)
		m->mapped = m->doomed = false;
	for (p = s->procs; p; p = p->next)
		for (i = 0; i < p->n; i++)
			if (p->maps[i].mod)
				p->maps[i].mod->mapped = true;
	for (m = s->modules; m; m = m->next) {
		if (m->mapped)
			continue;
		if (n == cap) {
			struct sym_module **v;

			cap = cap ? 2 * cap : 64;
			v = realloc(spare, cap * sizeof(*v));
			if (!v) {
				free(spare);
				return 0;
			}
			spare = v;
		}
		spare[n++] = m;
	}
	if (n <= keep) {
		free(spare);
		return 0;
	}
	/* the most recently used are kept */
	qsort(spare, n, sizeof(*spare), cmp_used_desc);
	for (i = keep; i < n; i++)
		spare[i]->doomed = true;
	free(spare);
	for (i = j = 0; i < s->n_elf; i++) {
		if (s->elf_mods[i]->doomed) {
			free(s->elf_paths[i]);
			continue;
		}
		s->elf_paths[j] = s->elf_paths[i];
		s->elf_mods[j++] = s->elf_mods[i];
	}
	s->n_elf = j;
	for (pm = &s->modules; *pm;) {
		m = *pm;
		if (m->doomed) {
			*pm = m->next;
			module_free(m);
			freed++;
		} else {
			pm = &m->next;
		}
	}
	return freed;
}

int symbolizer__check_elf(struct symbolizer *s, const char *path)
{
	int err;

	module_for_path(s, path, &err);
	return err;
}

int symbolizer__resolve_elf(struct symbolizer *s, const char *path, __u64 addr,
			    struct sym_frame *frames, int max_frames)
{
	struct sym_module *m;
	int err;

	if (max_frames < 1)
		return -EINVAL;
	m = module_for_path(s, path, &err);
	if (!m)
		return err;
	return module_resolve(s, m, addr, frames, max_frames);
}

/* A program rather than a library: ET_EXEC, or a PIE (ET_DYN with DF_1_PIE in DT_FLAGS_1; a
 * library may carry PT_INTERP too, as libc.so.6 does, so that is no sign). */
static bool module_is_program(const struct sym_module *m)
{
	Elf_Scn *scn = NULL;
	GElf_Ehdr eh;

	if (!gelf_getehdr(m->elf, &eh))
		return false;
	if (eh.e_type == ET_EXEC)
		return true;
	while ((scn = elf_nextscn(m->elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;
		GElf_Dyn dyn;
		size_t i;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNAMIC || !sh.sh_entsize)
			continue;
		d = elf_getdata(scn, NULL);
		for (i = 0; d && i < sh.sh_size / sh.sh_entsize; i++)
			if (gelf_getdyn(d, (int)i, &dyn) && dyn.d_tag == DT_FLAGS_1)
				return dyn.d_un.d_val & DF_1_PIE;
	}
	return false;
}

int symbolizer__module_info(struct symbolizer *s, const char *module, struct sym_module_info *out)
{
	__u64 page = (__u64)sysconf(_SC_PAGESIZE);
	struct sym_module *m;
	bool any = false;
	size_t i;

	memset(out, 0, sizeof(*out));
	for (m = s->modules; m; m = m->next)
		if (m->name == module || !strcmp(m->name, module))
			break;
	if (!m && s->vdso && !strcmp(module, s->vdso->name))
		m = s->vdso;
	if (!m)
		return -ENOENT;
	if (!strncmp(m->key, "b:", 2)) {
		snprintf(out->build_id, sizeof(out->build_id), "%s", m->key + 2);
	} else {
		const void *bid = NULL; /* the vdso: keyed by name, but it has a build-id */
		ssize_t n = dwelf_elf_gnu_build_id(m->elf, &bid);

		for (i = 0; n > 0 && i < (size_t)n && 2 * i + 2 < sizeof(out->build_id); i++)
			sprintf(out->build_id + 2 * i, "%02x", ((const unsigned char *)bid)[i]);
	}
	for (i = 0; i < m->n_loads; i++) {
		const GElf_Phdr *ph = &m->loads[i];
		__u64 start = ph->p_vaddr & ~(page - 1);

		if (!(ph->p_flags & PF_X))
			continue;
		if (!any || start < out->start) {
			out->start = start;
			out->file_offset = ph->p_offset & ~(page - 1);
		}
		if (!any || ph->p_vaddr + ph->p_memsz > out->limit)
			out->limit = ph->p_vaddr + ph->p_memsz;
		any = true;
	}
	out->executable = m->fd >= 0 && module_is_program(m);
	return 0;
}

/* ---- processes ---- */

/* Runtime address - ELF address for pm if PT_LOAD ph holds the file offset pm maps. */
static bool load_bias(const GElf_Phdr *ph, const struct proc_map *pm, __u64 *bias)
{
	__u64 page = (__u64)sysconf(_SC_PAGESIZE);

	if (pm->offset < (ph->p_offset & ~(page - 1)) ||
	    pm->offset >= ph->p_offset + (ph->p_filesz ? ph->p_filesz : 1))
		return false;
	*bias = pm->start - (ph->p_vaddr + pm->offset - ph->p_offset);
	return true;
}

/* Whether a code mapping of m in maps (mods: the module of each code mapping) has bias b. */
static bool code_at_bias(const struct sym_module *m, const struct proc_maps *maps,
			 struct sym_module *const *mods, __u64 b)
{
	size_t i, j;
	__u64 cb;

	for (j = 0; j < maps->n; j++)
		for (i = 0; mods[j] == m && i < m->n_loads; i++)
			if ((m->loads[i].p_flags & PF_X) &&
			    load_bias(&m->loads[i], &maps->maps[j], &cb) && cb == b)
				return true;
	return false;
}

/*
 * Runtime address - ELF address for pm, a mapping of m in maps. A module has one bias, but the
 * file page where one PT_LOAD ends can be where the next begins (read-only data, then the RW
 * segment): the loader maps that page for both, the RW mapping starts there until the RELRO
 * mprotect splits it, and the RELRO page keeps it after. Of the PT_LOADs that hold pm's offset,
 * take the one that gives the bias of m's code, else the first.
 */
static bool map_bias(const struct sym_module *m, const struct proc_maps *maps,
		     struct sym_module *const *mods, const struct proc_map *pm, __u64 *bias)
{
	bool found = false;
	size_t i;
	__u64 b;

	for (i = 0; i < m->n_loads; i++) {
		if (!load_bias(&m->loads[i], pm, &b))
			continue;
		if (code_at_bias(m, maps, mods, b)) {
			*bias = b;
			return true;
		}
		if (!found)
			*bias = b;
		found = true;
	}
	return found;
}

static void read_status(int pid, int *nspid, uid_t *uid)
{
	char path[64], *line = NULL;
	size_t cap = 0;
	FILE *f;

	*nspid = pid;
	*uid = 0;
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return;
	while (getline(&line, &cap, f) > 0) {
		unsigned int r, e;

		if (!strncmp(line, "Uid:", 4) && sscanf(line + 4, "%u %u", &r, &e) == 2) {
			*uid = e;
		} else if (!strncmp(line, "NSpid:", 6)) {
			char *last = strrchr(line, '\t');

			if (last)
				*nspid = atoi(last + 1);
		}
	}
	free(line);
	fclose(f);
}

/* Open the file behind map (as the target maps it, even if replaced or deleted since). */
static int open_mapped(const struct proc_maps *maps, const struct proc_map *map, char *path,
		       size_t size)
{
	struct stat st;
	int fd;

	if (proc_map__open_path(maps, map, path, size))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && !fstat(fd, &st) && st.st_ino == map->inode)
		return fd;
	if (fd >= 0)
		close(fd);
	/* replaced after it was mapped (or unreachable by path): the mapping itself */
	snprintf(path, size, "/proc/%d/map_files/%" PRIx64 "-%" PRIx64, maps->pid,
		 (uint64_t)map->start, (uint64_t)map->end);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd >= 0 ? fd : -errno;
}

/* Debuglink files are searched beside the path the target sees, when it names the same file
 * for us (same mount namespace, not replaced); else beside the path we opened. */
static const char *search_path(const struct proc_map *pm, int fd, const char *opened)
{
	struct stat a, b;

	if (!pm->deleted && !stat(pm->path, &a) && !fstat(fd, &b) && a.st_ino == b.st_ino &&
	    a.st_dev == b.st_dev)
		return pm->path;
	return opened;
}

static bool same_file(const struct proc_map *a, const struct proc_map *b)
{
	return a->inode == b->inode && a->dev_major == b->dev_major &&
	       a->dev_minor == b->dev_minor && proc_map__is_file(a) && proc_map__is_file(b);
}

/* Snapshot maps into p->maps, replacing them (mappings of the old array that no new one
 * overlaps are kept). */
static int snapshot(struct sym_process *p, const struct proc_maps *maps)
{
	struct symbolizer *s = p->s;
	struct sym_module **mods = NULL;
	struct sym_map *out = NULL;
	size_t i, j, n = 0;
	int err = 0;

	mods = calloc(maps->n ? maps->n : 1, sizeof(*mods));
	out = calloc(maps->n + p->n + 1, sizeof(*out));
	if (!mods || !out) {
		err = -ENOMEM;
		goto cleanup;
	}
	/* one module per file that has an executable mapping */
	for (i = 0; i < maps->n; i++) {
		const struct proc_map *pm = &maps->maps[i];
		char path[4200];
		struct sym_module *m = NULL;
		int fd, merr;

		if (!proc_map__is_file(pm) || pm->perms[2] != 'x')
			continue;
		for (j = 0; j < i && !m; j++)
			if (mods[j] && same_file(&maps->maps[j], pm))
				m = mods[j];
		for (j = 0; j < p->n && !m; j++)
			if (p->maps[j].start == pm->start && p->maps[j].end == pm->end)
				m = p->maps[j].mod;
		if (!m) {
			fd = open_mapped(maps, pm, path, sizeof(path));
			if (fd < 0) {
				pr_debug("symbolize -p %d: cannot open %s: %s\n", p->pid, pm->path,
					 strerror(-fd));
				continue;
			}
			m = module_from_fd(s, fd, pm->path, search_path(pm, fd, path), &merr);
			if (!m && merr == -ENOMEM) {
				err = merr;
				goto cleanup;
			}
		}
		mods[i] = m;
	}
	for (i = 0; i < maps->n; i++) {
		const struct proc_map *pm = &maps->maps[i];
		struct sym_map *sm = &out[n++];

		sm->start = pm->start;
		sm->end = pm->end;
		if (pm->path && !strcmp(pm->path, "[vdso]")) {
			sm->mod = vdso_module(s);
		} else if (proc_map__is_file(pm)) {
			for (j = 0; j < maps->n && !sm->mod; j++)
				if (mods[j] && same_file(&maps->maps[j], pm))
					sm->mod = mods[j];
		}
		if (sm->mod && !map_bias(sm->mod, maps, mods, pm, &sm->bias))
			sm->mod = NULL;
	}
	/* what the old snapshot knew and the new one does not (unmapped since) */
	for (i = 0; i < p->n; i++) {
		const struct sym_map *o = &p->maps[i];
		bool overlaps = false;

		for (j = 0; j < maps->n && !overlaps; j++)
			overlaps = o->start < maps->maps[j].end && maps->maps[j].start < o->end;
		if (!overlaps)
			out[n++] = *o;
	}
	/* sort by start (insertion sort: both parts are sorted already) */
	for (i = 1; i < n; i++) {
		struct sym_map t = out[i];

		for (j = i; j > 0 && out[j - 1].start > t.start; j--)
			out[j] = out[j - 1];
		out[j] = t;
	}
	free(p->maps);
	p->maps = out;
	p->n = n;
	out = NULL;
cleanup:
	free(mods);
	free(out);
	return err;
}

#define PERF_MAP_RETRY_NS (100ULL * 1000 * 1000) /* 100 ms between attempts to open it */

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Open the perf map if it appeared (unless forced, not more often than every
 * PERF_MAP_RETRY_NS), read what was appended to it. */
static void perf_map_try(struct sym_process *p, bool force)
{
	if (!p->perf && !p->perf_warned &&
	    (force || now_ns() - p->perf_tried_ns >= PERF_MAP_RETRY_NS)) {
		p->perf_tried_ns = now_ns();
		p->perf = perf_map__open(p->pid, p->nspid, p->uid);
		if (!p->perf && errno == EPERM)
			p->perf_warned = true;
	}
	if (p->perf)
		perf_map__update(p->perf, p->s->arena);
}

struct sym_process *symbolizer__process(struct symbolizer *s, int pid)
{
	struct proc_maps *maps = NULL;
	struct sym_process *p = NULL;
	int err = 0;

	maps = maps_pins__read(s->pins, pid);
	if (!maps) {
		err = -errno;
		goto cleanup;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		err = -ENOMEM;
		goto cleanup;
	}
	p->s = s;
	p->pid = pid;
	read_status(pid, &p->nspid, &p->uid);
	err = snapshot(p, maps);
	if (err)
		goto cleanup;
	perf_map_try(p, true);
	p->next = s->procs;
	s->procs = p;
cleanup:
	proc_maps__free(maps);
	if (err) {
		if (p) {
			free(p->maps);
			free(p);
		}
		errno = -err;
		return NULL;
	}
	return p;
}

void sym_process__free(struct sym_process *p)
{
	struct sym_process **pp;

	if (!p)
		return;
	for (pp = &p->s->procs; *pp; pp = &(*pp)->next) {
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	}
	perf_map__free(p->perf);
	free(p->maps);
	free(p);
}

int sym_process__refresh(struct sym_process *p)
{
	struct proc_maps *maps;
	int err;

	perf_map_try(p, true);
	maps = proc_maps__read(p->pid);
	if (!maps)
		return -errno;
	err = snapshot(p, maps);
	proc_maps__free(maps);
	return err;
}

static const struct sym_map *find_map(const struct sym_process *p, __u64 addr)
{
	size_t lo = 0, hi = p->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (addr < p->maps[mid].start)
			hi = mid;
		else if (addr >= p->maps[mid].end)
			lo = mid + 1;
		else
			return &p->maps[mid];
	}
	return NULL;
}

int symbolizer__resolve(struct symbolizer *s, struct sym_process *p, __u64 addr,
			struct sym_frame *frames, int max_frames)
{
	const struct sym_map *sm;
	const char *name = NULL;
	__u64 start = 0;

	if (max_frames < 1)
		return -EINVAL;
	sm = find_map(p, addr);
	if (sm && sm->mod)
		return module_resolve(s, sm->mod, addr - sm->bias, frames, max_frames);
	/* JIT code (anonymous mappings, or mapped after the snapshot) */
	if (p->perf)
		name = perf_map__find(p->perf, addr, &start);
	if (!name) {
		perf_map_try(p, false);
		if (p->perf)
			name = perf_map__find(p->perf, addr, &start);
	}
	memset(frames, 0, sizeof(*frames));
	if (name) {
		frames->function = name;
		frames->module = "[jit]";
		frames->module_offset = addr - start;
	} else {
		frames->function = "[unknown]";
	}
	return 1;
}
