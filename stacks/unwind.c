// SPDX-License-Identifier: GPL-2.0
/*
 * Unwinding a captured user stack with libdw (the approach of perf's util/unwind-libdw.c, our own
 * code). Per process: a Dwfl whose modules are the file mappings of a /proc/PID/maps snapshot
 * (plus [vdso], whose image is the same in every process, so ours is used), and a "process state"
 * attached with callbacks that take the initial registers from the capture and serve memory
 * reads from the copied stack bytes. dwfl_getthread_frames() then walks the frames with CFI,
 * falling back to the frame pointer where a module has none.
 *
 * A module's file is mapped once for every process that maps it (struct unw_file), and each
 * process's Dwfl reads it through elf_memory(): a new process of a program seen before costs no
 * mmap, munmap or page fault of its modules (under a churn of short processes, mapping and
 * unmapping every module of every process was a fifth of rtprof's user time).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <elfutils/libdwfl.h>

#include "lib/log.h"
#include "symbolize/maps.h"
#include "stacks/unwind.h"

#define UNWIND_MAX_FRAMES     512
#define UNWIND_REFRESH_MIN_NS 20000000ULL   /* 20 ms between two maps re-reads of a process */
#define UNWIND_GC_PROCS	      32	    /* above this many processes, drop the exited ones */
#define UNWIND_GC_IDLE_NS     1000000000ULL /* ... not used for 1 s */
#define UNWIND_FILE_IDLE_NS   5000000000ULL /* a file no process maps stays mapped 5 s */

/* A module's file, mapped for every Dwfl that reads it (stat__same_file). */
struct unw_file {
	struct stat st;
	void *map;
	unsigned int refs; /* modules of Dwfls reading it */
	__u64 idle_ns;	   /* since when no Dwfl reads it */
};

/* A file module of one process's Dwfl (its userdata). */
struct unw_mod {
	char *path;	       /* the file to open, as the process sees it */
	struct unw_file *file; /* the shared mapping libdw reads, or NULL */
	struct unwinder *owner;
};

struct unw_proc {
	int pid;
	Dwfl *dwfl;
	struct proc_maps *maps;
	struct unw_mod *mods; /* one per reported file module */
	size_t n_mods;
	__u64 refreshed_ns;
	__u64 used_ns; /* last unwind */
	struct unwinder *u;
	/* the unwind in progress */
	const struct stack_capture *cur;
	bool ran_out;	  /* a read fell just above the copy: the copy was too short */
	bool read_failed; /* the latest read was outside the copy (libdw then ends the walk as if
			   * it were complete: a return address it cannot read is "undefined") */
	__u64 *addrs;
	size_t max, n;
};

struct unwinder {
	struct unw_proc **procs;
	size_t n, cap;
	struct maps_pins *pins; /* not owned; may be NULL */
	void *vdso;		/* copy of our own vDSO image */
	size_t vdso_size;
	void (*on_maps)(void *ctx, int pid, const struct proc_maps *maps);
	void *on_maps_ctx;
	struct unw_file **files;
	size_t n_files, cap_files;
};

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* The shared mapping of the file open at fd (an executable or shared object), made when new;
 * NULL when it cannot be shared (another type of ELF file, no memory). */
static struct unw_file *file_get(struct unwinder *u, int fd)
{
	struct unw_file *f, **files;
	Elf64_Ehdr eh;
	struct stat st;
	size_t i;

	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size < (off_t)sizeof(eh))
		return NULL;
	for (i = 0; i < u->n_files; i++)
		if (stat__same_file(&u->files[i]->st, &st))
			return u->files[i];
	/* libdwfl writes into relocatable objects' sections: those get a mapping of their own */
	if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    (eh.e_type != ET_DYN && eh.e_type != ET_EXEC))
		return NULL;
	if (u->n_files == u->cap_files) {
		size_t cap = u->cap_files ? 2 * u->cap_files : 32;

		files = realloc(u->files, cap * sizeof(*files));
		if (!files)
			return NULL;
		u->files = files;
		u->cap_files = cap;
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	/* private and writable: whatever libelf might write stays ours */
	f->map = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (f->map == MAP_FAILED) {
		free(f);
		return NULL;
	}
	f->st = st;
	u->files[u->n_files++] = f;
	return f;
}

