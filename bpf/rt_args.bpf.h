/* SPDX-License-Identifier: GPL-2.0 */
/*
 * BPF side of bpf/usdt_events.h: read a method probe's arguments by the layout in its cookie,
 * match the method filters, count rare conditions. Included by the BPF programs of flow, calls
 * and gc (BPF only).
 */
#ifndef RTPROF_BPF_RT_ARGS_H
#define RTPROF_BPF_RT_ARGS_H

#include <bpf/usdt.bpf.h>
#include "bpf/usdt_events.h"

/* Where a method's strings are in the target. A length of 0 means NUL-terminated. file is the
 * source file; for the JVM, which passes none, it is the method's signature: the third string
 * that tells a method apart (overloads share class and name). */
struct rt_method_ptrs {
	__u64 klass, method, file;
	__u32 klass_len, method_len, file_len;
	__u32 line;
};

static __always_inline long rt_arg(struct pt_regs *ctx, __u64 n)
{
	long v = 0;

	bpf_usdt_arg(ctx, n, &v);
	return v;
}

static __always_inline int rt_method_ptrs(struct pt_regs *ctx, __u32 layout,
					  struct rt_method_ptrs *p)
{
	__builtin_memset(p, 0, sizeof(*p));
	switch (layout) {
	case RT_L_PY:
		p->file = rt_arg(ctx, 0);
		p->method = rt_arg(ctx, 1);
		p->line = (__u32)rt_arg(ctx, 2);
		return 0;
	case RT_L_RUBY:
		p->klass = rt_arg(ctx, 0);
		p->method = rt_arg(ctx, 1);
		p->file = rt_arg(ctx, 2);
		p->line = (__u32)rt_arg(ctx, 3);
		return 0;
	case RT_L_JVM:
		p->klass = rt_arg(ctx, 1);
		p->klass_len = (__u32)rt_arg(ctx, 2);
		p->method = rt_arg(ctx, 3);
		p->method_len = (__u32)rt_arg(ctx, 4);
		p->file = rt_arg(ctx, 5); /* the signature, "(ILjava/lang/String;)V" */
		p->file_len = (__u32)rt_arg(ctx, 6);
		return 0;
	}
	return -1;
}

/* Add one to entry `which` of a per-CPU array of __u64 counters (plain increment: per CPU, no
 * atomic needed; user space adds the CPUs up). */
static __always_inline void rt_count(void *counters, __u32 which)
{
	__u64 *n = bpf_map_lookup_elem(counters, &which);

	if (n)
		(*n)++;
}

/*
 * Copy a string of the target into dst (size bytes, NUL-terminated afterwards). len == 0: the
 * string is NUL-terminated; otherwise it has len bytes (truncated to size - 1).
 */
#define RT_READ_STR(dst, ptr, len)                                                            \
	do {                                                                                  \
		__u32 __n = (len);                                                            \
		(dst)[0] = '\0';                                                              \
		if (!(ptr))                                                                   \
			break;                                                                \
		if (!__n) {                                                                   \
			bpf_probe_read_user_str((dst), sizeof(dst), (const void *)(ptr));     \
			break;                                                                \
		}                                                                             \
		if (__n > sizeof(dst) - 1)                                                    \
			__n = sizeof(dst) - 1;                                                \
		if (bpf_probe_read_user((dst), __n & (sizeof(dst) - 1), (const void *)(ptr))) \
			__n = 0;                                                              \
		(dst)[__n & (sizeof(dst) - 1)] = '\0';                                        \
	} while (0)

/* Does s (NUL-terminated within n bytes) match pat? A pattern ending in '*' is a prefix. */
static __always_inline bool rt_match(const char *s, const char *pat, __u32 pat_len, bool prefix)
{
	__u32 i;

	for (i = 0; i < RT_PAT_LEN; i++) {
		if (i >= pat_len)
			return prefix || s[i] == '\0';
		if (s[i] != pat[i])
			return false;
	}
	return prefix;
}

/* Do a method's names pass the filters of f (a const volatile global, read at run time)? */
static __always_inline bool rt_filter_wanted(const volatile struct rt_filter *f, const char *method,
					     const char *klass)
{
	if (f->method_len &&
	    !rt_match(method, (const char *)f->method_pat, f->method_len, f->method_prefix))
		return false;
	if (f->class_len &&
	    !rt_match(klass, (const char *)f->class_pat, f->class_len, f->class_prefix))
		return false;
	return true;
}

#endif
