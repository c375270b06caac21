// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "symbolize/elfsyms.h"

struct raw_sym {
	struct elf_sym s;
	size_t idx; /* position in the table: keeps the sort stable */
};

static int cmp_raw(const void *a, const void *b)
{
	const struct raw_sym *x = a, *y = b;

	if (x->s.addr != y->s.addr)
		return x->s.addr < y->s.addr ? -1 : 1;
	if (x->s.size != y->s.size)
		return x->s.size < y->s.size ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static Elf_Scn *find_table(Elf *elf, Elf64_Word type, GElf_Shdr *shdr)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(elf, scn))) {
		if (gelf_getshdr(scn, shdr) && shdr->sh_type == type && shdr->sh_entsize &&
		    shdr->sh_size / shdr->sh_entsize > 1)
			return scn;
	}
	return NULL;
}

static bool wanted(const GElf_Sym *sym)
{
	int type = GELF_ST_TYPE(sym->st_info);

	if (sym->st_shndx == SHN_UNDEF || sym->st_shndx == SHN_ABS || sym->st_shndx == SHN_COMMON)
		return false;
	return type == STT_NOTYPE || type == STT_FUNC || type == STT_OBJECT ||
	       type == STT_GNU_IFUNC;
}

struct elf_syms *elf_syms__read(Elf *elf, bool symtab_only)
{
	struct raw_sym *raw = NULL;
	struct elf_syms *t = NULL;
	Elf_Scn *scn;
	GElf_Shdr shdr;
	Elf_Data *data;
	size_t i, n, nraw = 0;
	int err = 0;

	t = calloc(1, sizeof(*t));
	if (!t) {
		err = -ENOMEM;
		goto cleanup;
	}
	scn = find_table(elf, SHT_SYMTAB, &shdr);
	if (!scn && !symtab_only)
		scn = find_table(elf, SHT_DYNSYM, &shdr);
	if (!scn || !(data = elf_getdata(scn, NULL)))
		goto cleanup;
	n = shdr.sh_size / shdr.sh_entsize;
	raw = malloc(n * sizeof(*raw));
	if (!raw) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (i = 1; i < n; i++) {
		GElf_Sym sym;
		const char *name;

		if (!gelf_getsym(data, i, &sym) || !wanted(&sym))
			continue;
		name = elf_strptr(elf, shdr.sh_link, sym.st_name);
		if (!name || !name[0])
			continue;
		raw[nraw].s.addr = sym.st_value;
		raw[nraw].s.size = sym.st_size;
		raw[nraw].s.name = name;
		raw[nraw].idx = i;
		nraw++;
	}
	qsort(raw, nraw, sizeof(*raw), cmp_raw);
	t->syms = malloc((nraw ? nraw : 1) * sizeof(*t->syms));
	if (!t->syms) {
		err = -ENOMEM;
		goto cleanup;
	}
	/* keep the last of each address: the largest, and of equal sizes the last in the table */
	for (i = 0; i < nraw; i++) {
		if (i + 1 < nraw && raw[i + 1].s.addr == raw[i].s.addr)
			continue;
		t->syms[t->n++] = raw[i].s;
	}
cleanup:
	free(raw);
	if (err) {
		elf_syms__free(t);
		errno = -err;
		return NULL;
	}
	return t;
}

void elf_syms__free(struct elf_syms *t)
{
	if (!t)
		return;
	free(t->syms);
	free(t);
}

const struct elf_sym *elf_syms__find(const struct elf_syms *t, __u64 addr)
{
	size_t lo = 0, hi = t->n;
	const struct elf_sym *s;

	/* first symbol above addr */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	s = &t->syms[lo - 1];
	if (s->size && addr - s->addr >= s->size)
		return NULL;
	return s;
}
