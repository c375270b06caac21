// SPDX-License-Identifier: GPL-2.0
/* A shared library with its own provider, dlopened by usdt_target after it starts. */
#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>

unsigned short rtprof_plugin_loaded_semaphore __attribute__((unused, section(".probes")));
unsigned short rtprof_plugin_no_args_semaphore __attribute__((unused, section(".probes")));

__attribute__((constructor)) static void plugin_init(void)
{
	static const char who[] = "plugin";

	DTRACE_PROBE2(rtprof_plugin, loaded, who, sizeof(who));
	DTRACE_PROBE(rtprof_plugin, no_args);
}
