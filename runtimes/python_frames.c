// SPDX-License-Identifier: GPL-2.0
/*
 * CPython frames: layouts per version, finding the interpreter in a process, naming frames (see
 * runtimes/python_frames.h).
 *
 * How each version chains its frames (x86-64, offsets in the table below):
 *   3.8-3.10  tstate->frame is a PyFrameObject; f_back links outward; f_lasti is the last
 *             instruction (bytes in 3.8 and 3.9, code units in 3.10). Every Python call has its
 *             own native _PyEval_EvalFrameDefault activation.
 *   3.11      tstate->cframe->current_frame is a _PyInterpreterFrame; previous links outward;
 *             prev_instr points at the instruction being run. Python-to-Python calls stay in
 *             one native activation; is_entry marks each activation's outermost frame.
 *   3.12      as 3.11, but an activation starts with a shim frame (owner FRAME_OWNED_BY_CSTACK)
 *             instead of is_entry.
 *   3.13      tstate->current_frame; f_executable (the code object, or None); instr_ptr.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "runtimes/objfile.h"
#include "runtimes/python_frames.h"
#include "symbolize/maps.h"

/* clang-format off */
static const struct py_layout layouts[] = {
	{ .minor = 8, .walk = PY_WALK_FRAMEOBJ, .rt_tss_key = 1396, .ts_frame = 24,
	  .f_code = 32, .f_previous = 24, .f_instr = 104, .frame_size = 112,
	  .co_filename = 104, .co_name = 112, .co_firstlineno = 40, .co_linetable = 120,
	  .lt_kind = PY_LNOTAB, .str_ascii_data = 48, .str_compact_data = 72 },
	{ .minor = 9, .walk = PY_WALK_FRAMEOBJ, .rt_tss_key = 588, .ts_frame = 24,
	  .f_code = 32, .f_previous = 24, .f_instr = 104, .frame_size = 112,
	  .co_filename = 104, .co_name = 112, .co_firstlineno = 40, .co_linetable = 120,
	  .lt_kind = PY_LNOTAB, .str_ascii_data = 48, .str_compact_data = 72 },
	{ .minor = 10, .walk = PY_WALK_FRAMEOBJ, .rt_tss_key = 588, .ts_frame = 24,
	  .f_code = 32, .f_previous = 24, .f_instr = 96, .frame_size = 104,
	  .co_filename = 104, .co_name = 112, .co_firstlineno = 40, .co_linetable = 120,
	  .lt_kind = PY_LINETABLE_310, .str_ascii_data = 48, .str_compact_data = 72 },
	{ .minor = 11, .walk = PY_WALK_311, .rt_tss_key = 596, .ts_frame = 56,
	  .cframe_current = 8, .f_code = 32, .f_previous = 48, .f_instr = 56, .f_owner = 69,
	  .f_is_entry = 68, .frame_size = 72,
	  .co_filename = 112, .co_name = 120, .co_qualname = 128, .co_firstlineno = 72,
	  .co_linetable = 136, .co_code_adaptive = 184, .lt_kind = PY_LOCATIONS_311,
	  .str_ascii_data = 48, .str_compact_data = 72 },
	{ .minor = 12, .walk = PY_WALK_312, .rt_tss_key = 1548, .ts_frame = 56,
	  .cframe_current = 0, .f_code = 0, .f_previous = 8, .f_instr = 56, .f_owner = 70,
	  .frame_size = 72,
	  .co_filename = 112, .co_name = 120, .co_qualname = 128, .co_firstlineno = 68,
	  .co_linetable = 136, .co_code_adaptive = 192, .lt_kind = PY_LOCATIONS_311,
	  .str_ascii_data = 40, .str_compact_data = 56 },
	{ .minor = 13, .walk = PY_WALK_313, .rt_tss_key = 2164, .ts_frame = 72,
	  .f_code = 0, .f_previous = 8, .f_instr = 56, .f_owner = 70, .frame_size = 72,
	  .co_filename = 112, .co_name = 120, .co_qualname = 128, .co_firstlineno = 68,
	  .co_linetable = 136, .co_code_adaptive = 200, .lt_kind = PY_LOCATIONS_311,
	  .str_ascii_data = 40, .str_compact_data = 56 },
};
/* clang-format on */

