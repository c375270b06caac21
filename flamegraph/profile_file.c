// SPDX-License-Identifier: GPL-2.0
/*
 * The profile loader (flamegraph/profile_file.h): the file is read whole, then parsed as pprof
 * (flamegraph/pprof_read.c) or as folded text by the stack tree's own parser.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "flamegraph/pprof.h"
#include "flamegraph/profile_file.h"
#include "lib/errors.h"
#include "lib/log.h"

#define PROFILE_FILE_MAX   (4ul << 30) /* bytes */
#define PROFILE_TEXT_PROBE (64u << 10) /* bytes: a NUL among the first ones means binary data */

static int read_file(const char *path, char **buf, size_t *len)
{
	struct stat st;
	size_t n = 0;
	char *b = NULL;
	FILE *f;
	int err = 0;

	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (fstat(fileno(f), &st)) {
		err = -errno;
	} else if (S_ISDIR(st.st_mode)) {
		err = -EISDIR;
	} else if ((unsigned long)st.st_size > PROFILE_FILE_MAX) {
		err = -EFBIG;
	} else {
		b = malloc((size_t)st.st_size + 1);
		if (!b)
			err = -ENOMEM;
		else
			n = fread(b, 1, (size_t)st.st_size, f);
		if (b && ferror(f))
			err = -EIO;
	}
	fclose(f);
	if (err) {
		free(b);
		return err;
	}
	b[n] = 0;
	*buf = b;
	*len = n;
	return 0;
}

static enum profile_format format_of(const char *buf, size_t len)
{
	if (pprof_is_gzip(buf, len))
		return PROFILE_FORMAT_PPROF;
	/* text never holds NUL bytes; a raw (not gzipped) protobuf nearly always does */
	if (memchr(buf, 0, len < PROFILE_TEXT_PROBE ? len : PROFILE_TEXT_PROBE))
		return PROFILE_FORMAT_PPROF;
	return PROFILE_FORMAT_FOLDED;
}

int profile_file__format(const char *path, enum profile_format *fmt)
{
	char *buf;
	size_t len;
	int err = read_file(path, &buf, &len);

	if (err)
		return err;
	*fmt = format_of(buf, len);
	free(buf);
	return 0;
}

struct copy_ctx {
	struct stack_tree *to;
	enum stack_col col;
	size_t *lens;
	size_t cap;
};

static int copy_stack(void *ctx, const char *const *frames, size_t n, double count)
{
	struct copy_ctx *c = ctx;
	size_t i;

	if (n > c->cap) {
		size_t *l = realloc(c->lens, n * sizeof(*l));

		if (!l)
			return -ENOMEM;
		c->lens = l;
		c->cap = n;
	}
	for (i = 0; i < n; i++)
		c->lens[i] = strlen(frames[i]);
	return stack_tree__add_col(c->to, frames, c->lens, n, count, c->col);
}

/* pprof_read() fills the AFTER column: another column goes through a tree of its own. */
static int load_pprof(struct stack_tree *t, const char *buf, size_t len, enum stack_col col,
		      const char *what)
{
	struct pprof_read_opts ro = {};
	struct pprof_read_info info = {};
	struct copy_ctx c = {t, col, NULL, 0};
	struct stack_tree *into = t;
	int err;

	if (col != STACK_COL_AFTER) {
		into = stack_tree__new();
		if (!into)
			return -ENOMEM;
	}
	err = pprof_read(buf, len, &ro, into, &info);
	if (err == -ERR_BADINPUT)
		pr_warn("%s: %s\n", what, info.error);
	else if (err)
		pr_warn("%s: %s\n", what, err_str(err));
	if (!err && into != t)
		err = stack_tree__foreach(into, copy_stack, &c);
	if (into != t)
		stack_tree__free(into);
	free(c.lens);
	return err;
}

static int load_folded(struct stack_tree *t, const char *buf, size_t len, enum stack_col col,
		       const char *what)
{
	size_t bad = 0;
	int err;

	if (col == STACK_COL_AFTER) {
		err = stack_tree__parse_buf(t, buf, len, &bad);
	} else {
		FILE *f = fmemopen((void *)buf, len ? len : 1, "r");

		if (!f)
			return -errno;
		err = stack_tree__parse_file_col(t, f, col, &bad);
		fclose(f);
	}
	if (err)
		pr_warn("%s: %s\n", what, err_str(err));
	else if (bad)
		pr_warn("%s: ignored %zu invalid line%s (not 'frame;...;frame COUNT')\n", what, bad,
			bad == 1 ? "" : "s");
	return err;
}

int profile_file__load(struct stack_tree *t, const char *path, enum stack_col col, const char *cmd,
		       size_t *stacks)
{
	size_t before = stack_tree__stacks(t), len = 0;
	char *buf = NULL, what[4096];
	int err;

	snprintf(what, sizeof(what), "%s %s", cmd, path);
	err = read_file(path, &buf, &len);
	if (err) {
		pr_warn("%s: %s\n", what, err_str(err));
		return err;
	}
	if (format_of(buf, len) == PROFILE_FORMAT_PPROF)
		err = load_pprof(t, buf, len, col, what);
	else
		err = load_folded(t, buf, len, col, what);
	free(buf);
	if (stacks)
		*stacks = stack_tree__stacks(t) - before;
	if (!err && stack_tree__stacks(t) == before) {
		pr_warn("%s: no stack in this profile\n", what);
		err = -ERR_BADINPUT;
	}
	return err;
}
