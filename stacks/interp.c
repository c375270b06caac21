// SPDX-License-Identifier: GPL-2.0
/*
 * Interpreter frames in the stack pipeline (see stacks/interp.h): processes, the BPF map that
 * tells the walker where to look, and the names of code objects.
 *
 * A code object is read once per (process, address) with process_vm_readv while the process
 * lives; the entry keeps the fields that identify the object, and when it is used more than a
 * second after its last check (10 ms in the first 2 s after it was decoded: see YOUNG_CHECK_NS)
 * those fields are read again: an address reused by another code object (exec(), a reloaded
 * module) is then decoded anew.
 *
 * Ruby frames also carry their method entry (bpf/interp.h): its owner class names the frame
 * ("Foo#bar", "Foo.baz", "block in Foo#bar"). Method entries are cached like code objects, as
 * the class qualifier they give ("Foo#"; decoded again every second: a class named after its
 * methods were called gets its name), and each iseq keeps the qualified label of the last method
 * entry it was seen with (nearly always its only one).
 */
#include <asm/prctl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "lib/log.h"
#include "runtimes/python_frames.h"
#include "runtimes/ruby_frames.h"
#include "stacks/interp.h"

#define RETRY_NS 10000000ULL   /* 10 ms at least between two looks at one process */
#define CHECK_NS 1000000000ULL /* 1 s before a cached code object is checked again */
/* ... and 10 ms when it could not be read: a read that failed once (a code object still being
 * set up) left a function's frames unnamed for a whole second (a 3 s run lost a quarter of one
 * function's samples) */
#define BAD_CHECK_NS 10000000ULL
/* ... and 10 ms for an entry decoded less than YOUNG_NS ago: a program's start frees code objects
 * and reuses their memory at once (site.py exec()s each .pth file's line as a '<module>' of
 * '<string>', then the main script's code objects are made, and one took that address: sampled
 * in that window, the script's middle() read as '<module> (<string>:1)' for a whole second; a
 * Python frame now also carries its code object's identity, frame_code, and Ruby's do not) */
#define YOUNG_CHECK_NS 10000000ULL
#define YOUNG_NS       2000000000ULL

enum proc_state {
	PROC_NONE,	  /* no interpreter found (yet) */
	PROC_ACTIVE,	  /* BPF reads its frames */
	PROC_UNSUPPORTED, /* an interpreter rtprof cannot walk */
};

struct iproc {
	int pid;
	enum proc_state state;
	enum interp_kind kind;
	struct py_proc py;
	struct rb_proc rb;
	__u64 tried_ns;
	bool warned;	/* said that its interpreter cannot be walked (once per process) */
	bool announced; /* said that its frames are read (once per process) */
};

enum code_what {
	CODE_OBJECT, /* a code object (Python) or an iseq (Ruby) */
	CODE_CFUNC,  /* Ruby: a C method's entry, named by its class and method name */
	CODE_METHOD, /* Ruby: the method entry of a frame with an iseq: its class qualifier */
};

struct code_entry {
	int pid; /* 0: empty slot */
	__u64 addr;
	enum interp_kind kind;
	enum code_what what;
	struct py_code code;
	struct rb_iseq iseq;
	bool bad;		     /* not a code object (the frame is shown as unnamed) */
	bool unqualified;	     /* Ruby: its class could not be read */
	const char *name;	     /* "qualname (file)"; CODE_METHOD: "Foo#", "Foo.", "" */
	const char *function, *file; /* interned */
	/* Ruby iseqs: the label qualified by the last class qualifier seen with it */
	const char *q_qual, *q_function, *q_name;
	__u64 checked_ns;
	__u64 decoded_ns;
};

struct str_slot {
	char *s;
	__u32 hash;
};

struct interps {
	pthread_mutex_t lock; /* the capture queue's reader thread prefetches code objects */
	int map_fd;
	bool lines;
	struct interp_proc tsd; /* the TSD layout, measured once */
	bool tsd_ok;
	struct iproc *procs;
	size_t n_procs, cap_procs;
	struct code_entry *codes;
	size_t n_codes, codes_mask;
	struct str_slot *strs;
	size_t n_strs, strs_mask;
	struct interp_stats stats;
};

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* ---- strings ---- */

