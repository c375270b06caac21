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
	int root_fd; /* >= 0: a pinned snapshot (struct maps_pins), files open through this fd of
		      * the process's root directory, which outlives the process; -1: live */
	size_t n;
	struct proc_map *maps; /* sorted by start, as the kernel lists them */
};

/* Read /proc/PID/maps; NULL with errno ESRCH when the process does not exist. */
struct proc_maps *proc_maps__read(int pid);
void proc_maps__free(struct proc_maps *maps);
/* Parse one line of a maps file (NUL-terminated, changed in place) into m, as proc_maps__read()
 * does with each line: 0 (m->path is allocated, or NULL), -EINVAL or -ENOMEM. */
int proc_map__parse(char *line, struct proc_map *m);

/* A copy of maps (the same root_fd, not duplicated). NULL with errno. */
struct proc_maps *proc_maps__dup(const struct proc_maps *maps);

/*
 * Pins: the maps of short-lived processes, read as soon as they are seen (the capture queue's
 * reader, at a new image's first sample), with a descriptor of their root directory. When the
 * process is gone by the time its snapshot is taken, maps_pins__read gives the pinned maps, and
 * its files still open through the root descriptor (the same file system view, other mount
 * namespaces included). Thread-safe.
 */
struct maps_pins;

struct maps_pins *maps_pins__new(void);
void maps_pins__free(struct maps_pins *pins);
/* Read pid's maps now and keep them (replacing an older pin of pid). 0 or a negative errno. */
int maps_pins__pin(struct maps_pins *pins, int pid);
/* While pid's pin is younger than young_ns, read its maps again, at most every every_ns, when addr
 * (a sample's instruction pointer) is outside them or the dynamic loader had not mapped the
 * libraries yet (a young process maps them after its first sample). */
void maps_pins__young(struct maps_pins *pins, int pid, __u64 addr, __u64 every_ns, __u64 young_ns);
/* Forget the pin of pid (it is gone and done with). */
void maps_pins__drop(struct maps_pins *pins, int pid);
/* pid's maps: read now when it lives, else a copy of its pin; pins may be NULL (then as
 * proc_maps__read). NULL with errno ESRCH when neither. */
struct proc_maps *maps_pins__read(struct maps_pins *pins, int pid);

/* Mapping that contains addr, or NULL. */
const struct proc_map *proc_maps__find(const struct proc_maps *maps, __u64 addr);

/* True for a mapping backed by a regular file (not anonymous, not [vdso], [heap], ...). */
bool proc_map__is_file(const struct proc_map *map);

struct stat;
/* Are two fstat()s of the same file, unchanged (device, inode, size, modification time)? False
 * when either has no inode. */
bool stat__same_file(const struct stat *a, const struct stat *b);

/* Path through which this process can open the file behind map. Returns 0 or -ENAMETOOLONG. */
int proc_map__open_path(const struct proc_maps *maps, const struct proc_map *map, char *buf,
			size_t size);

#endif
