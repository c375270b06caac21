// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for /proc/PID/maps lines. The input is a maps file: each line is parsed as
 * proc_maps__read() does (the first bad line ends it), then every mapping's first and last
 * addresses are looked up and its open path is built.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "symbolize/maps.h"

static void check(const struct proc_maps *maps, __u64 addr)
{
	const struct proc_map *m = proc_maps__find(maps, addr);

	if (m && (addr < m->start || addr >= m->end))
		abort(); /* a mapping that does not contain the address */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proc_maps *maps = calloc(1, sizeof(*maps));
	char *text = malloc(size + 1), *line, *nl, path[256];
	size_t i;

	if (!maps || !text)
		goto cleanup;
	maps->pid = 1;
	memcpy(text, data, size);
	text[size] = '\0';
	for (line = text; *line; line = nl + 1) {
		struct proc_map *nm;

		nl = strchrnul(line, '\n');
		*nl = '\0';
		nm = realloc(maps->maps, (maps->n + 1) * sizeof(*nm));
		if (!nm)
			goto cleanup;
		maps->maps = nm;
		if (proc_map__parse(line, &maps->maps[maps->n]))
			break;
		maps->n++;
		if (nl == text + size)
			break;
	}
	for (i = 0; i < maps->n; i++) {
		const struct proc_map *m = &maps->maps[i];

		check(maps, m->start);
		check(maps, m->end - 1);
		proc_map__is_file(m);
		proc_map__open_path(maps, m, path, sizeof(path));
	}
cleanup:
	proc_maps__free(maps);
	free(text);
	return 0;
}
