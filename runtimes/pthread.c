// SPDX-License-Identifier: GPL-2.0
/*
 * glibc's thread library (part of libc.so.6 since glibc 2.34). Debian's glibc has no SDT notes,
 * so these exported functions are traced with uprobes; Fedora and Arch builds carry libc:mutex_*
 * probes. pthread_cond_wait releases and retakes its mutex through internal functions that are not
 * exported, so the locks command ends and restarts the mutex hold around the wait itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <gelf.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "lib/errors.h"
#include "runtimes/usdt.h"

#include "runtimes/runtime.h"
#include "symbolize/maps.h"

static const struct runtime_lock_func lock_funcs[] = {
	{"pthread_mutex_lock", LOCK_OP_LOCK, LOCK_KIND_MUTEX},
	{"pthread_mutex_timedlock", LOCK_OP_LOCK, LOCK_KIND_MUTEX},
	{"pthread_mutex_trylock", LOCK_OP_TRYLOCK, LOCK_KIND_MUTEX},
	{"pthread_mutex_unlock", LOCK_OP_UNLOCK, LOCK_KIND_MUTEX},
	{"pthread_rwlock_rdlock", LOCK_OP_LOCK, LOCK_KIND_RWLOCK_RD},
	{"pthread_rwlock_tryrdlock", LOCK_OP_TRYLOCK, LOCK_KIND_RWLOCK_RD},
	{"pthread_rwlock_wrlock", LOCK_OP_LOCK, LOCK_KIND_RWLOCK_WR},
	{"pthread_rwlock_trywrlock", LOCK_OP_TRYLOCK, LOCK_KIND_RWLOCK_WR},
	{"pthread_rwlock_unlock", LOCK_OP_UNLOCK, LOCK_KIND_RWLOCK_WR},
	{"pthread_cond_wait", LOCK_OP_CONDWAIT, LOCK_KIND_COND},
	{"pthread_cond_timedwait", LOCK_OP_CONDWAIT, LOCK_KIND_COND},
	{NULL},
};

const struct runtime_pthread_probes pthread_probes = {
	.create_symbol = "pthread_create",
	.lock_funcs = lock_funcs,
	.sdt_provider = "libc",
	.sdt_mutex_entry = "mutex_entry",
	.sdt_mutex_acquired = "mutex_acquired",
	.sdt_mutex_release = "mutex_release",
};

int pthread_find_libc(int pid, char *path, size_t size)
{
	struct proc_maps *maps = proc_maps__read(pid);
	size_t i;
	int err = -ENOENT;

	if (!maps)
		return -errno;
	for (i = 0; i < maps->n; i++) {
		const struct proc_map *m = &maps->maps[i];
		const char *base;

		if (!proc_map__is_file(m))
			continue;
		base = strrchr(m->path, '/');
		base = base ? base + 1 : m->path;
		if (fnmatch("libc.so.*", base, 0) && fnmatch("libc-2.*.so", base, 0))
			continue;
		err = proc_map__open_path(maps, m, path, size);
		break;
	}
	proc_maps__free(maps);
	return err;
}

/* Is symbol idx of a .dynsym a hidden (non-default) version, e.g. pthread_create@GLIBC_2.2.5? */
static bool version_hidden(Elf_Data *versym, size_t idx)
{
	GElf_Versym v;

	if (!versym || !gelf_getversym(versym, (int)idx, &v))
		return false;
	return (v & 0x8000) != 0;
}

static int vaddr_to_offset(Elf *elf, __u64 vaddr, __u64 *offset)
{
	size_t i, n;

	if (elf_getphdrnum(elf, &n))
		return -ERR_BADINPUT;
	for (i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD || !(ph.p_flags & PF_X))
			continue;
		if (vaddr >= ph.p_vaddr && vaddr < ph.p_vaddr + ph.p_filesz) {
			*offset = vaddr - ph.p_vaddr + ph.p_offset;
			return 0;
		}
	}
	return -ENOENT;
}

int runtime_symbol_offset(const char *path, const char *name, __u64 *offset)
{
	Elf_Scn *scn = NULL, *versym_scn = NULL;
	Elf *elf = NULL;
	int fd = -1, err = -ENOENT;
	bool found = false;
	__u64 vaddr = 0;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return -ERR_BADINPUT;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		err = -ENOEXEC;
		goto cleanup;
	}
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;

		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_GNU_versym)
			versym_scn = scn;
	}
	/* .dynsym first (with versions), then .symtab */
	for (int pass = 0; pass < 2 && !found; pass++) {
		GElf_Word want = pass ? SHT_SYMTAB : SHT_DYNSYM;

		scn = NULL;
		while (!found && (scn = elf_nextscn(elf, scn))) {
			Elf_Data *data, *versym = NULL;
			GElf_Shdr sh;
			size_t i, nsyms;

			if (!gelf_getshdr(scn, &sh) || sh.sh_type != want || !sh.sh_entsize)
				continue;
			data = elf_getdata(scn, NULL);
			if (!data)
				continue;
			if (want == SHT_DYNSYM && versym_scn)
				versym = elf_getdata(versym_scn, NULL);
			nsyms = sh.sh_size / sh.sh_entsize;
			for (i = 0; i < nsyms; i++) {
				GElf_Sym sym;
				const char *sname;

				if (!gelf_getsym(data, (int)i, &sym) ||
				    GELF_ST_TYPE(sym.st_info) != STT_FUNC || !sym.st_value)
					continue;
				sname = elf_strptr(elf, sh.sh_link, sym.st_name);
				if (!sname || strcmp(sname, name) || version_hidden(versym, i))
					continue;
				vaddr = sym.st_value;
				found = true;
				break;
			}
		}
	}
	if (found)
		err = vaddr_to_offset(elf, vaddr, offset);
cleanup:
	elf_end(elf);
	if (fd >= 0)
		close(fd);
	return err;
}

bool pthread_has_mutex_sdt(const char *path)
{
	const struct runtime_pthread_probes *p = &pthread_probes;
	struct usdt_notes *notes = usdt_notes__read(path);
	int found = 0;
	size_t i;

	if (!notes)
		return false;
	for (i = 0; i < notes->n; i++) {
		const struct usdt_note *n = &notes->notes[i];

		if (strcmp(n->provider, p->sdt_provider))
			continue;
		if (!strcmp(n->name, p->sdt_mutex_entry))
			found |= 1;
		else if (!strcmp(n->name, p->sdt_mutex_acquired))
			found |= 2;
		else if (!strcmp(n->name, p->sdt_mutex_release))
			found |= 4;
	}
	usdt_notes__free(notes);
	return found == 7;
}
