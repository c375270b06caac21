/* SPDX-License-Identifier: GPL-2.0 */
/*
 * JIT symbols from /tmp/perf-PID.map (node --perf-basic-prof, the JVM's Compiler.perfmap):
 * "START SIZE name" lines, hex without 0x. The file is kept open, so it can be read again when it
 * grows, even after the process exited; only the new lines are parsed. A later line wins over an
 * earlier one for the same code (JIT code is freed and its addresses reused).
 */
#ifndef RTPROF_PERFMAP_H
#define RTPROF_PERFMAP_H

#include <linux/types.h>
#include <sys/types.h>

struct arena;
struct perf_map;

/* Open the map of process pid (whose namespace pid is nspid and user uid): through
 * /proc/PID/root/tmp/perf-NSPID.map, else /tmp/perf-PID.map. NULL and errno: ENOENT when there
 * is none, EPERM when the file belongs to another user (warned about here). */
struct perf_map *perf_map__open(int pid, int nspid, uid_t uid);
/* An empty map with no file behind it, filled by perf_map__parse() (tests, fuzzing). */
struct perf_map *perf_map__new(void);
void perf_map__free(struct perf_map *pm);
/* Parse what was appended since the last call. 0 or a negative errno. */
int perf_map__update(struct perf_map *pm, struct arena *strings);
/* Parse the complete lines of text (NUL-terminated; its newlines become NULs), as
 * perf_map__update() does with what it read. Lines that are not "START SIZE name" are skipped.
 * Returns the bytes of complete lines parsed (a partial last line is left) or a negative errno. */
ssize_t perf_map__parse(struct perf_map *pm, char *text, struct arena *strings);
/* Name of the JIT function covering addr (start in *start), or NULL. */
const char *perf_map__find(const struct perf_map *pm, __u64 addr, __u64 *start);

#endif
