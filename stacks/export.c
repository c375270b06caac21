// SPDX-License-Identifier: GPL-2.0
/* Stack frames as pprof and speedscope files: see stacks/export.h. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flamegraph/speedscope.h"
#include "stacks/export.h"
#include "symbolize/symbolize.h"

#define KSUFFIX "_[k]"

/* The running kernel's GNU build-id, in hex, from its notes (/sys/kernel/notes); "" if none. */
static void kernel_build_id(char *out, size_t size)
{
	unsigned char buf[4096];
	ssize_t n;
	size_t off = 0, i;
	int fd = open("/sys/kernel/notes", O_RDONLY | O_CLOEXEC);

	out[0] = 0;
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	while (n > 0 && off + sizeof(Elf64_Nhdr) <= (size_t)n) {
		Elf64_Nhdr nh;
		size_t name_len, desc_len;

		memcpy(&nh, buf + off, sizeof(nh));
		name_len = (nh.n_namesz + 3) & ~3u;
		desc_len = (nh.n_descsz + 3) & ~3u;
		if (off + sizeof(nh) + name_len + nh.n_descsz > (size_t)n)
			return;
		if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
		    !memcmp(buf + off + sizeof(nh), "GNU", 4) && nh.n_descsz * 2 + 1 <= size) {
			for (i = 0; i < nh.n_descsz; i++)
				sprintf(out + 2 * i, "%02x", buf[off + sizeof(nh) + name_len + i]);
			return;
		}
		off += sizeof(nh) + name_len + desc_len;
	}
}

static int module_info(void *ctx, const char *module, struct pprof_mapping *m)
{
	struct sym_module_info info;

	if (!strcmp(module, STACKS_KERNEL_MAPPING)) {
		kernel_build_id(m->build_id, sizeof(m->build_id));
		return 0;
	}
	if (stacks__module_info(ctx, module, &info))
		return -1;
	snprintf(m->build_id, sizeof(m->build_id), "%s", info.build_id);
	m->start = info.start;
	m->limit = info.limit;
	m->file_offset = info.file_offset;
	m->known_range = info.limit > info.start;
	m->main = info.executable;
	return 0;
}

struct pprof_writer *stacks__pprof_writer(struct stacks *s, const struct pprof_opts *o)
{
	struct pprof_opts po = *o;

	po.module_info = module_info;
	po.ctx = s;
	return pprof_writer__new(&po);
}

int stacks__pprof_sample(struct pprof_writer *w, const struct stack_frame *const *f, size_t n,
			 bool interned, const int64_t *values, const struct pprof_label *labels,
			 size_t n_labels)
{
	static const struct stack_frame unknown = {
		.name = "[unknown]", .function = "[unknown]", .kind = SF_MARKER};
	const struct stack_frame *none[1] = {&unknown};
	struct pprof_frame *pf;
	char *knames = NULL, *kp;
	size_t i, klen = 0;
	int err;

	if (!n) {
		f = none;
		n = 1;
	}
	pf = calloc(n, sizeof(*pf));
	if (!pf)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		if (f[i]->kind == SF_KERNEL)
			klen += strlen(f[i]->name) + 1;
	kp = knames = klen ? malloc(klen) : NULL;
	if (klen && !knames) {
		free(pf);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		const struct stack_frame *x = f[i];
		struct pprof_frame *p = &pf[i];

		p->function = x->name;
		p->system_name = x->function ? x->function : x->name;
		p->file = x->file;
		p->line = x->line;
		switch (x->kind) {
		case SF_KERNEL: {
			size_t len = strlen(x->name), sl = strlen(KSUFFIX);

			/* the function alone: "do_syscall_64" of "do_syscall_64_[k]" */
			if (len > sl && !strcmp(x->name + len - sl, KSUFFIX))
				len -= sl;
			memcpy(kp, x->name, len);
			kp[len] = 0;
			p->system_name = kp;
			kp += len + 1;
			p->module = STACKS_KERNEL_MAPPING;
			break;
		}
		case SF_NATIVE:
			p->module = x->module;
			p->address = x->module ? x->offset : 0;
			p->inlined = x->inlined;
			break;
		default: /* Python frames and markers: no mapping */
			break;
		}
	}
	err = pprof_writer__sample_keyed(w, pf, interned ? (const void *const *)f : NULL, n, values,
					 labels, n_labels);
	free(knames);
	free(pf);
	return err;
}