#define CODE_HDR_BYTES 208 /* read of a code object: covers every field in the table */
#define PY_TYPE_OFF    8   /* PyObject.ob_type */

const struct py_layout *py_layout_for(int major, int minor)
{
	size_t i;

	if (major != 3)
		return NULL;
	for (i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++)
		if (layouts[i].minor == minor)
			return &layouts[i];
	return NULL;
}

const struct py_layout *py_layouts(size_t *n)
{
	*n = sizeof(layouts) / sizeof(layouts[0]);
	return layouts;
}

void py_proc__interp(const struct py_proc *p, struct interp_proc *ip)
{
	const struct py_layout *l = p->layout;

	memset(ip, 0, sizeof(*ip));
	ip->kind = INTERP_PYTHON;
	ip->walk = l->walk;
	ip->tss_key_addr = p->runtime_addr + l->rt_tss_key;
	ip->ts_frame = l->ts_frame;
	ip->cframe_current = l->cframe_current;
	ip->f_code = l->f_code;
	ip->f_previous = l->f_previous;
	ip->f_instr = l->f_instr;
	ip->f_owner = l->f_owner;
	ip->f_is_entry = l->f_is_entry;
	ip->frame_size = l->frame_size;
	ip->max_frames = INTERP_MAX_FRAMES;
	ip->code_ident = l->co_filename;
}

/* ---- finding the interpreter ---- */

/* 3.8-3.10 have no Py_Version: Py_GetVersion formats PY_VERSION, which it loads into %rcx (the
 * fourth argument of PyOS_snprintf) with `lea disp32(%rip),%rcx` (48 8d 0d). */
static int version_from_getversion(struct objfile *f, __u64 fn, int *major, int *minor, int *micro)
{
	__u8 code[96];
	char str[32];
	size_t i;

	if (objfile__read_vaddr(f, fn, code, sizeof(code)))
		return -ENOENT;
	for (i = 0; i + 7 <= sizeof(code); i++) {
		__s32 disp;

		if (code[i] != 0x48 || code[i + 1] != 0x8d || code[i + 2] != 0x0d)
			continue;
		memcpy(&disp, code + i + 3, 4);
		memset(str, 0, sizeof(str));
		if (objfile__read_vaddr(f, fn + i + 7 + (__s64)disp, str, sizeof(str) - 1))
			continue;
		if (sscanf(str, "%d.%d.%d", major, minor, micro) == 3)
			return 0;
	}
	return -ENOENT;
}

/* Does the object of mapping m define _PyRuntime? Fill p when it does. */
static int probe_object(const struct proc_maps *maps, const struct proc_map *m, struct py_proc *p,
			int pid)
{
	static const char *const names[] = {"_PyRuntime", "Py_Version", "PyCode_Type",
					    "Py_GetVersion"};
	struct objfile f = {.fd = -1};
	__u64 v[4] = {}, bias;
	int err;

	err = objfile__open(&f, maps, m);
	if (err)
		return err;
	err = -ENOENT;
	objfile__find_symbols(f.elf, names, v, 4);
	/* CPython: PyCode_Type and _PyRuntime (3.7+) or Py_GetVersion (older ones, which are
	 * found to be told they are not supported) */
	if (!v[2] || (!v[0] && !v[3]))
		goto cleanup;
	err = objfile__load_bias(&f, m, &bias);
	if (err)
		goto cleanup;
	memset(p, 0, sizeof(*p));
	snprintf(p->object, sizeof(p->object), "%s", m->path);
	p->runtime_addr = v[0] ? v[0] + bias : 0;
	p->code_type_addr = v[2] + bias;
	if (v[1]) {
		__u32 hex = 0;

		err = objfile__read_vaddr(&f, v[1], &hex, sizeof(hex));
		if (err)
			goto cleanup;
		p->major = hex >> 24;
		p->minor = (hex >> 16) & 0xff;
		p->micro = (hex >> 8) & 0xff;
	} else if (!v[3] || version_from_getversion(&f, v[3], &p->major, &p->minor, &p->micro)) {
		pr_debug("python %d: %s: cannot tell the version\n", pid, m->path);
	}
	p->layout = p->runtime_addr ? py_layout_for(p->major, p->minor) : NULL;
	err = 0;
cleanup:
	objfile__close(&f);
	return err;
}

