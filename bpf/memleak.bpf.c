// SPDX-License-Identifier: GPL-2.0
/*
 * Allocator tracking for rtprof memleak.
 *
 * How the work is split:
 *  - BPF keeps the table of outstanding allocations (address -> size, stack key, time), updated
 *    at every allocation (uretprobe, when the address is known) and free (uprobe). Nothing is
 *    sent to user space per allocation.
 *  - Each allocation gets a cheap stack key: a hash of the words of the caller's stack (the
 *    first key_window bytes (--key-window, 1024 by default) above the stack pointer at the
 * allocator's entry) that point into the target's code, i.e. its return addresses (plus a few
 * stable code pointers). The target is built without frame pointers, so the key cannot come from
 * bpf_get_stackid; the scan needs no unwinding and costs one copy and a loop.
 *  - The first time a key is seen, and only then, a full stack capture (registers and a copy of
 *    the stack, bpf/stack_capture.bpf.h) goes through the ring buffer; user space unwinds and
 *    symbolizes it once (stacks/stacks.h) and keeps key -> frames. Different keys with the same
 *    frames are merged there.
 *  - User space aggregates the table per stack when it reports (bytes, count, oldest age,
 *    --min-age): the age of the oldest allocation cannot be kept up to date in BPF as frees come.
 *
 * Nesting: allocator functions call each other (realloc(NULL, n) calls malloc, realloc(p, 0)
 * calls free, malloc calls mmap). A per-thread depth counts the probed calls in progress; only
 * the outermost one is recorded, and a munmap seen inside another allocator call is the
 * allocator's business. A free is handled the same wherever it comes from (a realloc has
 * already removed its old block at entry), which spares free a per-thread lookup. mmap, munmap
 * and mremap called from the allocator's own code are ignored too (free releasing a large
 * chunk, pthread stacks), by checking the return address.
 *
 * Only the target process (tgid) is recorded: a forked child's frees of blocks it inherited do
 * not touch the parent's table.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "bpf/memleak.h"
#include "bpf/stack_capture.bpf.h"

const volatile __u32 target_tgid = 0;
const volatile __u64 sample_bytes = 0;	/* 0: every allocation; N: probability size/N */
const volatile __u64 alloc_lib_ino = 0; /* inode of the allocator library's file */

/* Written by user space at any time (with the code ranges of bpf/stack_key.bpf.h). */
__u64 alloc_lib_lo = 0, alloc_lib_hi = 0; /* code of the allocator library */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1 << 19); /* --max-allocs */
	__type(key, __u64);
	__type(value, struct memleak_alloc);
} allocs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MLK_C_COUNT);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

static __always_inline void count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &idx);

	if (v)
		*v += 1;
}

/* bpf/stack_key.bpf.h counts into memleak's counters */
#define STACK_KEY_COUNT(event)                                  \
	count((event) == STACK_KEY_EV_NEW    ? MLK_C_NEW_STACKS \
	      : (event) == STACK_KEY_EV_LOST ? MLK_C_STACK_LOST \
					     : MLK_C_STACKS_FULL)
#include "bpf/stack_key.bpf.h"

/* The allocator call in progress on a thread. */
struct call_state {
	__u32 depth; /* probed allocator calls in progress */
	__u32 fn;    /* enum memleak_fn of the outermost */
	__u64 size;
	__u64 ptr; /* realloc/mremap: old block; posix_memalign: where the result goes */
	__u64 key; /* stack key, 0 when not sampled */
	struct memleak_alloc old; /* realloc/mremap: the old block's entry, size 0 if untracked */
	/* The stack window of the stack key, per thread: a per-CPU buffer could be overwritten by
	 * another thread when this one is preempted. */
	__u64 window[STACK_KEY_WINDOW / 8];
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct call_state);
} calls SEC(".maps");

static __always_inline bool is_target(void)
{
	return (bpf_get_current_pid_tgid() >> 32) == target_tgid;
}

