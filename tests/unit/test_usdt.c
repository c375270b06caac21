// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of runtimes/usdt.c: the argument-spec parser on every operand form, and note
 * parsing on small ELF images built here byte by byte (so the corrupt cases are exact).
 */
#include <elf.h>
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/errors.h"
#include "runtimes/usdt.h"

static struct usdt_arg parse_ok(const char *s)
{
	struct usdt_arg a;

	assert_int_equal(usdt_parse_arg(s, strlen(s), &a), 0);
	return a;
}

static void test_arg_register(void **state)
{
	struct usdt_arg a = parse_ok("8@%rbp");
	int width;

	assert_int_equal(a.kind, USDT_ARG_REG);
	assert_int_equal(a.size, 8);
	assert_false(a.is_signed);
	assert_string_equal(a.reg, "rbp");

	a = parse_ok("-4@%eax");
	assert_true(a.is_signed);
	assert_int_equal(a.size, 4);
	assert_string_equal(usdt_reg_canonical(a.reg, &width), "rax");
	assert_int_equal(width, 4);

	a = parse_ok("4@%r9d");
	assert_string_equal(usdt_reg_canonical(a.reg, &width), "r9");
	assert_int_equal(width, 4);
	a = parse_ok("2@%ax");
	assert_string_equal(usdt_reg_canonical(a.reg, &width), "rax");
	assert_int_equal(width, 2);
	a = parse_ok("1@%r13b");
	assert_string_equal(usdt_reg_canonical(a.reg, &width), "r13");
	assert_int_equal(width, 1);
	a = parse_ok("2@%r15w");
	assert_string_equal(usdt_reg_canonical(a.reg, &width), "r15");
	assert_int_equal(width, 2);
	a = parse_ok("1@%sil");
	assert_string_equal(usdt_reg_canonical(a.reg, NULL), "rsi");
	a = parse_ok("1@%ah");
	assert_string_equal(usdt_reg_canonical(a.reg, NULL), "rax");
}

static void test_arg_constant(void **state)
{
	struct usdt_arg a = parse_ok("-4@$0");

	assert_int_equal(a.kind, USDT_ARG_CONST);
	assert_true(a.is_signed);
	assert_int_equal(a.size, 4);
	assert_int_equal(a.value, 0);
	a = parse_ok("8@$-1");
	assert_int_equal(a.value, -1);
	a = parse_ok("1@$0x7f");
	assert_int_equal(a.value, 0x7f);
	/* the ends of the 64-bit range, without overflowing on the way (the fuzzer found it) */
	a = parse_ok("8@$-9223372036854775808");
	assert_true(a.value == LLONG_MIN);
	a = parse_ok("8@$9223372036854775807");
	assert_true(a.value == LLONG_MAX);
	a = parse_ok("8@$0xffffffffffffffff");
	assert_true(a.value == -1);
	a = parse_ok("8@$0x8000000000000000");
	assert_true(a.value == LLONG_MIN);
	a = parse_ok("8@-0x8000000000000000(%rax)");
	assert_true(a.value == LLONG_MIN);
}

static void test_arg_memory(void **state)
{
	struct usdt_arg a = parse_ok("8@-20(%rbp)");
	char buf[64];

	assert_int_equal(a.kind, USDT_ARG_MEM);
	assert_int_equal(a.value, -20);
	assert_string_equal(a.reg, "rbp");
	usdt_arg_format(&a, buf, sizeof(buf));
	assert_string_equal(buf, "-20(%rbp)");

	a = parse_ok("8@(%rsp)");
	assert_int_equal(a.kind, USDT_ARG_MEM);
	assert_int_equal(a.value, 0);
	assert_string_equal(a.reg, "rsp");

	a = parse_ok("-4@24(%rsp)");
	assert_true(a.is_signed);
	assert_int_equal(a.value, 24);

	a = parse_ok("8@0x10(%r12)");
	assert_int_equal(a.value, 16);

	a = parse_ok("4@counter+8(%rip)");
	assert_int_equal(a.kind, USDT_ARG_MEM);
	assert_string_equal(a.symbol, "counter");
	assert_int_equal(a.value, 8);
	assert_string_equal(a.reg, "rip");
	usdt_arg_format(&a, buf, sizeof(buf));
	assert_string_equal(buf, "counter+8(%rip)");
}

