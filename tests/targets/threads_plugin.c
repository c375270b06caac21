// SPDX-License-Identifier: GPL-2.0
/* A library that threads_dlopen loads with dlopen after its start: plugin_spawn(n) creates n
 * threads and joins them. Built without frame pointers. */
#include <pthread.h>

static void *plugin_worker(void *arg)
{
	return arg;
}

__attribute__((noinline)) int plugin_spawn(long n)
{
	pthread_t t[64];
	long i, k;

	if (n > 64)
		n = 64;
	for (i = 0; i < n; i++)
		if (pthread_create(&t[i], NULL, plugin_worker, (void *)i))
			break;
	for (k = 0; k < i; k++)
		pthread_join(t[k], NULL);
	return i == n ? 0 : -1;
}
