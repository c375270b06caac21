// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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
	maps->root_fd = -1;
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

bool stat__same_file(const struct stat *a, const struct stat *b)
{
	return a->st_ino && a->st_ino == b->st_ino && a->st_dev == b->st_dev &&
	       a->st_size == b->st_size && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
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
	else if (maps->root_fd >= 0) /* a pin: the process may be gone, its root is not */
		n = snprintf(buf, size, "/proc/self/fd/%d%s", maps->root_fd, map->path);
	else
		n = snprintf(buf, size, "/proc/%d/root%s", maps->pid, map->path);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

struct proc_maps *proc_maps__dup(const struct proc_maps *maps)
{
	struct proc_maps *d = calloc(1, sizeof(*d));
	size_t i;

	if (!d)
		return NULL;
	*d = *maps;
	d->n = 0;
	d->maps = calloc(maps->n ? maps->n : 1, sizeof(*d->maps));
	if (!d->maps)
		goto fail;
	for (i = 0; i < maps->n; i++, d->n++) {
		d->maps[i] = maps->maps[i];
		if (maps->maps[i].path && !(d->maps[i].path = strdup(maps->maps[i].path)))
			goto fail;
	}
	return d;
fail:
	proc_maps__free(d);
	errno = ENOMEM;
	return NULL;
}

#define MAPS_PINS_MAX 4096 /* pins kept at most; the oldest goes first */

struct maps_pin {
	struct proc_maps *maps;	 /* root_fd owned here */
	__u64 seq;		 /* when pinned: the oldest goes when full */
	__u64 first_ns, read_ns; /* CLOCK_MONOTONIC: first pinned (this image), last read */
	bool loader_only;	 /* two files mapped at most: the dynamic loader is still at work */
	int mntns_fd;		 /* the mount namespace: its mounts stay after the process goes */
};

struct maps_pins {
	pthread_mutex_t lock;
	struct maps_pin *v;
	size_t n, cap;
	__u64 seq;
};

struct maps_pins *maps_pins__new(void)
{
	struct maps_pins *p = calloc(1, sizeof(*p));

	if (p)
		pthread_mutex_init(&p->lock, NULL);
	return p;
}

static void pin_free(struct maps_pin *pin)
{
	if (pin->maps && pin->mntns_fd >= 0)
		close(pin->mntns_fd);
	if (pin->maps && pin->maps->root_fd >= 0)
		close(pin->maps->root_fd);
	proc_maps__free(pin->maps);
	pin->maps = NULL;
}

void maps_pins__free(struct maps_pins *pins)
{
	size_t i;

	if (!pins)
		return;
	for (i = 0; i < pins->n; i++)
		pin_free(&pins->v[i]);
	free(pins->v);
	pthread_mutex_destroy(&pins->lock);
	free(pins);
}

static struct maps_pin *pin_find(struct maps_pins *pins, int pid)
{
	size_t i;

	for (i = 0; i < pins->n; i++)
		if (pins->v[i].maps->pid == pid)
			return &pins->v[i];
	return NULL;
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int pin(struct maps_pins *pins, int pid, bool again);

static bool same_mntns(int fd)
{
	struct stat a, b;

	return !fstat(fd, &a) && !stat("/proc/self/ns/mnt", &b) && a.st_ino == b.st_ino &&
	       a.st_dev == b.st_dev;
}

static size_t files_mapped(const struct proc_maps *maps)
{
	size_t i, n = 0;

	for (i = 0; i < maps->n; i++)
		if (proc_map__is_file(&maps->maps[i]) && maps->maps[i].offset == 0 &&
		    (!i || !maps->maps[i - 1].path ||
		     strcmp(maps->maps[i - 1].path, maps->maps[i].path)))
			n++;
	return n;
}

int maps_pins__pin(struct maps_pins *pins, int pid)
{
	return pin(pins, pid, false);
}

void maps_pins__young(struct maps_pins *pins, int pid, __u64 addr, __u64 every_ns, __u64 young_ns)
{
	struct maps_pin *p;
	bool again;
	__u64 now;

	if (!pins)
		return;
	now = now_ns();
	pthread_mutex_lock(&pins->lock);
	p = pin_find(pins, pid);
	again = p && now - p->first_ns < young_ns && now - p->read_ns >= every_ns &&
		(p->loader_only || !proc_maps__find(p->maps, addr));
	if (again)
		p->read_ns = now; /* one reader at a time */
	pthread_mutex_unlock(&pins->lock);
	if (again)
		pin(pins, pid, true);
}

/* A new pin of pid (again: a newer read of the same image, which keeps its first_ns). */
static int pin(struct maps_pins *pins, int pid, bool again)
{
	struct proc_maps *maps = proc_maps__read(pid);
	struct maps_pin *pin;
	char root[64];
	size_t i, old;
	int err = 0, mntns_fd;

	if (!maps)
		return -errno;
	snprintf(root, sizeof(root), "/proc/%d/root", pid);
	maps->root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (maps->root_fd < 0) {
		err = -errno;
		proc_maps__free(maps);
		return err;
	}
	/* a namespace that ends with the process would take its mounts (a container's files) */
	snprintf(root, sizeof(root), "/proc/%d/ns/mnt", pid);
	mntns_fd = open(root, O_RDONLY | O_CLOEXEC);
	if (mntns_fd >= 0 && same_mntns(mntns_fd)) { /* ours: nothing to hold */
		close(mntns_fd);
		mntns_fd = -1;
	}
	pthread_mutex_lock(&pins->lock);
	pin = pin_find(pins, pid);
	if (!pin && pins->n == MAPS_PINS_MAX) {
		for (i = 1, old = 0; i < pins->n; i++)
			if (pins->v[i].seq < pins->v[old].seq)
				old = i;
		pin = &pins->v[old];
	}
	if (!pin && pins->n == pins->cap) {
		size_t cap = pins->cap ? pins->cap * 2 : 64;
		struct maps_pin *v = realloc(pins->v, cap * sizeof(*v));

		if (!v) {
			err = -ENOMEM;
			goto out;
		}
		pins->v = v;
		pins->cap = cap;
	}
	if (!pin) {
		pin = &pins->v[pins->n++];
		pin->maps = NULL;
		again = false;
	}
	pin_free(pin);
	pin->maps = maps;
	pin->mntns_fd = mntns_fd;
	mntns_fd = -1;
	pin->seq = ++pins->seq;
	pin->read_ns = now_ns();
	pin->loader_only = files_mapped(maps) <= 2;
	if (!again)
		pin->first_ns = pin->read_ns;
	maps = NULL;
out:
	pthread_mutex_unlock(&pins->lock);
	if (maps) {
		close(maps->root_fd);
		proc_maps__free(maps);
	}
	if (mntns_fd >= 0)
		close(mntns_fd);
	return err;
}

void maps_pins__drop(struct maps_pins *pins, int pid)
{
	struct maps_pin *pin;

	if (!pins)
		return;
	pthread_mutex_lock(&pins->lock);
	pin = pin_find(pins, pid);
	if (pin) {
		pin_free(pin);
		*pin = pins->v[--pins->n];
	}
	pthread_mutex_unlock(&pins->lock);
}

struct proc_maps *maps_pins__read(struct maps_pins *pins, int pid)
{
	struct proc_maps *maps = proc_maps__read(pid), *copy = NULL;
	struct maps_pin *pin;

	if (maps || !pins || errno != ESRCH)
		return maps;
	pthread_mutex_lock(&pins->lock);
	pin = pin_find(pins, pid);
	if (pin)
		copy = proc_maps__dup(pin->maps);
	pthread_mutex_unlock(&pins->lock);
	if (!pin)
		errno = ESRCH;
	return copy;
}
