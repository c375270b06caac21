// SPDX-License-Identifier: GPL-2.0
/* The dynamic loader's library search, before the program runs: see ldso.h for the rules. */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/log.h"
#include "runtimes/ldso.h"

#define MAX_OBJS  1024
#define MAX_NAMES 8

/* One object in load order. */
struct lobj {
	char *path;		/* as the loader opens it; NULL when not found */
	char *origin;		/* $ORIGIN */
	char *names[MAX_NAMES]; /* names it was asked for, its DT_SONAME */
	size_t nnames;
	char **needed; /* DT_NEEDED, in order */
	size_t nneeded;
	char *rpath;   /* DT_RPATH, NULL when absent or when DT_RUNPATH is there */
	char *runpath; /* DT_RUNPATH */
	bool nodeflib; /* DF_1_NODEFLIB */
	int loader;    /* index of the object whose dependency it is; -1 for the executable */
	dev_t dev;
	ino_t ino;
};

struct walk {
	const struct ldso_opts *o;
	struct lobj *objs;
	size_t n;
	int elf_class, machine; /* of the executable: others are skipped, as ld.so does */
};

static const char *const default_system_dirs[] = {
	"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib", "/usr/lib", NULL,
};

void ldso_opts__from_env(struct ldso_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->ld_library_path = getenv("LD_LIBRARY_PATH");
	o->ld_preload = getenv("LD_PRELOAD");
}

static bool add_name(struct lobj *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->nnames; i++) {
		if (!strcmp(l->names[i], name))
			return true;
	}
	if (l->nnames == MAX_NAMES)
		return true;
	l->names[l->nnames] = strdup(name);
	if (!l->names[l->nnames])
		return false;
	l->nnames++;
	return true;
}

static void lobj_free(struct lobj *l)
{
	size_t i;

	free(l->path);
	free(l->origin);
	for (i = 0; i < l->nnames; i++)
		free(l->names[i]);
	for (i = 0; i < l->nneeded; i++)
		free(l->needed[i]);
	free(l->needed);
	free(l->rpath);
	free(l->runpath);
}

/* Is the file at path an ELF object of the executable's class and machine? Its identity too. */
static bool compatible(const struct walk *w, const char *path, dev_t *dev, ino_t *ino)
{
	unsigned char ident[EI_NIDENT + 4];
	struct stat st;
	bool ok = false;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	if (!fstat(fd, &st) && S_ISREG(st.st_mode) &&
	    read(fd, ident, sizeof(ident)) == (ssize_t)sizeof(ident) &&
	    !memcmp(ident, ELFMAG, SELFMAG) && ident[EI_CLASS] == w->elf_class) {
		/* e_type (2 bytes) then e_machine (2 bytes, host order: x86-64 and ld.so agree) */
		uint16_t machine;

		memcpy(&machine, ident + EI_NIDENT + 2, sizeof(machine));
		ok = machine == w->machine;
		*dev = st.st_dev;
		*ino = st.st_ino;
	}
	close(fd);
	return ok;
}

