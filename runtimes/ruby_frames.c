// SPDX-License-Identifier: GPL-2.0
/*
 * Ruby frames: finding libruby and its execution context, naming control frames (see
 * runtimes/ruby_frames.h).
 *
 * Ruby 3.1 (x86-64), from its headers (vm_core.h, iseq.h, method.h, symbol.c):
 *   rb_control_frame_t (64 bytes): pc 0, sp 8, iseq 16, self 24, ep 32, ...
 *   rb_iseq_t: body 16; body: type (u32) 0, iseq_size (u32) 4, iseq_encoded 8,
 *     location.pathobj 64, base_label 72, label 80, insns_info.body 120, .positions 128,
 *     .size (u32) 136, .succ_index_table 144, parent_iseq 168, local_iseq 176;
 *     iseq_insn_info_entry (12 bytes): line_no 0, node_id 4, events 8
 *   rb_method_entry_t: flags 0, defined_class 8, def 16, called_id 24, owner 32;
 *     rb_method_definition_t: type (4 bits) 0, original_id 32; struct vm_svar: cref_or_me 8
 *   imemo objects: T_IMEMO (0x1a) in flags & 0x1f, their kind in (flags >> 12) & 0xf (svar 2,
 *     ment 6)
 *   RClass: flags (T_CLASS 2, T_MODULE 3; FL_SINGLETON 1<<12), ptr (rb_classext_t) 24; classext:
 *     iv_tbl 8, an st_table: entries_start 32, entries_bound 40, entries 48; entry (24 bytes):
 *     hash 0 (~0: deleted), key 8, record 16. A named class keeps its path, a String, under the
 *     ID __classpath__, a singleton class its object under __attached__ (variable.c, class.c).
 *   RString: flags (NOEMBED 1<<13, embedded length in bits 14-18), embedded chars at 16; heap
 *     length 16, pointer 24. RArray: EMBED 1<<13, embedded elements at 16; heap pointer 32.
 *   global_symbols (symbol.c, static): last_id 0, ids 16 (an Array of Arrays of 512 * 2).
 * The execution context is the TLS variable ruby_current_ec of libruby (general dynamic model:
 * a DTPMOD64 relocation names the GOT slot of the module id, a DTPOFF64 its offset).
 */
#include <errno.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "runtimes/objfile.h"
#include "runtimes/ruby_frames.h"
#include "symbolize/maps.h"

#define RB_CFP_SIZE	  64
#define RB_ISEQ_BODY	  16
#define RB_BODY_BYTES	  184
#define RB_SUCC_IMM	  54 /* succ_index_table: positions below are in the immediate part */
#define RB_SUCC_BLOCK	  80 /* bytes of a succ_dict_block */
#define RB_INSNS_MAX	  (1 << 20)
#define RB_STR_MAX	  1024
#define RB_NOEMBED	  (1u << 13) /* RString: the characters are on the heap */
#define RB_ARY_EMBED	  (1u << 13) /* RArray: the elements are in the object */
#define RB_ID_ENTRY_UNIT  512
#define RB_LAST_OP_ID	  0xa9 /* tLAST_OP_ID: ids up to it are operators, not shifted */
#define RB_ID_SCOPE_SHIFT 4
#define RB_T_CLASS	  0x02
#define RB_T_MODULE	  0x03
#define RB_T_IMEMO	  0x1a
#define RB_IMEMO_SVAR	  2
#define RB_IMEMO_MENT	  6
#define RB_FL_SINGLETON	  (1u << 12)
#define RB_ISEQ_METHOD	  1    /* ISEQ_TYPE_METHOD */
#define RB_IVTBL_MAX	  4096 /* entries of a class's variable table looked at */

void rb_proc__interp(const struct rb_proc *p, struct interp_proc *ip)
{
	memset(ip, 0, sizeof(*ip));
	ip->kind = INTERP_RUBY;
	ip->dtpmod_addr = p->dtpmod_addr;
	ip->tls_off = p->tls_off;
	ip->cfp_size = RB_CFP_SIZE;
	ip->cfp_pc = 0;
	ip->cfp_iseq = 16;
	ip->cfp_ep = 32;
	ip->max_frames = INTERP_MAX_FRAMES;
}

