/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Room stacks/: the stack pipeline (capture keys, unwinding, the merge of interpreter frames,
 * resolution through symbolize/, aggregation into the tree flamegraph/ and the exporters read).
 * May use every room but profiler/.
 *
 * The stack pipeline shared by profile, memleak, locks and threads:
 *
 *	capture record (bpf/stack_capture.h, from the ring buffer)
 *	  -> unwind the user stack (stacks/unwind.h: CFI over the copied stack bytes; or the
 *	     frame-pointer chain when no bytes were copied)
 *	  -> symbolize (symbolize/symbolize.h: functions, inline frames, JIT maps; kernel frames
 *	     from /proc/kallsyms)
 *	  -> add to a stack tree (flamegraph/folded.h) with the record's weight
 *
 * Root first, a stack reads: [thread "comm-TID" with per_thread] [marker] user frames, outermost
 * first, then kernel frames with a "_[k]" suffix. The marker is "[truncated]" when unwinding ran
 * out of copied stack, and "[incomplete]" when it stopped for another reason, so a partial stack
 * is never merged with complete ones. Results of symbolization are cached per address.
 *
 * stacks__add() puts each capture into the tree with its weight (profile); stacks__resolve()
 * gives the frames of one capture (memleak keeps them per stack key while the outstanding bytes
 * change at every report). Both apply the same unwinding, fallbacks and markers.
 */
#ifndef RTPROF_STACKS_H
#define RTPROF_STACKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

#include "bpf/interp.h"
#include "bpf/stack_capture.h"
#include "stacks/interp.h"

struct proc_maps;
struct stack_tree;
struct symbolizer_opts;

struct stacks_opts {
	bool kernel;	  /* add kernel frames (when the capture has them) */
	bool user;	  /* add user frames (default true via stacks_opts__init) */
	bool per_thread;  /* root frame "comm-TID" */
	bool per_process; /* root frame "comm-PID" (ignored with per_thread) */
	bool per_comm;	  /* root frame "comm" (ignored with per_thread or per_process) */
	/* Many processes, some short-lived (profile -a, -f): the capture queue's reader reads a
	 * new image's maps as soon as its first capture arrives (stacks__track_new). */
	bool track_early;
	bool fp_only; /* use the frame-pointer chain, do not unwind the copied stack */
	const struct symbolizer_opts *sym; /* NULL: defaults */
	/* Interpreter frames (Python): the interp_procs map of the command's BPF object, or -1
	 * (default: native frames only). lines: "qualname (file:line)" instead of "(file)". */
	int interp_map_fd;
	bool lines;
	/* Called (in the thread that adds captures) each time a process's maps are (re)read for
	 * unwinding: profile keeps BPF's code ranges for its sample keys. */
	void (*maps_changed)(void *ctx, int pid, const struct proc_maps *maps);
	void *maps_ctx;
};

void stacks_opts__init(struct stacks_opts *o);

struct stacks_stats {
	__u64 records;		/* captures added (the counts below: captures resolved) */
	double weight;		/* sum of their weights */
	__u64 complete;		/* user stack unwound to its outermost frame */
	__u64 truncated;	/* ran out of copied stack: "[truncated]" */
	__u64 incomplete;	/* stopped for another reason: "[incomplete]" */
	__u64 kernel_only;	/* no user stack (sampled in a kernel thread context) */
	__u64 unnamed;		/* user stacks without one named frame (only "[unknown]") */
	__u64 interval_records; /* captures added since stacks__reset */
	__u64 procs_evicted;	/* processes forgotten by stacks__evict */
	__u64 modules_freed;	/* modules no live process maps, freed by stacks__evict */
};

struct stacks;

/* NULL and errno on failure. */
struct stacks *stacks__new(const struct stacks_opts *o);
void stacks__free(struct stacks *s);

/* Snapshot pid's mappings now, for the unwinder and the symbolizer (call when a process is first
 * seen: a short-lived one may be gone by the time its samples are processed). */
int stacks__track(struct stacks *s, int pid);

/* New mappings of a tracked pid (libraries loaded since): new snapshots for the unwinder and the
 * symbolizer, without forgetting the interpreter found (stacks__track looks for it again, and a
 * capture taken meanwhile would miss its frames); looks for one if none was found yet. A snapshot
 * taken while the dynamic loader ran may hold mappings it has dropped since (/etc/ld.so.cache),
 * where a library loaded later may sit: CFI unwinding through it needs a new snapshot. */
