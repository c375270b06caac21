// SPDX-License-Identifier: GPL-2.0
/* ELF objects a process maps, read for what runtimes need: see runtimes/objfile.h. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "runtimes/objfile.h"

int objfile__open(struct objfile *f, const struct proc_maps *maps, const struct proc_map *m)
{
	char path[4096];

	f->fd = -1;
	f->elf = NULL;
	if (proc_map__open_path(maps, m, path, sizeof(path)))
		return -ENAMETOOLONG;
	f->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0)
		return -errno;
	f->elf = elf_begin(f->fd, ELF_C_READ, NULL);
	if (!f->elf || elf_kind(f->elf) != ELF_K_ELF) {
		objfile__close(f);
		return -ENOENT;
	}
	return 0;
}

void objfile__close(struct objfile *f)
{
	if (f->elf)
		elf_end(f->elf);
	if (f->fd >= 0)
		close(f->fd);
	f->elf = NULL;
	f->fd = -1;
}

/* Value (link-time address) of the symbols in names[], from .dynsym then .symtab; missing ones
 * stay 0. */
void objfile__find_symbols(Elf *elf, const char *const *names, __u64 *values, size_t n)
{
	for (int pass = 0; pass < 2; pass++) {
		Elf_Scn *scn = NULL;

		while ((scn = elf_nextscn(elf, scn))) {
			Elf_Data *data;
			GElf_Shdr sh;
			size_t i, k, nsyms;

			if (!gelf_getshdr(scn, &sh) || !sh.sh_entsize ||
			    sh.sh_type != (pass ? SHT_SYMTAB : SHT_DYNSYM))
				continue;
			data = elf_getdata(scn, NULL);
			if (!data)
				continue;
			nsyms = sh.sh_size / sh.sh_entsize;
			for (i = 0; i < nsyms; i++) {
				GElf_Sym sym;
				const char *name;

				if (!gelf_getsym(data, (int)i, &sym) || sym.st_shndx == SHN_UNDEF ||
				    !sym.st_value)
					continue;
				name = elf_strptr(elf, sh.sh_link, sym.st_name);
				if (!name)
					continue;
				for (k = 0; k < n; k++)
					if (!values[k] && !strcmp(name, names[k]))
						values[k] = sym.st_value;
			}
		}
	}
}

/* Read len bytes at link-time address vaddr of the file (through its PT_LOAD segments). */
int objfile__read_vaddr(struct objfile *f, __u64 vaddr, void *buf, size_t len)
{
	size_t i, nph;

	if (elf_getphdrnum(f->elf, &nph))
		return -EINVAL;
	for (i = 0; i < nph; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(f->elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (vaddr < ph.p_vaddr || vaddr - ph.p_vaddr + len > ph.p_filesz)
			continue;
		if (pread(f->fd, buf, len, ph.p_offset + (vaddr - ph.p_vaddr)) != (ssize_t)len)
			return -EIO;
		return 0;
	}
	return -ENOENT;
}

/* Load bias of the object mapped as m: its address in the process minus its link-time address. */
int objfile__load_bias(struct objfile *f, const struct proc_map *m, __u64 *bias)
{
	GElf_Ehdr eh;
	size_t i, nph;

	if (!gelf_getehdr(f->elf, &eh) || elf_getphdrnum(f->elf, &nph))
		return -EINVAL;
	if (eh.e_type == ET_EXEC) {
		*bias = 0;
		return 0;
	}
	for (i = 0; i < nph; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(f->elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if ((ph.p_offset & ~0xfffULL) == m->offset) {
			*bias = m->start - (ph.p_vaddr & ~0xfffULL);
			return 0;
		}
	}
	return -ENOENT;
}

int objfile__find_in(int pid,
		     int (*probe)(const struct proc_maps *maps, const struct proc_map *m,
				  void *ctx),
		     void *ctx)
{
	struct proc_maps *maps;
	const char *last = NULL;
	int err = -ENOENT;
	size_t i;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	maps = proc_maps__read(pid);
	if (!maps)
		return -errno;
	for (i = 0; i < maps->n && err == -ENOENT; i++) {
		const struct proc_map *m = &maps->maps[i];

		if (!proc_map__is_file(m) || !strchr(m->perms, 'x'))
			continue;
		if (last && !strcmp(last, m->path))
			continue;
		last = m->path;
		err = probe(maps, m, ctx);
		/* an object that cannot be read is not the one */
		if (err && err != -ENOENT)
			err = -ENOENT;
	}
	proc_maps__free(maps);
	return err;
}
