/* SPDX-License-Identifier: GPL-2.0 */
/*
 * BPF half of a stack capture (see bpf/stack_capture.h for the record). Include it once in a BPF
 * program, then:
 *
 *	struct stack_capture *c = stack_capture__fill(ctx, kernel_ctx);
 *	if (c) { c->weight = 1; stack_capture__submit(&events, c, false); }
 *
 * The record is built in a per-CPU scratch slot (an array map with one entry per CPU, because a
 * per-CPU map's values are limited to 32 KB), then copied to the ring buffer with
 * bpf_ringbuf_output, header plus only the stack bytes really copied. The user stack is copied
 * from the stack pointer up to the end of the stack (see stack_capture__fill) or up to
 * stack_capture_bytes, whichever is smaller, so a copy never crosses into unmapped memory.
 * A failed ring buffer write is counted in stack_capture_lost (per CPU).
 *
 * User space sets, before load: stack_capture_bytes (0 = frame pointers only),
 * stack_capture_kernel, stack_capture_fp_chain, and the scratch map's max_entries (number of
 * possible CPUs).
 */
#ifndef RTPROF_STACK_CAPTURE_BPF_H
#define RTPROF_STACK_CAPTURE_BPF_H

#include "bpf/interp.bpf.h"
#include "bpf/stack_capture.h"

const volatile __u32 stack_capture_bytes = 16384;
const volatile bool stack_capture_kernel = false;
/* Walk the frame-pointer chain too (about 1 us a sample). Needed when no stack is copied; with a
 * copy, libdw's unwinder follows frame pointers itself where it finds no CFI. */
const volatile bool stack_capture_fp_chain = true;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* set to the number of possible CPUs before load */
	__type(key, __u32);
	__type(value, __u8[STACK_CAPTURE_HDR_SIZE + STACK_CAPTURE_MAX_BYTES +
			   INTERP_MAX_FRAMES * sizeof(struct interp_frame)]);
} stack_capture_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} stack_capture_lost SEC(".maps");

struct stack_capture_vma_ctx {
	__u64 end;
};

static long stack_capture__vma_end(struct task_struct *task, struct vm_area_struct *vma,
				   struct stack_capture_vma_ctx *vc)
{
	vc->end = vma->vm_end;
	return 0;
}

/* Copy [sp, min(end, sp + want)) into c; true when it was read. */
static __always_inline bool stack_capture__read(struct task_struct *task, struct stack_capture *c,
						__u64 sp, __u64 end, __u64 want)
{
	__u32 len;

	if (end - sp <= want) {
		want = end - sp;
		c->flags |= SC_F_STACK_END;
	} else {
		c->flags &= ~SC_F_STACK_END;
	}
	len = want & ~7ULL;
	if (len > STACK_CAPTURE_MAX_BYTES)
		len = STACK_CAPTURE_MAX_BYTES;
	if (interp__read(c->stack, len, sp, task))
		return false;
	c->stack_len = len;
	return true;
}

static __always_inline void stack_capture__count_lost(void)
{
	__u32 zero = 0;
	__u64 *lost = bpf_map_lookup_elem(&stack_capture_lost, &zero);

	if (lost)
		*lost += 1;
}

/* The user registers saved in regs (a task's pt_regs). */
static __always_inline void stack_capture__regs(struct stack_capture *c, struct pt_regs *regs)
{
	c->regs[SC_REG_AX] = BPF_CORE_READ(regs, ax);
	c->regs[SC_REG_BX] = BPF_CORE_READ(regs, bx);
	c->regs[SC_REG_CX] = BPF_CORE_READ(regs, cx);
	c->regs[SC_REG_DX] = BPF_CORE_READ(regs, dx);
	c->regs[SC_REG_SI] = BPF_CORE_READ(regs, si);
	c->regs[SC_REG_DI] = BPF_CORE_READ(regs, di);
	c->regs[SC_REG_BP] = BPF_CORE_READ(regs, bp);
	c->regs[SC_REG_SP] = BPF_CORE_READ(regs, sp);
	c->regs[SC_REG_R8] = BPF_CORE_READ(regs, r8);
	c->regs[SC_REG_R9] = BPF_CORE_READ(regs, r9);
	c->regs[SC_REG_R10] = BPF_CORE_READ(regs, r10);
	c->regs[SC_REG_R11] = BPF_CORE_READ(regs, r11);
	c->regs[SC_REG_R12] = BPF_CORE_READ(regs, r12);
	c->regs[SC_REG_R13] = BPF_CORE_READ(regs, r13);
	c->regs[SC_REG_R14] = BPF_CORE_READ(regs, r14);
	c->regs[SC_REG_R15] = BPF_CORE_READ(regs, r15);
	c->regs[SC_REG_IP] = BPF_CORE_READ(regs, ip);
}

/* Copy the user stack of task into c (registers already filled). */
static __always_inline void stack_capture__copy_stack(struct stack_capture *c,
						      struct task_struct *task)
{
	struct stack_capture_vma_ctx vc = {};
	__u64 sp, want, end;