struct pprof_samples_ctx {
	struct pprof_writer *w;
	const double *scale;
	size_t n_values;
	bool thread_labels;
};

static int pprof_one(void *ctx, const struct stacks_sample *sm)
{
	struct pprof_samples_ctx *c = ctx;
	int64_t values[8];
	struct pprof_label l[3] = {
		{.key = "thread_name", .str = sm->comm},
		{.key = "thread_id", .num = sm->tid},
		{.key = "pid", .num = sm->pid},
	};
	size_t i;

	for (i = 0; i < c->n_values; i++)
		values[i] = llround(sm->weight * c->scale[i]);
	return stacks__pprof_sample(c->w, sm->frames, sm->n, true, values, l,
				    c->thread_labels ? 3 : 0);
}

int stacks__pprof_samples(struct stacks *s, struct pprof_writer *w, const double *scale,
			  bool thread_labels)
{
	struct pprof_samples_ctx c = {.w = w, .scale = scale, .thread_labels = thread_labels};

	c.n_values = pprof_writer__n_values(w);
	if (c.n_values > 8)
		return -EINVAL;
	return stacks__foreach_sample(s, pprof_one, &c);
}

/* ---- speedscope ---- */

struct ss_ctx {
	const struct stacks_sample **v;
	size_t n, cap;
};

static int collect(void *ctx, const struct stacks_sample *sm)
{
	struct ss_ctx *c = ctx;

	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 1024;
		const struct stacks_sample **v = realloc(c->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n++] = sm;
	return 0;
}

/* A stack (innermost first) into the current profile, root first. */
static int ss_sample(struct speedscope *ss, const struct stacks_sample *sm, double scale,
		     struct speedscope_frame *buf)
{
	size_t i, n = 0;

	for (i = sm->n; i-- > 0; n++) {
		buf[n].name = sm->frames[i]->name;
		buf[n].file = sm->frames[i]->file;
	}
	if (!n)
		buf[n++] = (struct speedscope_frame){.name = "[unknown]"};
	return speedscope__sample(ss, buf, n, sm->weight * scale);
}

int stacks__write_speedscope(const struct stacks *s, const char *name, const char *profile_name,
			     const char *unit, double scale, bool per_thread, FILE *f)
{
	struct speedscope_frame *buf = NULL;
	struct speedscope *ss = NULL;
	struct ss_ctx c = {};
	bool *done = NULL;
	size_t i, k, max = 1;
	int err;

	ss = speedscope__new(name, unit);
	if (!ss)
		return -errno;
	/* stacks__foreach_sample hands out entries that stay put: keep pointers */
	err = stacks__foreach_sample(s, collect, &c);
	if (err)
		goto cleanup;
	for (i = 0; i < c.n; i++)
		if (c.v[i]->n > max)
			max = c.v[i]->n;
	buf = calloc(max, sizeof(*buf));
	done = calloc(c.n ? c.n : 1, sizeof(*done));
	if (!buf || !done) {
		err = -ENOMEM;
		goto cleanup;
	}
	if (!per_thread) {
		err = speedscope__profile(ss, profile_name);
		for (i = 0; !err && i < c.n; i++)
			err = ss_sample(ss, c.v[i], scale, buf);
		goto write;
	}
	/* one profile per thread, threads in the order first seen */
	for (i = 0; !err && i < c.n; i++) {
		char pname[64];

		if (done[i])
			continue;
		snprintf(pname, sizeof(pname), "%s-%d", c.v[i]->comm, c.v[i]->tid);
		err = speedscope__profile(ss, pname);
		for (k = i; !err && k < c.n; k++) {
			if (done[k] || c.v[k]->tid != c.v[i]->tid || c.v[k]->pid != c.v[i]->pid ||
			    strcmp(c.v[k]->comm, c.v[i]->comm))
				continue;
			done[k] = true;
			err = ss_sample(ss, c.v[k], scale, buf);
		}
	}
write:
	if (!err && !speedscope__profiles(ss))
		err = speedscope__profile(ss, profile_name);
	if (!err)
		err = speedscope__write(ss, f);
cleanup:
	free(buf);
	free(done);
	free(c.v);
	speedscope__free(ss);
	return err;
}
