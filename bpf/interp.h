/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Interpreter frames read in BPF at stack-capture time (bpf/interp.bpf.h), shared by both halves.
 *
 * An interpreter keeps its own call stack in memory: by the time user space looks at a sample,
 * the frames it was running are gone. So whenever a stack is captured (profile samples, memleak
 * and locks first-sight captures, their stack keys), a thread of a process that runs a known
 * interpreter also gets the interpreter's frames, innermost first: for each frame what user space
 * needs to name it later (runtimes/python_frames.h): the code object's address and where in it
 * the frame was (an instruction pointer, or an instruction index), plus flags that tell where each
 * native activation of the interpreter's eval loop began, for the merge (stacks/interp.h), and
 * for Ruby the frame's method entry, whose class qualifies its name (runtimes/ruby_frames.h).
 *
 * User space writes one struct interp_proc per process into the map interp_procs (key: tgid):
 * where the thread's interpreter state is (the thread-specific-data key of the interpreter and
 * the C library's layout of thread-specific data) and the struct offsets of the version found.
 * A process without an entry gets no interpreter frames.
 */
#ifndef RTPROF_INTERP_H
#define RTPROF_INTERP_H

#define INTERP_MAX_FRAMES 128 /* frames read per capture; more are counted as truncated */
#define INTERP_MAX_PROCS  4096

enum interp_kind {
	INTERP_NONE = 0,
	INTERP_PYTHON = 1,
	INTERP_RUBY = 2,
};

/* How a CPython version chains its frames. */
enum interp_py_walk {
	PY_WALK_FRAMEOBJ = 1, /* 3.8-3.10: PyFrameObject chain from tstate->frame, f_lasti */
	PY_WALK_311 = 2,      /* 3.11: tstate->cframe->current_frame, is_entry flag */
	PY_WALK_312 = 3,      /* 3.12: tstate->cframe->current_frame, shim frames (owner 3) */
	PY_WALK_313 = 4,      /* 3.13: tstate->current_frame, shim frames (owner 3) */
};

/* Per process: where the interpreter state of the current thread is, and the struct layout. */
struct interp_proc {
	__u32 kind;	    /* enum interp_kind */
	__u32 walk;	    /* enum interp_py_walk */
	__u64 tss_key_addr; /* address of the interpreter's thread-specific-data key (an int) */
	/* glibc thread-specific data, from the thread pointer (fs base): key < 32 at
	 * fs + tsd_first + key * tsd_entry + tsd_data; key >= 32 at
	 * *(fs + tsd_second + key / 32 * 8) + key % 32 * tsd_entry + tsd_data */
	__u32 tsd_first, tsd_second, tsd_entry, tsd_data;
	/* PyThreadState: the current frame (3.8-3.10, 3.13) or the cframe (3.11, 3.12) */
	__u32 ts_frame;
	__u32 cframe_current; /* _PyCFrame.current_frame (3.11, 3.12) */
	/* frame: code object, previous (outer) frame, instruction (pointer, or f_lasti for
	 * PY_WALK_FRAMEOBJ, an int), owner (u8; 3.11+), is_entry (u8; 3.11) */
	__u32 f_code, f_previous, f_instr, f_owner, f_is_entry;
	__u32 frame_size; /* bytes read per frame (covers every field above) */
	__u32 max_frames; /* <= INTERP_MAX_FRAMES */
	__u32 key_instr;  /* stack keys mix each frame's instruction too (names with lines) */
	/* Python: the offset of co_filename in a code object; the 3 words from there (file, name,
	 * qualified name or line table) identify it: a frame carries their interp_code_ident in
	 * me, and stack keys mix it, so an address a new code object reuses is no longer taken
	 * for the old one's. 0: not read. */
	__u32 code_ident;
	__u32 pad0;
	/* Ruby: the execution context is a TLS variable of libruby, reached through the DTV:
	 * ec = *(dtv[*dtpmod_addr].block + tls_off), dtv = *(fs + 8) (glibc: 16-byte dtv_t) */
	__u64 dtpmod_addr; /* the GOT slot the dynamic loader wrote libruby's module id into */
	__u32 tls_off;	   /* ruby_current_ec in libruby's TLS block */
	__u32 cfp_size, cfp_pc, cfp_iseq, cfp_ep; /* rb_control_frame_t */
};

/* Flags of one frame (the top byte of interp_frame.instr). */
enum interp_frame_flags {
	IF_ENTRY = 1, /* the outermost frame of a native activation of the eval loop */
	IF_SHIM = 2,  /* an interpreter-internal frame marking an activation's start (not shown) */
	IF_LASTI = 4, /* instr is an instruction index (f_lasti), not a pointer */
	IF_CFUNC = 8, /* Ruby: a C method's frame; code is its method entry */
};

#define INTERP_INSTR_MASK  ((1ULL << 56) - 1)
#define INTERP_FLAGS_SHIFT 56

/* One frame as BPF read it (24 bytes). */
struct interp_frame {
	__u64 code;  /* the code object's address */
	__u64 instr; /* low 56 bits: the instruction pointer (or index); top byte: flags */
	/* Ruby: what names the frame's method and its class (Ruby's rb_vm_frame_method_entry): the
	 * value in the method's local environment (ep[-2]: a method entry, or an svar holding one,
	 * or a cref, or 0), or a block's method entry found in an outer environment; user space
	 * tells which. Python: the code object's identity (interp_code_ident), 0 when not read. */
	__u64 me;
};

/* The identity of a code object from the 3 words at interp_proc.code_ident; never 0. Both
 * halves compute it. */
static inline __attribute__((always_inline)) __u64 interp_code_ident(__u64 a, __u64 b, __u64 c)
{
	__u64 h = 0x9e3779b97f4a7c15ULL, w[3] = {a, b, c};

	for (int i = 0; i < 3; i++) {
		h ^= w[i];
		h *= 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	return h | 1;
}

/* What happened to the walk of one capture (stack_capture.iflags). */
enum interp_walk_flags {
	IW_WALKED = 1,	  /* the process has an interpreter and its frames were read */
	IW_TRUNCATED = 2, /* more frames than max_frames */
	IW_NO_THREAD = 4, /* no interpreter state for this thread (a thread that never ran code) */
	IW_READ_ERR = 8,  /* a read of the target's memory failed mid-walk */
};

#endif
