/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Room symbolize/: addresses to names (maps, ELF symbols, debug files, DWARF, perf maps).
 * May use lib/ and bpf/ headers; not flamegraph/ (same level) nor anything above.
 *
 * Addresses to functions, source lines and inlined frames.
 *
 * A symbolizer owns caches keyed by build-id (one per ELF object, shared by every process that maps
 * it): the object's symbol table, its DWARF (libdwfl finds separate debug files by build-id and by
 * .gnu_debuglink), a per-CU index of subprogram and inlined-subroutine ranges, and the frames of
 * every address already resolved. A sym_process is a snapshot of one process's mappings with
 * each module's load bias; its files are opened when the snapshot is taken, so addresses captured
 * while the process ran still resolve after it exits. Frames follow llvm-symbolizer's rules.
 */
#ifndef RTPROF_SYMBOLIZE_H
#define RTPROF_SYMBOLIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct symbolizer_opts {
	const char *const *debug_dirs; /* extra debug roots (--debug-dir), may be NULL */
	size_t n_debug_dirs;
	bool no_inline; /* only the outermost function, no inline chain */
	/* functions only: no file, line or column (the costly line tables are not read) */
	bool no_lines;
	/* no cache of decompressed debug files (debugcache.h), whatever the environment says */
	bool no_cache;
	/* maps of processes that may be gone when their snapshot is taken (not owned; NULL:
	 * none) */
	struct maps_pins *pins;
};

struct maps_pins;

struct sym_frame {
	const char
		*function;   /* demangled name, or "module+0xOFFSET" when nothing better is known */
	const char *file;    /* source file or NULL */
	int line;	     /* 0 when unknown */
	int column;	     /* 0 when unknown */
	bool inlined;	     /* true when this frame was inlined into the next one */
	const char *module;  /* path of the ELF object (as the target saw it), or NULL */
	__u64 module_offset; /* address relative to the module's load bias (ELF address) */
};

struct symbolizer;  /* caches keyed by build-id, shared by all processes */
struct sym_process; /* snapshot of one process's mappings; stays valid after it exits */

/* NULL and errno on failure. */
struct symbolizer *symbolizer__new(const struct symbolizer_opts *opts);
/* Frees the symbolizer and every sym_process it still owns. */
void symbolizer__free(struct symbolizer *s);

/* Snapshot /proc/PID/maps now (modules are opened at once, through /proc/PID/root or
 * /proc/PID/map_files). NULL and errno (ESRCH when no such process). Freed with symbolizer__free
 * or sym_process__free. */
struct sym_process *symbolizer__process(struct symbolizer *s, int pid);
void sym_process__free(struct sym_process *p);
/* Re-read the maps (new dlopen'ed libraries, grown perf-PID.map); keeps what it knew before. */
int sym_process__refresh(struct sym_process *p);

/* Resolve a runtime address in p into frames, innermost first. For a return address taken from
 * a stack, pass address - 1 so that it lands in the call instruction (as perf does). Returns the
 * number of frames written (at least 1: the fallback "module+0xOFFSET", or "[unknown]" outside any
 * mapping), or a negative errno. Strings stay valid until symbolizer__free. */
int symbolizer__resolve(struct symbolizer *s, struct sym_process *p, __u64 addr,
			struct sym_frame *frames, int max_frames);
/* The same for an address as in the ELF file (like addr2line -e). -ENOENT when the file does
 * not exist, -ENOEXEC when it is not ELF. */
int symbolizer__resolve_elf(struct symbolizer *s, const char *path, __u64 addr,
			    struct sym_frame *frames, int max_frames);

/* What exporters (pprof mappings) need to know of a module that frames name. */
struct sym_module_info {
	char build_id[2 * 64 + 1]; /* GNU build-id in hex, "" when the object has none */
	/* its code in ELF addresses: the executable PT_LOAD segments, page-aligned */
	__u64 start, limit, file_offset;
	bool executable; /* a program (ET_EXEC, or ET_DYN flagged DF_1_PIE), not a library */
};

/* The module a frame's module string names (sym_frame.module, the same pointer or path): 0, or
 * -ENOENT when no module of s has that path. */
int symbolizer__module_info(struct symbolizer *s, const char *module, struct sym_module_info *out);

/* Check that path can be opened as an ELF object: 0, -ENOENT, -EACCES or -ENOEXEC. */
int symbolizer__check_elf(struct symbolizer *s, const char *path);

/*
 * Free the modules (ELF files with their debug files, DWARF indexes and names) that no process
 * snapshot maps, but the keep used most recently; returns how many were freed. Every string
 * symbolizer__resolve and symbolizer__resolve_elf returned for a freed module is freed with it:
 * a caller that keeps names copies them (stacks/stacks.c interns them). A module needed again is
 * read again.
 */
size_t symbolizer__trim(struct symbolizer *s, size_t keep);

#endif
