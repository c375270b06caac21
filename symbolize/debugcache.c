// SPDX-License-Identifier: GPL-2.0
/*
 * The persistent cache of decompressed debug files (see debugcache.h).
 *
 * A new entry is a copy of the debug file made in the cache folder under a temporary name;
 * libelf then decompresses each SHF_COMPRESSED section in place (ELF_C_RDWR) and lays the file
 * out again, the copy is checked as a reader checks an entry, and renamed to its final name. The
 * section contents are the bytes libdw would have inflated in memory, so names, lines and inline
 * frames read from the copy are those read from the original. A reader trusts an entry only
 * after checking it (ELF, build-id, every section inside the file, nothing compressed): a
 * truncated or foreign file is removed and the original used.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <elfutils/libdwelf.h>
#include <gelf.h>

#include "lib/log.h"
#include "symbolize/debugcache.h"

#define CACHE_MAX_MB_DEFAULT 2048
#define TMP_STALE_S	     3600 /* s: a temporary file this old was left by a writer that died */

struct debug_cache {
	char *dir;
	unsigned long long max_bytes;
};

static char *default_dir(void)
{
	const char *env = getenv("RTPROF_CACHE_DIR"), *home;
	char *dir = NULL;

	if (env && *env)
		return strdup(env);
	env = getenv("XDG_CACHE_HOME");
	if (env && env[0] == '/') {
		if (asprintf(&dir, "%s/rtprof/debug", env) < 0)
			return NULL;
		return dir;
	}
	home = getenv("HOME");
	if (!home || home[0] != '/')
		return NULL;
	if (asprintf(&dir, "%s/.cache/rtprof/debug", home) < 0)
		return NULL;
	return dir;
}

struct debug_cache *debug_cache__new(void)
{
	const char *off = getenv("RTPROF_NO_CACHE"), *max = getenv("RTPROF_CACHE_MAX_MB");
	struct debug_cache *c;

	if (off && *off && strcmp(off, "0"))
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->dir = default_dir();
	if (!c->dir) {
		free(c);
		return NULL;
	}
	c->max_bytes = (unsigned long long)CACHE_MAX_MB_DEFAULT << 20;
	if (max && *max) {
		char *end;
		unsigned long long mb;

		errno = 0;
		mb = strtoull(max, &end, 10);
		if (errno || *end || max[0] == '-' || !mb || mb > (1ULL << 40))
			pr_warn("RTPROF_CACHE_MAX_MB=%s: not a positive number of MiB; the bound "
				"stays %d MiB\n",
				max, CACHE_MAX_MB_DEFAULT);
		else
			c->max_bytes = mb << 20;
	}
	return c;
}

void debug_cache__free(struct debug_cache *c)
{
	if (!c)
		return;
	free(c->dir);
	free(c);
}

/* DIR/BB/REST.debug; NULL when out of memory or the build-id is too short to name a file. */
static char *entry_path(const struct debug_cache *c, const unsigned char *bid, size_t len)
{
	char hex[2 * 64 + 1], *path = NULL;
	size_t i;

	if (len < 2 || len > 64)
		return NULL;
	for (i = 0; i < len; i++)
		sprintf(hex + 2 * i, "%02x", bid[i]);
	if (asprintf(&path, "%s/%.2s/%s.debug", c->dir, hex, hex + 2) < 0)
		return NULL;
	return path;
}

/* mkdir -p of path's folder */
static int make_parents(const char *path)
{
	char *p = strdup(path), *s;
	int err = 0;

	if (!p)
		return -ENOMEM;
	for (s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(p, 0755) && errno != EEXIST) {
			err = -errno;
			break;
		}
		*s = '/';
	}
	free(p);
	return err;
}

/* Whether elf has a SHF_COMPRESSED section; -1 when its section headers cannot be read. */
static int has_compressed(Elf *elf)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh))
			return -1;
		if (sh.sh_flags & SHF_COMPRESSED)
			return 1;
	}
	return 0;
}

/* An entry is used only when it is ELF, every section lies inside the file, nothing is
 * compressed and its build-id is bid. */
static bool entry_ok(int fd, const unsigned char *bid, size_t len)
{
	const void *id = NULL;
	Elf_Scn *scn = NULL;
	struct stat st;
	GElf_Ehdr eh;
	GElf_Shdr sh;
	size_t shnum;
	bool ok = false;
	Elf *elf;

	if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		return false;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh) ||
	    elf_getshdrnum(elf, &shnum) || !shnum ||
	    eh.e_shoff + (unsigned long long)shnum * eh.e_shentsize >
		    (unsigned long long)st.st_size)
		goto cleanup;
	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh) || (sh.sh_flags & SHF_COMPRESSED))
			goto cleanup;
		if (sh.sh_type != SHT_NOBITS &&
		    sh.sh_offset + sh.sh_size > (unsigned long long)st.st_size)
			goto cleanup;
	}
	ok = dwelf_elf_gnu_build_id(elf, &id) == (ssize_t)len && !memcmp(id, bid, len);
cleanup:
	if (elf)
		elf_end(elf);
	return ok;
}

int debug_cache__open(struct debug_cache *c, const unsigned char *bid, size_t len, char **path)
{
	char *p;
	int fd;

	if (!c)
		return -1;
	p = entry_path(c, bid, len);
	if (!p)
		return -1;
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(p);
		return -1;
	}
	if (!entry_ok(fd, bid, len)) {
		pr_warn("debug cache: %s: damaged entry removed; reading the original debug file\n",
			p);
		close(fd);
		unlink(p);
		free(p);
		return -1;
	}
	futimens(fd, NULL); /* last use, for the eviction order */
	pr_debug("debug cache: %s\n", p);
	*path = p;
	return fd;
}

