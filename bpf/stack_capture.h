/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Room bpf/: the kernel halves (NAME.bpf.c), the structs both halves share (NAME.h) and the
 * BPF helper headers (stack capture, stack keys, interpreter frame walkers). May use lib/ only.
 *
 * A stack capture record: what the BPF half (bpf/stack_capture.bpf.h) saves about one stack, for
 * the user half (stacks/stacks.h) to unwind, symbolize and aggregate.
 *
 * The record is a fixed header followed by stack_len bytes copied from the user stack, starting at
 * the stack pointer, and, for a thread running an interpreter rtprof knows, that interpreter's
 * frames (bpf/interp.h). The header holds the user registers (enough to start a CFI unwind), the
 * frame-pointer chain the kernel walked (a cheap extra, complete only where the code keeps frame
 * pointers), and optionally the kernel stack. Shared by both halves: fixed widths, no pointers.
 */
#ifndef RTPROF_STACK_CAPTURE_H
#define RTPROF_STACK_CAPTURE_H

#define STACK_CAPTURE_MAX_BYTES	   65536 /* largest user-stack copy; a power of two */
#define STACK_CAPTURE_MAX_KFRAMES  64
#define STACK_CAPTURE_MAX_FPFRAMES 64
#define STACK_CAPTURE_COMM_LEN	   16

/* User registers, in struct pt_regs' x86-64 names. */
enum stack_capture_reg {
	SC_REG_AX,
	SC_REG_BX,
	SC_REG_CX,
	SC_REG_DX,
	SC_REG_SI,
	SC_REG_DI,
	SC_REG_BP,
	SC_REG_SP,
	SC_REG_R8,
	SC_REG_R9,
	SC_REG_R10,
	SC_REG_R11,
	SC_REG_R12,
	SC_REG_R13,
	SC_REG_R14,
	SC_REG_R15,
	SC_REG_IP,
	SC_NREGS,
};

enum stack_capture_flags {
	SC_F_STACK_END = 1,   /* the copy reaches the end of the stack mapping: nothing was cut */
	SC_F_NO_VMA = 2,      /* the stack mapping could not be looked up; copy size guessed */
	SC_F_KERNEL_MODE = 4, /* the sample interrupted kernel code (a system call, a fault) */
	SC_F_NO_USER = 8,     /* no user registers (kernel thread) */
	SC_F_NEW_IMAGE = 16,  /* set by the caller: first capture of a process or of a new exec;
			       * user space takes a new snapshot of its maps */
	/* profile's sample keys (bpf/profile.bpf.c): the capture stands for its key */
	SC_F_KEY_FIRST = 32,   /* the key's first sample: later ones are only counted */
	SC_F_KEY_VERIFY = 64,  /* a counted key captured again, to check it still means one stack */
	SC_F_KEY_ALWAYS = 128, /* a key found to stand for several stacks: captured every time */
};

struct stack_capture {
	__u32 pid; /* tgid */
	__u32 tid;
	__u64 weight; /* 1 per sample for profile; bytes for memleak */
	__u64 cookie; /* free for the caller (memleak: the allocation's address) */
	__u64 key;    /* profile's sample key (SC_F_KEY_*), 0: none */
	__u64 regs[SC_NREGS];
	__u32 stack_len; /* bytes of stack[] that follow the header */
	__u32 flags;	 /* enum stack_capture_flags */
	__u32 kframes;	 /* entries used in kstack[] */
	__u32 fpframes;	 /* entries used in fpstack[] */
	__u32 iframes;	 /* interpreter frames (bpf/interp.h) after the stack bytes */
	__u32 iflags;	 /* enum interp_walk_flags */
	char comm[STACK_CAPTURE_COMM_LEN];
	__u64 kstack[STACK_CAPTURE_MAX_KFRAMES];
	__u64 fpstack[STACK_CAPTURE_MAX_FPFRAMES];
	/* stack_len bytes from regs[SC_REG_SP] upward, then iframes struct interp_frame (24 bytes
	 * each; stack_len is a multiple of 8) */
	__u8 stack[];
};

#define STACK_CAPTURE_HDR_SIZE                                               \
	(4 + 4 + 8 + 8 + 8 + 8 * SC_NREGS + 6 * 4 + STACK_CAPTURE_COMM_LEN + \
	 8 * (STACK_CAPTURE_MAX_KFRAMES + STACK_CAPTURE_MAX_FPFRAMES))

#endif