static __u32 str_hash(const char *s)
{
	__u32 h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static const char *intern(struct interps *ip, const char *s)
{
	__u32 h = str_hash(s);
	size_t i;

	if ((ip->n_strs + 1) * 2 > ip->strs_mask + 1) {
		size_t cap = ip->strs_mask ? (ip->strs_mask + 1) * 2 : 1024, j;
		struct str_slot *n = calloc(cap, sizeof(*n));

		if (!n)
			return NULL;
		for (j = 0; ip->strs_mask && j <= ip->strs_mask; j++) {
			size_t k;

			if (!ip->strs[j].s)
				continue;
			for (k = ip->strs[j].hash & (cap - 1); n[k].s; k = (k + 1) & (cap - 1))
				;
			n[k] = ip->strs[j];
		}
		free(ip->strs);
		ip->strs = n;
		ip->strs_mask = cap - 1;
	}
	for (i = h & ip->strs_mask; ip->strs[i].s; i = (i + 1) & ip->strs_mask)
		if (ip->strs[i].hash == h && !strcmp(ip->strs[i].s, s))
			return ip->strs[i].s;
	ip->strs[i].s = strdup(s);
	if (!ip->strs[i].s)
		return NULL;
	ip->strs[i].hash = h;
	ip->n_strs++;
	return ip->strs[i].s;
}

/* ---- the C library's thread-specific data ---- */

int interps__tsd_layout(__u32 *first, __u32 *second, __u32 *entry, __u32 *data)
{
	static const __u64 magic = 0x7274707266747364ULL; /* "rtprftsd" */
	pthread_key_t key;
	unsigned long fs = 0;
	int err = -ENOENT;
	__u32 off;

	if (syscall(SYS_arch_prctl, ARCH_GET_FS, &fs) || !fs)
		return -ENOENT;
	if (pthread_key_create(&key, NULL))
		return -ENOENT;
	if (key >= 32 || pthread_setspecific(key, (void *)magic))
		goto cleanup;
	/* glibc: struct pthread_key_data { uintptr_t seq; void *data; } specific_1stblock[32],
	 * then struct pthread_key_data *specific[] (the second level, for keys >= 32) */
	for (off = 0; off < 0x1000; off += 8) {
		__u64 v;

		memcpy(&v, (const void *)(fs + off), sizeof(v));
		if (v != magic || off < key * 16 + 8)
			continue;
		*entry = 16;
		*data = 8;
		*first = off - key * 16 - 8;
		*second = *first + 32 * 16;
		err = 0;
		break;
	}
cleanup:
	pthread_setspecific(key, NULL);
	pthread_key_delete(key);
	return err;
}

/* ---- processes ---- */

struct interps *interps__new(int map_fd, bool lines)
{
	struct interps *ip = calloc(1, sizeof(*ip));

	if (!ip)
		return NULL;
	pthread_mutex_init(&ip->lock, NULL);
	ip->map_fd = map_fd;
	ip->lines = lines;
	ip->tsd_ok = interps__tsd_layout(&ip->tsd.tsd_first, &ip->tsd.tsd_second,
					 &ip->tsd.tsd_entry, &ip->tsd.tsd_data) == 0;
	if (!ip->tsd_ok && map_fd >= 0)
		pr_warn("interpreter frames: cannot find the C library's thread-specific data; "
			"native stacks only\n");
	return ip;
}

void interps__free(struct interps *ip)
{
	size_t i;

	if (!ip)
		return;
	for (i = 0; ip->codes_mask && i <= ip->codes_mask; i++) {
		if (ip->codes[i].pid) {
			py_code__clear(&ip->codes[i].code);
			rb_iseq__clear(&ip->codes[i].iseq);
		}
	}
	for (i = 0; ip->strs_mask && i <= ip->strs_mask; i++)
		free(ip->strs[i].s);
	free(ip->codes);
	free(ip->strs);
	free(ip->procs);
	pthread_mutex_destroy(&ip->lock);
	free(ip);
}

static struct iproc *proc_get(struct interps *ip, int pid, bool create)
{
	size_t i;

	for (i = 0; i < ip->n_procs; i++)
		if (ip->procs[i].pid == pid)
			return &ip->procs[i];
	if (!create)
		return NULL;
	if (ip->n_procs == ip->cap_procs) {
		size_t cap = ip->cap_procs ? ip->cap_procs * 2 : 8;
		struct iproc *p = realloc(ip->procs, cap * sizeof(*p));

		if (!p)
			return NULL;
		ip->procs = p;
		ip->cap_procs = cap;
	}
	memset(&ip->procs[ip->n_procs], 0, sizeof(ip->procs[0]));
	ip->procs[ip->n_procs].pid = pid;
	return &ip->procs[ip->n_procs++];
}

/* The BPF half's settings for a process, with the C library's TSD layout. */
static int set_bpf(struct interps *ip, struct iproc *p, struct interp_proc *cfg)
{
	__u32 key = p->pid;
	int err;

	cfg->tsd_first = ip->tsd.tsd_first;
	cfg->tsd_second = ip->tsd.tsd_second;
	cfg->tsd_entry = ip->tsd.tsd_entry;
	cfg->tsd_data = ip->tsd.tsd_data;
	cfg->key_instr = ip->lines;
	if (bpf_map_update_elem(ip->map_fd, &key, cfg, BPF_ANY)) {
		err = -errno;
		pr_warn("%s %d: cannot start reading its frames: %s\n",
			p->kind == INTERP_RUBY ? "ruby" : "python", p->pid, strerror(-err));
		return err;
	}
	p->state = PROC_ACTIVE;
	return 0;
}

static int track_ruby(struct interps *ip, struct iproc *p)
{
	struct interp_proc cfg;
	int err = rb_proc__find(p->pid, &p->rb);

	if (err)
		return err;
	p->kind = INTERP_RUBY;
	if (!p->rb.supported) {
		p->state = PROC_UNSUPPORTED;
		if (!p->warned)
			pr_warn("ruby %d: Ruby %d.%d.%d is not supported (3.1): native stacks "
				"only\n",
				p->pid, p->rb.major, p->rb.minor, p->rb.micro);
		p->warned = true;
		return -ENOENT;
	}
	rb_proc__interp(&p->rb, &cfg);
	err = set_bpf(ip, p, &cfg);
	if (err)
		return err;
	if (p->announced)
		return 0;
	p->announced = true;
	pr_info("ruby %d: Ruby %d.%d.%d in %s: Ruby frames on%s\n", p->pid, p->rb.major,
		p->rb.minor, p->rb.micro, p->rb.object,
		p->rb.symbols_ids ? "" : " (C methods unnamed: no symbol table found)");
	return 0;
}

static int track_locked(struct interps *ip, int pid)
{
	struct interp_proc cfg;
	struct iproc *p;
	int err;

	if (ip->map_fd < 0 || !ip->tsd_ok)
		return -ENOENT;
	p = proc_get(ip, pid, true);
	if (!p)
		return -ENOMEM;
	p->tried_ns = now_ns();
	if (p->state != PROC_NONE)
		return p->state == PROC_ACTIVE ? 0 : -ENOENT;
	err = py_proc__find(pid, &p->py);
	if (err == -ENOENT)
		return track_ruby(ip, p);
	if (err)
		return err;
	p->kind = INTERP_PYTHON;
	if (!p->py.layout) {
		p->state = PROC_UNSUPPORTED;
		if (p->warned)
			return -ENOENT;
		p->warned = true;
		if (p->py.major)
			pr_warn("python %d: CPython %d.%d.%d is not supported (3.8 to 3.13): "
				"native "
				"stacks only\n",
				pid, p->py.major, p->py.minor, p->py.micro);
		else
			pr_warn("python %d: %s: cannot tell the CPython version: native stacks "
				"only\n",
				pid, p->py.object);
		return -ENOENT;
	}
	py_proc__interp(&p->py, &cfg);
	err = set_bpf(ip, p, &cfg);
	if (err)
		return err;
	if (p->announced)
		return 0;
	p->announced = true;
	pr_info("python %d: CPython %d.%d.%d in %s: Python frames on\n", pid, p->py.major,
		p->py.minor, p->py.micro, p->py.object);
	return 0;
}

/* Looks again at a process whose interpreter was not found yet; at most every RETRY_NS unless
 * forced (its maps changed: a library mapped since the last look may be the interpreter). */
static void retry_locked(struct interps *ip, int pid, bool force)
{
	struct iproc *p = proc_get(ip, pid, false);

	if (ip->map_fd < 0 ||
	    (p && (p->state != PROC_NONE || (!force && now_ns() - p->tried_ns < RETRY_NS))))
		return;
	track_locked(ip, pid);
}

static void forget_locked(struct interps *ip, int pid)
{
	struct iproc *p = proc_get(ip, pid, false);
	__u32 key = pid;

	if (!p)
		return;
	if (p->state == PROC_ACTIVE && ip->map_fd >= 0)
		bpf_map_delete_elem(ip->map_fd, &key);
	/* kept (a new image of the same process is looked at again), without saying twice that
	 * its interpreter is not supported */
	p->state = PROC_NONE;
	p->tried_ns = 0;
}

static bool active_locked(struct interps *ip, int pid)
{
	struct iproc *p = proc_get(ip, pid, false);

	return p && p->state == PROC_ACTIVE;
}

bool interps__is_eval(const char *fn)
{
	static const char eval[] = "_PyEval_EvalFrameDefault";

	if (fn && !strcmp(fn, "rb_vm_exec"))
		return true;
	return fn && !strncmp(fn, eval, sizeof(eval) - 1) &&
	       (fn[sizeof(eval) - 1] == 0 || fn[sizeof(eval) - 1] == '.');
}

/* ---- code objects ---- */

static int read_target(void *ctx, __u64 addr, void *buf, size_t len)
{
	struct iovec local = {buf, len}, remote = {(void *)(uintptr_t)addr, len};
	int pid = (int)(intptr_t)ctx;
	ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);

	if (n == (ssize_t)len)
		return 0;
	return n < 0 ? -errno : -EFAULT;
}