static __always_inline bool sampled(__u64 size)
{
	__u64 n = sample_bytes;

	if (!n || size >= n)
		return true;
	/* A uniform number in [0, n) below size: probability size / n. */
	return (((__u64)bpf_get_prandom_u32() * n) >> 32) < size;
}

/*
 * Entry of an allocator call that has a return probe (every probed function but free and
 * munmap): the depth goes up here and down in leave(), whatever happens. Returns the thread's state
 * when this call is the outermost one (the caller fills in its arguments), NULL when it is nested
 * or not the target.
 */
static __always_inline struct call_state *enter(enum memleak_fn fn)
{
	struct call_state *st;

	if (!is_target())
		return NULL;
	st = bpf_task_storage_get(&calls, bpf_get_current_task_btf(), NULL,
				  BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!st)
		return NULL;
	if (st->depth++ > 0) {
		count(MLK_C_NESTED);
		return NULL;
	}
	st->fn = fn;
	st->size = 0;
	st->ptr = 0;
	st->key = 0;
	st->old.size = 0;
	return st;
}

/* Return of an allocator call: the state if it is the outermost call of fn, else NULL. */
static __always_inline struct call_state *leave(enum memleak_fn fn)
{
	struct call_state *st;

	if (!is_target())
		return NULL;
	st = bpf_task_storage_get(&calls, bpf_get_current_task_btf(), NULL, 0);
	if (!st || st->depth == 0)
		return NULL; /* entered before the entry probe was attached */
	if (--st->depth > 0 || st->fn != fn)
		return NULL;
	return st;
}

/* Inside another probed allocator call on this thread? */
static __always_inline bool nested(void)
{
	struct call_state *st = bpf_task_storage_get(&calls, bpf_get_current_task_btf(), NULL, 0);

	return st && st->depth > 0;
}

/* Called by the allocator library itself (return address in its code)? */
struct lib_vma_ctx {
	bool hit;
};

static long lib_vma(struct task_struct *task, struct vm_area_struct *vma, struct lib_vma_ctx *vc)
{
	struct file *f = vma->vm_file;

	vc->hit = f && BPF_CORE_READ(f, f_inode, i_ino) == alloc_lib_ino;
	return 0;
}

/*
 * Called by the allocator library itself (return address in its code)? From the code range user
 * space gives once it has seen the library mapped; before that (a launched command racing ahead
 * of rtprof), from the inode of the file mapped at the return address.
 */
static __always_inline bool called_by_allocator(struct pt_regs *ctx)
{
	struct lib_vma_ctx vc = {};
	__u64 ret = 0;

	bpf_probe_read_user(&ret, sizeof(ret), (void *)PT_REGS_SP(ctx));
	if (alloc_lib_hi)
		return ret >= alloc_lib_lo && ret < alloc_lib_hi;
	if (!alloc_lib_ino)
		return false;
	bpf_find_vma(bpf_get_current_task_btf(), ret, lib_vma, &vc, 0);
	return vc.hit;
}

static __always_inline void begin_alloc(struct pt_regs *ctx, struct call_state *st, __u64 size)
{
	st->size = size;
	if (!sampled(size)) {
		count(MLK_C_SAMPLED_OUT);
		return;
	}
	st->key = stack_key(ctx, st->window, true);
	note_stack(ctx, st->key);
}

static __always_inline void record(__u64 addr, __u64 size, __u64 key)
{
	struct memleak_alloc a = {.size = size, .stack_key = key, .ts_ns = bpf_ktime_get_ns()};

	if (!addr || !key)
		return;
	if (bpf_map_update_elem(&allocs, &addr, &a, BPF_ANY))
		count(MLK_C_TABLE_FULL);
	else
		count(MLK_C_ALLOCS);
}