struct entry {
	char *path;
	unsigned long long size;
	struct timespec mtime;
};

static int entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (x->mtime.tv_sec != y->mtime.tv_sec)
		return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
	return (x->mtime.tv_nsec > y->mtime.tv_nsec) - (x->mtime.tv_nsec < y->mtime.tv_nsec);
}

/* Remove the least recently used entries (never keep) until the cache fits in max_bytes, and
 * temporary files their writers left. */
static void evict(const struct debug_cache *c, const char *keep)
{
	struct entry *v = NULL, *nv;
	size_t n = 0, cap = 0, i;
	unsigned long long total = 0;
	struct dirent *d, *e;
	DIR *top, *sub;
	time_t now = time(NULL);

	top = opendir(c->dir);
	if (!top)
		return;
	while ((d = readdir(top))) {
		char *subdir;

		if (d->d_name[0] == '.' || asprintf(&subdir, "%s/%s", c->dir, d->d_name) < 0)
			continue;
		sub = opendir(subdir);
		while (sub && (e = readdir(sub))) {
			struct stat st;
			char *p;

			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			if (asprintf(&p, "%s/%s", subdir, e->d_name) < 0)
				continue;
			if (stat(p, &st) || !S_ISREG(st.st_mode)) {
				free(p);
				continue;
			}
			if (e->d_name[0] == '.') {
				if (now - st.st_mtime > TMP_STALE_S)
					unlink(p);
				free(p);
				continue;
			}
			if (n == cap) {
				cap = cap ? 2 * cap : 64;
				nv = realloc(v, cap * sizeof(*v));
				if (!nv) {
					free(p);
					break;
				}
				v = nv;
			}
			v[n++] = (struct entry){p, (unsigned long long)st.st_size, st.st_mtim};
			total += st.st_size;
		}
		if (sub)
			closedir(sub);
		free(subdir);
	}
	closedir(top);
	qsort(v, n, sizeof(*v), entry_cmp);
	for (i = 0; i < n && total > c->max_bytes; i++) {
		if (!strcmp(v[i].path, keep))
			continue;
		if (!unlink(v[i].path)) {
			pr_debug("debug cache: evicted %s\n", v[i].path);
			total -= v[i].size;
		}
	}
	for (i = 0; i < n; i++)
		free(v[i].path);
	free(v);
}

/* Copy fd (from offset 0) to out. */
static int copy_file(int fd, int out)
{
	struct stat st;
	off_t off = 0;
	ssize_t n;

	if (fstat(fd, &st))
		return -errno;
	while (off < st.st_size) {
		n = sendfile(out, fd, &off, st.st_size - off);
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
	}
	return 0;
}

/* Decompress every compressed section of the file open read-write as fd, in place. */
static int decompress_file(int fd)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	Elf *elf;
	int err = 0;

	elf = elf_begin(fd, ELF_C_RDWR, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		err = -ENOEXEC;
		goto cleanup;
	}
	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh)) {
			err = -ENOEXEC;
			goto cleanup;
		}
		if ((sh.sh_flags & SHF_COMPRESSED) && elf_compress(scn, 0, 0) < 0) {
			err = -ENOEXEC;
			goto cleanup;
		}
	}
	if (elf_update(elf, ELF_C_WRITE) < 0)
		err = -EIO;
cleanup:
	if (err)
		pr_debug("debug cache: decompress: %s\n", elf_errmsg(-1));
	if (elf)
		elf_end(elf);
	return err;
}

int debug_cache__store(struct debug_cache *c, const unsigned char *bid, size_t len, int fd,
		       char **path)
{
	char *p = NULL, *tmp = NULL, *slash;
	int tfd = -1, out = -1, err = 0, comp;
	Elf *elf;

	if (!c)
		return -1;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	comp = elf && elf_kind(elf) == ELF_K_ELF ? has_compressed(elf) : -1;
	if (elf)
		elf_end(elf);
	if (comp != 1)
		return -1; /* nothing to gain (or not ELF: libdwfl says so) */
	p = entry_path(c, bid, len);
	err = p ? make_parents(p) : -ENOMEM;
	if (err)
		goto cleanup;
	slash = strrchr(p, '/');
	if (asprintf(&tmp, "%.*s/.tmp.XXXXXX", (int)(slash - p), p) < 0) {
		tmp = NULL;
		err = -ENOMEM;
		goto cleanup;
	}
	tfd = mkostemp(tmp, O_CLOEXEC);
	if (tfd < 0) {
		err = -errno;
		goto cleanup;
	}
	fchmod(tfd, 0644);
	err = copy_file(fd, tfd);
	if (!err)
		err = decompress_file(tfd);
	if (!err && !entry_ok(tfd, bid, len))
		err = -EIO;
	if (!err && rename(tmp, p))
		err = -errno;
	if (err)
		goto cleanup;
	out = open(p, O_RDONLY | O_CLOEXEC);
	if (out < 0) {
		err = -errno;
		goto cleanup;
	}
	pr_debug("debug cache: stored %s\n", p);
	evict(c, p);
	*path = p;
	p = NULL;
cleanup:
	if (err) {
		pr_debug("debug cache: cannot store %s: %s\n", p ? p : "an entry", strerror(-err));
		if (tmp && tfd >= 0)
			unlink(tmp);
	}
	if (tfd >= 0)
		close(tfd);
	free(tmp);
	free(p);
	return out;
}
