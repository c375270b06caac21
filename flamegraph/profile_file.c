// SPDX-License-Identifier: GPL-2.0
/*
 * The profile loader (flamegraph/profile_file.h): folded text through the stack tree's own
 * parser; pprof once a reader exists.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "flamegraph/profile_file.h"
#include "lib/errors.h"
#include "lib/log.h"

int profile_file__format(const char *path, enum profile_format *fmt)
{
	unsigned char magic[2] = {0, 0};
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return -errno;
	n = fread(magic, 1, sizeof(magic), f);
	fclose(f);
	*fmt = n == 2 && magic[0] == 0x1f && magic[1] == 0x8b ? PROFILE_FORMAT_PPROF
							      : PROFILE_FORMAT_FOLDED;
	return 0;
}

static int load_folded(struct stack_tree *t, const char *path, enum stack_col col, const char *cmd)
{
	size_t bad = 0;
	FILE *f;
	int err;

	f = fopen(path, "re");
	if (!f) {
		err = -errno;
		pr_warn("%s %s: %s\n", cmd, path, err_str(err));
		return err;
	}
	err = stack_tree__parse_file_col(t, f, col, &bad);
	fclose(f);
	if (err)
		pr_warn("%s %s: %s\n", cmd, path, err_str(err));
	else if (bad)
		pr_warn("%s %s: ignored %zu invalid line%s (not 'frame;...;frame COUNT')\n", cmd,
			path, bad, bad == 1 ? "" : "s");
	return err;
}

static int load_pprof(struct stack_tree *t, const char *path, enum stack_col col, const char *cmd)
{
	pr_warn("%s %s: pprof input is not readable yet (this build has no pprof reader); "
		"record folded profiles\n",
		cmd, path);
	return -ERR_BADINPUT;
}

int profile_file__load(struct stack_tree *t, const char *path, enum stack_col col, const char *cmd,
		       size_t *stacks)
{
	size_t before = stack_tree__stacks(t);
	enum profile_format fmt;
	int err;

	err = profile_file__format(path, &fmt);
	if (err) {
		pr_warn("%s %s: %s\n", cmd, path, err_str(err));
		return err;
	}
	if (fmt == PROFILE_FORMAT_PPROF)
		err = load_pprof(t, path, col, cmd);
	else
		err = load_folded(t, path, col, cmd);
	if (stacks)
		*stacks = stack_tree__stacks(t) - before;
	if (!err && stack_tree__stacks(t) == before) {
		pr_warn("%s %s: no stack in this profile\n", cmd, path);
		err = -ERR_BADINPUT;
	}
	return err;
}
