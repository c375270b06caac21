/* SPDX-License-Identifier: GPL-2.0 */
/* The script embedded in every flame graph; generated from flamegraph/script.js. */
#ifndef RTPROF_FLAMEGRAPH_SCRIPT_H
#define RTPROF_FLAMEGRAPH_SCRIPT_H

extern const char flamegraph_script[];

#endif
