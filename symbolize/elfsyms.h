/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An ELF object's symbol table, sorted for address lookups: .symtab when the object has one,
 * .dynsym otherwise (llvm-symbolizer's choice). Function, object, untyped and IFUNC symbols that
 * are defined in a section; at one address the largest symbol wins. The nearest symbol at or
 * below an address covers it unless its size says it ends before (size 0 covers up to the next).
 */
#ifndef RTPROF_ELFSYMS_H
#define RTPROF_ELFSYMS_H

#include <stdbool.h>
#include <gelf.h>
#include <linux/types.h>

struct elf_sym {
	__u64 addr;
	__u64 size;
	const char *name; /* in the ELF string table: valid while the Elf lives */
};

struct elf_syms {
	struct elf_sym *syms;
	size_t n;
};

/* Symbols of elf; an empty table when it has none. NULL and errno on ENOMEM. With
 * symtab_only, .dynsym is not read (for debug files, whose .dynsym is empty). */
struct elf_syms *elf_syms__read(Elf *elf, bool symtab_only);
void elf_syms__free(struct elf_syms *t);
/* Symbol covering addr, or NULL. */
const struct elf_sym *elf_syms__find(const struct elf_syms *t, __u64 addr);

#endif
