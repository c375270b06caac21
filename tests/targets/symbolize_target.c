// SPDX-License-Identifier: GPL-2.0
/*
 * Target of the symbolize tests: known chains of forced-inline functions (some from a header),
 * a noinline worker, a clone GCC may specialize, and a loop that keeps the process alive.
 *   symbolize_target ADDR_FILE   write the runtime addresses of sym_hot and main, then loop
 *                                 (sleeping) until killed
 *   symbolize_target ADDR_FILE busy   the same loop without sleeping (a CPU profile's inline
 *                                     chains: tests/e2e/export.sh)
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "symbolize_inline.h"

volatile unsigned sym_sink;

ALWAYS_INLINE unsigned sym_mix(unsigned x)
{
	unsigned a = sym_step(x, 7);

	return a + sym_step(a, x & 3);
}

__attribute__((noinline)) unsigned sym_hot(unsigned n)
{
	unsigned acc = 0, i;

	for (i = 0; i < n; i++)
		acc += sym_mix(acc ^ i);
	return acc;
}

static __attribute__((noinline)) unsigned sym_cold(unsigned x, unsigned unused)
{
	/* called with a constant second argument: GCC may make a .constprop/.isra clone */
	return sym_leaf(x) + unused;
}

int main(int argc, char **argv)
{
	struct timespec ts = {0, 2 * 1000 * 1000}; /* 2 ms */
	FILE *f;

	if (argc < 2) {
		fprintf(stderr, "usage: symbolize_target ADDR_FILE\n");
		return 2;
	}
	f = fopen(argv[1], "w");
	if (!f)
		return 1;
	fprintf(f, "%p %p\n", (void *)sym_hot, (void *)main);
	fclose(f);
	for (;;) {
		sym_sink = sym_hot(1000) + sym_cold(sym_sink, 3);
		if (argc < 3)
			nanosleep(&ts, NULL);
	}
}