/* The DTPMOD64 and DTPOFF64 relocations of symbol name: the GOT slot of the module id, and the
 * variable's offset in the module's TLS block. */
static int tls_relocs(Elf *elf, const char *name, __u64 *modslot, __u32 *off)
{
	Elf_Scn *scn = NULL;
	int found = 0;

	while ((scn = elf_nextscn(elf, scn))) {
		Elf_Data *data, *syms;
		GElf_Shdr sh, symsh;
		size_t i, n;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_RELA || !sh.sh_entsize)
			continue;
		data = elf_getdata(scn, NULL);
		if (!data || !gelf_getshdr(elf_getscn(elf, sh.sh_link), &symsh))
			continue;
		syms = elf_getdata(elf_getscn(elf, sh.sh_link), NULL);
		if (!syms)
			continue;
		n = sh.sh_size / sh.sh_entsize;
		for (i = 0; i < n; i++) {
			GElf_Rela r;
			GElf_Sym sym;
			const char *sname;
			int type;

			if (!gelf_getrela(data, (int)i, &r))
				continue;
			type = (int)GELF_R_TYPE(r.r_info);
			if ((type != R_X86_64_DTPMOD64 && type != R_X86_64_DTPOFF64) ||
			    !gelf_getsym(syms, (int)GELF_R_SYM(r.r_info), &sym))
				continue;
			sname = elf_strptr(elf, symsh.sh_link, sym.st_name);
			if (!sname || strcmp(sname, name))
				continue;
			if (type == R_X86_64_DTPMOD64) {
				*modslot = r.r_offset;
				found |= 1;
			} else {
				*off = (__u32)(sym.st_value + r.r_addend);
				found |= 2;
			}
		}
	}
	return found == 3 ? 0 : -ENOENT;
}

/* Ruby's global symbol table is static; rb_id2str reads it: follow its tail jump and take the
 * first pair of RIP-relative operands 16 bytes apart (global_symbols.last_id and .ids). */
static void find_global_symbols(struct objfile *f, __u64 fn, __u64 *last_id, __u64 *ids)
{
	__u64 targets[32];
	size_t nt = 0, i, j;
	__u8 code[160];

	if (objfile__read_vaddr(f, fn, code, 32))
		return;
	for (i = 0; i + 5 <= 32; i++) {
		if (code[i] == 0xe9) { /* jmp rel32 */
			__s32 rel;

			memcpy(&rel, code + i + 1, 4);
			fn = fn + i + 5 + (__s64)rel;
			break;
		}
	}
	if (objfile__read_vaddr(f, fn, code, sizeof(code)))
		return;
	/* operands disp32(%rip): ModRM with mod 00 and r/m 101 */
	for (i = 0; i + 6 <= sizeof(code) && nt < 32; i++) {
		__s32 disp;

		if ((code[i + 1] & 0xc7) != 0x05 ||
		    (code[i] != 0x8b && code[i] != 0x39 && code[i] != 0x3b))
			continue;
		memcpy(&disp, code + i + 2, 4);
		/* the instruction ends after opcode, ModRM and disp32 (no immediate) */
		targets[nt++] = fn + i + 6 + (__s64)disp;
	}
	for (i = 0; i < nt; i++)
		for (j = 0; j < nt; j++)
			if (targets[j] == targets[i] + 16) {
				*last_id = targets[i];
				*ids = targets[j];
				return;
			}
}

static int probe_object(const struct proc_maps *maps, const struct proc_map *m, struct rb_proc *p)
{
	static const char *const names[] = {"ruby_version", "rb_vm_exec", "rb_id2str"};
	struct objfile f = {.fd = -1};
	__u64 v[3] = {}, bias;
	char ver[16] = {};
	int err;

	err = objfile__open(&f, maps, m);
	if (err)
		return err;
	err = -ENOENT;
	objfile__find_symbols(f.elf, names, v, 3);
	if (!v[0] || !v[1])
		goto cleanup;
	err = objfile__load_bias(&f, m, &bias);
	if (err)
		goto cleanup;
	memset(p, 0, sizeof(*p));
	snprintf(p->object, sizeof(p->object), "%s", m->path);
	if (objfile__read_vaddr(&f, v[0], ver, sizeof(ver) - 1) ||
	    sscanf(ver, "%d.%d.%d", &p->major, &p->minor, &p->micro) != 3) {
		p->major = 0;
		err = 0;
		goto cleanup;
	}
	err = 0;
	if (p->major != 3 || p->minor != 1)
		goto cleanup;
	if (tls_relocs(f.elf, "ruby_current_ec", &p->dtpmod_addr, &p->tls_off)) {
		pr_debug("ruby: %s: no TLS relocations for ruby_current_ec\n", m->path);
		goto cleanup;
	}
	p->dtpmod_addr += bias;
	if (v[2]) {
		find_global_symbols(&f, v[2], &p->symbols_last_id, &p->symbols_ids);
		if (p->symbols_ids) {
			p->symbols_last_id += bias;
			p->symbols_ids += bias;
		}
	}
	p->supported = true;
cleanup:
	objfile__close(&f);
	return err;
}