static __always_inline void forget(__u64 addr)
{
	if (!addr)
		return;
	if (bpf_map_delete_elem(&allocs, &addr))
		count(MLK_C_FREE_UNTRACKED);
	else
		count(MLK_C_FREES);
}

/* Remove the old block of a realloc/mremap now (before the allocator can hand its address to
 * another thread), keeping its entry in case the call fails. */
static __always_inline void take_old(struct call_state *st, __u64 addr)
{
	struct memleak_alloc *a;

	st->ptr = addr;
	if (!addr)
		return;
	a = bpf_map_lookup_elem(&allocs, &addr);
	if (!a) {
		count(MLK_C_FREE_UNTRACKED);
		return;
	}
	st->old = *a;
	bpf_map_delete_elem(&allocs, &addr);
	count(MLK_C_FREES);
}

static __always_inline void restore_old(struct call_state *st)
{
	if (st->ptr && st->old.size) {
		bpf_map_update_elem(&allocs, &st->ptr, &st->old, BPF_ANY);
		count(MLK_C_ALLOCS);
	}
}

static __always_inline int alloc_return(struct pt_regs *ctx, enum memleak_fn fn)
{
	struct call_state *st = leave(fn);

	if (st)
		record(PT_REGS_RC(ctx), st->size, st->key);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(malloc_entry, __u64 size)
{
	struct call_state *st = enter(MLK_FN_MALLOC);

	if (st)
		begin_alloc(ctx, st, size);
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(malloc_return)
{
	return alloc_return(ctx, MLK_FN_MALLOC);
}

SEC("uprobe")
int BPF_KPROBE(calloc_entry, __u64 n, __u64 size)
{
	struct call_state *st = enter(MLK_FN_CALLOC);

	if (st)
		begin_alloc(ctx, st, n * size);
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(calloc_return)
{
	return alloc_return(ctx, MLK_FN_CALLOC);
}

static __always_inline int realloc_enter(struct pt_regs *ctx, enum memleak_fn fn, __u64 ptr,
					 __u64 size)
{
	struct call_state *st = enter(fn);

	if (!st)
		return 0;
	take_old(st, ptr);
	if (size)
		begin_alloc(ctx, st, size);
	return 0;
}

static __always_inline int realloc_return(struct pt_regs *ctx, enum memleak_fn fn)
{
	struct call_state *st = leave(fn);
	__u64 ret = PT_REGS_RC(ctx);

	if (!st)
		return 0;
	if (ret)
		record(ret, st->size, st->key);
	else if (st->size)
		restore_old(st); /* failed: the old block is still there */
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(realloc_entry, __u64 ptr, __u64 size)
{
	return realloc_enter(ctx, MLK_FN_REALLOC, ptr, size);
}

SEC("uretprobe")
int BPF_KRETPROBE(realloc_return_)
{
	return realloc_return(ctx, MLK_FN_REALLOC);
}

SEC("uprobe")
int BPF_KPROBE(reallocarray_entry, __u64 ptr, __u64 n, __u64 size)
{
	return realloc_enter(ctx, MLK_FN_REALLOCARRAY, ptr, n * size);
}

SEC("uretprobe")
int BPF_KRETPROBE(reallocarray_return)
{
	return realloc_return(ctx, MLK_FN_REALLOCARRAY);
}

SEC("uprobe")
int BPF_KPROBE(posix_memalign_entry, __u64 memptr, __u64 align, __u64 size)
{
	struct call_state *st = enter(MLK_FN_POSIX_MEMALIGN);

	if (st) {
		st->ptr = memptr;
		begin_alloc(ctx, st, size);
	}
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(posix_memalign_return)
{
	struct call_state *st = leave(MLK_FN_POSIX_MEMALIGN);
	__u64 addr = 0;

	/* Returns 0 on success; the block is stored through the first argument. */
	if (!st || PT_REGS_RC(ctx) != 0)
		return 0;
	if (bpf_probe_read_user(&addr, sizeof(addr), (void *)st->ptr) == 0)
		record(addr, st->size, st->key);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(aligned_alloc_entry, __u64 align, __u64 size)
{
	struct call_state *st = enter(MLK_FN_ALIGNED_ALLOC);

	if (st)
		begin_alloc(ctx, st, size);
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(aligned_alloc_return)
{
	return alloc_return(ctx, MLK_FN_ALIGNED_ALLOC);
}

SEC("uprobe")
int BPF_KPROBE(memalign_entry, __u64 align, __u64 size)
{
	struct call_state *st = enter(MLK_FN_MEMALIGN);

	if (st)
		begin_alloc(ctx, st, size);
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(memalign_return)
{
	return alloc_return(ctx, MLK_FN_MEMALIGN);
}

SEC("uprobe")
int BPF_KPROBE(valloc_entry, __u64 size)
{
	struct call_state *st = enter(MLK_FN_VALLOC);

	if (st)
		begin_alloc(ctx, st, size);
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(valloc_return)
{
	return alloc_return(ctx, MLK_FN_VALLOC);
}

SEC("uprobe")
int BPF_KPROBE(pvalloc_entry, __u64 size)
{
	struct call_state *st = enter(MLK_FN_PVALLOC);

	/* pvalloc rounds the size up to whole pages */
	if (st)
		begin_alloc(ctx, st, size ? (size + 4095) & ~4095ULL : 4096);
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(pvalloc_return)
{
	return alloc_return(ctx, MLK_FN_PVALLOC);
}

SEC("uprobe")
int BPF_KPROBE(free_entry, __u64 ptr)
{
	if (!ptr || !is_target())
		return 0;
	forget(ptr);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(mmap_entry, __u64 addr, __u64 len)
{
	struct call_state *st = enter(MLK_FN_MMAP);

	if (!st)
		return 0;
	if (called_by_allocator(ctx))
		st->fn = MLK_FN_COUNT; /* the allocator's own: leave() ignores it */
	else
		begin_alloc(ctx, st, len);
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(mmap_return)
{
	struct call_state *st = leave(MLK_FN_MMAP);
	__u64 ret = PT_REGS_RC(ctx);

	if (st && ret != (__u64)-1)
		record(ret, st->size, st->key);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(munmap_entry, __u64 addr, __u64 len)
{
	struct memleak_alloc *a, rest;
	__u64 next;

	if (!addr || !is_target() || nested() || called_by_allocator(ctx))
		return 0;
	a = bpf_map_lookup_elem(&allocs, &addr);
	if (!a) {
		count(MLK_C_UNMAP_UNTRACKED);
		return 0;
	}
	/* Unmapping the front of a mapping keeps its tail outstanding. */
	len = (len + 4095) & ~4095ULL;
	if (len < a->size) {
		rest = *a;
		rest.size -= len;
		next = addr + len;
		bpf_map_update_elem(&allocs, &next, &rest, BPF_ANY);
	}
	bpf_map_delete_elem(&allocs, &addr);
	count(MLK_C_FREES);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(mremap_entry, __u64 old, __u64 old_size, __u64 new_size)
{
	struct call_state *st = enter(MLK_FN_MREMAP);

	if (!st)
		return 0;
	if (called_by_allocator(ctx)) {
		st->fn = MLK_FN_COUNT;
		return 0;
	}
	take_old(st, old);
	begin_alloc(ctx, st, new_size);
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(mremap_return)
{
	struct call_state *st = leave(MLK_FN_MREMAP);
	__u64 ret = PT_REGS_RC(ctx);

	if (!st)
		return 0;
	if (ret != (__u64)-1)
		record(ret, st->size, st->key);
	else
		restore_old(st);
	return 0;
}

/* The benchmark floor (--bare): the same probes doing nothing. */
SEC("uprobe")
int bare_entry(struct pt_regs *ctx)
{
	return 0;
}

SEC("uretprobe")
int bare_return(struct pt_regs *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
