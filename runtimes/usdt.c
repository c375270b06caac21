// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/errors.h"
#include "runtimes/usdt.h"

#define NT_STAPSDT    3
#define STAPSDT_OWNER "stapsdt"

/* x86-64 general purpose registers: each name with the 64-bit register it is part of. */
static const struct {
	const char *name;
	const char *reg64;
	int width;
} x86_regs[] = {
	{"rax", "rax", 8}, {"eax", "rax", 4}, {"ax", "rax", 2},	 {"al", "rax", 1},
	{"ah", "rax", 1},  {"rbx", "rbx", 8}, {"ebx", "rbx", 4}, {"bx", "rbx", 2},
	{"bl", "rbx", 1},  {"bh", "rbx", 1},  {"rcx", "rcx", 8}, {"ecx", "rcx", 4},
	{"cx", "rcx", 2},  {"cl", "rcx", 1},  {"ch", "rcx", 1},	 {"rdx", "rdx", 8},
	{"edx", "rdx", 4}, {"dx", "rdx", 2},  {"dl", "rdx", 1},	 {"dh", "rdx", 1},
	{"rsi", "rsi", 8}, {"esi", "rsi", 4}, {"si", "rsi", 2},	 {"sil", "rsi", 1},
	{"rdi", "rdi", 8}, {"edi", "rdi", 4}, {"di", "rdi", 2},	 {"dil", "rdi", 1},
	{"rbp", "rbp", 8}, {"ebp", "rbp", 4}, {"bp", "rbp", 2},	 {"bpl", "rbp", 1},
	{"rsp", "rsp", 8}, {"esp", "rsp", 4}, {"sp", "rsp", 2},	 {"spl", "rsp", 1},
	{"rip", "rip", 8},
};

const char *usdt_reg_canonical(const char *reg, int *width)
{
	static const char *const rn[] = {"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"};
	size_t i, len = strlen(reg);

	for (i = 0; i < sizeof(x86_regs) / sizeof(x86_regs[0]); i++) {
		if (!strcmp(reg, x86_regs[i].name)) {
			if (width)
				*width = x86_regs[i].width;
			return x86_regs[i].reg64;
		}
	}
	/* r8..r15 with an optional d (32), w (16) or b (8) suffix */
	for (i = 0; i < sizeof(rn) / sizeof(rn[0]); i++) {
		size_t n = strlen(rn[i]);
		int w;

		if (len < n || strncmp(reg, rn[i], n))
			continue;
		if (len == n)
			w = 8;
		else if (len == n + 1 && reg[n] == 'd')
			w = 4;
		else if (len == n + 1 && reg[n] == 'w')
			w = 2;
		else if (len == n + 1 && reg[n] == 'b')
			w = 1;
		else
			continue;
		if (width)
			*width = w;
		return rn[i];
	}
	return NULL;
}

/* Parse "%reg" at *p (within end) into out. */
static int parse_reg(const char **p, const char *end, char *out)
{
	const char *s = *p;
	size_t n = 0;

	if (s >= end || *s != '%')
		return -EINVAL;
	s++;
	while (s + n < end && isalnum((unsigned char)s[n]))
		n++;
	if (n == 0 || n >= USDT_REG_LEN)
		return -EINVAL;
	memcpy(out, s, n);
	out[n] = '\0';
	if (!usdt_reg_canonical(out, NULL))
		return -EINVAL;
	*p = s + n;
	return 0;
}

/* Parse an optionally signed decimal or 0x-prefixed hex integer at *p (within end) as a sign and
 * a magnitude below 2^64. */
