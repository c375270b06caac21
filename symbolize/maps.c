// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "symbolize/maps.h"

static const char deleted_suffix[] = " (deleted)";

int proc_map__parse(char *line, struct proc_map *m)
{
	unsigned long long start, end, offset, inode;
	int path_at = 0;
	size_t len;
	char *path;

	memset(m, 0, sizeof(*m));
	if (sscanf(line, "%llx-%llx %4s %llx %x:%x %llu %n", &start, &end, m->perms, &offset,
		   &m->dev_major, &m->dev_minor, &inode, &path_at) < 7)
		return -EINVAL;
	m->start = start;
	m->end = end;
	m->offset = offset;
	m->inode = inode;
	path = line + path_at;
	len = strcspn(path, "\n");
	path[len] = '\0';
	if (len == 0)
		return 0;
	if (len > sizeof(deleted_suffix) - 1 &&
	    !strcmp(path + len - (sizeof(deleted_suffix) - 1), deleted_suffix)) {
		m->deleted = true;
		path[len - (sizeof(deleted_suffix) - 1)] = '\0';
	}
	m->path = strdup(path);
	return m->path ? 0 : -ENOMEM;
}

struct proc_maps *proc_maps__read(int pid)
{
	struct proc_maps *maps = NULL;
	char fname[64], *line = NULL;
	size_t cap = 0, line_cap = 0;
	FILE *f = NULL;
	int err = 0;

	snprintf(fname, sizeof(fname), "/proc/%d/maps", pid);
	f = fopen(fname, "re");
	if (!f) {
		err = errno == ENOENT ? -ESRCH : -errno;
		goto cleanup;
	}
	maps = calloc(1, sizeof(*maps));
	if (!maps) {
		err = -ENOMEM;
		goto cleanup;
	}
	maps->pid = pid;
	while (getline(&line, &line_cap, f) > 0) {
		if (maps->n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct proc_map *nm = realloc(maps->maps, ncap * sizeof(*nm));

			if (!nm) {
				err = -ENOMEM;
				goto cleanup;
			}
			maps->maps = nm;
			cap = ncap;
		}
		err = proc_map__parse(line, &maps->maps[maps->n]);
		if (err)
			goto cleanup;
		maps->n++;
	}
	/* A process that exited between open and read leaves an empty file. */
	if (maps->n == 0)
		err = -ESRCH;
cleanup:
	if (f)
		fclose(f);
	free(line);
	if (err) {
		proc_maps__free(maps);
		errno = -err;
		return NULL;
	}
	return maps;
}

void proc_maps__free(struct proc_maps *maps)
{
	size_t i;

	if (!maps)
		return;
	for (i = 0; i < maps->n; i++)
		free(maps->maps[i].path);
	free(maps->maps);
	free(maps);
}

const struct proc_map *proc_maps__find(const struct proc_maps *maps, __u64 addr)
{
	size_t lo = 0, hi = maps->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct proc_map *m = &maps->maps[mid];

		if (addr < m->start)
			hi = mid;
		else if (addr >= m->end)
			lo = mid + 1;
		else
			return m;
	}
	return NULL;
}

bool proc_map__is_file(const struct proc_map *map)
{
	return map->path && map->path[0] == '/' && map->inode != 0;
}

int proc_map__open_path(const struct proc_maps *maps, const struct proc_map *map, char *buf,
			size_t size)
{
	int n;

	if (map->deleted)
		n = snprintf(buf, size, "/proc/%d/map_files/%" PRIx64 "-%" PRIx64, maps->pid,
			     (uint64_t)map->start, (uint64_t)map->end);
	else
		n = snprintf(buf, size, "/proc/%d/root%s", maps->pid, map->path);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}