static size_t code_slot(int pid, __u64 addr, size_t mask)
{
	return (((addr >> 4) ^ ((__u64)pid << 32)) * 0x9e3779b97f4a7c15ULL >> 20) & mask;
}

static int codes_grow(struct interps *ip)
{
	size_t cap = ip->codes_mask ? (ip->codes_mask + 1) * 2 : 1024, i;
	struct code_entry *n = calloc(cap, sizeof(*n));

	if (!n)
		return -ENOMEM;
	for (i = 0; ip->codes_mask && i <= ip->codes_mask; i++) {
		size_t k;

		if (!ip->codes[i].pid)
			continue;
		for (k = code_slot(ip->codes[i].pid, ip->codes[i].addr, cap - 1); n[k].pid;
		     k = (k + 1) & (cap - 1))
			;
		n[k] = ip->codes[i];
	}
	free(ip->codes);
	ip->codes = n;
	ip->codes_mask = cap - 1;
	return 0;
}

/* The class qualifier of Ruby method entry value (bpf/interp.h) into buf: 0 (maybe "": Ruby
 * names the method plainly), or an error (the class could not be read). */
static int ruby_qualifier(struct iproc *p, __u64 value, char *buf, size_t size)
{
	void *ctx = (void *)(intptr_t)p->pid;
	__u64 me, owner;
	int err;

	buf[0] = 0;
	err = rb_method_owner(read_target, ctx, value, &me, &owner);
	if (!err)
		err = rb_class_qualifier(&p->rb, read_target, ctx, owner, buf, size);
	return err;
}

