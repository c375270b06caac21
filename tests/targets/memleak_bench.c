// SPDX-License-Identifier: GPL-2.0
/*
 * A malloc/free-heavy loop for bench/memleak.sh: N rounds of malloc (16..527 bytes) into a ring
 * of 256 live blocks, freeing the block it replaces. Prints the loop's own CPU time (user and
 * system, probe handlers included) in ns per round on stdout, so start-up and attach costs are
 * not counted, nor time spent waiting for a CPU another process holds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	void *ring[256] = {0};
	struct timespec t0, t1;
	unsigned int x = 12345;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	for (long i = 0; i < n; i++) {
		unsigned int slot = i & 255;

		x = x * 1103515245 + 12345;
		free(ring[slot]);
		ring[slot] = malloc(16 + (x >> 16) % 512);
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
	for (int i = 0; i < 256; i++)
		free(ring[i]);
	printf("%.1f\n", ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / n);
	return 0;
}