/* libruby, or a ruby executable with it linked in */
static int probe_ruby(const struct proc_maps *maps, const struct proc_map *m, void *ctx)
{
	if (!strstr(m->path, "ruby"))
		return -ENOENT;
	return probe_object(maps, m, ctx);
}

int rb_proc__find(int pid, struct rb_proc *out)
{
	return objfile__find_in(pid, probe_ruby, out);
}

/* ---- naming ---- */

static __u64 get_u64(const __u8 *b, size_t off)
{
	__u64 v;

	memcpy(&v, b + off, sizeof(v));
	return v;
}

static __u32 get_u32(const __u8 *b, size_t off)
{
	__u32 v;

	memcpy(&v, b + off, sizeof(v));
	return v;
}

/* A Ruby String at addr as text into buf. */
static int rstring_read(py_read_fn read, void *ctx, __u64 addr, char *buf, size_t size)
{
	__u8 hdr[32];
	__u64 flags, len, ptr;
	int err;

	buf[0] = 0;
	if (!addr || size < 2 || (addr & 7))
		return -EINVAL;
	err = read(ctx, addr, hdr, sizeof(hdr));
	if (err)
		return err;
	flags = get_u64(hdr, 0);
	if ((flags & 0x1f) != 0x05) /* T_STRING */
		return -EINVAL;
	if (flags & RB_NOEMBED) {
		len = get_u64(hdr, 16);
		ptr = get_u64(hdr, 24);
	} else {
		len = (flags >> 14) & 0x1f;
		ptr = addr + 16;
	}
	if (len > RB_STR_MAX)
		len = RB_STR_MAX;
	if (len >= size)
		len = size - 1;
	err = len ? read(ctx, ptr, buf, len) : 0;
	if (err)
		return err;
	buf[len] = 0;
	for (size_t i = 0; i < len; i++)
		if (!buf[i])
			buf[i] = '?';
	return 0;
}

/* Element i of a Ruby Array at addr. */
static int rarray_elem(py_read_fn read, void *ctx, __u64 addr, __u64 i, __u64 *out)
{
	__u8 hdr[40];
	__u64 flags, len, ptr;
	int err;

	if (!addr || (addr & 7))
		return -EINVAL;
	err = read(ctx, addr, hdr, sizeof(hdr));
	if (err)
		return err;
	flags = get_u64(hdr, 0);
	if ((flags & 0x1f) != 0x07) /* T_ARRAY */
		return -EINVAL;
	if (flags & RB_ARY_EMBED) {
		len = (flags >> 15) & 0x3ff;
		ptr = addr + 16;
	} else {
		len = get_u64(hdr, 16);
		ptr = get_u64(hdr, 32);
	}
	if (i >= len)
		return -ERANGE;
	return read(ctx, ptr + i * 8, out, sizeof(*out));
}

void rb_iseq__clear(struct rb_iseq *c)
{
	free(c->label);
	free(c->path);
	free(c->local_label);
	free(c->insns);
	free(c->succ);
	memset(c, 0, sizeof(*c));
}

static int read_copy(py_read_fn read, void *ctx, __u64 addr, size_t len, __u8 **out)
{
	int err;

	*out = NULL;
	if (!len || !addr)
		return 0;
	*out = malloc(len);
	if (!*out)
		return -ENOMEM;
	err = read(ctx, addr, *out, len);
	if (err) {
		free(*out);
		*out = NULL;
	}
	return err;
}

