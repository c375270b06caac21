/* SPDX-License-Identifier: GPL-2.0 */
/*
 * USDT discovery: the SystemTap SDT notes of an ELF object and their argument specs.
 *
 * A note (owner "stapsdt", type 3, section .note.stapsdt) holds three addresses (the probe
 * site, the link-time address of the .stapsdt.base section, the semaphore or 0) and three
 * strings (provider, name, argument spec). The site is relocated by the difference between the
 * real address of .stapsdt.base and the one recorded in the note (prelink moves both), and turned
 * into a file offset through the PT_LOAD segment that contains it. A uprobe is placed at that
 * file offset; the semaphore's file offset is what the kernel's ref_ctr_offset wants.
 *
 * Argument specs are "[-]SIZE@OPERAND" separated by spaces, with x86-64 AT&T operands:
 * %reg, $imm, disp(%reg), disp(%base,%index,scale) and sym+disp(%rip).
 */
#ifndef RTPROF_USDT_H
#define RTPROF_USDT_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define USDT_MAX_ARGS 12
#define USDT_REG_LEN  8
#define USDT_SYM_LEN  64

enum usdt_arg_kind {
	USDT_ARG_CONST, /* $value */
	USDT_ARG_REG,	/* %reg */
	USDT_ARG_MEM,	/* value(%reg): memory at register + offset */
	USDT_ARG_SIB,	/* value(%reg,%index,scale): memory at base + index * scale + offset */
};

struct usdt_arg {
	enum usdt_arg_kind kind;
	int size;		   /* bytes: 1, 2, 4 or 8 */
	bool is_signed;		   /* the size was negative */
	long long value;	   /* CONST: the constant; MEM and SIB: the displacement */
	char reg[USDT_REG_LEN];	   /* REG: register as written ("eax"); MEM/SIB: base, may be "" */
	char index[USDT_REG_LEN];  /* SIB: index register */
	int scale;		   /* SIB: 1, 2, 4 or 8 */
	char symbol[USDT_SYM_LEN]; /* MEM relative to %rip: the symbol, or "" */
};

/* Parse a whole argument spec. Returns the number of arguments (0 for an empty spec) or
 * -EINVAL when the spec is malformed, -E2BIG when it has more than max arguments. */
int usdt_parse_args(const char *spec, struct usdt_arg *args, int max);

/* Parse one "[-]SIZE@OPERAND" argument of len bytes. Returns 0 or -EINVAL. */
int usdt_parse_arg(const char *s, size_t len, struct usdt_arg *arg);

/* The 64-bit register a (sub-)register name belongs to ("r9d" -> "r9", "ax" -> "rax") and its
 * width in bytes, or NULL for a name that is not an x86-64 general purpose register. */
const char *usdt_reg_canonical(const char *reg, int *width);

/* Write the operand as it reads in AT&T syntax, e.g. "-20(%rbp)". */
void usdt_arg_format(const struct usdt_arg *arg, char *buf, size_t size);

struct usdt_note {
	char *provider;
	char *name;
	char *args_spec;   /* argument spec as written in the note */
	__u64 address;	   /* link-time address of the site, adjusted for .stapsdt.base */
	__u64 semaphore;   /* link-time address of the semaphore, 0 when none */
	__u64 file_offset; /* file offset of the site (what a uprobe is attached to) */
	__u64 sema_offset; /* file offset of the semaphore, 0 when none */
	int nargs;	   /* parsed arguments, or a negative error when the spec is malformed */
	struct usdt_arg args[USDT_MAX_ARGS];
};

struct usdt_notes {
	size_t n;
	struct usdt_note *notes; /* in the order of the ELF file */
	bool is_dyn;		 /* ET_DYN (PIE or shared object) rather than ET_EXEC */
};

/*
 * Read the notes of the ELF file at path, or of an image in memory. NULL with errno set when
 * the file cannot be opened (ENOENT, EACCES), is not ELF (ENOEXEC), or its notes or program
 * headers are corrupt (ERR_BADINPUT). A valid ELF without notes gives n == 0.
 */
struct usdt_notes *usdt_notes__read(const char *path);
struct usdt_notes *usdt_notes__read_mem(const void *image, size_t size);
void usdt_notes__free(struct usdt_notes *notes);

#endif
