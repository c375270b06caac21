/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Ruby's own frames: how to find libruby in a process and its current execution context (the
 * layout BPF walks, bpf/interp.h), and how to name a control frame from its iseq and pc (label,
 * path, line) or, for a C method, from its method entry (the method's name).
 *
 * Supported: Ruby 3.1 as Debian ships it (libruby-3.1.so.3.1, stripped; `ruby_version` says
 * 3.1.2 whatever the package version). The version comes from the binary's ruby_version string;
 * any other version gets no Ruby frames, and one warning. Target memory is untrusted: every
 * decoder checks its bounds (tests/fuzz/fuzz_rbiseq.c).
 */
#ifndef RTPROF_RUBY_FRAMES_H
#define RTPROF_RUBY_FRAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "bpf/interp.h"
#include "runtimes/python_frames.h" /* py_read_fn: a reader of target memory */

struct rb_proc {
	int major, minor, micro;
	bool supported;
	char object[4096];     /* libruby as the process sees it */
	__u64 dtpmod_addr;     /* GOT slot of libruby's TLS module id */
	__u32 tls_off;	       /* ruby_current_ec in libruby's TLS block */
	__u64 symbols_last_id; /* &global_symbols.last_id (0: C methods stay unnamed) */
	__u64 symbols_ids;     /* &global_symbols.ids */
	/* the IDs of the class variables __classpath__ and __attached__, learnt from the first
	 * class tables read (rb_class_qualifier); 0 until then */
	__u64 id_classpath, id_attached;
};

/* Look for libruby in the objects pid maps. 0 (out->supported false for another version),
 * -ENOENT (no Ruby), or a negative errno. */
int rb_proc__find(int pid, struct rb_proc *out);
/* Fill the BPF half's view of p. */
void rb_proc__interp(const struct rb_proc *p, struct interp_proc *ip);

/* An iseq, decoded. Strings malloc'ed (rb_iseq__clear). */
struct rb_iseq {
	char *label;	   /* "foo", "block in foo", "<main>", "<top (required)>" */
	char *path;	   /* the iseq's path as Ruby has it */
	char *local_label; /* the label of its method (local iseq): "foo" for "block in foo" */
	bool in_method;	   /* the local iseq is a method's (its class may qualify the label) */
	__u64 encoded;	   /* first instruction */
	__u32 iseq_size;   /* VALUEs of instructions */
	__u8 *insns;	   /* iseq_insn_info_entry[n_insns] (12 bytes each) */
	__u32 n_insns;
	__u8 *succ; /* the succinct index table (imm part and blocks) */
	size_t succ_len;
	__u64 ident[3]; /* body, label and path pointers: identity of the object */
};

int rb_iseq__read(py_read_fn read, void *ctx, __u64 iseq, struct rb_iseq *out);
bool rb_iseq__same(py_read_fn read, void *ctx, __u64 iseq, const struct rb_iseq *c);
void rb_iseq__clear(struct rb_iseq *c);
/* The line of the instruction before pc (Ruby's own rule), 0 when unknown. */
int rb_iseq__line(const struct rb_iseq *c, __u64 pc);

/* The name of a C method from its method entry (its original id through Ruby's symbol table)
 * into buf. 0 or an error. */
int rb_cfunc_name(const struct rb_proc *p, py_read_fn read, void *ctx, __u64 me, char *buf,
		  size_t size);

/* The text of Ruby ID id (Ruby's symbol table) into buf. 0 or an error. */
int rb_id_name(const struct rb_proc *p, py_read_fn read, void *ctx, __u64 id, char *buf,
	       size_t size);

/* A frame's method entry (struct interp_frame.me: a method entry, an svar holding one, or
 * something else) decoded: the entry itself and the class or module that owns the method.
 * 0, -ENOENT (not a method entry), or a read error. */
int rb_method_owner(py_read_fn read, void *ctx, __u64 value, __u64 *me, __u64 *owner);

/*
 * How Ruby qualifies a method of class or module owner in its labels (Ruby 3.4's
 * Thread::Backtrace::Location#label, rbspy): "Name#" for an instance method of a class or module
 * that has a permanent name (its class path), "Name." for a method of the singleton class of
 * one, "" for any other (anonymous classes, singletons of plain objects). Into buf; 0, or an
 * error when owner's tables cannot be read. Learns p->id_classpath and p->id_attached.
 */
int rb_class_qualifier(struct rb_proc *p, py_read_fn read, void *ctx, __u64 owner, char *buf,
		       size_t size);

/* An iseq's label with its method qualified ("block in " + "Foo#" + "bar") into buf: true; false
 * (buf untouched) when the iseq is not inside a method or qual is empty. */
bool rb_label_qualified(const struct rb_iseq *c, const char *qual, char *buf, size_t size);

#endif
