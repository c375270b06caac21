// SPDX-License-Identifier: GPL-2.0
/*
 * CPython (3.11 as Debian ships it: probes in /usr/bin/python3.11, or in libpython3.x.so).
 *
 * 3.11 reaches function__entry only on its tracing path, so Python-to-Python calls are silent
 * (CPython issue 98894) while function__return fires. The tracing path is also taken while the
 * `line` probe's semaphore is non-zero. flow and calls therefore hold that semaphore up for the
 * whole trace with a no-op uprobe at Py_FinalizeEx (run once, at exit) created with
 * ref_ctr_offset = the line semaphore: the kernel raises the counter when the uprobe is placed
 * and lowers it when it goes away, also when rtprof is killed. The `line` probe itself is not
 * attached, so no per-line event is taken; the cost is the tracing path (about 4x on a
 * call-heavy loop) plus the entry/return uprobes.
 */
#include <errno.h>
#include <stdio.h>

#include "bpf/calls.h"
#include "bpf/gc.h"
#include "runtimes/attach.h"

/* clang-format off */
#define GLOBS(...) ((const char *const[]){ __VA_ARGS__, NULL })
/* clang-format on */

/* flow: one program for every method probe (usdt_events.bpf.c); calls: an entry program and
 * a return program per layout (calls.bpf.c). */
/* clang-format off */
#define PY_METHOD_PROBES(entry, ret)                                                        \
	{ .prog = entry, .kind = RT_USDT, .provider = "python", .name = "function__entry",  \
	  .cookie = RT_COOKIE(RT_L_PY, RT_EV_ENTRY) },                                      \
	{ .prog = ret, .kind = RT_USDT, .provider = "python", .name = "function__return",   \
	  .cookie = RT_COOKIE(RT_L_PY, RT_EV_RETURN) },                                     \
	{ .prog = "hold_sema", .kind = RT_HOLD_SEMAPHORE, .provider = "python",             \
	  .name = "Py_FinalizeEx", .sema_of = "line" },                                     \
	{}

static const struct rt_probe py_flow[] = { PY_METHOD_PROBES("on_method", "on_method") };
static const struct rt_probe py_calls[] = { PY_METHOD_PROBES("calls_entry", "calls_return_py") };

static const struct rt_probe py_gc[] = {
	{ .prog = "gc_begin", .kind = RT_USDT, .provider = "python", .name = "gc__start",
	  .cookie = GC_PY | GC_ARG_KIND },
	{ .prog = "gc_end", .kind = RT_USDT, .provider = "python", .name = "gc__done",
	  .cookie = GC_PY | GC_ARG_VALUE },
	{},
};
/* clang-format on */

/* A launched python: the libpython it will load (found as the dynamic loader finds it: pyenv's
 * builds load their own through RUNPATH), or the interpreter's own executable (Debian's, with
 * libpython linked in). */
static int py_launched_object(const char *exe, char *out, size_t size)
{
	int err = rt_needed_lib(exe, "libpython[23]*.so*", out, size);

	if (err != -ENOENT)
		return err;
	return snprintf(out, size, "%s", exe) >= (int)size ? -ENAMETOOLONG : 0;
}

/* clang-format off */
const struct rt_tracer python_tracer = {
	.name = "python",
	.no_probes = "this Python was built without --with-dtrace; `rtprof profile` still shows its frames",
	.missing_probe = "CPython 3.12 to 3.14 have no function probes; `rtprof profile` still shows its frames",
	.exe_globs = GLOBS("python[23]*", "python"),
	.object_globs = GLOBS("python[23]*", "libpython[23]*.so*"),
	.launched_object = py_launched_object,
	.probes = {
		[RT_CMD_FLOW] = py_flow,
		[RT_CMD_CALLS] = py_calls,
		[RT_CMD_GC] = py_gc,
	},
	.why = {
		[RT_CMD_OBJNEW] = "CPython has no object allocation probes; use rtprof memleak for "
				  "native allocations",
	},
};
/* clang-format on */
