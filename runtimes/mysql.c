// SPDX-License-Identifier: GPL-2.0
/*
 * MySQL / MariaDB query probes. MySQL 5.x builds with DTrace carry mysql:query__start and
 * mysql:query__done; MySQL 8 and Debian's MariaDB have none, but export dispatch_command(), which
 * every client command goes through: (enum_server_command cmd, THD *thd, char *packet, uint len,
 * bool) in MariaDB 10.x and MySQL 5.7 builds alike. COM_QUERY is 3 in both.
 */
#include <stddef.h>

#include "runtimes/runtime.h"

const struct runtime_query_probes mysql_query_probes = {
	.usdt_provider = "mysql",
	.usdt_start = "query__start",
	.usdt_done = "query__done",
	.dispatch_symbols =
		(const char *const[]){
			"_Z16dispatch_command19enum_server_commandP3THDPcjb", /* MariaDB 10.x */
			"_Z16dispatch_command19enum_server_commandP3THDPcj",  /* MySQL 5.7, older */
			NULL,
		},
	.com_query = 3,
};