/* Replace $ORIGIN, $LIB and $PLATFORM (also as ${...}) in s. NULL on ENOMEM. */
static char *expand(const char *s, const char *origin)
{
	static const struct {
		const char *name;
		size_t len;
	} tokens[] = {{"ORIGIN", 6}, {"LIB", 3}, {"PLATFORM", 8}};
	const char *platform = (const char *)getauxval(AT_PLATFORM);
	char buf[PATH_MAX * 2];
	size_t n = 0, t;

	while (*s && n < sizeof(buf) - 1) {
		const char *repl = NULL;
		size_t skip = 0;

		for (t = 0; *s == '$' && t < sizeof(tokens) / sizeof(tokens[0]) && !repl; t++) {
			const char *p = s + 1;
			bool brace = *p == '{';

			p += brace;
			if (strncmp(p, tokens[t].name, tokens[t].len))
				continue;
			p += tokens[t].len;
			if (brace && *p != '}')
				continue;
			/* $ORIGINAL is not $ORIGIN: a token ends where a name character cannot go
			 * on */
			if (!brace && (*p == '_' || (*p >= 'A' && *p <= 'Z') ||
				       (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
				continue;
			skip = (size_t)(p - s) + brace;
			repl = t == 0 ? origin : t == 1 ? "lib/x86_64-linux-gnu" : platform;
			if (!repl)
				repl = "";
		}
		if (repl) {
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s", repl);
			if (n >= sizeof(buf))
				n = sizeof(buf) - 1;
			s += skip;
		} else {
			buf[n++] = *s++;
		}
	}
	buf[n] = '\0';
	return strdup(buf);
}

/* Look name up in each folder of the list (sep-separated; an empty entry is the current folder
 * when empty_is_cwd, else skipped), $ORIGIN being origin. Found: a malloc'ed path. */
static char *search_list(const struct walk *w, const char *list, const char *seps,
			 bool empty_is_cwd, const char *origin, const char *name, dev_t *dev,
			 ino_t *ino)
{
	char *expanded, *p, *dir, *found = NULL;

	if (!list)
		return NULL;
	expanded = expand(list, origin ? origin : "");
	if (!expanded)
		return NULL;
	for (p = expanded; !found && p;) {
		char cand[PATH_MAX * 2];

		dir = p;
		p += strcspn(p, seps);
		if (*p)
			*p++ = '\0';
		else
			p = NULL;
		if (!*dir) {
			if (!empty_is_cwd)
				continue;
			dir = ".";
		}
		if (snprintf(cand, sizeof(cand), "%s/%s", dir, name) >= (int)sizeof(cand))
			continue;
		if (compatible(w, cand, dev, ino))
			found = strdup(cand);
	}
	free(expanded);
	return found;
}

/* Where the loader finds name, a dependency of object index loader. */
static char *locate(const struct walk *w, int loader, const char *name, dev_t *dev, ino_t *ino)
{
	const struct lobj *l = &w->objs[loader];
	char cache_path[PATH_MAX], *found = NULL;
	size_t i;
	int k;

	if (strchr(name, '/')) {
		char *path = expand(name, l->origin);

		if (path && compatible(w, path, dev, ino))
			return path;
		free(path);
		return NULL;
	}
	/* DT_RPATH of the loader and of its loaders, up to the executable: not with DT_RUNPATH */
	if (!l->runpath) {
		for (k = loader; k >= 0 && !found; k = w->objs[k].loader)
			found = search_list(w, w->objs[k].rpath, ":", false, w->objs[k].origin,
					    name, dev, ino);
	}
	if (!found)
		found = search_list(w, w->o->ld_library_path, ":;", true, w->objs[0].origin, name,
				    dev, ino);
	if (!found)
		found = search_list(w, l->runpath, ":", false, l->origin, name, dev, ino);
	if (found || l->nodeflib)
		return found;
	/* o->cache "": no cache */
	if ((!w->o->cache || *w->o->cache) &&
	    !ldso_cache_lookup(w->o->cache, name, cache_path, sizeof(cache_path)) &&
	    compatible(w, cache_path, dev, ino))
		return strdup(cache_path);
	for (i = 0; !found && (w->o->system_dirs ? w->o->system_dirs : default_system_dirs)[i];
	     i++) {
		const char *dir = (w->o->system_dirs ? w->o->system_dirs : default_system_dirs)[i];
		char cand[PATH_MAX];

		if (snprintf(cand, sizeof(cand), "%s/%s", dir, name) < (int)sizeof(cand) &&
		    compatible(w, cand, dev, ino))
			found = strdup(cand);
	}
	return found;
}

/* DT_NEEDED, DT_SONAME, DT_RPATH, DT_RUNPATH and DF_1_NODEFLIB of the object's file. */
static int read_dynamic(struct lobj *l)
{
	Elf *elf = NULL;
	Elf_Scn *scn = NULL;
	int fd, err = 0;

	fd = open(l->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		err = -ENOEXEC;
		goto out;
	}
	while (!err && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;
		size_t i, n;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNAMIC || !sh.sh_entsize)
			continue;
		data = elf_getdata(scn, NULL);
		n = sh.sh_size / sh.sh_entsize;
		for (i = 0; data && i < n && !err; i++) {
			GElf_Dyn dyn;
			const char *s;
			char **more;

			if (!gelf_getdyn(data, (int)i, &dyn) || dyn.d_tag == DT_NULL)
				break;
			if (dyn.d_tag == DT_FLAGS_1) {
				l->nodeflib = dyn.d_un.d_val & DF_1_NODEFLIB;
				continue;
			}
			if (dyn.d_tag != DT_NEEDED && dyn.d_tag != DT_SONAME &&
			    dyn.d_tag != DT_RPATH && dyn.d_tag != DT_RUNPATH)
				continue;
			s = elf_strptr(elf, sh.sh_link, dyn.d_un.d_val);
			if (!s)
				continue;
			if (dyn.d_tag == DT_SONAME) {
				err = add_name(l, s) ? 0 : -ENOMEM;
			} else if (dyn.d_tag == DT_RPATH && !l->rpath) {
				err = (l->rpath = strdup(s)) ? 0 : -ENOMEM;
			} else if (dyn.d_tag == DT_RUNPATH && !l->runpath) {
				err = (l->runpath = strdup(s)) ? 0 : -ENOMEM;
			} else if (dyn.d_tag == DT_NEEDED) {
				more = realloc(l->needed, (l->nneeded + 1) * sizeof(*more));
				if (!more || !(more[l->nneeded] = strdup(s))) {
					if (more)
						l->needed = more;
					err = -ENOMEM;
					break;
				}
				l->needed = more;
				l->nneeded++;
			}
		}
	}
	/* both: ld.so ignores DT_RPATH */
	if (l->runpath) {
		free(l->rpath);
		l->rpath = NULL;
	}
out:
	elf_end(elf);
	close(fd);
	return err;
}

/* The folder of path, without resolving links (ld.so takes it from the name it opened). */
static char *dir_of(const char *path)
{
	char *d = strdup(path), *slash;

	if (!d)
		return NULL;
	slash = strrchr(d, '/');
	if (!slash)
		snprintf(d, strlen(d) + 1, ".");
	else if (slash == d)
		slash[1] = '\0';
	else
		*slash = '\0';
	return d;
}

static int find_loaded(const struct walk *w, const char *name, dev_t dev, ino_t ino, bool by_file)
{
	size_t i, j;

	for (i = 0; i < w->n; i++) {
		const struct lobj *l = &w->objs[i];

		if (by_file && l->path && l->dev == dev && l->ino == ino)
			return (int)i;
		if (by_file)
			continue;
		for (j = 0; j < l->nnames; j++) {
			if (!strcmp(l->names[j], name))
				return (int)i;
		}
		if (l->path && !strcmp(l->path, name))
			return (int)i;
	}
	return -1;
}

/* Map name as a dependency of object loader: appended to the walk (not found: path NULL). */
static int load(struct walk *w, int loader, const char *name)
{
	struct lobj *l;
	dev_t dev = 0;
	ino_t ino = 0;
	char *path;
	int i;

	if (find_loaded(w, name, 0, 0, false) >= 0 || w->n >= MAX_OBJS)
		return 0;
	path = locate(w, loader, name, &dev, &ino);
	i = path ? find_loaded(w, name, dev, ino, true) : -1;
	if (i >= 0) { /* the same file under another name */
		free(path);
		return add_name(&w->objs[i], name) ? 0 : -ENOMEM;
	}
	l = &w->objs[w->n];
	memset(l, 0, sizeof(*l));
	l->loader = loader;
	l->path = path;
	l->dev = dev;
	l->ino = ino;
	w->n++;
	if (!add_name(l, name))
		return -ENOMEM;
	if (!path)
		return 0;
	l->origin = dir_of(path);
	if (!l->origin)
		return -ENOMEM;
	if (read_dynamic(l) == -ENOMEM)
		return -ENOMEM;
	return 0;
}

static const char *base_name(const char *s)
{
	const char *b = strrchr(s, '/');

	return b ? b + 1 : s;
}

int ldso_find(const char *exe, const char *glob, const struct ldso_opts *o, char *out, size_t size)
{
	struct walk w = {.o = o};
	struct lobj *main_obj;
	char real[PATH_MAX];
	size_t i, j;
	int err = 0, match = -1;

	elf_version(EV_CURRENT);
	if (!realpath(exe, real))
		return -errno;
	w.objs = calloc(MAX_OBJS, sizeof(*w.objs));
	if (!w.objs)
		return -ENOMEM;
	main_obj = &w.objs[0];
	main_obj->loader = -1;
	w.n = 1;
	{
		unsigned char ident[EI_NIDENT + 4];
		uint16_t machine;
		int fd = open(real, O_RDONLY | O_CLOEXEC);
		ssize_t r = fd < 0 ? -1 : read(fd, ident, sizeof(ident));

		if (fd >= 0)
			close(fd);
		if (r != (ssize_t)sizeof(ident) || memcmp(ident, ELFMAG, SELFMAG)) {
			err = fd < 0 ? -errno : -ENOEXEC;
			goto out;
		}
		memcpy(&machine, ident + EI_NIDENT + 2, sizeof(machine));
		w.elf_class = ident[EI_CLASS];
		w.machine = machine;
	}
	main_obj->path = strdup(real);
	main_obj->origin = main_obj->path ? dir_of(real) : NULL;
	if (!main_obj->origin) {
		err = -ENOMEM;
		goto out;
	}
	err = read_dynamic(main_obj);
	if (err)
		goto out;
	/* LD_PRELOAD (space or colon separated) comes right after the executable */
	if (o->ld_preload) {
		char *list = strdup(o->ld_preload), *p, *save = NULL;

		for (p = list ? strtok_r(list, " :", &save) : NULL; p && !err;
		     p = strtok_r(NULL, " :", &save))
			err = load(&w, 0, p);
		free(list);
	}
	/* breadth first: each object's dependencies in order, after those already queued */
	for (i = 0; i < w.n && !err; i++) {
		for (j = 0; j < w.objs[i].nneeded && !err; j++)
			err = load(&w, (int)i, w.objs[i].needed[j]);
	}
	if (err)
		goto out;
	for (i = 1; i < w.n && match < 0; i++) {
		if (!fnmatch(glob, base_name(w.objs[i].names[0]), 0))
			match = (int)i;
	}
	if (match < 0) {
		err = -ENOENT;
		goto out;
	}
	if (!w.objs[match].path) {
		snprintf(out, size, "%s", w.objs[match].names[0]);
		err = -ELIBACC;
		goto out;
	}
	if (snprintf(out, size, "%s", w.objs[match].path) >= (int)size)
		err = -ENAMETOOLONG;
	pr_debug("ldso: %s loads %s as %s\n", real, w.objs[match].names[0], out);
out:
	for (i = 0; i < w.n; i++)
		lobj_free(&w.objs[i]);
	free(w.objs);
	return err;
}

/* The loader cache, glibc 2.32+ layout ("glibc-ld.so.cache" "1.1"), native byte order. */
struct cache_header {
	char magic[17];
	char version[3];
	uint32_t nlibs;
	uint32_t len_strings;
	uint8_t flags;
	uint8_t pad[3];
	uint32_t extension_offset;
	uint32_t unused[3];
};

struct cache_entry {
	int32_t flags;
	uint32_t key, value; /* string offsets from the start of the header */
	int32_t osversion;
	uint64_t hwcap;
};

_Static_assert(sizeof(struct cache_header) == 48, "ld.so.cache header");
_Static_assert(sizeof(struct cache_entry) == 24, "ld.so.cache entry");

#define CACHE_FLAG_ELF_LIBC6	 0x0003
#define CACHE_FLAG_X8664_LIB64	 0x0300
#define CACHE_FLAG_TYPE_MASK	 0x00ff
#define CACHE_FLAG_REQUIRED_MASK 0xff00

int ldso_cache_lookup(const char *cache, const char *name, char *out, size_t size)
{
	const struct cache_header *h;
	const struct cache_entry *e;
	char *buf = NULL;
	struct stat st;
	size_t i, start = 0;
	int fd, err = -ENOENT;

	fd = open(cache ? cache : "/etc/ld.so.cache", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || st.st_size < (off_t)sizeof(*h) || st.st_size > (64 << 20)) {
		err = -ENOEXEC;
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf || read(fd, buf, (size_t)st.st_size) != st.st_size) {
		err = buf ? -EIO : -ENOMEM;
		goto out;
	}
	buf[st.st_size] = '\0'; /* every string read below ends inside the buffer */
	/* an old-format ("ld.so-1.7.0") cache may come first: the new one follows it */
	if (memcmp(buf, "glibc-ld.so.cache1.1", 20)) {
		const char *p = memmem(buf, (size_t)st.st_size, "glibc-ld.so.cache1.1", 20);

		if (!p) {
			err = -ENOEXEC;
			goto out;
		}
		start = (size_t)(p - buf);
	}
	h = (const struct cache_header *)(buf + start);
	if ((size_t)st.st_size - start < sizeof(*h) ||
	    h->nlibs > ((size_t)st.st_size - start - sizeof(*h)) / sizeof(*e)) {
		err = -ENOEXEC;
		goto out;
	}
	e = (const struct cache_entry *)(h + 1);
	for (i = 0; i < h->nlibs && err; i++) {
		size_t key = start + e[i].key, value = start + e[i].value;

		if (key >= (size_t)st.st_size || value >= (size_t)st.st_size)
			continue;
		if ((e[i].flags & CACHE_FLAG_TYPE_MASK) != CACHE_FLAG_ELF_LIBC6 ||
		    (e[i].flags & CACHE_FLAG_REQUIRED_MASK) != CACHE_FLAG_X8664_LIB64 ||
		    e[i].hwcap || strcmp(buf + key, name))
			continue;
		err = snprintf(out, size, "%s", buf + value) >= (int)size ? -ENAMETOOLONG : 0;
	}
out:
	free(buf);
	close(fd);
	return err;
}
