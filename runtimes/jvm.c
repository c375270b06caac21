// SPDX-License-Identifier: GPL-2.0
/*
 * HotSpot JVM (OpenJDK 17 as Debian ships it: probes in lib/server/libjvm.so, no semaphores).
 *
 * The method probes fire only with -XX:+DTraceMethodProbes (or -XX:+ExtendedDTraceProbes, which
 * exists up to JDK 19), the allocation probe only with -XX:+DTraceAllocProbes (or Extended...).
 * They cannot be switched on in a running JVM, so before attaching we look for the flags where a
 * JVM takes them: JAVA_TOOL_OPTIONS, JDK_JAVA_OPTIONS (java launcher), the command line and
 * _JAVA_OPTIONS, the last setting winning; if a flag is off we print the exact flag for that
 * JDK's version and stop. Flags from @argfiles or -XX:Flags= files are not seen (say so).
 * GC probes (gc__begin/end, mem__pool__gc__begin/end) fire without any flag.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpf/gc.h"
#include "bpf/objnew.h"
#include "bpf/usdt_events.h"
#include "lib/errors.h"
#include "lib/log.h"
#include "runtimes/attach.h"

/* clang-format off */
#define GLOBS(...) ((const char *const[]){ __VA_ARGS__, NULL })

#define JVM_METHOD_PROBES(entry, ret)                                                     \
	{ .prog = entry, .kind = RT_USDT, .provider = "hotspot", .name = "method__entry",  \
	  .cookie = RT_COOKIE(RT_L_JVM, RT_EV_ENTRY) },                                    \
	{ .prog = ret, .kind = RT_USDT, .provider = "hotspot", .name = "method__return",   \
	  .cookie = RT_COOKIE(RT_L_JVM, RT_EV_RETURN) }, {}

static const struct rt_probe jvm_flow[] = { JVM_METHOD_PROBES("on_method", "on_method") };
static const struct rt_probe jvm_calls[] = { JVM_METHOD_PROBES("calls_entry", "calls_return_jvm") };

static const struct rt_probe jvm_gc[] = {
	{ .prog = "gc_begin", .kind = RT_USDT, .provider = "hotspot", .name = "gc__begin",
	  .cookie = GC_JVM | GC_ARG_KIND },
	{ .prog = "gc_end", .kind = RT_USDT, .provider = "hotspot", .name = "gc__end",
	  .cookie = GC_JVM },
	{ .prog = "gc_pool", .kind = RT_USDT, .provider = "hotspot", .name = "mem__pool__gc__begin",
	  .cookie = GC_JVM, .optional = true },
	{ .prog = "gc_pool", .kind = RT_USDT, .provider = "hotspot", .name = "mem__pool__gc__end",
	  .cookie = GC_JVM | GC_POOL_AFTER, .optional = true },
	{},
};

static const struct rt_probe jvm_objnew[] = {
	{ .prog = "on_alloc", .kind = RT_USDT, .provider = "hotspot", .name = "object__alloc",
	  .cookie = OBJNEW_JVM },
	{},
};
/* clang-format on */

/* java launcher: JAVA_HOME/bin/java -> JAVA_HOME/lib/server/libjvm.so (dlopened later). */
static int jvm_launched_object(const char *exe, char *out, size_t size)
{
	char buf[PATH_MAX], *home;

	snprintf(buf, sizeof(buf), "%s", exe);
	home = dirname(dirname(buf));
	if (snprintf(out, size, "%s/lib/server/libjvm.so", home) >= (int)size)
		return -ENAMETOOLONG;
	return access(out, R_OK) ? -errno : 0;
}

/* Feature version of the JDK that owns libjvm.so (JAVA_HOME/release), or 0 when unknown. */
static int jdk_version(const char *libjvm)
{
	char buf[PATH_MAX], line[256], *home;
	FILE *f;
	int v = 0;

	snprintf(buf, sizeof(buf), "%s", libjvm);
	home = dirname(dirname(dirname(buf)));
	snprintf(line, sizeof(line), "%s/release", home);
	f = fopen(line, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "JAVA_VERSION=\"", 14)) {
			v = atoi(line + 14);
			if (v == 1) /* "1.8.0" */
				v = atoi(line + 16);
			break;
		}
	}
	fclose(f);
	return v;
}