/* Unmap the files no Dwfl has read for UNWIND_FILE_IDLE_NS (all of them: every one unused). */
static void files_gc(struct unwinder *u, bool all)
{
	__u64 now = now_ns();
	size_t i;

	for (i = 0; i < u->n_files;) {
		struct unw_file *f = u->files[i];

		if (f->refs || (!all && now - f->idle_ns < UNWIND_FILE_IDLE_NS)) {
			i++;
			continue;
		}
		munmap(f->map, (size_t)f->st.st_size);
		free(f);
		u->files[i] = u->files[--u->n_files];
	}
}

static int find_elf_cb(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
		       char **file_name, Elf **elfp)
{
	const struct unw_proc *p;
	struct unw_mod *m;
	int fd;

	/* userdata: the process for [vdso], the module for a file */
	if (!*userdata)
		return -1;
	if (strcmp(modname, "[vdso]") == 0) {
		p = *userdata;
		if (p->u->vdso)
			*elfp = elf_memory(p->u->vdso, p->u->vdso_size);
		return -1;
	}
	m = *userdata;
	fd = open(m->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	*file_name = strdup(m->path);
	m->file = file_get(m->owner, fd);
	if (!m->file)
		return fd; /* libdw reads it itself */
	close(fd);
	*elfp = elf_memory(m->file->map, (size_t)m->file->st.st_size);
	if (!*elfp) {
		m->file = NULL;
		return -1;
	}
	m->file->refs++;
	return -1;
}

/*
 * No separate debug files: .eh_frame is in every binary built for x86-64 and is what the unwinder
 * needs. Looking up .debug_frame in a debug file would make libdw open it and decompress all its
 * DWARF sections, for every process (a Dwfl is per address space): most of rtprof's time when
 * following a workload that runs many short processes.
 */
static int find_debuginfo_cb(Dwfl_Module *mod, void **userdata, const char *modname,
			     Dwarf_Addr base, const char *file_name, const char *debuglink_file,
			     GElf_Word debuglink_crc, char **debuginfo_file_name)
{
	return -1;
}

static const Dwfl_Callbacks dwfl_callbacks = {
	.find_elf = find_elf_cb,
	.find_debuginfo = find_debuginfo_cb,
	/* a process that maps a relocatable object (ET_REL) makes libdw ask where its sections
	 * are: without an answer it calls NULL */
	.section_address = dwfl_offline_section_address,
};

static bool get_thread_cb(Dwfl *dwfl, pid_t tid, void *dwfl_arg, void **thread_argp)
{
	*thread_argp = dwfl_arg;
	return true;
}

static pid_t next_thread_cb(Dwfl *dwfl, void *dwfl_arg, void **thread_argp)
{
	if (*thread_argp)
		return 0;
	*thread_argp = dwfl_arg;
	return dwfl_pid(dwfl);
}

static bool memory_read_cb(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result, void *dwfl_arg)
{
	struct unw_proc *p = dwfl_arg;
	const struct stack_capture *c = p->cur;
	__u64 sp = c->regs[SC_REG_SP];

	/* no overflow: addr may be anything a broken frame computed (~0 wraps addr + 8) */
	if (addr >= sp && c->stack_len >= sizeof(*result) &&
	    addr - sp <= c->stack_len - sizeof(*result)) {
		memcpy(result, c->stack + (addr - sp), sizeof(*result));
		p->read_failed = false;
		return true;
	}
	p->read_failed = true;
	/* A read just above the copy: the stack went on, the copy did not. */
	if (addr >= sp + c->stack_len && !(c->flags & SC_F_STACK_END) &&
	    addr < sp + c->stack_len + (1 << 20))
		p->ran_out = true;
	return false;
}

static bool set_initial_registers_cb(Dwfl_Thread *thread, void *thread_arg)
{
	struct unw_proc *p = thread_arg;
	const __u64 *r = p->cur->regs;
	/* DWARF register numbers of x86-64: rax rdx rcx rbx rsi rdi rbp rsp r8..r15 rip */
	Dwarf_Word dw[17] = {
		r[SC_REG_AX],  r[SC_REG_DX],  r[SC_REG_CX],  r[SC_REG_BX],  r[SC_REG_SI],
		r[SC_REG_DI],  r[SC_REG_BP],  r[SC_REG_SP],  r[SC_REG_R8],  r[SC_REG_R9],
		r[SC_REG_R10], r[SC_REG_R11], r[SC_REG_R12], r[SC_REG_R13], r[SC_REG_R14],
		r[SC_REG_R15], r[SC_REG_IP],
	};

	dwfl_thread_state_register_pc(thread, r[SC_REG_IP]);
	return dwfl_thread_state_registers(thread, 0, 17, dw);
}

static const Dwfl_Thread_Callbacks thread_callbacks = {
	.next_thread = next_thread_cb,
	.get_thread = get_thread_cb,
	.memory_read = memory_read_cb,
	.set_initial_registers = set_initial_registers_cb,
};

static int load_elf_cb(Dwfl_Module *mod, void **userdata, const char *name, Dwarf_Addr start,
		       void *arg)
{
	Dwarf_Addr bias;

	dwfl_module_getelf(mod, &bias);
	return DWARF_CB_OK;
}

static void proc_drop_dwfl(struct unw_proc *p)
{
	size_t i;

	if (p->dwfl)
		dwfl_end(p->dwfl);
	p->dwfl = NULL;
	for (i = 0; i < p->n_mods; i++) {
		struct unw_file *f = p->mods[i].file;

		if (f && !--f->refs)
			f->idle_ns = now_ns();
		free(p->mods[i].path);
	}
	free(p->mods);
	p->mods = NULL;
	p->n_mods = 0;
	proc_maps__free(p->maps);
	p->maps = NULL;
}

static bool same_file(const struct proc_map *a, const struct proc_map *b)
{
	return a->inode == b->inode && a->dev_major == b->dev_major &&
	       a->dev_minor == b->dev_minor && a->path && b->path && !strcmp(a->path, b->path);
}

/* Report every file mapping (grouped per file) and the vDSO, open them, attach the state. */
static int proc_build(struct unw_proc *p)
{
	struct proc_maps *maps;
	char path[4096];
	size_t i, j;
	int err = 0;

	maps = maps_pins__read(p->u->pins, p->pid);
	if (!maps)
		return -errno;
	p->maps = maps;
	p->refreshed_ns = now_ns();
	p->dwfl = dwfl_begin(&dwfl_callbacks);
	if (!p->dwfl)
		return -ENOMEM;
	p->mods = calloc(maps->n + 1, sizeof(*p->mods));
	if (!p->mods)
		return -ENOMEM;
	dwfl_report_begin(p->dwfl);
	for (i = 0; i < maps->n; i = j) {
		const struct proc_map *m = &maps->maps[i];
		__u64 high = m->end;
		Dwfl_Module *mod;
		void **ud;

		for (j = i + 1; j < maps->n && same_file(&maps->maps[j], m); j++)
			high = maps->maps[j].end;
		if (m->path && strcmp(m->path, "[vdso]") == 0) {
			mod = dwfl_report_module(p->dwfl, "[vdso]", m->start, m->end);
			if (mod) {
				dwfl_module_info(mod, &ud, NULL, NULL, NULL, NULL, NULL, NULL);
				*ud = p;
			}
			continue;
		}
		/* a file module starts at its mapping of offset 0 (the ELF header) */
		if (!proc_map__is_file(m) || m->offset != 0)
			continue;
		if (proc_map__open_path(maps, m, path, sizeof(path)))
			continue;
		mod = dwfl_report_module(p->dwfl, m->path, m->start, high);
		if (!mod)
			continue;
		p->mods[p->n_mods].path = strdup(path);
		if (!p->mods[p->n_mods].path)
			return -ENOMEM;
		p->mods[p->n_mods].owner = p->u;
		dwfl_module_info(mod, &ud, NULL, NULL, NULL, NULL, NULL, NULL);
		*ud = &p->mods[p->n_mods++];
	}
	dwfl_report_end(p->dwfl, NULL, NULL);
	/* Open every file now, while /proc/PID/root still leads to them. */
	dwfl_getmodules(p->dwfl, load_elf_cb, NULL, 0);
	if (p->u->on_maps)
		p->u->on_maps(p->u->on_maps_ctx, p->pid, maps);
	if (!dwfl_attach_state(p->dwfl, NULL, p->pid, &thread_callbacks, p)) {
		pr_debug("unwind %d: cannot attach state: %s\n", p->pid, dwfl_errmsg(-1));
		err = -ENOEXEC;
	}
	return err;
}

/*
 * Each process's Dwfl keeps its modules' files open. Following a workload of many short
 * processes would run out of file descriptors: drop processes that have exited and were not
 * unwound for a while (their samples were consumed in order, before later processes' ones).
 */
static void proc_gc(struct unwinder *u)
{
	__u64 now = now_ns();
	size_t i;

	for (i = 0; i < u->n;) {
		struct unw_proc *p = u->procs[i];

		if (now - p->used_ns > UNWIND_GC_IDLE_NS && kill(p->pid, 0) && errno == ESRCH) {
			proc_drop_dwfl(p);
			free(p);
			u->procs[i] = u->procs[--u->n];
			continue;
		}
		i++;
	}
	files_gc(u, false);
}

static struct unw_proc *proc_get(struct unwinder *u, int pid, bool create)
{
	struct unw_proc *p, **procs;
	size_t i;

	for (i = 0; i < u->n; i++)
		if (u->procs[i]->pid == pid)
			return u->procs[i];
	if (!create)
		return NULL;
	if (u->n >= UNWIND_GC_PROCS)
		proc_gc(u);
	if (u->n == u->cap) {
		size_t cap = u->cap ? u->cap * 2 : 8;

		procs = realloc(u->procs, cap * sizeof(*procs));
		if (!procs)
			return NULL;
		u->procs = procs;
		u->cap = cap;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->pid = pid;
	p->u = u;
	p->used_ns = now_ns();
	u->procs[u->n++] = p;
	return p;
}

int unwinder__track(struct unwinder *u, int pid)
{
	struct unw_proc *p = proc_get(u, pid, true);
	int err;

	if (!p)
		return -ENOMEM;
	if (p->dwfl)
		return 0;
	err = proc_build(p);
	if (err)
		proc_drop_dwfl(p);
	return err;
}

/*
 * Re-read the maps when addr lies outside every mapping known (a library loaded after the
 * snapshot, new JIT code, an exec), at most every UNWIND_REFRESH_MIN_NS; rebuild the modules only
 * when the new maps do cover addr. Returns true when the modules were rebuilt.
 */
static bool proc_maybe_refresh(struct unw_proc *p, __u64 addr)
{
	struct proc_maps *fresh;
	__u64 now;

	if (p->maps && proc_maps__find(p->maps, addr))
		return false;
	now = now_ns();
	if (p->dwfl && now - p->refreshed_ns < UNWIND_REFRESH_MIN_NS)
		return false;
	p->refreshed_ns = now;
	if (p->dwfl) {
		fresh = proc_maps__read(p->pid);
		if (!fresh) /* gone: keep what we have */
			return false;
		if (!proc_maps__find(fresh, addr)) {
			proc_maps__free(fresh);
			return false;
		}
		proc_maps__free(fresh);
	}
	proc_drop_dwfl(p);
	if (proc_build(p))
		proc_drop_dwfl(p);
	p->refreshed_ns = now;
	return true;
}

static int frame_cb(Dwfl_Frame *state, void *arg)
{
	struct unw_proc *p = arg;
	Dwarf_Addr pc;
	bool activation;

	if (!dwfl_frame_pc(state, &pc, &activation))
		return DWARF_CB_ABORT;
	if (p->n >= p->max)
		return 1; /* out of room: stop */
	if (!activation && pc > 0)
		pc--;
	p->addrs[p->n++] = pc;
	return DWARF_CB_OK;
}

static int unwind_once(struct unw_proc *p, const struct stack_capture *c, __u64 *addrs, size_t max)
{
	p->cur = c;
	p->ran_out = false;
	p->read_failed = false;
	p->addrs = addrs;
	p->max = max < UNWIND_MAX_FRAMES ? max : UNWIND_MAX_FRAMES;
	p->n = 0;
	return dwfl_getthread_frames(p->dwfl, c->pid, frame_cb, p);
}

int unwinder__unwind(struct unwinder *u, const struct stack_capture *c, __u64 *addrs, size_t max,
		     struct unwind_result *res)
{
	struct unw_proc *p;
	int rc;

	res->n = 0;
	res->status = UNWIND_BROKEN;
	res->maps_reread = false;
	if (c->flags & SC_F_NO_USER)
		return 0;
	p = proc_get(u, c->pid, true);
	if (!p)
		return -ENOMEM;
	p->used_ns = now_ns();
	res->maps_reread = proc_maybe_refresh(p, c->regs[SC_REG_IP]);
	if (!p->dwfl || !dwfl_pid(p->dwfl)) {
		addrs[0] = c->regs[SC_REG_IP];
		res->n = max ? 1 : 0;
		return 0;
	}
	rc = unwind_once(p, c, addrs, max);
	/* Stopped at a return address outside every known mapping: re-read the maps, retry. */
	if ((rc != 0 || p->read_failed) && !p->ran_out && p->n > 0 &&
	    proc_maybe_refresh(p, p->addrs[p->n - 1] + 1) && p->dwfl) {
		res->maps_reread = true;
		rc = unwind_once(p, c, addrs, max);
	}
	/* libdw ends a walk normally when a return address cannot be read, so "complete" also
	 * needs the walk's last read to have been served from the copy. */
	if (p->ran_out)
		res->status = UNWIND_TRUNCATED;
	else if (rc == 0 && !p->read_failed)
		res->status = UNWIND_COMPLETE;
	else
		res->status = UNWIND_BROKEN;
	if (p->n == 0 && max) {
		addrs[0] = c->regs[SC_REG_IP];
		p->n = 1;
	}
	res->n = p->n;
	p->cur = NULL;
	return 0;
}

int unwinder__locate(struct unwinder *u, int pid, __u64 addr, const char **path, __u64 *elf_addr)
{
	struct unw_proc *p = proc_get(u, pid, false);
	Dwarf_Addr bias;
	Dwfl_Module *mod;
	const char *name;

	if (!p || !p->dwfl)
		return -ENOENT;
	mod = dwfl_addrmodule(p->dwfl, addr);
	if (!mod || !dwfl_module_getelf(mod, &bias))
		return -ENOENT;
	name = dwfl_module_info(mod, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
	if (!name || name[0] != '/')
		return -ENOENT;
	*path = name;
	*elf_addr = addr - bias;
	return 0;
}

void unwinder__forget(struct unwinder *u, int pid)
{
	size_t i;

	for (i = 0; i < u->n; i++) {
		if (u->procs[i]->pid != pid)
			continue;
		proc_drop_dwfl(u->procs[i]);
		free(u->procs[i]);
		u->procs[i] = u->procs[--u->n];
		break;
	}
	files_gc(u, false);
}

/* Our own vDSO, to stand in for the target's: the kernel maps the same image everywhere. */
static void copy_vdso(struct unwinder *u)
{
	struct proc_maps *self = proc_maps__read(getpid());
	size_t i;

	if (!self)
		return;
	for (i = 0; i < self->n; i++) {
		const struct proc_map *m = &self->maps[i];

		if (m->path && strcmp(m->path, "[vdso]") == 0) {
			u->vdso = malloc(m->end - m->start);
			if (u->vdso) {
				memcpy(u->vdso, (void *)(uintptr_t)m->start, m->end - m->start);
				u->vdso_size = m->end - m->start;
			}
			break;
		}
	}
	proc_maps__free(self);
}

struct unwinder *unwinder__new(struct maps_pins *pins)
{
	struct unwinder *u = calloc(1, sizeof(*u));

	if (!u)
		return NULL;
	u->pins = pins;
	elf_version(EV_CURRENT);
	copy_vdso(u);
	return u;
}

void unwinder__on_maps(struct unwinder *u,
		       void (*fn)(void *ctx, int pid, const struct proc_maps *maps), void *ctx)
{
	u->on_maps = fn;
	u->on_maps_ctx = ctx;
}

void unwinder__free(struct unwinder *u)
{
	size_t i;

	if (!u)
		return;
	for (i = 0; i < u->n; i++) {
		proc_drop_dwfl(u->procs[i]);
		free(u->procs[i]);
	}
	free(u->procs);
	files_gc(u, true);
	free(u->files);
	free(u->vdso);
	free(u);
}
