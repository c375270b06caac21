// SPDX-License-Identifier: GPL-2.0
/*
 * Node.js (nodesource Node 20 at /usr/bin/node): no USDT probes at all (removed in Node 19).
 * GC is traced with a uprobe and a uretprobe on V8's exported
 * v8::internal::Heap::PerformGarbageCollection(GarbageCollector collector, ...), found by its
 * qualified name in the symbol table (collector: 0 scavenger, 1 mark-compact, 2 minor
 * mark-compact). JavaScript functions run as JIT code where uprobes cannot go: no flow, calls
 * or objnew.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpf/gc.h"
#include "lib/log.h"
#include "runtimes/attach.h"
#include "runtimes/objfile.h"
#include "runtimes/runtime.h"

/* clang-format off */
#define GLOBS(...) ((const char *const[]){ __VA_ARGS__, NULL })

#define NODE_NO_METHODS                                                                    \
	"Node has no USDT probes (removed in Node 19) and JavaScript runs as JIT code, where "  \
	"uprobes cannot be placed; sample it instead: start node with --perf-basic-prof "      \
	"(it writes /tmp/perf-PID.map) and run rtprof profile"

static const struct rt_probe node_gc[] = {
	{ .prog = "node_gc_enter", .kind = RT_UPROBE,
	  .name = "v8::internal::Heap::PerformGarbageCollection" },
	{ .prog = "node_gc_exit", .kind = RT_URETPROBE,
	  .name = "v8::internal::Heap::PerformGarbageCollection" },
	{},
};

const struct rt_tracer node_tracer = {
	.name = "node",
	.exe_globs = GLOBS("node", "nodejs"),
	.object_globs = GLOBS("node", "nodejs", "libnode.so*"),
	.probes = {
		[RT_CMD_GC] = node_gc,
	},
	.why = {
		[RT_CMD_FLOW] = NODE_NO_METHODS,
		[RT_CMD_CALLS] = NODE_NO_METHODS,
		[RT_CMD_OBJNEW] = "V8 has no allocation probes and allocates inline in JIT code",
	},
};
/* clang-format on */

/* Is the ELF file at path a Node.js executable (it exports Node's N-API)? */
static bool is_node(const char *path)
{
	static const char *const names[] = {"napi_module_register"};
	struct objfile f = {.fd = -1};
	__u64 v[1] = {};

	if (elf_version(EV_CURRENT) == EV_NONE)
		return false;
	f.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (f.fd < 0)
		return false;
	f.elf = elf_begin(f.fd, ELF_C_READ, NULL);
	if (f.elf && elf_kind(f.elf) == ELF_K_ELF)
		objfile__find_symbols(f.elf, names, v, 1);
	objfile__close(&f);
	return v[0] != 0;
}

int node_prepare_profile(const char *exe)
{
	const char *old = getenv("NODE_OPTIONS");
	char opts[4096];

	if (!exe || !is_node(exe))
		return 0;
	if (old && strstr(old, "--perf-basic-prof")) /* also -only-functions */
		return 0;
	/* -only-functions: the functions' perf map, without V8's isolate-*.log in the working
	 * directory that plain --perf-basic-prof also writes (Node 20) */
	snprintf(opts, sizeof(opts), "%s%s--perf-basic-prof-only-functions", old ? old : "",
		 old ? " " : "");
	if (setenv("NODE_OPTIONS", opts, 1))
		return -errno;
	pr_warn("profile: node: adding --perf-basic-prof-only-functions through NODE_OPTIONS, so "
		"that JavaScript "
		"functions get names (/tmp/perf-PID.map)\n");
	return 1;
}

void node_check_profile(int pid, const char *exe)
{
	char path[128];

	if (!exe || !is_node(exe))
		return;
	snprintf(path, sizeof(path), "/proc/%d/root/tmp/perf-%d.map", pid, pid);
	if (access(path, R_OK) == 0)
		return;
	pr_warn("profile: node %d writes no /tmp/perf-%d.map: its JavaScript functions show as "
		"[unknown]; start it with --perf-basic-prof (or NODE_OPTIONS=--perf-basic-prof)\n",
		pid, pid);
}