static int parse_num(const char **p, const char *end, bool *neg, unsigned long long *mag)
{
	const char *s = *p;
	unsigned long long v = 0;
	bool minus = false, any = false;
	int base = 10;

	if (s < end && (*s == '-' || *s == '+')) {
		minus = *s == '-';
		s++;
	}
	if (end - s > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (; s < end; s++) {
		int d;

		if (isdigit((unsigned char)*s))
			d = *s - '0';
		else if (base == 16 && isxdigit((unsigned char)*s))
			d = tolower((unsigned char)*s) - 'a' + 10;
		else
			break;
		if (v > (~0ULL - d) / base)
			return -EINVAL; /* overflow */
		v = v * base + d;
		any = true;
	}
	if (!any)
		return -EINVAL;
	*neg = minus;
	*mag = v;
	*p = s;
	return 0;
}

/*
 * Parse a signed integer at *p (within end) as the 64-bit value it stands for: from -2^63 up to
 * 2^64 - 1, where a value above 2^63 - 1 is an unsigned constant kept as the same 64 bits
 * ("$0xffffffffffffffff" is -1). Negation and conversion are done so that none overflows:
 * -(long long)2^63 would.
 */
static int parse_int(const char **p, const char *end, long long *out)
{
	unsigned long long mag;
	bool neg;

	if (parse_num(p, end, &neg, &mag))
		return -EINVAL;
	if (neg && mag > (unsigned long long)LLONG_MAX + 1)
		return -EINVAL;
	if (neg)
		*out = mag ? -(long long)(mag - 1) - 1 : 0;
	else
		*out = mag <= LLONG_MAX ? (long long)mag : -(long long)~mag - 1;
	return 0;
}

/* Parse "sym", "sym+disp" or "sym-disp" before "(%rip)". */
static int parse_symbol(const char **p, const char *end, struct usdt_arg *arg)
{
	const char *s = *p;
	size_t n = 0;

	while (s + n < end && (isalnum((unsigned char)s[n]) || s[n] == '_' || s[n] == '.' ||
			       s[n] == '$' || s[n] == '@'))
		n++;
	if (n == 0 || n >= USDT_SYM_LEN)
		return -EINVAL;
	memcpy(arg->symbol, s, n);
	arg->symbol[n] = '\0';
	s += n;
	if (s < end && (*s == '+' || *s == '-')) {
		if (parse_int(&s, end, &arg->value))
			return -EINVAL;
	}
	*p = s;
	return 0;
}

int usdt_parse_arg(const char *s, size_t len, struct usdt_arg *arg)
{
	const char *p = s, *end = s + len, *at;
	unsigned long long size;

	memset(arg, 0, sizeof(*arg));
	at = memchr(s, '@', len);
	if (!at)
		return -EINVAL;
	/* sign and magnitude apart: nothing to negate ("-9223372036854775808@" would overflow) */
	if (parse_num(&p, at, &arg->is_signed, &size) || p != at)
		return -EINVAL;
	if (size != 1 && size != 2 && size != 4 && size != 8)
		return -EINVAL;
	arg->size = (int)size;
	p = at + 1;
	if (p >= end)
		return -EINVAL;

	if (*p == '$') {
		p++;
		arg->kind = USDT_ARG_CONST;
		if (parse_int(&p, end, &arg->value))
			return -EINVAL;
	} else if (*p == '%') {
		arg->kind = USDT_ARG_REG;
		if (parse_reg(&p, end, arg->reg))
			return -EINVAL;
	} else {
		arg->kind = USDT_ARG_MEM;
		if (*p == '-' || *p == '+' || isdigit((unsigned char)*p)) {
			if (parse_int(&p, end, &arg->value))
				return -EINVAL;
		} else if (*p != '(') {
			if (parse_symbol(&p, end, arg))
				return -EINVAL;
		}
		if (p >= end || *p != '(')
			return -EINVAL;
		p++;
		if (p < end && *p == '%') {
			if (parse_reg(&p, end, arg->reg))
				return -EINVAL;
		}
		if (p < end && *p == ',') {
			long long scale = 1;

			p++;
			arg->kind = USDT_ARG_SIB;
			if (parse_reg(&p, end, arg->index) || !strcmp(arg->index, "rip"))
				return -EINVAL;
			if (p < end && *p == ',') {
				p++;
				if (parse_int(&p, end, &scale))
					return -EINVAL;
			}
			if (scale != 1 && scale != 2 && scale != 4 && scale != 8)
				return -EINVAL;
			arg->scale = (int)scale;
		}
		if (p >= end || *p != ')')
			return -EINVAL;
		p++;
		/* a memory operand needs a base or an index; a symbol only goes with %rip */
		if (arg->kind == USDT_ARG_MEM && !arg->reg[0])
			return -EINVAL;
		if (arg->symbol[0] && strcmp(arg->reg, "rip"))
			return -EINVAL;
	}
	if (arg->kind == USDT_ARG_REG && !strcmp(arg->reg, "rip"))
		return -EINVAL;
	return p == end ? 0 : -EINVAL;
}

int usdt_parse_args(const char *spec, struct usdt_arg *args, int max)
{
	const char *p = spec;
	int n = 0, err;

	for (;;) {
		size_t len;

		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		len = strcspn(p, " \t");
		if (n >= max)
			return -E2BIG;
		err = usdt_parse_arg(p, len, &args[n]);
		if (err)
			return err;
		n++;
		p += len;
	}
	return n;
}

void usdt_arg_format(const struct usdt_arg *arg, char *buf, size_t size)
{
	char disp[USDT_SYM_LEN + 24] = "";

	switch (arg->kind) {
	case USDT_ARG_CONST:
		snprintf(buf, size, "$%lld", arg->value);
		return;
	case USDT_ARG_REG:
		snprintf(buf, size, "%%%s", arg->reg);
		return;
	case USDT_ARG_MEM:
	case USDT_ARG_SIB:
		if (arg->symbol[0] && arg->value)
			snprintf(disp, sizeof(disp), "%s%+lld", arg->symbol, arg->value);
		else if (arg->symbol[0])
			snprintf(disp, sizeof(disp), "%s", arg->symbol);
		else if (arg->value)
			snprintf(disp, sizeof(disp), "%lld", arg->value);
		if (arg->kind == USDT_ARG_MEM)
			snprintf(buf, size, "%s(%%%s)", disp, arg->reg);
		else
			snprintf(buf, size, "%s(%s%s,%%%s,%d)", disp, arg->reg[0] ? "%" : "",
				 arg->reg, arg->index, arg->scale);
		return;
	}
	snprintf(buf, size, "?");
}

/* ---- ELF notes ---- */

/* File offset of a link-time address through the PT_LOAD segment that holds it in the file. */
static int vaddr_to_offset(Elf *elf, size_t phnum, __u64 vaddr, __u64 *offset)
{
	size_t i;

	for (i = 0; i < phnum; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (vaddr >= ph.p_vaddr && vaddr < ph.p_vaddr + ph.p_filesz) {
			*offset = vaddr - ph.p_vaddr + ph.p_offset;
			return 0;
		}
	}
	return -ENOENT;
}

/* Read a NUL-terminated string at *pos within desc[0..size); advance past the NUL. */
static char *note_string(const char *desc, size_t size, size_t *pos)
{
	const char *s = desc + *pos;
	const char *nul;

	if (*pos >= size)
		return NULL;
	nul = memchr(s, '\0', size - *pos);
	if (!nul)
		return NULL;
	*pos += (size_t)(nul - s) + 1;
	return strdup(s);
}

static __u64 read_addr(const char *p, bool is64)
{
	if (is64) {
		__u64 v;

		memcpy(&v, p, 8);
		return v;
	} else {
		__u32 v;

		memcpy(&v, p, 4);
		return v;
	}
}

static void note_clear(struct usdt_note *note)
{
	free(note->provider);
	free(note->name);
	free(note->args_spec);
	memset(note, 0, sizeof(*note));
}

/* Decode one stapsdt note descriptor. The address relocation needs base_addr, the address of
 * .stapsdt.base in this file (0 when the file has no such section). */
static int decode_note(Elf *elf, size_t phnum, const char *desc, size_t size, bool is64,
		       __u64 base_addr, struct usdt_note *note)
{
	size_t asz = is64 ? 8 : 4, pos = 3 * asz;
	__u64 pc, note_base, sema;

	memset(note, 0, sizeof(*note));
	if (size < 3 * asz + 3)
		return -ERR_BADINPUT;
	pc = read_addr(desc, is64);
	note_base = read_addr(desc + asz, is64);
	sema = read_addr(desc + 2 * asz, is64);
	note->provider = note_string(desc, size, &pos);
	note->name = note_string(desc, size, &pos);
	note->args_spec = note_string(desc, size, &pos);
	if (!note->provider || !note->name || !note->args_spec) {
		note_clear(note);
		return -ERR_BADINPUT;
	}
	if (base_addr && note_base)
		pc += base_addr - note_base;
	note->address = pc;
	note->semaphore = sema;
	if (vaddr_to_offset(elf, phnum, pc, &note->file_offset)) {
		note_clear(note);
		return -ERR_BADINPUT;
	}
	if (sema && vaddr_to_offset(elf, phnum, sema, &note->sema_offset)) {
		note_clear(note);
		return -ERR_BADINPUT;
	}
	note->nargs = usdt_parse_args(note->args_spec, note->args, USDT_MAX_ARGS);
	return 0;
}

static int push_note(struct usdt_notes *notes, size_t *cap, const struct usdt_note *note)
{
	if (notes->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 32;
		struct usdt_note *nn = realloc(notes->notes, ncap * sizeof(*nn));

		if (!nn)
			return -ENOMEM;
		notes->notes = nn;
		*cap = ncap;
	}
	notes->notes[notes->n++] = *note;
	return 0;
}

static int read_notes(Elf *elf, struct usdt_notes *notes)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx, phnum, cap = 0, file_size = 0;
	__u64 base_addr = 0;
	GElf_Ehdr eh;
	bool is64;
	int err;

	if (elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh))
		return -ENOEXEC;
	if (elf_getshdrstrndx(elf, &shstrndx) || elf_getphdrnum(elf, &phnum))
		return -ERR_BADINPUT;
	/* libelf quietly reports no sections when the section header table is cut off */
	if (!elf_rawfile(elf, &file_size) ||
	    (eh.e_shnum && eh.e_shoff + (__u64)eh.e_shnum * eh.e_shentsize > file_size) ||
	    (eh.e_phnum && eh.e_phoff + (__u64)eh.e_phnum * eh.e_phentsize > file_size))
		return -ERR_BADINPUT;
	is64 = gelf_getclass(elf) == ELFCLASS64;
	notes->is_dyn = eh.e_type == ET_DYN;

	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *name;

		if (!gelf_getshdr(scn, &sh))
			return -ERR_BADINPUT;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (name && !strcmp(name, ".stapsdt.base"))
			base_addr = sh.sh_addr;
	}

	scn = NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		size_t off = 0, name_off, desc_off;
		Elf_Data *data;
		GElf_Shdr sh;
		GElf_Nhdr nh;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		data = elf_getdata(scn, NULL);
		if (!data) {
			if (sh.sh_size == 0)
				continue;
			return -ERR_BADINPUT;
		}
		while (off < data->d_size) {
			struct usdt_note note;
			size_t next = gelf_getnote(data, off, &nh, &name_off, &desc_off);

			if (next == 0)
				return -ERR_BADINPUT; /* a note header or size that runs past the
							 section */
			if (nh.n_type == NT_STAPSDT && nh.n_namesz == sizeof(STAPSDT_OWNER) &&
			    !memcmp((char *)data->d_buf + name_off, STAPSDT_OWNER, nh.n_namesz)) {
				err = decode_note(elf, phnum, (char *)data->d_buf + desc_off,
						  nh.n_descsz, is64, base_addr, &note);
				if (err)
					return err;
				err = push_note(notes, &cap, &note);
				if (err) {
					note_clear(&note);
					return err;
				}
			}
			off = next;
		}
	}
	return 0;
}

