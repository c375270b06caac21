// SPDX-License-Identifier: GPL-2.0
/*
 * Loads a library with dlopen some time after its start (where the dynamic loader's mapping of
 * /etc/ld.so.cache was while it started: a snapshot of the mappings taken then holds that file
 * there) and creates N threads through it (plugin_spawn), then stays a little.
 *   threads_dlopen LIBRARY N
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int (*spawn)(long);
	void *lib;

	if (argc < 3)
		return 2;
	usleep(400000);
	lib = dlopen(argv[1], RTLD_NOW);
	spawn = lib ? (int (*)(long))dlsym(lib, "plugin_spawn") : NULL;
	if (!spawn) {
		fprintf(stderr, "threads_dlopen: %s\n", dlerror());
		return 1;
	}
	if (spawn(atol(argv[2])))
		return 1;
	usleep(200000); /* let rtprof resolve the stacks while the process runs */
	return 0;
}