static void test_arg_sib(void **state)
{
	struct usdt_arg a = parse_ok("8@16(%rsp,%rax,8)");
	char buf[64];

	assert_int_equal(a.kind, USDT_ARG_SIB);
	assert_int_equal(a.value, 16);
	assert_string_equal(a.reg, "rsp");
	assert_string_equal(a.index, "rax");
	assert_int_equal(a.scale, 8);
	usdt_arg_format(&a, buf, sizeof(buf));
	assert_string_equal(buf, "16(%rsp,%rax,8)");

	a = parse_ok("4@(%rdi,%rsi)");
	assert_int_equal(a.kind, USDT_ARG_SIB);
	assert_int_equal(a.scale, 1);

	a = parse_ok("4@-8(,%rcx,4)");
	assert_int_equal(a.kind, USDT_ARG_SIB);
	assert_string_equal(a.reg, "");
	assert_string_equal(a.index, "rcx");
	assert_int_equal(a.scale, 4);
}

static void test_arg_garbage(void **state)
{
	static const char *const bad[] = {
		"",
		"@",
		"8@",
		"8%rax",
		"3@%rax",
		"16@%rax",
		"8@%foo",
		"8@%",
		"x@%rax",
		"8@$",
		"8@$abc",
		"8@-20(%rbp",
		"8@-20%rbp)",
		"8@(%rbp,%rax,3)",
		"8@()",
		"8@16(%rsp)x",
		"8@%rip",
		"8@sym(%rax)",
		"-@%rax",
		"8@(%rsp,%rip,2)",
		"99999999999999999999@%rax",
		"8@(,)",
		"8@$99999999999999999999999",
		"8@$-9223372036854775809",
		"8@-0x8000000000000001(%rax)",
		"-9223372036854775808@%rax",
		"9223372036854775808@%rax",
		"18446744073709551615@%rax",
		"-18446744073709551615@%rax",
	};
	struct usdt_arg args[USDT_MAX_ARGS];
	struct usdt_arg a;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (usdt_parse_arg(bad[i], strlen(bad[i]), &a) != -EINVAL)
			fail_msg("accepted malformed argument '%s'", bad[i]);
	}
	assert_int_equal(usdt_parse_args("8@%rax garbage", args, USDT_MAX_ARGS), -EINVAL);
	assert_int_equal(usdt_parse_args("8@%rax 8@%rbx 8@%rcx", args, 2), -E2BIG);
}

static void test_arg_lists(void **state)
{
	struct usdt_arg args[USDT_MAX_ARGS];

	assert_int_equal(usdt_parse_args("", args, USDT_MAX_ARGS), 0);
	assert_int_equal(usdt_parse_args("  ", args, USDT_MAX_ARGS), 0);
	/* ruby's and the JVM's specs as they are on this machine */
	assert_int_equal(
		usdt_parse_args("8@(%rsp) 8@8(%rsp) 8@16(%rsp) -4@24(%rsp)", args, USDT_MAX_ARGS),
		4);
	assert_int_equal(args[3].value, 24);
	assert_true(args[3].is_signed);
	assert_int_equal(usdt_parse_args("-8@%rax 8@%rdx -4@%ecx 8@%rsi -4@%edi 8@%r8 -4@%r9d",
					 args, USDT_MAX_ARGS),
			 7);
	assert_string_equal(args[6].reg, "r9d");
}

/* ---- small ELF images ---- */

struct image {
	unsigned char *buf;
	size_t size;
	size_t note_off; /* file offset of the .note.stapsdt section */
};

struct fake_note {
	uint64_t pc, base, sema;
	const char *provider, *name, *args;
};

/*
 * An ET_DYN x86-64 image: one PT_LOAD (vaddr 0x400000 -> offset 0) covering everything, sections
 * .note.stapsdt, .stapsdt.base (at base_addr) and .shstrtab.
 */
static struct image build_image(const struct fake_note *notes, size_t n, uint64_t base_addr)
{
	static const char shstr[] = "\0.note.stapsdt\0.stapsdt.base\0.shstrtab";
	enum { NOTE_NAME = 1, BASE_NAME = 15, SHSTR_NAME = 29 };
	const uint64_t vaddr = 0x400000;
	unsigned char notebuf[4096];
	size_t nlen = 0, i, off;
	struct image img;
	Elf64_Ehdr *eh;
	Elf64_Phdr *ph;
	Elf64_Shdr *sh;