int stacks__refresh(struct stacks *s, int pid);

/* The capture queue's reader, at each capture when opts.track_early: at a new image
 * (SC_F_NEW_IMAGE) read its process's maps now (a pin, symbolize/maps.h), while it surely lives,
 * and again at its later captures while it is young (the libraries the dynamic loader maps); when
 * the pipeline comes to the capture and the process is gone, its snapshot is taken from the pin.
 * Thread-safe. */
void stacks__track_new(struct stacks *s, const struct stack_capture *c, size_t size);
bool stacks__track_early(const struct stacks *s);

/* A new profile from now on (profile --every): an empty stack tree and sample table, self weights
 * at zero; what is known of processes, modules and addresses is kept. */
int stacks__reset(struct stacks *s);

/* Forget the processes that are gone and were not seen for a while (their maps snapshots,
 * unwinder sessions, interpreter state, cached addresses), so memory stays bounded over a long
 * run of processes coming and going. Modules stay cached by build id. */
void stacks__evict(struct stacks *s);

/* Unwind, symbolize and add one capture of size bytes (header and stack bytes). Captures of a
 * process seen for the first time are tracked first. Returns 0 or a negative errno
 * (-ERR_BADINPUT for a malformed record). */
int stacks__add(struct stacks *s, const struct stack_capture *c, size_t size);

/*
 * Sample keys (profile, bpf/profile.bpf.c): BPF captures a key's first sample in full and then only
 * counts its samples, per instruction. stacks__add_keyed adds a capture as stacks__add does and,
 * for a capture that carries a key (c->key with SC_F_KEY_FIRST), remembers what adding it did, so
 * that stacks__add_key_count can add the key's counted samples the same way (the tree, the sample
 * table, the stats), with the leaf named at each instruction. The verdict says what BPF should do
 * with the key next. Keys of processes stacks__evict forgets are forgotten with them.
 */
enum stacks_key_verdict {
	STACKS_KEY_KEPT,    /* count the key's samples */
	STACKS_KEY_RETRY,   /* its first stack is not good enough (a frame without a name, an unwind
			     * that stopped early, interpreter frames cut or unmatched): have BPF
			     * capture the key's next sample as a first one (samples counted until
			     * then go to the stack the key has when they are added) */
	STACKS_KEY_SEVERAL, /* a verification capture (SC_F_KEY_VERIFY) showed another stack: the
			     * key stands for several; capture its samples in full from now on */
	STACKS_KEY_JIT,	    /* the stack runs through JIT code (a frame named from a perf map: its
			     * code addresses say nothing of which function runs: an interpreter's
			     * trampolines, code moved or freed): as RETRY, and capture every sample
			     * of the process in full from now on */
};
int stacks__add_keyed(struct stacks *s, const struct stack_capture *c, size_t size,
		      enum stacks_key_verdict *verdict);
/* Add the samples of key (pid, tid, hash) at instruction ip that BPF counted since the last call:
 * count is BPF's running total. 0, or -ENOENT when the key's stack is not known (its first
 * capture was not added yet). */
int stacks__add_key_count(struct stacks *s, __u32 pid, __u32 tid, __u64 hash, __u64 ip,
			  __u64 count);
/* Keys known. */
size_t stacks__key_count(const struct stacks *s);

/* What must be read of capture c while its process lives, read now (interpreter code objects;
 * the interpreter search of a new image). Thread-safe: the capture queue's reader calls it as
 * each capture arrives (stacks/capture_queue.h); stacks__resolve then finds it done. With c
 * NULL: only say that a reader will prefetch (call before the first capture). */
void stacks__prefetch(struct stacks *s, const struct stack_capture *c, size_t size);

/* Up to 16 frames per address (inline frames), a marker, the kernel frames, the interpreter
 * frames and their marker. */
#define STACK_FRAMES_MAX (256 * 16 + 1 + STACK_CAPTURE_MAX_KFRAMES + INTERP_MAX_FRAMES + 1)

