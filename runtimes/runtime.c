// SPDX-License-Identifier: GPL-2.0
#include <fnmatch.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "runtimes/runtime.h"

#define GLOBS(...) ((const char *const[]){__VA_ARGS__, NULL})

static const struct runtime python = {
	.name = "python",
	.object_globs = GLOBS("python[23]*", "libpython[23]*.so*"),
};
static const struct runtime ruby = {
	.name = "ruby",
	.object_globs = GLOBS("ruby", "ruby[0-9]*", "libruby*.so*"),
	/* their hook names RubyVM::FrozenCore through a freed string: Ruby 3.1 segfaults */
	.unsafe_semaphores = GLOBS("ruby:cmethod__entry", "ruby:cmethod__return"),
};
static const struct runtime jvm = {
	.name = "jvm",
	.object_globs = GLOBS("libjvm.so"),
};
static const struct runtime node = {
	.name = "node",
	.object_globs = GLOBS("node", "nodejs", "libnode.so*"),
};
static const struct runtime mysql = {
	.name = "mysql",
	.object_globs = GLOBS("mysqld", "mariadbd", "libmysqld.so*", "libmariadbd.so*"),
};
static const struct runtime libc = {
	.name = "libc",
	.object_globs = GLOBS("libc.so.*", "libc-2.*.so", "libpthread.so*", "libpthread-*.so",
			      "ld-linux*.so*"),
};
static const struct runtime libstdcxx = {
	.name = "libstdc++",
	.object_globs = GLOBS("libstdc++.so*"),
};

const struct runtime *const runtimes[] = {
	&python, &ruby, &jvm, &node, &mysql, &libc, &libstdcxx, NULL,
};

const struct runtime *runtime_for_object(const char *path)
{
	const char *base = strrchr(path, '/');
	size_t i, j;

	base = base ? base + 1 : path;
	for (i = 0; runtimes[i]; i++) {
		for (j = 0; runtimes[i]->object_globs[j]; j++) {
			if (!fnmatch(runtimes[i]->object_globs[j], base, 0))
				return runtimes[i];
		}
	}
	return NULL;
}

bool runtime_semaphore_unsafe(const struct runtime *r, const char *provider, const char *name)
{
	char probe[256];
	size_t i;

	snprintf(probe, sizeof(probe), "%s:%s", provider, name);
	for (i = 0; r && r->unsafe_semaphores && r->unsafe_semaphores[i]; i++) {
		if (!strcmp(r->unsafe_semaphores[i], probe))
			return true;
	}
	return false;
}