	for (i = 0; i < n; i++) {
		Elf64_Nhdr nh = {.n_namesz = 8, .n_type = 3};
		size_t dlen = 24 + strlen(notes[i].provider) + 1 + strlen(notes[i].name) + 1 +
			      strlen(notes[i].args) + 1;
		unsigned char *d;

		nh.n_descsz = (Elf64_Word)dlen;
		memcpy(notebuf + nlen, &nh, sizeof(nh));
		memcpy(notebuf + nlen + sizeof(nh), "stapsdt", 8);
		d = notebuf + nlen + sizeof(nh) + 8;
		memcpy(d, &notes[i].pc, 8);
		memcpy(d + 8, &notes[i].base, 8);
		memcpy(d + 16, &notes[i].sema, 8);
		off = 24;
		strcpy((char *)d + off, notes[i].provider);
		off += strlen(notes[i].provider) + 1;
		strcpy((char *)d + off, notes[i].name);
		off += strlen(notes[i].name) + 1;
		strcpy((char *)d + off, notes[i].args);
		nlen += sizeof(nh) + 8 + ((dlen + 3) & ~(size_t)3);
	}

	/* layout: ehdr | phdr | notes | base (8 bytes) | shstrtab | shdrs[4] */
	img.note_off = sizeof(*eh) + sizeof(*ph);
	off = img.note_off + nlen;
	img.size = off + 8 + sizeof(shstr) + 4 * sizeof(*sh);
	img.buf = calloc(1, img.size);
	assert_non_null(img.buf);
	eh = (Elf64_Ehdr *)img.buf;
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_DYN;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_phoff = sizeof(*eh);
	eh->e_shoff = off + 8 + sizeof(shstr);
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = 1;
	eh->e_shentsize = sizeof(*sh);
	eh->e_shnum = 4;
	eh->e_shstrndx = 3;
	ph = (Elf64_Phdr *)(img.buf + sizeof(*eh));
	ph->p_type = PT_LOAD;
	ph->p_flags = PF_R | PF_X;
	ph->p_vaddr = vaddr;
	ph->p_offset = 0;
	ph->p_filesz = ph->p_memsz = img.size;
	memcpy(img.buf + img.note_off, notebuf, nlen);
	memcpy(img.buf + off + 8, shstr, sizeof(shstr));
	sh = (Elf64_Shdr *)(img.buf + eh->e_shoff);
	sh[1] = (Elf64_Shdr){.sh_name = NOTE_NAME,
			     .sh_type = SHT_NOTE,
			     .sh_offset = img.note_off,
			     .sh_size = nlen,
			     .sh_addralign = 4};
	sh[2] = (Elf64_Shdr){.sh_name = BASE_NAME,
			     .sh_type = SHT_PROGBITS,
			     .sh_flags = SHF_ALLOC,
			     .sh_addr = base_addr,
			     .sh_offset = off,
			     .sh_size = 8,
			     .sh_addralign = 1};
	sh[3] = (Elf64_Shdr){.sh_name = SHSTR_NAME,
			     .sh_type = SHT_STRTAB,
			     .sh_offset = off + 8,
			     .sh_size = sizeof(shstr),
			     .sh_addralign = 1};
	return img;
}

static const struct fake_note two_notes[] = {
	{0x400100, 0x400200, 0, "prov", "first", "8@%rdi -4@$0"},
	{0x400110, 0x400200, 0x400180, "prov", "second", ""},
};

static void test_notes_basic(void **state)
{
	struct image img = build_image(two_notes, 2, 0x400200);
	struct usdt_notes *notes = usdt_notes__read_mem(img.buf, img.size);

	assert_non_null(notes);
	assert_true(notes->is_dyn);
	assert_int_equal(notes->n, 2);
	assert_string_equal(notes->notes[0].provider, "prov");
	assert_string_equal(notes->notes[0].name, "first");
	assert_int_equal(notes->notes[0].address, 0x400100);
	assert_int_equal(notes->notes[0].file_offset, 0x100);
	assert_int_equal(notes->notes[0].semaphore, 0);
	assert_int_equal(notes->notes[0].nargs, 2);
	assert_int_equal(notes->notes[0].args[1].kind, USDT_ARG_CONST);
	assert_int_equal(notes->notes[1].semaphore, 0x400180);
	assert_int_equal(notes->notes[1].sema_offset, 0x180);
	assert_int_equal(notes->notes[1].nargs, 0);
	usdt_notes__free(notes);
	free(img.buf);
}