/* The method an iseq belongs to (its local iseq: itself for a method, the method of a block):
 * whether it is a method's, and its label. Left unknown when it cannot be read. */
static void read_local(py_read_fn read, void *ctx, __u64 iseq, const __u8 *body,
		       struct rb_iseq *out)
{
	char label[RB_STR_MAX + 1];
	__u64 local = get_u64(body, 176), b;
	__u8 lbody[88];

	if (local == iseq) {
		out->in_method = get_u32(body, 0) == RB_ISEQ_METHOD;
		out->local_label = strdup(out->label);
	} else {
		if (!local || (local & 7) || read(ctx, local + RB_ISEQ_BODY, &b, sizeof(b)) || !b ||
		    (b & 7) || read(ctx, b, lbody, sizeof(lbody)) ||
		    rstring_read(read, ctx, get_u64(lbody, 80), label, sizeof(label)))
			return;
		out->in_method = get_u32(lbody, 0) == RB_ISEQ_METHOD;
		out->local_label = strdup(label);
	}
	if (!out->local_label)
		out->in_method = false;
}

int rb_iseq__read(py_read_fn read, void *ctx, __u64 iseq, struct rb_iseq *out)
{
	char label[RB_STR_MAX + 1], path[RB_STR_MAX + 1];
	__u8 body[RB_BODY_BYTES];
	__u64 b, pathobj, succ;
	int err;

	memset(out, 0, sizeof(*out));
	if (!iseq || (iseq & 7))
		return -EINVAL;
	err = read(ctx, iseq + RB_ISEQ_BODY, &b, sizeof(b));
	if (err)
		return err;
	if (!b || (b & 7))
		return -EINVAL;
	err = read(ctx, b, body, sizeof(body));
	if (err)
		return err;
	err = rstring_read(read, ctx, get_u64(body, 80), label, sizeof(label));
	if (err)
		return err;
	pathobj = get_u64(body, 64);
	if (rstring_read(read, ctx, pathobj, path, sizeof(path))) {
		__u64 first;

		err = rarray_elem(read, ctx, pathobj, 0, &first);
		if (!err)
			err = rstring_read(read, ctx, first, path, sizeof(path));
		if (err)
			return err;
	}
	out->encoded = get_u64(body, 8);
	out->iseq_size = get_u32(body, 4);
	out->n_insns = get_u32(body, 136);
	out->ident[0] = b;
	out->ident[1] = get_u64(body, 80);
	out->ident[2] = pathobj;
	if (out->n_insns > RB_INSNS_MAX || out->iseq_size > RB_INSNS_MAX * 64)
		return -EINVAL;
	err = read_copy(read, ctx, get_u64(body, 120), (size_t)out->n_insns * 12, &out->insns);
	succ = get_u64(body, 144);
	if (!err && succ && out->n_insns > 1) {
		size_t blocks = out->iseq_size > RB_SUCC_IMM
					? (out->iseq_size - RB_SUCC_IMM + 511) / 512
					: 0;

		out->succ_len = 48 + blocks * RB_SUCC_BLOCK;
		err = read_copy(read, ctx, succ, out->succ_len, &out->succ);
		if (err)
			out->succ_len = 0;
	}
	out->label = strdup(label);
	out->path = strdup(path);
	if (!out->label || !out->path) {
		rb_iseq__clear(out);
		return -ENOMEM;
	}
	read_local(read, ctx, iseq, body, out);
	return 0;
}

bool rb_iseq__same(py_read_fn read, void *ctx, __u64 iseq, const struct rb_iseq *c)
{
	__u8 body[RB_BODY_BYTES];
	__u64 b;

	if (read(ctx, iseq + RB_ISEQ_BODY, &b, sizeof(b)) || b != c->ident[0] ||
	    read(ctx, b, body, sizeof(body)))
		return false;
	return get_u64(body, 80) == c->ident[1] && get_u64(body, 64) == c->ident[2];
}

/* Ruby's succ_index_lookup: the number of instruction-info entries that start at or before
 * instruction position x. */
