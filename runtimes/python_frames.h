/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CPython's own frames: how to find a process's interpreter, where each thread's frames are
 * (the layout BPF walks, bpf/interp.h), and how to name a frame from its code object and
 * instruction (qualified name, file, line).
 *
 * Supported: CPython 3.8 to 3.13, as an executable with libpython linked in (Debian's
 * /usr/bin/python3.11) or a shared libpython3.X.so (pyenv, embedders). The version comes from the
 * binary: Py_Version (3.11+) or the PY_VERSION string Py_GetVersion formats (3.8-3.10). Struct
 * offsets come from a per-version table below, which tests/e2e/python_offsets.sh checks against
 * the DWARF of every CPython present. Any other version gets no Python frames, and one warning.
 *
 * Target memory is untrusted: every decoder here checks lengths and bounds, and is fuzzed
 * (tests/fuzz/fuzz_pycode.c).
 */
#ifndef RTPROF_PYTHON_FRAMES_H
#define RTPROF_PYTHON_FRAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "bpf/interp.h"

enum py_linetable_kind {
	PY_LNOTAB = 1,	  /* 3.8, 3.9: co_lnotab, byte offsets */
	PY_LINETABLE_310, /* 3.10: co_linetable (PEP 626), byte offsets, -128 = no line */
	PY_LOCATIONS_311, /* 3.11+: the location table, code units */
};

/* What differs between CPython minor versions (x86-64). */
struct py_layout {
	int minor; /* 3.MINOR */
	enum interp_py_walk walk;
	__u32 rt_tss_key; /* _PyRuntime: the autoTSSkey's key (int) */
	__u32 ts_frame, cframe_current;
	__u32 f_code, f_previous, f_instr, f_owner, f_is_entry, frame_size;
	/* PyCodeObject */
	__u32 co_filename, co_name, co_qualname /* 0: none (< 3.11) */, co_firstlineno;
	__u32 co_linetable;	/* co_lnotab (3.8, 3.9) or co_linetable */
	__u32 co_code_adaptive; /* 3.11+: the first instruction, inside the code object */
	enum py_linetable_kind lt_kind;
	__u32 str_ascii_data;	/* sizeof(PyASCIIObject): data of a compact ASCII str */
	__u32 str_compact_data; /* sizeof(PyCompactUnicodeObject): other compact str */
};

/* The layout of 3.minor, or NULL when unsupported. */
const struct py_layout *py_layout_for(int major, int minor);
/* Every supported layout, for tests; *n gets the count. */
const struct py_layout *py_layouts(size_t *n);

/* An interpreter found in a process. */
struct py_proc {
	int major, minor, micro;
	const struct py_layout *layout; /* NULL: a version rtprof cannot walk */
	char object[4096];    /* the ELF object holding _PyRuntime, as the process sees it */
	__u64 runtime_addr;   /* _PyRuntime in the process */
	__u64 code_type_addr; /* PyCode_Type in the process */
};

/*
 * Look for CPython in the objects pid maps: the one that defines _PyRuntime. 0 and *out filled
 * (out->layout NULL for an unsupported version), -ENOENT when the process has no CPython (yet),
 * -ESRCH, or another negative errno.
 */
int py_proc__find(int pid, struct py_proc *out);

/* Fill the BPF half's view of p (struct interp_proc) apart from the C library's TSD layout. */
void py_proc__interp(const struct py_proc *p, struct interp_proc *ip);

/* Reads target memory: 0 when all len bytes were read, else a negative errno. */
typedef int (*py_read_fn)(void *ctx, __u64 addr, void *buf, size_t len);

/* A decoded code object. Strings are malloc'ed (free with py_code__clear). */
struct py_code {
	char *qualname; /* co_qualname, or co_name before 3.11 */
	char *filename; /* co_filename as Python has it */
	int firstlineno;
	__u8 *linetable; /* a copy of co_linetable / co_lnotab */
	size_t linetable_len;
	__u8 ident[64];	 /* the header fields that identify the object (type, names, table) */
	__u64 bpf_ident; /* what BPF reads of its identity (bpf/interp.h, interp_code_ident) */
};

/* Decode the code object at addr. 0, -EINVAL when it is not a code object (type differs or
 * a field is malformed), or the reader's error. */
int py_code__read(const struct py_layout *l, __u64 code_type_addr, py_read_fn read, void *ctx,
		  __u64 addr, struct py_code *out);
/* True when the object at addr still has the identity recorded in c (the address was not reused
 * by another object since c was read). */
bool py_code__same(const struct py_layout *l, py_read_fn read, void *ctx, __u64 addr,
		   const struct py_code *c);
void py_code__clear(struct py_code *c);

/* The instruction index (code units) of a frame: from its instruction pointer (3.11+) or its
 * f_lasti (3.8-3.10, given in bytes before 3.10). -1 when before the first instruction. */
long py_frame_lasti(const struct py_layout *l, __u64 code_addr, __u64 instr, bool is_lasti);

/* The source line of instruction index lasti (code units), from a line table; firstlineno when
 * the table says nothing; -1 for "no line". Never reads outside table[0..len). */
int py_line(enum py_linetable_kind kind, const __u8 *table, size_t len, int firstlineno,
	    long lasti);

/* A Python str object at addr as UTF-8 into buf (size bytes, NUL-terminated). 0 or an error. */
int py_str_read(const struct py_layout *l, py_read_fn read, void *ctx, __u64 addr, char *buf,
		size_t size);

#endif