enum stack_frame_kind {
	SF_NATIVE = 0, /* machine code: a function of an ELF object, JIT code, or unknown */
	SF_KERNEL,     /* "name_[k]" */
	SF_MARKER,     /* "[truncated]", "[incomplete]", "[unmatched]" */
	SF_PYTHON,     /* "qualname (file)" or "qualname (file:line)" */
	SF_RUBY,       /* "label (file)", "label (file:line)", or a C method's name */
};

/* One frame (48 bytes). Strings stay valid until stacks__free. */
struct stack_frame {
	const char *name;     /* what folded stacks and flame graphs show (see the kinds) */
	const char *function; /* the function alone: the name, or a Python frame's qualname */
	const char *file;     /* source file or NULL */
	int line;	      /* 0 when unknown */
	bool inlined;	      /* inlined into the next (outer) frame */
	__u8 kind;	      /* enum stack_frame_kind */
	const char *module; /* path of the ELF object; NULL for kernel frames, markers, unknowns */
	__u64 offset;	    /* address in the module's ELF file (the address resolved), or 0 */
};

/* Its kind's name in JSON: "native", "kernel", "marker", "python", "ruby". */
const char *stack_frame__kind(const struct stack_frame *f);
/* A frame as a JSON object: {"name","function","kind","module","offset","file","line",
 * "inlined"}; offset is given (callers choose the address or the return address). */
void stack_frame__json(const struct stack_frame *f, FILE *out, __u64 offset);

/* The frames of one capture, INNERMOST FIRST: kernel frames ("_[k]", with opts.kernel), then user
 * frames (with opts.user), then the marker "[truncated]" or "[incomplete]" when the user stack is
 * partial (the reverse of a stack in the tree, without its thread or process root). Large
 * (~170 KB): allocate it, do not put it on the stack. */
struct stack_frames {
	size_t n;
	struct stack_frame f[STACK_FRAMES_MAX];
};

/* Unwind and symbolize one capture of size bytes into out (n may be 0: nothing was asked for or
 * there was nothing to unwind). Counts the capture in the complete/truncated/incomplete/
 * kernel_only stats. Returns 0 or a negative errno (-ERR_BADINPUT for a malformed record). */
int stacks__resolve(struct stacks *s, const struct stack_capture *c, size_t size,
		    struct stack_frames *out);

/* The outermost function at addr in pid (a data address: the variable), or NULL when unknown. */
const char *stacks__function(struct stacks *s, int pid, __u64 addr);

const struct stack_tree *stacks__tree(const struct stacks *s);

struct sym_module_info;
/* What the symbolizer knows of the module a frame names (build id, code range, program or
 * library): 0 or -ENOENT (symbolize/symbolize.h, symbolizer__module_info). */
int stacks__module_info(struct stacks *s, const char *module, struct sym_module_info *out);

/* A distinct stack of the profile as frame records, for exporters that need more than names
 * (pprof, speedscope): the frames the folded stacks and the flame graph show, innermost first
 * (kernel frames, user frames with inline frames and interpreter frames, a marker), without the
 * thread or process root. Frames are interned: equal records share one pointer. */
struct stacks_sample {
	const struct stack_frame *const *frames;
	size_t n;
	double weight; /* sum of the captures' weights (samples for profile) */
	__u64 count;   /* captures */
	int pid, tid;  /* of the first capture (the key with per_process / per_thread) */
	const char *comm;
};

/* Call fn for every distinct stack added with stacks__add, in the order first seen; stops at and
 * returns fn's first non-zero result. */
int stacks__foreach_sample(const struct stacks *s,
			   int (*fn)(void *ctx, const struct stacks_sample *sm), void *ctx);
void stacks__stats(const struct stacks *s, struct stacks_stats *st);
/* Does pid run an interpreter whose frames the captures carry? */
bool stacks__has_interp(struct stacks *s, int pid);
/* Interpreter frames: what was merged, and how well (all zero without interpreter frames). */
void stacks__interp_stats(const struct stacks *s, struct interp_stats *st);
/* Print one line about interpreter frames to f, after prefix, when any were seen. */
void stacks__print_interp(const struct stacks *s, FILE *f, const char *prefix);

/* Print the n functions with the most self weight ("top functions"), one per line with their
 * share, indented by indent spaces. unit: "samples", "bytes", ... */
void stacks__print_top(const struct stacks *s, FILE *f, int n, const char *unit);

#endif
