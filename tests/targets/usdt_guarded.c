// SPDX-License-Identifier: GPL-2.0
/* The probes of usdt_target that have a semaphore (sdt.h decides per translation unit). */
#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>

unsigned short rtprof_test_guarded_semaphore __attribute__((unused, section(".probes")));

/* Fire rtprof_test:guarded when a tracer raised its semaphore; returns 1 when it fired. */
int fire_guarded(int i)
{
	if (!rtprof_test_guarded_semaphore)
		return 0;
	DTRACE_PROBE1(rtprof_test, guarded, i);
	return 1;
}
