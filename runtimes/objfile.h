/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An ELF object a process maps, opened through the process's view of the file system, for the
 * interpreter searches (runtimes/python_frames.c, runtimes/ruby_frames.c): symbols by name,
 * bytes at a link-time address, the load bias of a mapping.
 */
#ifndef RTPROF_OBJFILE_H
#define RTPROF_OBJFILE_H

#include <stddef.h>
#include <gelf.h>
#include <linux/types.h>

#include "symbolize/maps.h"

struct objfile {
	int fd;
	Elf *elf;
};

/* Open the object of mapping m: 0, -ENOENT (not ELF), or a negative errno. */
int objfile__open(struct objfile *f, const struct proc_maps *maps, const struct proc_map *m);
void objfile__close(struct objfile *f);
/* Link-time addresses of the defined symbols names[0..n), from .dynsym then .symtab; missing
 * ones stay 0 (values[] must start zeroed). */
void objfile__find_symbols(Elf *elf, const char *const *names, __u64 *values, size_t n);
/* len bytes at link-time address vaddr (through the PT_LOAD segments): 0 or -ENOENT/-EIO. */
int objfile__read_vaddr(struct objfile *f, __u64 vaddr, void *buf, size_t len);
/* Load bias of the object mapped as m (process address minus link-time address). */
int objfile__load_bias(struct objfile *f, const struct proc_map *m, __u64 *bias);

/* Call probe for each executable file mapping of pid (each file once, in address order) until
 * it returns something other than -ENOENT: that result (0: found), or -ENOENT when every probe
 * said so; -ESRCH when the process is gone. */
int objfile__find_in(int pid,
		     int (*probe)(const struct proc_maps *maps, const struct proc_map *m,
				  void *ctx),
		     void *ctx);

#endif
