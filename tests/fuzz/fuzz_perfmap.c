// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for perf-PID.map text ("START SIZE name" lines, written by JIT compilers in
 * the target, so untrusted). Input: 8 bytes of an address to look up (little endian), 1 byte that
 * says where the file is cut in two, then the text. The text is parsed in two reads as
 * perf_map__update() sees a file that grows: the first part, then from the end of its last
 * complete line to the end. Then the address and its neighbours are looked up.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "symbolize/arena.h"
#include "symbolize/perfmap.h"

static void lookup(const struct perf_map *pm, __u64 addr)
{
	const char *name;
	__u64 start = 0;

	name = perf_map__find(pm, addr, &start);
	if (name && start > addr)
		abort(); /* an entry that starts above the address cannot cover it */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct perf_map *pm = NULL;
	struct arena *strings = NULL;
	char *text = NULL, *part = NULL;
	size_t len, cut;
	ssize_t parsed;
	__u64 addr;

	if (size < 9)
		return 0;
	memcpy(&addr, data, 8);
	len = size - 9;
	cut = len * data[8] / 255;
	text = malloc(len + 1);
	part = malloc(cut + 1);
	pm = perf_map__new();
	strings = arena__new();
	if (!text || !part || !pm || !strings)
		goto cleanup;
	memcpy(text, data + 9, len);
	text[len] = '\0';
	memcpy(part, text, cut);
	part[cut] = '\0';

	parsed = perf_map__parse(pm, part, strings);
	if (parsed < 0)
		goto cleanup;
	if ((size_t)parsed > cut)
		abort();
	if (perf_map__parse(pm, text + parsed, strings) < 0)
		goto cleanup;
	lookup(pm, addr);
	lookup(pm, addr - 1);
	lookup(pm, addr + 1);
	lookup(pm, 0);
	lookup(pm, ~0ULL);
cleanup:
	perf_map__free(pm);
	arena__free(strings);
	free(part);
	free(text);
	return 0;
}
