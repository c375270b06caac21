/* SPDX-License-Identifier: GPL-2.0 */
/*
 * BPF half of a stack capture (see bpf/stack_capture.h for the record). Include it once in a BPF
 * program, then:
 *
 *	struct stack_capture *c = stack_capture__fill(ctx, kernel_ctx);
 *	if (c) { c->weight = 1; stack_capture__submit(&events, c); }
 *
 * The record is built in a per-CPU scratch slot (an array map with one entry per CPU, because a
 * per-CPU map's values are limited to 32 KB), then copied to the ring buffer with
 * bpf_ringbuf_output, header plus only the stack bytes really copied. The user stack is copied
 * from the stack pointer up to the end of its mapping (found with bpf_find_vma) or up to
 * stack_capture_bytes, whichever is smaller, so a copy never crosses into unmapped memory.
 * A failed ring buffer write is counted in stack_capture_lost (per CPU).
 *
 * User space sets, before load: stack_capture_bytes (0 = frame pointers only),
 * stack_capture_kernel, and the scratch map's max_entries (number of possible CPUs).
 */
#ifndef RTPROF_STACK_CAPTURE_BPF_H
#define RTPROF_STACK_CAPTURE_BPF_H

#include "bpf/stack_capture.h"

const volatile __u32 stack_capture_bytes = 16384;
const volatile bool stack_capture_kernel = false;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* set to the number of possible CPUs before load */
	__type(key, __u32);
	__type(value, __u8[STACK_CAPTURE_HDR_SIZE + STACK_CAPTURE_MAX_BYTES]);
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

static __always_inline void stack_capture__count_lost(void)
{
	__u32 zero = 0;
	__u64 *lost = bpf_map_lookup_elem(&stack_capture_lost, &zero);

	if (lost)
		*lost += 1;
}

/*
 * Fill the scratch record for the current task. kernel_ctx: the program's context when it can give
 * a kernel stack (perf_event), NULL otherwise. Returns NULL when there is no scratch slot.
 */
static __always_inline struct stack_capture *stack_capture__fill(void *ctx, bool kernel_ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct stack_capture_vma_ctx vc = {};
	__u32 cpu = bpf_get_smp_processor_id();
	__u64 id = bpf_get_current_pid_tgid();
	struct stack_capture *c;
	struct pt_regs *regs;
	__u64 sp, want;
	long n;

	c = bpf_map_lookup_elem(&stack_capture_scratch, &cpu);
	if (!c)
		return NULL;
	c->pid = id >> 32;
	c->tid = (__u32)id;
	c->weight = 1;
	c->cookie = 0;
	c->flags = 0;
	c->stack_len = 0;
	c->kframes = 0;
	c->fpframes = 0;
	bpf_get_current_comm(c->comm, sizeof(c->comm));

	regs = (struct pt_regs *)bpf_task_pt_regs(task);
	if (!regs || (task->flags & 0x00200000 /* PF_KTHREAD */)) {
		c->flags |= SC_F_NO_USER;
		__builtin_memset(c->regs, 0, sizeof(c->regs));
	} else {
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

	if (kernel_ctx && stack_capture_kernel) {
		n = bpf_get_stack(ctx, c->kstack, sizeof(c->kstack), 0);
		if (n > 0)
			c->kframes = n / 8;
	}
	if (c->flags & SC_F_NO_USER)
		return c;

	/* The frame-pointer chain, as the kernel walks it from the user registers. */
	n = bpf_get_stack(ctx, c->fpstack, sizeof(c->fpstack), BPF_F_USER_STACK);
	if (n > 0)
		c->fpframes = n / 8;
	if (c->kframes)
		c->flags |= SC_F_KERNEL_MODE;

	want = stack_capture_bytes;
	if (!want)
		return c;
	sp = c->regs[SC_REG_SP];
	if (bpf_find_vma(task, sp, stack_capture__vma_end, &vc, 0) == 0 && vc.end > sp) {
		if (vc.end - sp <= want) {
			want = vc.end - sp;
			c->flags |= SC_F_STACK_END;
		}
	} else {
		c->flags |= SC_F_NO_VMA;
	}
	want &= ~7ULL;
	if (want > STACK_CAPTURE_MAX_BYTES)
		want = STACK_CAPTURE_MAX_BYTES;
	/* Without the mapping's end, halve the copy until it stays inside mapped memory. */
	for (int i = 0; i < 6; i++) {
		__u32 len = want;

		if (len > STACK_CAPTURE_MAX_BYTES)
			len = STACK_CAPTURE_MAX_BYTES;
		if (len == 0)
			break;
		if (bpf_probe_read_user(c->stack, len, (void *)sp) == 0) {
			c->stack_len = len;
			break;
		}
		c->flags &= ~SC_F_STACK_END;
		want = (want / 2) & ~7ULL;
	}
	return c;
}

/* Copy the record (header and stack bytes used) to the ring buffer; count it lost when full. */
static __always_inline long stack_capture__submit(void *ringbuf, struct stack_capture *c)
{
	__u32 len = c->stack_len;
	long err;

	if (len > STACK_CAPTURE_MAX_BYTES)
		len = STACK_CAPTURE_MAX_BYTES;
	err = bpf_ringbuf_output(ringbuf, c, STACK_CAPTURE_HDR_SIZE + len, 0);
	if (err)
		stack_capture__count_lost();
	return err;
}

#endif