static void decode_ruby(struct interps *ip, struct iproc *p, struct code_entry *e)
{
	void *ctx = (void *)(intptr_t)p->pid;
	char buf[8192], qual[2048];
	int err;

	rb_iseq__clear(&e->iseq);
	e->name = e->function = e->file = NULL;
	e->q_qual = e->q_function = e->q_name = NULL;
	e->unqualified = false;
	if (e->what == CODE_METHOD) {
		err = 0;
		e->unqualified = ruby_qualifier(p, e->addr, qual, sizeof(qual)) != 0;
		e->name = e->function = intern(ip, qual);
	} else if (e->what == CODE_CFUNC) {
		char method[4096];

		err = rb_cfunc_name(&p->rb, read_target, ctx, e->addr, method, sizeof(method));
		if (!err) {
			e->unqualified = ruby_qualifier(p, e->addr, qual, sizeof(qual)) != 0;
			snprintf(buf, sizeof(buf), "%s%s", qual, method);
			e->name = e->function = intern(ip, buf);
		}
	} else {
		err = rb_iseq__read(read_target, ctx, e->addr, &e->iseq);
		if (!err) {
			snprintf(buf, sizeof(buf), "%s (%s)", e->iseq.label, e->iseq.path);
			e->name = intern(ip, buf);
			e->function = intern(ip, e->iseq.label);
			e->file = intern(ip, e->iseq.path);
		}
	}
	e->bad = err || !e->name || !e->function || (e->what == CODE_OBJECT && !e->file);
	e->checked_ns = e->decoded_ns = now_ns();
}