/* Apply one option to the flag states (+1 on, -1 off, 0 unseen). */
static void scan_option(const char *opt, size_t len, const char *const *flags, int *state)
{
	size_t i;

	if (len < 6 || strncmp(opt, "-XX:", 4) || (opt[4] != '+' && opt[4] != '-'))
		return;
	for (i = 0; flags[i]; i++) {
		if (len - 5 == strlen(flags[i]) && !strncmp(opt + 5, flags[i], len - 5))
			state[i] = opt[4] == '+' ? 1 : -1;
	}
}

static void scan_words(const char *s, const char *const *flags, int *state)
{
	while (s && *s) {
		size_t len;

		s += strspn(s, " \t\n");
		len = strcspn(s, " \t\n");
		scan_option(s, len, flags, state);
		s += len;
	}
}

/* Value of NAME in a NUL-separated environment block, or NULL. */
static const char *env_lookup(const char *env, size_t len, const char *name)
{
	size_t n = strlen(name);
	const char *p;

	for (p = env; p < env + len; p += strlen(p) + 1) {
		if (!strncmp(p, name, n) && p[n] == '=')
			return p + n + 1;
	}
	return NULL;
}

static int jvm_check(const struct rt_trace *tr, enum rt_cmd cmd)
{
	const char *const flags[] = {"DTraceMethodProbes", "DTraceAllocProbes",
				     "ExtendedDTraceProbes", NULL};
	static const char *const env_before[] = {"JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", NULL};
	char *const *argv = rt_trace__argv(tr);
	int state[3] = {}, version, pid = rt_trace__pid(tr);
	char *env = NULL, *cmdline = NULL;
	size_t envlen = 0, cmdlen = 0, i;
	const char *flag, *p;
	bool on;

	if (cmd != RT_CMD_FLOW && cmd != RT_CMD_CALLS && cmd != RT_CMD_OBJNEW)
		return 0;
	version = jdk_version(rt_trace__object(tr));
	if (!argv) {
		env = rt_proc_strings(pid, "environ", &envlen);
		cmdline = rt_proc_strings(pid, "cmdline", &cmdlen);
	}
	for (i = 0; env_before[i]; i++)
		scan_words(argv ? getenv(env_before[i])
				: env_lookup(env ? env : "", envlen, env_before[i]),
			   flags, state);
	if (argv) {
		for (i = 0; argv[i]; i++)
			scan_option(argv[i], strlen(argv[i]), flags, state);
	} else {
		for (p = cmdline; p && p < cmdline + cmdlen; p += strlen(p) + 1)
			scan_option(p, strlen(p), flags, state);
	}
	scan_words(argv ? getenv("_JAVA_OPTIONS")
			: env_lookup(env ? env : "", envlen, "_JAVA_OPTIONS"),
		   flags, state);
	free(env);
	free(cmdline);

	if (cmd == RT_CMD_OBJNEW) {
		on = state[1] > 0 || (state[2] > 0 && (!version || version <= 19));
		flag = "-XX:+DTraceAllocProbes";
	} else {
		on = state[0] > 0 || (state[2] > 0 && (!version || version <= 19));
		flag = "-XX:+DTraceMethodProbes";
	}
	if (on)
		return 0;
	pr_warn("%s: the JVM%s%.0d%s fires its %s probes only when started with %s%s; %s\n",
		rt_trace__cmd_name(tr), version ? " (JDK " : "", version, version ? ")" : "",
		cmd == RT_CMD_OBJNEW ? "allocation" : "method", flag,
		version && version <= 19
			? " (or -XX:+ExtendedDTraceProbes, which exists up to JDK 19)"
			: "",
		argv ? "add it to the java command line (or to JAVA_TOOL_OPTIONS)"
		     : "restart the program with it: it cannot be switched on in a running JVM "
		       "(flags from @argfiles or -XX:Flags= files are not checked)");
	return -ERR_NOPROBES;
}

/* clang-format off */
const struct rt_tracer jvm_tracer = {
	.name = "jvm",
	.no_probes = "this JVM was built without DTrace probes (--enable-dtrace)",
	.exe_globs = GLOBS("java"),
	.object_globs = GLOBS("libjvm.so"),
	.launched_object = jvm_launched_object,
	.check = jvm_check,
	.probes = {
		[RT_CMD_FLOW] = jvm_flow,
		[RT_CMD_CALLS] = jvm_calls,
		[RT_CMD_GC] = jvm_gc,
		[RT_CMD_OBJNEW] = jvm_objnew,
	},
};
/* clang-format on */