static void test_notes_prelinked(void **state)
{
	/* .stapsdt.base moved by 0x20 since the notes were written: sites move with it */
	struct image img = build_image(two_notes, 2, 0x400220);
	struct usdt_notes *notes = usdt_notes__read_mem(img.buf, img.size);

	assert_non_null(notes);
	assert_int_equal(notes->notes[0].address, 0x400120);
	assert_int_equal(notes->notes[1].address, 0x400130);
	assert_int_equal(notes->notes[1].file_offset, 0x130);
	usdt_notes__free(notes);
	free(img.buf);
}

static void test_notes_corrupt(void **state)
{
	struct image img = build_image(two_notes, 2, 0x400200);
	struct usdt_notes *notes;
	Elf64_Nhdr *nh = (Elf64_Nhdr *)(img.buf + img.note_off);
	Elf64_Nhdr saved = *nh;

	/* descriptor size past the end of the section */
	nh->n_descsz = 0x7fffffff;
	notes = usdt_notes__read_mem(img.buf, img.size);
	assert_null(notes);
	assert_int_equal(errno, ERR_BADINPUT);

	/* descriptor too small for three addresses and three strings */
	*nh = saved;
	nh->n_descsz = 8;
	notes = usdt_notes__read_mem(img.buf, img.size);
	assert_null(notes);

	/* strings not NUL-terminated inside the descriptor */
	*nh = saved;
	memset(img.buf + img.note_off + sizeof(*nh) + 8 + 24, 'x', nh->n_descsz - 24);
	notes = usdt_notes__read_mem(img.buf, img.size);
	assert_null(notes);
	assert_int_equal(errno, ERR_BADINPUT);
	free(img.buf);

	/* a site outside every PT_LOAD segment */
	{
		const struct fake_note far = {0x900000, 0x400200, 0, "p", "n", ""};

		img = build_image(&far, 1, 0x400200);
		notes = usdt_notes__read_mem(img.buf, img.size);
		assert_null(notes);
		assert_int_equal(errno, ERR_BADINPUT);
		free(img.buf);
	}
}

static void test_notes_not_elf(void **state)
{
	static const char text[] = "#!/bin/sh\necho this is not ELF\n";
	struct image img = build_image(two_notes, 2, 0x400200);
	struct usdt_notes *notes;

	notes = usdt_notes__read_mem(text, sizeof(text));
	assert_null(notes);
	assert_int_equal(errno, ENOEXEC);

	/* truncated: the section headers are cut off */
	notes = usdt_notes__read_mem(img.buf, img.size / 2);
	assert_null(notes);
	free(img.buf);
}

static void test_notes_malformed_args_kept(void **state)
{
	/* a malformed argument spec does not hide the probe: nargs carries the error */
	const struct fake_note bad = {0x400100, 0x400200, 0, "p", "n", "8@%bogus"};
	struct image img = build_image(&bad, 1, 0x400200);
	struct usdt_notes *notes = usdt_notes__read_mem(img.buf, img.size);

	assert_non_null(notes);
	assert_int_equal(notes->n, 1);
	assert_int_equal(notes->notes[0].nargs, -EINVAL);
	usdt_notes__free(notes);
	free(img.buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arg_register),
		cmocka_unit_test(test_arg_constant),
		cmocka_unit_test(test_arg_memory),
		cmocka_unit_test(test_arg_sib),
		cmocka_unit_test(test_arg_garbage),
		cmocka_unit_test(test_arg_lists),
		cmocka_unit_test(test_notes_basic),
		cmocka_unit_test(test_notes_prelinked),
		cmocka_unit_test(test_notes_corrupt),
		cmocka_unit_test(test_notes_not_elf),
		cmocka_unit_test(test_notes_malformed_args_kept),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