static void decode(struct interps *ip, struct iproc *p, struct code_entry *e)
{
	char buf[8192];
	int err;

	if (p->kind == INTERP_RUBY) {
		decode_ruby(ip, p, e);
		return;
	}
	py_code__clear(&e->code);
	err = py_code__read(p->py.layout, p->py.code_type_addr, read_target,
			    (void *)(intptr_t)p->pid, e->addr, &e->code);
	e->bad = err != 0;
	if (err)
		pr_debug("python %d: code object 0x%llx: %s\n", p->pid, (unsigned long long)e->addr,
			 strerror(-err));
	e->name = NULL;
	if (!e->bad) {
		snprintf(buf, sizeof(buf), "%s (%s)", e->code.qualname, e->code.filename);
		e->name = intern(ip, buf);
		e->function = intern(ip, e->code.qualname);
		e->file = intern(ip, e->code.filename);
		e->bad = !e->name || !e->function || !e->file;
	}
	e->checked_ns = e->decoded_ns = now_ns();
}

/* An entry used again after a while: is the object at its address still the same? A process
 * that is gone keeps what was read while it lived. */
static void recheck(struct interps *ip, struct iproc *p, struct code_entry *e)
{
	__u8 probe;

	if (read_target((void *)(intptr_t)p->pid, e->addr, &probe, 1)) {
		e->checked_ns = now_ns();
		return;
	}
	if (e->bad ||
	    (p->kind == INTERP_PYTHON &&
	     !py_code__same(p->py.layout, read_target, (void *)(intptr_t)p->pid, e->addr,
			    &e->code)) ||
	    (p->kind == INTERP_RUBY && e->what != CODE_OBJECT) ||
	    (p->kind == INTERP_RUBY &&
	     !rb_iseq__same(read_target, (void *)(intptr_t)p->pid, e->addr, &e->iseq)))
		decode(ip, p, e);
	else
		e->checked_ns = now_ns();
}

/* How long an entry is used before its object is checked again. */
static __u64 check_ns(const struct code_entry *e)
{
	if (e->bad)
		return BAD_CHECK_NS;
	return now_ns() - e->decoded_ns < YOUNG_NS ? YOUNG_CHECK_NS : CHECK_NS;
}

static struct code_entry *code_get(struct interps *ip, struct iproc *p, __u64 addr,
				   enum code_what what)
{
	struct code_entry *e;
	size_t i;

	if ((ip->n_codes + 1) * 2 > ip->codes_mask + 1 && codes_grow(ip))
		return NULL;
	for (i = code_slot(p->pid, addr, ip->codes_mask); ip->codes[i].pid;
	     i = (i + 1) & ip->codes_mask) {
		e = &ip->codes[i];
		if (e->pid != p->pid || e->addr != addr || e->what != what)
			continue;
		if (now_ns() - e->checked_ns > check_ns(e))
			recheck(ip, p, e);
		return e;
	}
	e = &ip->codes[i];
	e->pid = p->pid;
	e->addr = addr;
	e->kind = p->kind;
	e->what = what;
	ip->n_codes++;
	decode(ip, p, e);
	return e;
}

/*
 * The entry of frame f's code. A Python frame carries the identity BPF read of its code object:
 * when the object cached at that address has another, the address was reused since it was read,
 * and is read again; when it still differs, the object sampled is gone (NULL).
 */
static struct code_entry *frame_code(struct interps *ip, struct iproc *p,
				     const struct interp_frame *f)
{
	__u64 flags = f->instr >> INTERP_FLAGS_SHIFT;
	struct code_entry *e;

	e = code_get(ip, p, f->code, flags & IF_CFUNC ? CODE_CFUNC : CODE_OBJECT);
	if (!e || p->kind != INTERP_PYTHON || !f->me || e->bad || e->code.bpf_ident == f->me)
		return e;
	decode(ip, p, e);
	if (e->bad || e->code.bpf_ident == f->me)
		return e;
	pr_debug("python %d: code object 0x%llx replaced before it was read\n", p->pid,
		 (unsigned long long)f->code);
	return NULL;
}

/* The class qualifier of method entry me for a frame of iseq entry... (looked up before the iseq:
 * a lookup may move the entries): "Foo#", "" (Ruby names it plainly), NULL (none found, or its
 * class could not be read). */
