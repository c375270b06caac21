// SPDX-License-Identifier: GPL-2.0
/*
 * Node.js (nodesource Node 20 at /usr/bin/node): no USDT probes at all (removed in Node 19).
 * GC is traced with a uprobe and a uretprobe on V8's exported
 * v8::internal::Heap::PerformGarbageCollection(GarbageCollector collector, ...), found by its
 * qualified name in the symbol table (collector: 0 scavenger, 1 mark-compact, 2 minor
 * mark-compact). JavaScript functions run as JIT code where uprobes cannot go: no flow, calls
 * or objnew.
 */
#include "bpf/gc.h"
#include "runtimes/attach.h"

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
