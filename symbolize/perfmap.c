// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/log.h"
#include "symbolize/arena.h"
#include "symbolize/perfmap.h"

struct perf_entry {
	__u64 start, size;
	const char *name;
	size_t seq; /* line number: later lines win */
};

struct perf_map {
	int fd;
	char *path;
	off_t parsed; /* bytes parsed (whole lines) */
	/* the last bytes parsed: unchanged when the writer appends (node), changed when it
	 * rewrites the whole map (the JVM's Compiler.perfmap), which is then parsed again */
	char tail[64];
	size_t tail_len;
	struct perf_entry *e;
	size_t n, cap;
	__u64 max_size; /* largest entry: bounds the backward scan */
};

static int open_checked(const char *path, uid_t uid, int *fdp)
{
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return -ENOENT;
	}
	if (st.st_uid != uid) {
		pr_warn("symbolize: ignoring %s: owned by uid %u, not by the target's uid %u\n",
			path, (unsigned)st.st_uid, (unsigned)uid);
		close(fd);
		return -EPERM;
	}
	*fdp = fd;
	return 0;
}

struct perf_map *perf_map__new(void)
{
	struct perf_map *pm = calloc(1, sizeof(*pm));

	if (!pm) {
		errno = ENOMEM;
		return NULL;
	}
	pm->fd = -1;
	return pm;
}

struct perf_map *perf_map__open(int pid, int nspid, uid_t uid)
{
	struct perf_map *pm = NULL;
	char path[2][128];
	int fd = -1, err = -ENOENT, i;

	snprintf(path[0], sizeof(path[0]), "/proc/%d/root/tmp/perf-%d.map", pid, nspid);
	snprintf(path[1], sizeof(path[1]), "/tmp/perf-%d.map", pid);
	for (i = 0; i < 2; i++) {
		err = open_checked(path[i], uid, &fd);
		if (err != -ENOENT)
			break;
	}
	if (err)
		goto cleanup;
	pm = perf_map__new();
	if (!pm || !(pm->path = strdup(path[i]))) {
		err = -ENOMEM;
		goto cleanup;
	}
	pm->fd = fd;
	fd = -1;
cleanup:
	if (fd >= 0)
		close(fd);
	if (err) {
		perf_map__free(pm);
		errno = -err;
		return NULL;
	}
	return pm;
}

void perf_map__free(struct perf_map *pm)
{
	if (!pm)
		return;
	if (pm->fd >= 0)
		close(pm->fd);
	free(pm->path);
	free(pm->e);
	free(pm);
}

static int cmp_entry(const void *a, const void *b)
{
	const struct perf_entry *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int parse_line(struct perf_map *pm, char *line, struct arena *strings)
{
	unsigned long long start, size;
	struct perf_entry *e;
	char *p = line, *end;
	const char *name;

	start = strtoull(p, &end, 16);
	if (end == p || *end != ' ')
		return 0;
	p = end + 1;
	size = strtoull(p, &end, 16);
	if (end == p || *end != ' ')
		return 0;
	p = end + 1;
	/* HotSpot's template interpreter is one code blob: frames in it are interpreted methods */
	if (!strcmp(p, "Interpreter"))
		p = "[java interpreted]";
	name = arena__intern(strings, p, strlen(p));
	if (!name)
		return -ENOMEM;
	if (pm->n == pm->cap) {
		size_t ncap = pm->cap ? pm->cap * 2 : 1024;
		struct perf_entry *ne = realloc(pm->e, ncap * sizeof(*ne));

		if (!ne)
			return -ENOMEM;
		pm->e = ne;
		pm->cap = ncap;
	}
	e = &pm->e[pm->n];
	e->start = start;
	e->size = size;
	e->name = name;
	e->seq = pm->n;
	pm->n++;
	if (size > pm->max_size)
		pm->max_size = size;
	return 0;
}

ssize_t perf_map__parse(struct perf_map *pm, char *text, struct arena *strings)
{
	char *line, *nl;
	size_t old_n = pm->n;
	int err = 0;

	for (line = text; (nl = strchr(line, '\n')); line = nl + 1) {
		*nl = '\0';
		err = parse_line(pm, line, strings);
		if (err)
			break;
	}
	if (pm->n != old_n)
		qsort(pm->e, pm->n, sizeof(*pm->e), cmp_entry);
	return err ? err : line - text;
}

int perf_map__update(struct perf_map *pm, struct arena *strings)
{
	struct stat st;
	char *buf = NULL;
	ssize_t got, parsed;
	size_t len;
	int err = 0;

	if (fstat(pm->fd, &st))
		return -errno;
	if (pm->tail_len) {
		char now[sizeof(pm->tail)];

		if (st.st_size < pm->parsed ||
		    pread(pm->fd, now, pm->tail_len, pm->parsed - pm->tail_len) !=
			    (ssize_t)pm->tail_len ||
		    memcmp(now, pm->tail, pm->tail_len)) {
			pm->parsed = 0; /* rewritten: start again */
			pm->n = 0;
			pm->max_size = 0;
			pm->tail_len = 0;
		}
	}
	if (st.st_size <= pm->parsed)
		return 0;
	len = st.st_size - pm->parsed;
	buf = malloc(len + 1);
	if (!buf)
		return -ENOMEM;
	got = pread(pm->fd, buf, len, pm->parsed);
	if (got < 0) {
		err = -errno;
		goto cleanup;
	}
	buf[got] = '\0';
	parsed = perf_map__parse(pm, buf, strings);
	if (parsed < 0) {
		err = (int)parsed;
		goto cleanup;
	}
	/* a partial last line is read again next time */
	pm->parsed += parsed;
	if (pm->parsed) {
		pm->tail_len = pm->parsed < (off_t)sizeof(pm->tail) ? (size_t)pm->parsed
								    : sizeof(pm->tail);
		if (pread(pm->fd, pm->tail, pm->tail_len, pm->parsed - pm->tail_len) !=
		    (ssize_t)pm->tail_len)
			pm->tail_len = 0;
	}
cleanup:
	free(buf);
	return err;
}

const char *perf_map__find(const struct perf_map *pm, __u64 addr, __u64 *start)
{
	const struct perf_entry *best = NULL;
	size_t lo = 0, hi = pm->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (pm->e[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* entries at or below addr, nearest first, until none can reach it */
	while (lo-- > 0) {
		const struct perf_entry *e = &pm->e[lo];

		if (addr - e->start >= pm->max_size)
			break;
		if (addr - e->start < e->size && (!best || e->seq > best->seq))
			best = e;
	}
	if (!best)
		return NULL;
	*start = best->start;
	return best->name;
}