static const char *ruby_qual(struct interps *ip, struct iproc *p, __u64 me)
{
	struct code_entry *m = me ? code_get(ip, p, me, CODE_METHOD) : NULL;

	return !m || m->bad || m->unqualified ? NULL : m->name;
}

/* The label of iseq entry e qualified by qual: from e's memo, or composed now. */
static const char *ruby_function(struct interps *ip, struct code_entry *e, const char *qual)
{
	char buf[8192];

	if (!e->iseq.in_method)
		return e->function;
	if (!qual) {
		ip->stats.unqualified++;
		return e->function;
	}
	if (qual != e->q_qual) {
		e->q_qual = qual;
		e->q_function = e->function;
		e->q_name = e->name;
		if (rb_label_qualified(&e->iseq, qual, buf, sizeof(buf))) {
			const char *fn = intern(ip, buf), *name;

			snprintf(buf, sizeof(buf), "%s (%s)", fn ? fn : e->function, e->file);
			name = fn ? intern(ip, buf) : NULL;
			if (name) {
				e->q_function = fn;
				e->q_name = name;
			}
		}
	}
	return e->q_function;
}

static void name_ruby(struct interps *ip, struct code_entry *e, const char *qual, __u64 pc,
		      struct interp_named *o)
{
	char buf[8192];

	o->function = e->function;
	o->file = e->file;
	o->name = e->name;
	if (e->what == CODE_CFUNC) {
		if (e->unqualified)
			ip->stats.unqualified++;
	} else {
		o->function = ruby_function(ip, e, qual);
		if (o->function != e->function)
			o->name = e->q_name;
	}
	o->line = e->what == CODE_CFUNC ? 0 : rb_iseq__line(&e->iseq, pc);
	if (ip->lines && o->line > 0) {
		snprintf(buf, sizeof(buf), "%s (%s:%d)", o->function, e->file, o->line);
		o->name = intern(ip, buf);
		if (!o->name)
			o->name = e->name;
	}
	ip->stats.frames++;
}

static size_t name_locked(struct interps *ip, int pid, const struct interp_frame *f, size_t n,
			  struct interp_named *out)
{
	struct iproc *p = proc_get(ip, pid, false);
	size_t i, k = 0;

	if (!p || p->state != PROC_ACTIVE)
		return 0;
	if (n) {
		ip->stats.ruby |= p->kind == INTERP_RUBY;
		ip->stats.python |= p->kind == INTERP_PYTHON;
	}
	for (i = 0; i < n; i++) {
		__u64 flags = f[i].instr >> INTERP_FLAGS_SHIFT;
		__u64 instr = f[i].instr & INTERP_INSTR_MASK;
		struct code_entry *e;
		struct interp_named *o = &out[k];
		const char *qual;
		char buf[8192];
		long lasti;

		if (flags & IF_SHIM) {
			/* the shim ends the activation of the frames inside it */
			if (k)
				out[k - 1].entry = true;
			continue;
		}
		memset(o, 0, sizeof(*o));
		o->entry = flags & IF_ENTRY;
		o->kind = p->kind;
		qual = p->kind == INTERP_RUBY && !(flags & IF_CFUNC) ? ruby_qual(ip, p, f[i].me)
								     : NULL;
		e = frame_code(ip, p, &f[i]);
		if (!e || e->bad) {
			o->name = o->function =
				p->kind == INTERP_RUBY ? "[unknown ruby]" : "[unknown python]";
			ip->stats.unnamed++;
			k++;
			continue;
		}
		if (p->kind == INTERP_RUBY) {
			name_ruby(ip, e, qual, instr, o);
			k++;
			continue;
		}
		lasti = py_frame_lasti(p->py.layout, f[i].code, instr, flags & IF_LASTI);
		o->function = e->function;
		o->file = e->file;
		o->line = py_line(p->py.layout->lt_kind, e->code.linetable, e->code.linetable_len,
				  e->code.firstlineno, lasti);
		if (o->line < 0)
			o->line = 0;
		o->name = e->name;
		if (ip->lines && o->line > 0) {
			snprintf(buf, sizeof(buf), "%s (%s:%d)", e->code.qualname, e->code.filename,
				 o->line);
			o->name = intern(ip, buf);
			if (!o->name)
				o->name = e->name;
		}
		ip->stats.frames++;
		k++;
	}
	/* 3.12+: the outermost frame ends an activation too (its shim may be past what was
	 * read) */
	if (k)
		out[k - 1].entry = true;
	return k;
}

