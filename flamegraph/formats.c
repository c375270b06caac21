// SPDX-License-Identifier: GPL-2.0
/* Output formats by extension; a stack tree as pprof or speedscope (see flamegraph/formats.h). */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flamegraph/folded.h"
#include "flamegraph/formats.h"
#include "flamegraph/speedscope.h"
#include "lib/errors.h"

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && !strcmp(s + n - m, suffix);
}

enum output_format output_format_of(const char *path)
{
	if (ends_with(path, ".speedscope.json"))
		return OUTPUT_SPEEDSCOPE;
	if (ends_with(path, ".pb.gz"))
		return OUTPUT_PPROF;
	if (ends_with(path, ".folded"))
		return OUTPUT_FOLDED;
	if (ends_with(path, ".svg"))
		return OUTPUT_SVG;
	return OUTPUT_UNKNOWN;
}

const char *output_format_name(enum output_format f)
{
	static const char *const names[] = {"unknown", "folded", "svg", "pprof", "speedscope"};

	return (size_t)f < sizeof(names) / sizeof(names[0]) ? names[f] : "unknown";
}

int outputs__add(struct outputs *o, enum output_format format, const char *path)
{
	if (format == OUTPUT_UNKNOWN)
		format = output_format_of(path);
	if (format == OUTPUT_UNKNOWN)
		return -EINVAL;
	if (o->n == OUTPUTS_MAX)
		return -E2BIG;
	o->v[o->n].format = format;
	o->v[o->n++].path = path;
	return 0;
}

int outputs__check(const struct outputs *o, const char *cmd)
{
	size_t i;
	int fd;

	for (i = 0; i < o->n; i++) {
		if (!strcmp(o->v[i].path, "-"))
			continue;
		fd = open(o->v[i].path, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
		if (fd < 0) {
			fprintf(stderr, "rtprof %s: output %s: %s\n", cmd, o->v[i].path,
				strerror(errno));
			return -ERR_BADINPUT;
		}
		close(fd);
	}
	return 0;
}

const char *outputs__path(const struct outputs *o, enum output_format format)
{
	size_t i;

	for (i = 0; i < o->n; i++)
		if (o->v[i].format == format)
			return o->v[i].path;
	return NULL;
}

const char *speedscope_unit(const char *u)
{
	static const char *const units[] = {"bytes", "microseconds", "milliseconds", "nanoseconds",
					    "seconds"};
	size_t i;

	for (i = 0; u && i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(u, units[i]))
			return units[i];
	return "none";
}

struct tree_pprof {
	struct pprof_writer *w;
	struct pprof_frame *f;
	const void **keys;
	size_t cap;
	size_t rounded;
};

static int pprof_stack(void *ctx, const char *const *frames, size_t n, double count)
{
	struct tree_pprof *c = ctx;
	int64_t v = llround(count);
	size_t i;

	if ((double)v != count)
		c->rounded++;
	if (v <= 0)
		return 0;
	if (n > c->cap) {
		struct pprof_frame *f = realloc(c->f, n * sizeof(*f));
		const void **k;

		if (!f)
			return -ENOMEM;
		c->f = f;
		k = realloc(c->keys, n * sizeof(*k));
		if (!k)
			return -ENOMEM;
		c->keys = k;
		c->cap = n;
	}
	/* leaf first; a name is one frame, its pointer in the tree its key */
	for (i = 0; i < n; i++) {
		c->f[i] = (struct pprof_frame){.function = frames[n - 1 - i]};
		c->keys[i] = frames[n - 1 - i];
	}
	return pprof_writer__sample_keyed(c->w, c->f, c->keys, n, &v, NULL, 0);
}

int stack_tree__write_pprof(const struct stack_tree *t, const struct pprof_opts *o, FILE *f,
			    size_t *rounded)
{
	struct tree_pprof c = {};
	int err;

	if (o->n_sample_types != 1)
		return -EINVAL;
	c.w = pprof_writer__new(o);
	if (!c.w)
		return -errno;
	err = stack_tree__foreach(t, pprof_stack, &c);
	if (!err)
		err = pprof_writer__write(c.w, f);
	if (rounded)
		*rounded = c.rounded;
	pprof_writer__free(c.w);
	free(c.f);
	free(c.keys);
	return err;
}

struct tree_ss {
	struct speedscope *s;
	struct speedscope_frame *f;
	size_t cap;
};

static int ss_stack(void *ctx, const char *const *frames, size_t n, double count)
{
	struct tree_ss *c = ctx;
	size_t i;

	if (count <= 0)
		return 0;
	if (n > c->cap) {
		struct speedscope_frame *f = realloc(c->f, n * sizeof(*f));

		if (!f)
			return -ENOMEM;
		c->f = f;
		c->cap = n;
	}
	for (i = 0; i < n; i++)
		c->f[i] = (struct speedscope_frame){.name = frames[i]};
	return speedscope__sample(c->s, c->f, n, count);
}

int stack_tree__write_speedscope(const struct stack_tree *t, const char *name, const char *unit,
				 FILE *f)
{
	struct tree_ss c = {};
	int err;

	c.s = speedscope__new(name, unit);
	if (!c.s)
		return -errno;
	err = speedscope__profile(c.s, name);
	if (!err)
		err = stack_tree__foreach(t, ss_stack, &c);
	if (!err)
		err = speedscope__write(c.s, f);
	speedscope__free(c.s);
	free(c.f);
	return err;
}
