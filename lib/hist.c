// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <stdio.h>

#include "lib/hist.h"

#define BAR_WIDTH 40

void fmt_duration(char *buf, size_t size, __u64 ns)
{
	if (ns < 1000)
		snprintf(buf, size, "%" PRIu64 "ns", (uint64_t)ns);
	else if (ns < 1000000)
		snprintf(buf, size, "%.1fus", ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, size, "%.2fms", ns / 1e6);
	else
		snprintf(buf, size, "%.2fs", ns / 1e9);
}

/* Bucket bounds as short powers of two with a unit: 1ns, 1us (1024ns), ... */
static void fmt_bound(char *buf, size_t size, unsigned int shift)
{
	static const char *const units[] = {"ns", "us", "ms", "s"};
	unsigned int u = shift / 10;

	if (u > 3)
		u = 3;
	snprintf(buf, size, "%" PRIu64 "%s", (uint64_t)1 << (shift - u * 10), units[u]);
}

void hist_print(FILE *f, const __u64 *slots, size_t n, const char *indent)
{
	size_t i, first = n, last = 0;
	__u64 max = 0;

	for (i = 0; i < n; i++) {
		if (!slots[i])
			continue;
		if (first == n)
			first = i;
		last = i;
		if (slots[i] > max)
			max = slots[i];
	}
	if (first == n) {
		fprintf(f, "%s(empty)\n", indent);
		return;
	}
	fprintf(f, "%s%-20s %10s  distribution\n", indent, "range", "count");
	for (i = first; i <= last; i++) {
		char lo[24], hi[24], range[56], bar[BAR_WIDTH + 1];
		unsigned int stars = (unsigned int)(slots[i] * BAR_WIDTH / max);
		unsigned int k;

		fmt_bound(lo, sizeof(lo), (unsigned int)i);
		fmt_bound(hi, sizeof(hi), (unsigned int)i + 1);
		snprintf(range, sizeof(range), "[%s, %s)", lo, hi);
		for (k = 0; k < stars; k++)
			bar[k] = '*';
		bar[k] = '\0';
		fprintf(f, "%s%-20s %10" PRIu64 "  |%-*s|\n", indent, range, (uint64_t)slots[i],
			BAR_WIDTH, bar);
	}
}

void hist_print_json(FILE *f, const __u64 *slots, size_t n)
{
	size_t i;
	int first = 1;

	fputc('[', f);
	for (i = 0; i < n; i++) {
		if (!slots[i])
			continue;
		fprintf(f,
			"%s{\"low_ns\":%" PRIu64 ",\"high_ns\":%" PRIu64 ",\"count\":%" PRIu64 "}",
			first ? "" : ",", i ? (uint64_t)1 << i : 0,
			i + 1 < 64 ? (uint64_t)1 << (i + 1) : UINT64_MAX, (uint64_t)slots[i]);
		first = 0;
	}
	fputc(']', f);
}