/* ---- the interface: every entry point holds the lock ---- */

int interps__track(struct interps *ip, int pid)
{
	int err;

	pthread_mutex_lock(&ip->lock);
	err = track_locked(ip, pid);
	pthread_mutex_unlock(&ip->lock);
	return err;
}

void interps__retry(struct interps *ip, int pid)
{
	pthread_mutex_lock(&ip->lock);
	retry_locked(ip, pid, false);
	pthread_mutex_unlock(&ip->lock);
}

void interps__maps_changed(struct interps *ip, int pid)
{
	pthread_mutex_lock(&ip->lock);
	retry_locked(ip, pid, true);
	pthread_mutex_unlock(&ip->lock);
}

void interps__forget(struct interps *ip, int pid)
{
	pthread_mutex_lock(&ip->lock);
	forget_locked(ip, pid);
	pthread_mutex_unlock(&ip->lock);
}

void interps__new_image(struct interps *ip, int pid)
{
	pthread_mutex_lock(&ip->lock);
	forget_locked(ip, pid);
	retry_locked(ip, pid, true);
	pthread_mutex_unlock(&ip->lock);
}

static int pid_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return x < y ? -1 : x > y;
}

void interps__drop(struct interps *ip, int *pids, size_t n)
{
	struct code_entry *old;
	size_t i, cap, k;

	if (!n)
		return;
	qsort(pids, n, sizeof(*pids), pid_cmp);
	pthread_mutex_lock(&ip->lock);
	for (i = 0; i < n; i++) {
		struct iproc *p = proc_get(ip, pids[i], false);

		if (!p)
			continue;
		forget_locked(ip, pids[i]);
		*p = ip->procs[--ip->n_procs];
	}
	/* the code objects of the others, into a new table of the same size */
	old = ip->codes;
	cap = ip->codes_mask ? ip->codes_mask + 1 : 0;
	if (cap) {
		ip->codes = calloc(cap, sizeof(*ip->codes));
		if (!ip->codes) {
			ip->codes = old;
			goto out;
		}
		ip->n_codes = 0;
		for (i = 0; i < cap; i++) {
			if (!old[i].pid)
				continue;
			if (bsearch(&old[i].pid, pids, n, sizeof(*pids), pid_cmp)) {
				py_code__clear(&old[i].code);
				rb_iseq__clear(&old[i].iseq);
				continue;
			}
			for (k = code_slot(old[i].pid, old[i].addr, cap - 1); ip->codes[k].pid;
			     k = (k + 1) & (cap - 1))
				;
			ip->codes[k] = old[i];
			ip->n_codes++;
		}
		free(old);
	}
out:
	pthread_mutex_unlock(&ip->lock);
}

bool interps__active(struct interps *ip, int pid)
{
	bool active;

	pthread_mutex_lock(&ip->lock);
	active = active_locked(ip, pid);
	pthread_mutex_unlock(&ip->lock);
	return active;
}

size_t interps__name(struct interps *ip, int pid, const struct interp_frame *f, size_t n,
		     struct interp_named *out)
{
	size_t k;

	pthread_mutex_lock(&ip->lock);
	k = name_locked(ip, pid, f, n, out);
	pthread_mutex_unlock(&ip->lock);
	return k;
}

void interps__prefetch(struct interps *ip, int pid, const struct interp_frame *f, size_t n)
{
	struct iproc *p;
	size_t i;

	pthread_mutex_lock(&ip->lock);
	p = proc_get(ip, pid, false);
	for (i = 0; p && p->state == PROC_ACTIVE && i < n; i++) {
		__u64 flags = f[i].instr >> INTERP_FLAGS_SHIFT;

		if (flags & IF_SHIM)
			continue;
		frame_code(ip, p, &f[i]);
		if (p->kind == INTERP_RUBY && f[i].me && !(flags & IF_CFUNC))
			code_get(ip, p, f[i].me, CODE_METHOD);
	}
	pthread_mutex_unlock(&ip->lock);
}

void interps__stats(struct interps *ip, struct interp_stats *st)
{
	pthread_mutex_lock(&ip->lock);
	*st = ip->stats;
	pthread_mutex_unlock(&ip->lock);
}

struct interp_stats *interps__stats_mut(struct interps *ip)
{
	return &ip->stats;
}