static struct usdt_notes *notes_from_elf(Elf *elf)
{
	struct usdt_notes *notes;
	int err;

	notes = calloc(1, sizeof(*notes));
	if (!notes) {
		errno = ENOMEM;
		return NULL;
	}
	err = read_notes(elf, notes);
	if (err) {
		usdt_notes__free(notes);
		errno = -err;
		return NULL;
	}
	return notes;
}

struct usdt_notes *usdt_notes__read(const char *path)
{
	struct usdt_notes *notes = NULL;
	Elf *elf = NULL;
	int fd, err = 0;

	if (elf_version(EV_CURRENT) == EV_NONE) {
		errno = EINVAL;
		return NULL;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf) {
		err = ENOEXEC;
		goto cleanup;
	}
	notes = notes_from_elf(elf);
	if (!notes)
		err = errno;
cleanup:
	elf_end(elf);
	close(fd);
	if (err)
		errno = err;
	return notes;
}

struct usdt_notes *usdt_notes__read_mem(const void *image, size_t size)
{
	struct usdt_notes *notes;
	Elf *elf;
	int err = 0;

	if (elf_version(EV_CURRENT) == EV_NONE) {
		errno = EINVAL;
		return NULL;
	}
	elf = elf_memory((char *)image, size);
	if (!elf) {
		errno = ENOEXEC;
		return NULL;
	}
	notes = notes_from_elf(elf);
	if (!notes)
		err = errno;
	elf_end(elf);
	if (err)
		errno = err;
	return notes;
}

void usdt_notes__free(struct usdt_notes *notes)
{
	size_t i;

	if (!notes)
		return;
	for (i = 0; i < notes->n; i++)
		note_clear(&notes->notes[i]);
	free(notes->notes);
	free(notes);
}
