/* SPDX-License-Identifier: GPL-2.0 */
/*
 * objnew: allocations by type aggregated in BPF, shared by objnew.bpf.c and profiler/objnew.c.
 * Keyed by the class-name address the runtime passes (stable while the class exists) and the
 * kind of probe; the name is read once, when the key is first seen.
 */
#ifndef RTPROF_BPF_OBJNEW_H
#define RTPROF_BPF_OBJNEW_H

#ifndef __bpf__
#include <linux/types.h>
#endif

enum objnew_kind {
	OBJNEW_RB_OBJECT = 1, /* ruby object__create(classname, file, line) */
	OBJNEW_RB_STRING,     /* ruby string__create(length, file, line): bytes = length */
	OBJNEW_RB_ARRAY,      /* ruby array__create(length, ...): bytes = elements */
	OBJNEW_RB_HASH,	      /* ruby hash__create(length, ...): bytes = entries */
	OBJNEW_JVM,	      /* hotspot object__alloc(tid, class, class_len, size) */
};

#define OBJNEW_NAME_LEN 96

struct objnew_key {
	__u64 klass;
	__u32 kind;
	__u32 pad;
};

struct objnew_stats {
	__u64 count;
	__u64 bytes;
};

struct objnew_name {
	char klass[OBJNEW_NAME_LEN];
};

#endif