	want = stack_capture_bytes;
	if (!want)
		return;
	sp = c->regs[SC_REG_SP];
	/*
	 * Where the stack ends, cheaply: the main thread's initial stack pointer (argc, just
	 * above _start's frame); a glibc thread's TCB, which sits at the top of its stack mapping.
	 * Otherwise (or when that read fails) the end of the mapping from bpf_find_vma, which is
	 * exact but costs a deferred unlock (irq_work) in this context.
	 */
	if (c->tid == c->pid)
		end = BPF_CORE_READ(task, mm, start_stack) + 64;
	else
		end = BPF_CORE_READ(task, thread.fsbase);
	if (end > sp && end - sp < (8 << 20) && stack_capture__read(task, c, sp, end, want))
		return;
	if (bpf_find_vma(task, sp, stack_capture__vma_end, &vc, 0) == 0 && vc.end > sp &&
	    stack_capture__read(task, c, sp, vc.end, want))
		return;
	/* Nothing known: halve the copy until it stays inside mapped memory. */
	c->flags |= SC_F_NO_VMA;
	want &= ~7ULL;
	for (int i = 0; i < 5 && want; i++) {
		__u32 len = want;

		if (len > STACK_CAPTURE_MAX_BYTES)
			len = STACK_CAPTURE_MAX_BYTES;
		if (interp__read(c->stack, len, sp, task) == 0) {
			c->stack_len = len;
			break;
		}
		want = (want / 2) & ~7ULL;
	}
}

/* The interpreter frames of task, after the stack bytes. */
static __always_inline void stack_capture__interp(struct stack_capture *c, struct task_struct *task)
{
	__u64 off = c->stack_len; /* 64 bits: no zero-extension to lose the bound below */
	__u32 flags = 0;

	if (off > STACK_CAPTURE_MAX_BYTES)
		off = STACK_CAPTURE_MAX_BYTES;
	c->iframes =
		interp__walk(task, c->pid, (struct interp_frame *)(c->stack + off), NULL, &flags);
	c->iflags = flags;
}

/*
 * Fill the scratch record for the current task. kernel_ctx: the program's context when it can give
 * a kernel stack (perf_event), NULL otherwise. Returns NULL when there is no scratch slot.
 */
static __always_inline struct stack_capture *stack_capture__fill(void *ctx, bool kernel_ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 cpu = bpf_get_smp_processor_id();
	__u64 id = bpf_get_current_pid_tgid();
	struct stack_capture *c;
	struct pt_regs *regs;
	long n;

	c = bpf_map_lookup_elem(&stack_capture_scratch, &cpu);
	if (!c)
		return NULL;
	c->pid = id >> 32;
	c->tid = (__u32)id;
	c->weight = 1;
	c->cookie = 0;
	c->key = 0;
	c->flags = 0;
	c->stack_len = 0;
	c->kframes = 0;
	c->fpframes = 0;
	c->iframes = 0;
	c->iflags = 0;
	bpf_get_current_comm(c->comm, sizeof(c->comm));

	regs = (struct pt_regs *)bpf_task_pt_regs(task);
	/* no user memory either in a process that is exiting past exit_mm() */
	if (!regs || (task->flags & 0x00200000 /* PF_KTHREAD */) || !task->mm) {
		c->flags |= SC_F_NO_USER;
		__builtin_memset(c->regs, 0, sizeof(c->regs));
	} else {
		stack_capture__regs(c, regs);
	}

	if (kernel_ctx && stack_capture_kernel) {
		n = bpf_get_stack(ctx, c->kstack, sizeof(c->kstack), 0);
		if (n > 0)
			c->kframes = n / 8;
	}
	if (c->flags & SC_F_NO_USER)
		return c;

	/* The frame-pointer chain, as the kernel walks it from the user registers. */
	if (stack_capture_fp_chain || !stack_capture_bytes) {
		n = bpf_get_stack(ctx, c->fpstack, sizeof(c->fpstack), BPF_F_USER_STACK);
		if (n > 0)
			c->fpframes = n / 8;
	}
	if (c->kframes)
		c->flags |= SC_F_KERNEL_MODE;

	stack_capture__copy_stack(c, task);
	stack_capture__interp(c, task);
	return c;
}

/*
 * Copy the record (header and stack bytes used) to the ring buffer; count it lost when full.
 * User space is not woken for each record (a wakeup is an irq_work plus a cross-CPU wakeup, more
 * than the rest of a sample costs); it polls on a timer, and is woken when wake is true (say, a
 * process's first sample) or when the ring buffer is a quarter full.
 */
static __always_inline long stack_capture__submit(void *ringbuf, struct stack_capture *c, bool wake)
{
	__u64 len = c->stack_len; /* 64 bits: no zero-extension to lose the bound below */
	__u64 ni = c->iframes, flags = BPF_RB_NO_WAKEUP;
	long err;

	if (wake || bpf_ringbuf_query(ringbuf, BPF_RB_AVAIL_DATA) >
			    bpf_ringbuf_query(ringbuf, BPF_RB_RING_SIZE) / 4)
		flags = BPF_RB_FORCE_WAKEUP;
	if (len > STACK_CAPTURE_MAX_BYTES)
		len = STACK_CAPTURE_MAX_BYTES;
	if (ni > INTERP_MAX_FRAMES)
		ni = INTERP_MAX_FRAMES;
	err = bpf_ringbuf_output(
		ringbuf, c, STACK_CAPTURE_HDR_SIZE + len + ni * sizeof(struct interp_frame), flags);
	if (err)
		stack_capture__count_lost();
	return err;
}

#endif