static long succ_lookup(const struct rb_iseq *c, long x)
{
	const __u8 *t = c->succ;

	if (x < RB_SUCC_IMM) {
		__u64 imm = get_u64(t, (size_t)(x / 9) * 8);

		return (long)((imm >> ((x % 9) * 7)) & 0x7f);
	} else {
		long bi = (x - RB_SUCC_IMM) / 512, bit = (x - RB_SUCC_IMM) % 512;
		size_t at = 48 + (size_t)bi * RB_SUCC_BLOCK;
		long small = bit / 64, small_rank;
		__u64 ranks, bits;

		if (at + RB_SUCC_BLOCK > c->succ_len)
			return -1;
		ranks = get_u64(t, at + 8);
		small_rank = small == 0 ? 0 : (long)((ranks >> ((small - 1) * 9)) & 0x1ff);
		bits = get_u64(t, at + 16 + (size_t)small * 8) << (63 - bit % 64);
		return (long)get_u32(t, at) + small_rank + __builtin_popcountll(bits);
	}
}

int rb_iseq__line(const struct rb_iseq *c, __u64 pc)
{
	long pos, idx;

	if (!c->insns || !c->n_insns || pc < c->encoded)
		return 0;
	pos = (long)((pc - c->encoded) / 8);
	if (pos > 0)
		pos--; /* pc is the next instruction */
	if (c->n_insns == 1)
		idx = 1;
	else if (!c->succ)
		return 0;
	else
		idx = succ_lookup(c, pos);
	if (idx < 1 || idx > (long)c->n_insns)
		return 0;
	return (int)get_u32(c->insns, (size_t)(idx - 1) * 12);
}

int rb_id_name(const struct rb_proc *p, py_read_fn read, void *ctx, __u64 id, char *buf,
	       size_t size)
{
	__u64 serial, last = 0, ids, ary, str;
	int err;

	buf[0] = 0;
	if (!p->symbols_ids)
		return -ENOENT;
	err = read(ctx, p->symbols_last_id, &last, 4);
	if (!err)
		err = read(ctx, p->symbols_ids, &ids, sizeof(ids));
	if (err)
		return err;
	serial = id > RB_LAST_OP_ID ? id >> RB_ID_SCOPE_SHIFT : id;
	if (!serial || serial > (__u32)last)
		return -ENOENT;
	err = rarray_elem(read, ctx, ids, serial / RB_ID_ENTRY_UNIT, &ary);
	if (!err)
		err = rarray_elem(read, ctx, ary, (serial % RB_ID_ENTRY_UNIT) * 2, &str);
	if (!err)
		err = rstring_read(read, ctx, str, buf, size);
	return err;
}

int rb_cfunc_name(const struct rb_proc *p, py_read_fn read, void *ctx, __u64 me, char *buf,
		  size_t size)
{
	__u64 def = 0, id = 0;
	int err;

	buf[0] = 0;
	if (!p->symbols_ids || !me || (me & 7))
		return -ENOENT;
	err = read(ctx, me + 16, &def, sizeof(def));
	if (!err && (!def || (def & 7)))
		err = -EINVAL;
	if (!err)
		err = read(ctx, def + 32, &id, sizeof(id));
	return err ? err : rb_id_name(p, read, ctx, id, buf, size);
}

int rb_method_owner(py_read_fn read, void *ctx, __u64 value, __u64 *me, __u64 *owner)
{
	__u64 obj[5];
	int err, hop;

	for (hop = 0; hop < 2; hop++) {
		if (!value || (value & 7))
			return -ENOENT;
		err = read(ctx, value, obj, 2 * sizeof(obj[0]));
		if (err)
			return err;
		if ((obj[0] & 0x1f) != RB_T_IMEMO)
			return -ENOENT;
		switch ((obj[0] >> 12) & 0xf) {
		case RB_IMEMO_MENT:
			err = read(ctx, value, obj, sizeof(obj));
			if (err)
				return err;
			*me = value;
			*owner = obj[4];
			return 0;
		case RB_IMEMO_SVAR: /* a method that set $~ or $_ keeps its entry in an svar */
			value = obj[1];
			break;
		default: /* a cref, ... */
			return -ENOENT;
		}
	}
	return -ENOENT;
}

/* Class variable name of klass (a class or module) into *out, its ID learnt into *id (0:
 * unknown yet: each key's name is read until one matches). -ENOENT when klass has none, -EIO
 * when that cannot be told (keys whose names cannot be read). */