/* The interpreter is python*, libpython* or an embedder's executable: the system libraries
 * every process maps are not looked into. */
static int probe_python(const struct proc_maps *maps, const struct proc_map *m, void *ctx)
{
	if (strstr(m->path, "/libc.so") || strstr(m->path, "/ld-linux") ||
	    strstr(m->path, "/libm.so") || strstr(m->path, "/libstdc++"))
		return -ENOENT;
	return probe_object(maps, m, ctx, maps->pid);
}

int py_proc__find(int pid, struct py_proc *out)
{
	return objfile__find_in(pid, probe_python, out);
}

/* ---- naming frames ---- */

static __u64 get_u64(const __u8 *b, __u32 off)
{
	__u64 v;

	memcpy(&v, b + off, sizeof(v));
	return v;
}

static int get_i32(const __u8 *b, __u32 off)
{
	int v;

	memcpy(&v, b + off, sizeof(v));
	return v;
}

/* Append code point cp to buf as UTF-8; false when it does not fit. */
static bool put_utf8(char *buf, size_t size, size_t *n, __u32 cp)
{
	char tmp[4];
	size_t k = 0;

	if (cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000))
		cp = 0xfffd;
	if (cp < 0x80) {
		tmp[k++] = (char)cp;
	} else if (cp < 0x800) {
		tmp[k++] = (char)(0xc0 | cp >> 6);
		tmp[k++] = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		tmp[k++] = (char)(0xe0 | cp >> 12);
		tmp[k++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		tmp[k++] = (char)(0x80 | (cp & 0x3f));
	} else {
		tmp[k++] = (char)(0xf0 | cp >> 18);
		tmp[k++] = (char)(0x80 | ((cp >> 12) & 0x3f));
		tmp[k++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		tmp[k++] = (char)(0x80 | (cp & 0x3f));
	}
	if (*n + k + 1 > size)
		return false;
	memcpy(buf + *n, tmp, k);
	*n += k;
	return true;
}

#define PY_STR_MAX 1024 /* characters of a name or file kept */

int py_str_read(const struct py_layout *l, py_read_fn read, void *ctx, __u64 addr, char *buf,
		size_t size)
{
	__u8 hdr[40], data[PY_STR_MAX * 4];
	unsigned int kind, state;
	size_t n = 0, i;
	__s64 len;
	int err;

	if (!size)
		return -EINVAL;
	buf[0] = 0;
	if (!addr)
		return -EINVAL;
	err = read(ctx, addr, hdr, sizeof(hdr));
	if (err)
		return err;
	memcpy(&len, hdr + 16, sizeof(len));
	state = (unsigned int)get_i32(hdr, 32);
	kind = (state >> 2) & 7;
	/* compact strings only (every name and file of a code object is) */
	if (len < 0 || !(state & (1u << 5)) || (kind != 1 && kind != 2 && kind != 4))
		return -EINVAL;
	if (len > PY_STR_MAX)
		len = PY_STR_MAX;
	if (state & (1u << 6)) { /* ASCII */
		err = len ? read(ctx, addr + l->str_ascii_data, data, (size_t)len) : 0;
		if (err)
			return err;
		for (i = 0; i < (size_t)len && n + 1 < size; i++)
			buf[n++] = data[i] < 0x80 && data[i] ? (char)data[i] : '?';
		buf[n] = 0;
		return 0;
	}
	err = len ? read(ctx, addr + l->str_compact_data, data, (size_t)len * kind) : 0;
	if (err)
		return err;
	for (i = 0; i < (size_t)len; i++) {
		__u32 cp;

		if (kind == 1)
			cp = data[i];
		else if (kind == 2)
			cp = (__u32)data[2 * i] | (__u32)data[2 * i + 1] << 8;
		else
			memcpy(&cp, data + 4 * i, 4);
		if (!put_utf8(buf, size, &n, cp))
			break;
	}
	buf[n] = 0;
	return 0;
}

#define PY_LINETABLE_MAX (1 << 20)

static int read_bytes_obj(py_read_fn read, void *ctx, __u64 addr, __u8 **out, size_t *len)
{
	__u8 hdr[32];
	__s64 size;
	int err;

	*out = NULL;
	*len = 0;
	if (!addr)
		return 0;
	err = read(ctx, addr, hdr, sizeof(hdr));
	if (err)
		return err;
	memcpy(&size, hdr + 16, sizeof(size));
	if (size < 0 || size > PY_LINETABLE_MAX)
		return -EINVAL;
	if (!size)
		return 0;
	*out = malloc((size_t)size);
	if (!*out)
		return -ENOMEM;
	err = read(ctx, addr + 32, *out, (size_t)size);
	if (err) {
		free(*out);
		*out = NULL;
		return err;
	}
	*len = (size_t)size;
	return 0;
}

/* The fields that identify a code object: its type, name, file, line table, first line. */
static void code_ident(const struct py_layout *l, const __u8 *hdr, __u8 *ident)
{
	__u64 v[5] = {get_u64(hdr, PY_TYPE_OFF), get_u64(hdr, l->co_name),
		      get_u64(hdr, l->co_filename), get_u64(hdr, l->co_linetable),
		      (__u64)(__u32)get_i32(hdr, l->co_firstlineno)};

	memset(ident, 0, 64);
	memcpy(ident, v, sizeof(v));
}

int py_code__read(const struct py_layout *l, __u64 code_type_addr, py_read_fn read, void *ctx,
		  __u64 addr, struct py_code *out)
{
	__u8 hdr[CODE_HDR_BYTES];
	char name[PY_STR_MAX * 4 + 1], file[PY_STR_MAX * 4 + 1];
	__u64 qual;
	int err;

	memset(out, 0, sizeof(*out));
	if (!addr)
		return -EINVAL;
	err = read(ctx, addr, hdr, sizeof(hdr));
	if (err)
		return err;
	if (get_u64(hdr, PY_TYPE_OFF) != code_type_addr)
		return -EINVAL;
	qual = l->co_qualname ? get_u64(hdr, l->co_qualname) : get_u64(hdr, l->co_name);
	err = py_str_read(l, read, ctx, qual, name, sizeof(name));
	if (err)
		return err == -EFAULT || err == -ESRCH ? err : -EINVAL;
	err = py_str_read(l, read, ctx, get_u64(hdr, l->co_filename), file, sizeof(file));
	if (err)
		return err == -EFAULT || err == -ESRCH ? err : -EINVAL;
	out->firstlineno = get_i32(hdr, l->co_firstlineno);
	err = read_bytes_obj(read, ctx, get_u64(hdr, l->co_linetable), &out->linetable,
			     &out->linetable_len);
	if (err)
		return err;
	out->qualname = strdup(name);
	out->filename = strdup(file);
	if (!out->qualname || !out->filename) {
		py_code__clear(out);
		return -ENOMEM;
	}
	code_ident(l, hdr, out->ident);
	out->bpf_ident =
		interp_code_ident(get_u64(hdr, l->co_filename), get_u64(hdr, l->co_filename + 8),
				  get_u64(hdr, l->co_filename + 16));
	return 0;
}

bool py_code__same(const struct py_layout *l, py_read_fn read, void *ctx, __u64 addr,
		   const struct py_code *c)
{
	__u8 hdr[CODE_HDR_BYTES], ident[64];

	if (read(ctx, addr, hdr, sizeof(hdr)))
		return false;
	code_ident(l, hdr, ident);
	return !memcmp(ident, c->ident, sizeof(ident));
}

void py_code__clear(struct py_code *c)
{
	free(c->qualname);
	free(c->filename);
	free(c->linetable);
	memset(c, 0, sizeof(*c));
}

long py_frame_lasti(const struct py_layout *l, __u64 code_addr, __u64 instr, bool is_lasti)
{
	__u64 first;

	if (is_lasti) {
		long v = (long)(int)(__u32)instr;

		/* 3.8 and 3.9 count bytes; later versions code units */
		return l->lt_kind == PY_LNOTAB && v >= 0 ? v / 2 : v;
	}
	first = code_addr + l->co_code_adaptive;
	if (instr < first)
		return -1;
	return (long)((instr - first) / 2);
}

/* The 3.11 location table's varints: 6 bits a byte, bit 6 says more follow. */
static bool read_varint(const __u8 *t, size_t len, size_t *i, unsigned int *out)
{
	unsigned int v, shift = 0;
	__u8 b;

	if (*i >= len)
		return false;
	b = t[(*i)++];
	v = b & 63;
	while (b & 64) {
		if (*i >= len || shift > 24)
			return false;
		b = t[(*i)++];
		shift += 6;
		v |= (unsigned int)(b & 63) << shift;
	}
	*out = v;
	return true;
}

static bool read_svarint(const __u8 *t, size_t len, size_t *i, int *out)
{
	unsigned int u;

	if (!read_varint(t, len, i, &u))
		return false;
	*out = u & 1 ? -(int)(u >> 1) : (int)(u >> 1);
	return true;
}

/* Line arithmetic in long: a corrupt table may add up past an int. */
static int clamp_line(long line)
{
	return line < 0 || line > INT_MAX ? -1 : (int)line;
}

static int line_locations(const __u8 *t, size_t len, long line, long lasti)
{
	long addr = 0, this_line;
	size_t i = 0;

	while (i < len) {
		__u8 b = t[i++];
		unsigned int code = (b >> 3) & 15, skip;
		long end = addr + (b & 7) + 1;
		int delta = 0;

		if (!(b & 0x80))
			return -1; /* not at an entry's first byte: malformed */
		if (code == 15) {
			this_line = -1;
		} else if (code == 14) {
			if (!read_svarint(t, len, &i, &delta) || !read_varint(t, len, &i, &skip) ||
			    !read_varint(t, len, &i, &skip) || !read_varint(t, len, &i, &skip))
				return -1;
			this_line = line += delta;
		} else if (code == 13) {
			if (!read_svarint(t, len, &i, &delta))
				return -1;
			this_line = line += delta;
		} else if (code >= 10) {
			i += 2;
			this_line = line += (int)code - 10;
		} else {
			i += 1;
			this_line = line;
		}
		if (lasti >= addr && lasti < end)
			return clamp_line(this_line);
		addr = end;
	}
	return -1;
}

static int line_310(const __u8 *t, size_t len, long line, long lasti)
{
	long addr = lasti * 2, start = 0, end = 0, ar_line = -1;
	size_t i;

	for (i = 0; i + 1 < len; i += 2) {
		signed char ld = (signed char)t[i + 1];

		start = end;
		end = start + t[i];
		if (ld == -128) {
			ar_line = -1;
		} else {
			line += ld;
			ar_line = line;
		}
		if (addr >= start && addr < end)
			return clamp_line(ar_line);
	}
	return -1;
}

static int line_lnotab(const __u8 *t, size_t len, long line, long lasti)
{
	long addrq = lasti * 2, addr = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2) {
		addr += t[i];
		if (addr > addrq)
			break;
		line += (signed char)t[i + 1];
	}
	return clamp_line(line);
}

int py_line(enum py_linetable_kind kind, const __u8 *table, size_t len, int firstlineno, long lasti)
{
	if (lasti < 0)
		return firstlineno;
	if (!table)
		return firstlineno;
	switch (kind) {
	case PY_LNOTAB:
		return line_lnotab(table, len, firstlineno, lasti);
	case PY_LINETABLE_310:
		return line_310(table, len, firstlineno, lasti);
	case PY_LOCATIONS_311:
		return line_locations(table, len, firstlineno, lasti);
	}
	return -1;
}
