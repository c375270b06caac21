// SPDX-License-Identifier: GPL-2.0
/*
 * Ruby (3.1 as Debian ships it: probes in libruby-3.1.so.3.1, DT_NEEDED by /usr/bin/ruby3.1).
 *
 * method__entry/return fire only while a TracePoint is enabled in the process (Ruby bug 14582):
 * the probes share the TracePoint hook machinery. cmethod__*, object__create and the GC probes
 * fire normally. For a launched command, flow and calls enable an empty TracePoint for :call and
 * :return by adding `-r FILE` to RUBYOPT (an environment change, announced on stderr; the program
 * itself is not modified; --no-tracepoint turns it off). For -p nothing can switch it on from
 * outside: rtprof traces C methods and, when no Ruby method event came, says why.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpf/gc.h"
#include "bpf/objnew.h"
#include "bpf/usdt_events.h"
#include "lib/log.h"
#include "runtimes/attach.h"

/* clang-format off */
#define GLOBS(...) ((const char *const[]){ __VA_ARGS__, NULL })

#define RB_METHOD(prog_, n, ev, extra)                                                    \
	{ .prog = prog_, .kind = RT_USDT, .provider = "ruby", .name = n,                   \
	  .cookie = RT_COOKIE(RT_L_RUBY, ev) | (extra) }

#define RB_METHOD_PROBES(entry, ret)                                                      \
	RB_METHOD(entry, "method__entry", RT_EV_ENTRY, 0),                                \
	RB_METHOD(ret, "method__return", RT_EV_RETURN, 0),                                \
	RB_METHOD(entry, "cmethod__entry", RT_EV_ENTRY, RT_COOKIE_CFUNC),                 \
	RB_METHOD(ret, "cmethod__return", RT_EV_RETURN, RT_COOKIE_CFUNC), {}

static const struct rt_probe rb_flow[] = { RB_METHOD_PROBES("on_method", "on_method") };
static const struct rt_probe rb_calls[] = { RB_METHOD_PROBES("calls_entry", "calls_return_rb") };

static const struct rt_probe rb_gc[] = {
	{ .prog = "gc_begin", .kind = RT_USDT, .provider = "ruby", .name = "gc__mark__begin",
	  .cookie = GC_RB_MARK },
	{ .prog = "gc_end", .kind = RT_USDT, .provider = "ruby", .name = "gc__mark__end",
	  .cookie = GC_RB_MARK },
	{ .prog = "gc_begin", .kind = RT_USDT, .provider = "ruby", .name = "gc__sweep__begin",
	  .cookie = GC_RB_SWEEP },
	{ .prog = "gc_end", .kind = RT_USDT, .provider = "ruby", .name = "gc__sweep__end",
	  .cookie = GC_RB_SWEEP },
	{},
};

static const struct rt_probe rb_objnew[] = {
	{ .prog = "on_alloc", .kind = RT_USDT, .provider = "ruby", .name = "object__create",
	  .cookie = OBJNEW_RB_OBJECT },
	{ .prog = "on_alloc", .kind = RT_USDT, .provider = "ruby", .name = "string__create",
	  .cookie = OBJNEW_RB_STRING },
	{ .prog = "on_alloc", .kind = RT_USDT, .provider = "ruby", .name = "array__create",
	  .cookie = OBJNEW_RB_ARRAY },
	{ .prog = "on_alloc", .kind = RT_USDT, .provider = "ruby", .name = "hash__create",
	  .cookie = OBJNEW_RB_HASH },
	{},
};
/* clang-format on */

static int rb_launched_object(const char *exe, char *out, size_t size)
{
	return rt_needed_lib(exe, "libruby*.so*", out, size);
}

/* Environment switch read by prepare_launch: set by the command from --no-tracepoint. */
static int rb_prepare_launch(struct rt_trace *tr, enum rt_cmd cmd)
{
	char path[] = "/tmp/rtprof-tracepoint-XXXXXX.rb", *env = NULL;
	const char *old = getenv("RUBYOPT");
	static const char body[] = "# rtprof: Ruby fires method__entry/return only while a "
				   "TracePoint is on (bug 14582)\n"
				   "TracePoint.new(:call, :return) {}.enable\n";
	int fd, err = 0;

	if (cmd != RT_CMD_FLOW && cmd != RT_CMD_CALLS)
		return 0;
	if (getenv("RTPROF_NO_TRACEPOINT"))
		return 0;
	fd = mkstemps(path, 3);
	if (fd < 0)
		return -errno;
	if (write(fd, body, sizeof(body) - 1) != (ssize_t)(sizeof(body) - 1))
		err = -EIO;
	close(fd);
	if (!err)
		err = rt_trace__add_tempfile(tr, path);
	if (err) {
		unlink(path);
		return err;
	}
	if (asprintf(&env, "%s%s-r%s", old ? old : "", old ? " " : "", path) < 0)
		return -ENOMEM;
	setenv("RUBYOPT", env, 1);
	free(env);
	pr_info("%s: ruby fires method probes only while a TracePoint is on: enabling an empty "
		"one through RUBYOPT=-r%s (the program is not changed; --no-tracepoint to "
		"disable)\n",
		rt_trace__cmd_name(tr), path);
	return 0;
}

static void rb_explain(const struct rt_trace *tr, enum rt_cmd cmd, const struct rt_seen *seen)
{
	if (cmd != RT_CMD_FLOW && cmd != RT_CMD_CALLS)
		return;
	if (seen->method_events)
		return;
	pr_warn("%s: no Ruby method call was seen: Ruby %s fires method__entry/return only while "
		"a TracePoint is enabled in the process (Ruby bug 14582), so only C methods "
		"(cmethod__*) were traced. To see Ruby methods, start the program under rtprof "
		"(rtprof %s -- ruby ...: rtprof enables an empty TracePoint through RUBYOPT), or "
		"enable one in the program: TracePoint.new(:call, :return) {}.enable\n",
		rt_trace__cmd_name(tr), "3.1", rt_trace__cmd_name(tr));
}

/* clang-format off */
const struct rt_tracer ruby_tracer = {
	.name = "ruby",
	.no_probes = "this Ruby was built without DTrace/SystemTap probes (--disable-dtrace)",
	.exe_globs = GLOBS("ruby", "ruby[0-9]*"),
	.object_globs = GLOBS("libruby*.so*"),
	.launched_object = rb_launched_object,
	.prepare_launch = rb_prepare_launch,
	.explain = rb_explain,
	.probes = {
		[RT_CMD_FLOW] = rb_flow,
		[RT_CMD_CALLS] = rb_calls,
		[RT_CMD_GC] = rb_gc,
		[RT_CMD_OBJNEW] = rb_objnew,
	},
};
/* clang-format on */