static int class_ivar(const struct rb_proc *p, py_read_fn read, void *ctx, __u64 klass,
		      const char *name, __u64 *id, __u64 *out)
{
	__u64 ext = 0, tbl = 0, hdr[7], start, bound, entries, e[64 * 3];
	char buf[64];
	int err, unknown = 0;

	err = read(ctx, klass + 24, &ext, sizeof(ext));
	if (!err && (!ext || (ext & 7)))
		err = -EINVAL;
	if (!err)
		err = read(ctx, ext + 8, &tbl, sizeof(tbl));
	if (err)
		return err;
	if (!tbl)
		return -ENOENT; /* no variables at all */
	if ((tbl & 7) || read(ctx, tbl, hdr, sizeof(hdr)))
		return -EINVAL;
	start = hdr[4];
	bound = hdr[5];
	entries = hdr[6];
	if (bound < start || bound - start > RB_IVTBL_MAX || (entries & 7))
		return -EINVAL;
	while (start < bound) {
		size_t n = bound - start < 64 ? bound - start : 64, i;

		err = read(ctx, entries + start * 24, e, n * 24);
		if (err)
			return err;
		for (i = 0; i < n; i++) {
			__u64 key = e[i * 3 + 1];

			if (e[i * 3] == ~0ULL) /* deleted */
				continue;
			if (!*id) {
				if (rb_id_name(p, read, ctx, key, buf, sizeof(buf))) {
					unknown++;
					continue;
				}
				if (strcmp(buf, name))
					continue;
				*id = key;
			}
			if (key == *id) {
				*out = e[i * 3 + 2];
				return 0;
			}
		}
		start += n;
	}
	return unknown ? -EIO : -ENOENT;
}

static int object_type(py_read_fn read, void *ctx, __u64 obj, __u64 *flags)
{
	*flags = 0;
	if (!obj || (obj & 7))
		return -ENOENT; /* nil, false, an immediate */
	return read(ctx, obj, flags, sizeof(*flags));
}

int rb_class_qualifier(struct rb_proc *p, py_read_fn read, void *ctx, __u64 owner, char *buf,
		       size_t size)
{
	char path[RB_STR_MAX + 1];
	__u64 flags, v = 0;
	char sep = '#';
	int err;

	buf[0] = 0;
	err = object_type(read, ctx, owner, &flags);
	if (err)
		return err == -ENOENT ? -EINVAL : err;
	if ((flags & 0x1f) != RB_T_CLASS && (flags & 0x1f) != RB_T_MODULE)
		return 0;
	if ((flags & 0x1f) == RB_T_CLASS && (flags & RB_FL_SINGLETON)) {
		/* a singleton method: named after the class or module it belongs to, if any */
		err = class_ivar(p, read, ctx, owner, "__attached__", &p->id_attached, &v);
		if (err)
			return err == -ENOENT ? -EINVAL : err; /* a singleton has its object */
		err = object_type(read, ctx, v, &flags);
		if (err == -ENOENT ||
		    (!err && (flags & 0x1f) != RB_T_CLASS && (flags & 0x1f) != RB_T_MODULE))
			return 0;
		if (err)
			return err;
		owner = v;
		sep = '.';
	}
	err = class_ivar(p, read, ctx, owner, "__classpath__", &p->id_classpath, &v);
	if (err == -ENOENT)
		return 0; /* anonymous, or named only under an anonymous one */
	if (!err)
		err = rstring_read(read, ctx, v, path, sizeof(path));
	if (err)
		return err;
	snprintf(buf, size, "%s%c", path, sep);
	return 0;
}

bool rb_label_qualified(const struct rb_iseq *c, const char *qual, char *buf, size_t size)
{
	size_t ll, lo;

	if (!c->in_method || !c->local_label || !c->label || !qual || !qual[0])
		return false;
	ll = strlen(c->label);
	lo = strlen(c->local_label);
	if (ll < lo || strcmp(c->label + ll - lo, c->local_label))
		return false;
	/* the method itself, or "block in", "block (2 levels) in", "rescue in", ... */
	if (ll > lo && (ll - lo < 4 || strncmp(c->label + ll - lo - 4, " in ", 4)))
		return false;
	snprintf(buf, size, "%.*s%s%s", (int)(ll - lo), c->label, qual, c->local_label);
	return true;
}
