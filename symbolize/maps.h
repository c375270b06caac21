/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A snapshot of /proc/PID/maps. Files are opened through the target's view of the file system
 * (/proc/PID/root/PATH), or through /proc/PID/map_files/START-END when the file was deleted or
 * replaced after it was mapped.
 */
#ifndef RTPROF_MAPS_H
#define RTPROF_MAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct proc_map {
	__u64 start;  /* first address */
	__u64 end;    /* one past the last address */
	__u64 offset; /* file offset mapped at start */
	__u64 inode;  /* 0 for anonymous mappings */
	unsigned int dev_major;
	unsigned int dev_minor;
	char perms[5]; /* "r-xp" */
	char *path;    /* path as the target sees it, "[vdso]", or NULL when anonymous */
	bool deleted;  /* the path was followed by " (deleted)" */
};

struct proc_maps {
	int pid;
	size_t n;
	struct proc_map *maps; /* sorted by start, as the kernel lists them */
};

/* Read /proc/PID/maps; NULL with errno ESRCH when the process does not exist. */
struct proc_maps *proc_maps__read(int pid);
void proc_maps__free(struct proc_maps *maps);
/* Parse one line of a maps file (NUL-terminated, changed in place) into m, as proc_maps__read()
 * does with each line: 0 (m->path is allocated, or NULL), -EINVAL or -ENOMEM. */
int proc_map__parse(char *line, struct proc_map *m);

/* Mapping that contains addr, or NULL. */
const struct proc_map *proc_maps__find(const struct proc_maps *maps, __u64 addr);

/* True for a mapping backed by a regular file (not anonymous, not [vdso], [heap], ...). */
bool proc_map__is_file(const struct proc_map *map);

/* Path through which this process can open the file behind map. Returns 0 or -ENAMETOOLONG. */
int proc_map__open_path(const struct proc_maps *maps, const struct proc_map *map, char *buf,
			size_t size);

#endif
