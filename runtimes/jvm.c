// SPDX-License-Identifier: GPL-2.0
/*
 * HotSpot JVM (OpenJDK 17 as Debian ships it: probes in lib/server/libjvm.so, no semaphores).
 *
 * The method probes fire only with -XX:+DTraceMethodProbes (or -XX:+ExtendedDTraceProbes, which
 * exists up to JDK 19), the allocation probe only with -XX:+DTraceAllocProbes (or Extended...).
 * They cannot be switched on in a running JVM, so before attaching we check the flags (a running
 * JVM's own, or those a command will start it with: jvm_flags.c); if a flag is off we print the
 * exact flag for that JDK's version and launcher (javac takes -J-XX:...) and stop. GC probes
 * (gc__begin/end, mem__pool__gc__begin/end) fire without any flag.
 *
 * Launchers: java, and every other JDK tool (javac, jar, jshell: they load libjvm.so through
 * libjli), are recognised by the library they need, not by name.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <gelf.h>
#include <libelf.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
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
#include "runtimes/jvm_flags.h"

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

/* The VM a launcher of JAVA_HOME loads: the first KNOWN entry of JAVA_HOME/lib/jvm.cfg
 * ("-server KNOWN"), as the launcher picks it without -client/-server; "server" without one. */
static void default_vm(const char *home, char *vm, size_t size)
{
	char path[PATH_MAX], line[256], name[64];
	FILE *f;

	snprintf(vm, size, "server");
	snprintf(path, sizeof(path), "%s/lib/jvm.cfg", home);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "-%63s KNOWN", name) == 1 && strstr(line, " KNOWN")) {
			snprintf(vm, size, "%s", name);
			break;
		}
	}
	fclose(f);
}

/* A launcher of the JDK (java, javac, jar, jshell: JAVA_HOME/bin/X, all through libjli) ->
 * JAVA_HOME/lib/VM/libjvm.so, which it dlopens later. */
static int jvm_launched_object(const char *exe, char *out, size_t size)
{
	char buf[PATH_MAX], vm[64], *home;

	snprintf(buf, sizeof(buf), "%s", exe);
	home = dirname(dirname(buf));
	default_vm(home, vm, sizeof(vm));
	if (snprintf(out, size, "%s/lib/%s/libjvm.so", home, vm) >= (int)size)
		return -ENAMETOOLONG;
	return access(out, R_OK) ? -errno : 0;
}

/* Does the ELF file at path name a library matching glob among its DT_NEEDED entries? */
static bool needs_lib(const char *path, const char *glob)
{
	Elf *elf = NULL;
	Elf_Scn *scn = NULL;
	bool found = false;
	int fd;

	elf_version(EV_CURRENT);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	while (elf && !found && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;
		size_t i, n;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNAMIC || !sh.sh_entsize)
			continue;
		data = elf_getdata(scn, NULL);
		n = sh.sh_size / sh.sh_entsize;
		for (i = 0; data && i < n && !found; i++) {
			GElf_Dyn dyn;
			const char *name;

			if (!gelf_getdyn(data, (int)i, &dyn) || dyn.d_tag != DT_NEEDED)
				continue;
			name = elf_strptr(elf, sh.sh_link, dyn.d_un.d_val);
			found = name && !fnmatch(glob, name, 0);
		}
	}
	elf_end(elf);
	close(fd);
	return found;
}

/* A command not named java that starts the JVM all the same: the JDK's other launchers (javac,
 * jar, jshell, ... need libjli.so, which loads libjvm.so from their JDK), or a program linked
 * with libjvm.so itself. */
static int jvm_embedded_object(const char *exe, char *out, size_t size)
{
	if (needs_lib(exe, "libjli.so"))
		return jvm_launched_object(exe, out, size);
	if (needs_lib(exe, "libjvm.so"))
		return rt_needed_lib(exe, "libjvm.so", out, size);
	return -ENOENT;
}

int jvm_prepare_frame_pointers(const char *exe)
{
	static const char flag[] = "-XX:+PreserveFramePointer";
	const char *old = getenv("JAVA_TOOL_OPTIONS");
	char opts[8192];

	/* java and the JDK's other launchers need libjli.so; a program linked with libjvm.so
	 * reads JAVA_TOOL_OPTIONS too (JNI_CreateJavaVM) */
	if (!exe || (!needs_lib(exe, "libjli.so") && !needs_lib(exe, "libjvm.so")))
		return 0;
	if (old && strstr(old, flag))
		return 1;
	if (snprintf(opts, sizeof(opts), "%s%s%s", old ? old : "", old && *old ? " " : "", flag) >=
	    (int)sizeof(opts))
		return -E2BIG;
	if (setenv("JAVA_TOOL_OPTIONS", opts, 1))
		return -errno;
	pr_warn("profile: java: adding %s through JAVA_TOOL_OPTIONS, so that stacks go on through "
		"compiled Java code (the JVM says \"Picked up JAVA_TOOL_OPTIONS\")\n",
		flag);
	return 1;
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

/* Value of NAME in a NUL-separated environment block, or NULL. */
static const char *env_lookup(const char *env, size_t len, const char *name)
{
	size_t n = strlen(name);
	const char *p;

	for (p = env; env && p < env + len; p += strlen(p) + 1) {
		if (!strncmp(p, name, n) && p[n] == '=')
			return p + n + 1;
	}
	return NULL;
}

/* /proc/PID/cmdline as an argv array (pointing into cmdline); NULL on ENOMEM. */
static char **split_cmdline(char *cmdline, size_t len)
{
	size_t n = 0, i = 0;
	char **argv, *p;

	for (p = cmdline; p < cmdline + len; p += strlen(p) + 1)
		n++;
	argv = calloc(n + 1, sizeof(*argv));
	for (p = cmdline; argv && p < cmdline + len; p += strlen(p) + 1)
		argv[i++] = p;
	return argv;
}

/* The flags of the target: a running JVM's own (or, when they cannot be read, its command
 * line and environment), or those the command about to be launched will give it. */
static void target_flags(const struct rt_trace *tr, struct jvm_flags *f)
{
	const char *exe = strrchr(rt_trace__exe(tr), '/');
	struct jvm_flag_sources src = {.argv = rt_trace__argv(tr)};
	char *env = NULL, *cmdline = NULL, **argv = NULL, dir[64], root[64];
	size_t envlen = 0, cmdlen = 0;
	int pid = rt_trace__pid(tr);

	exe = exe ? exe + 1 : rt_trace__exe(tr);
	src.java = !strcmp(exe, "java");
	if (src.argv) {
		src.tool_options = getenv("JAVA_TOOL_OPTIONS");
		src.jdk_java_options = getenv("JDK_JAVA_OPTIONS");
		src.java_options = getenv("_JAVA_OPTIONS");
		jvm_flags__scan(f, &src);
		return;
	}
	if (!jvm_flags__read_live(f, pid, rt_trace__object(tr)))
		return;
	env = rt_proc_strings(pid, "environ", &envlen);
	cmdline = rt_proc_strings(pid, "cmdline", &cmdlen);
	argv = cmdline ? split_cmdline(cmdline, cmdlen) : NULL;
	snprintf(dir, sizeof(dir), "/proc/%d/cwd", pid);
	snprintf(root, sizeof(root), "/proc/%d/root", pid);
	src.argv = argv;
	src.tool_options = env_lookup(env, envlen, "JAVA_TOOL_OPTIONS");
	src.jdk_java_options = env_lookup(env, envlen, "JDK_JAVA_OPTIONS");
	src.java_options = env_lookup(env, envlen, "_JAVA_OPTIONS");
	src.dir = dir;
	src.root = root;
	jvm_flags__scan(f, &src);
	free(argv);
	free(cmdline);
	free(env);
}

static int jvm_check(const struct rt_trace *tr, enum rt_cmd cmd)
{
	const char *exe = strrchr(rt_trace__exe(tr), '/'), *flag, *how;
	bool alloc = cmd == RT_CMD_OBJNEW;
	struct jvm_flags f;
	char how_buf[256];
	int version;

	if (cmd != RT_CMD_FLOW && cmd != RT_CMD_CALLS && cmd != RT_CMD_OBJNEW)
		return 0;
	exe = exe ? exe + 1 : rt_trace__exe(tr);
	version = jdk_version(rt_trace__object(tr));
	target_flags(tr, &f);
	if (alloc ? jvm_flags__alloc_probes(&f, version) : jvm_flags__method_probes(&f, version))
		return 0;
	flag = alloc ? "-XX:+DTraceAllocProbes" : "-XX:+DTraceMethodProbes";
	if (!rt_trace__argv(tr)) {
		how = f.live ? "this JVM runs with it off (read from its memory): restart the "
			       "program with it, it cannot be switched on in a running JVM"
			     : "restart the program with it: it cannot be switched on in a running "
			       "JVM";
	} else if (!strcmp(exe, "java")) {
		how = "add it to the java command line (or to JAVA_TOOL_OPTIONS)";
	} else {
		snprintf(how_buf, sizeof(how_buf),
			 "%s takes JVM flags as -J%s (or add %s to JAVA_TOOL_OPTIONS)", exe, flag,
			 flag);
		how = how_buf;
	}
	pr_warn("%s: the JVM%s%.0d%s fires its %s probes only when started with %s%s; %s\n",
		rt_trace__cmd_name(tr), version ? " (JDK " : "", version, version ? ")" : "",
		alloc ? "allocation" : "method", flag,
		version && version <= 19
			? " (or -XX:+ExtendedDTraceProbes, which exists up to JDK 19)"
			: "",
		how);
	if (f.unread[0])
		pr_warn("%s: %s could not be read: the flags in it are not known\n",
			rt_trace__cmd_name(tr), f.unread);
	return -ERR_NOPROBES;
}

/* One field type of a descriptor at *p ("I", "[J", "Ljava/util/Map$Entry;"), as Java source
 * writes it with the class's simple name ("int", "long[]", "Map$Entry"); advances *p. False at
 * the end of the string or on a malformed type. */
static bool append_type(const char **p, char *out, size_t size, size_t *len)
{
	static const char prim[] = "BCDFIJSZV";
	static const char *const prim_names[] = {"byte", "char",  "double",  "float", "int",
						 "long", "short", "boolean", "void"};
	const char *s = *p, *name, *end, *base;
	int dims = 0, n;

	while (*s == '[') {
		dims++;
		s++;
	}
	if (!*s)
		return false;
	if (*s == 'L') {
		end = strchr(s, ';');
		if (!end)
			return false;
		for (base = name = s + 1; name < end; name++)
			if (*name == '/')
				base = name + 1;
		n = snprintf(out + *len, size - *len, "%.*s", (int)(end - base), base);
		s = end + 1;
	} else {
		name = strchr(prim, *s);
		if (!name || !*name)
			return false;
		n = snprintf(out + *len, size - *len, "%s", prim_names[name - prim]);
		s++;
	}
	*len += n > 0 ? (size_t)n : 0;
	while (dims-- > 0 && *len + 2 < size) {
		out[(*len)++] = '[';
		out[(*len)++] = ']';
		out[*len] = '\0';
	}
	if (*len >= size)
		*len = size - 1;
	*p = s;
	return true;
}

/* "(ILjava/lang/String;[J)V" -> "(int, String, long[])": the parameters, which tell overloads
 * apart, with simple class names; the return type is left out. A signature cut short (the
 * names map keeps 127 bytes), or too long for out, ends in "...)"; --json has the raw "sig". */
static void jvm_signature(const char *sig, char *out, size_t size)
{
	char buf[1024]; /* a 127-byte signature written out takes at most 4 x 127 */
	const char *p = sig + 1, *sep;
	size_t len = 1, before, keep;
	bool first = true;

	if (!size)
		return;
	if (sig[0] != '(') {
		snprintf(out, size, "%s", sig);
		return;
	}
	buf[0] = '(';
	buf[1] = '\0';
	while (*p && *p != ')') {
		before = len;
		if (!first)
			len += snprintf(buf + len, sizeof(buf) - len, ", ");
		if (!append_type(&p, buf, sizeof(buf) - 8, &len)) {
			len = before;
			break;
		}
		first = false;
	}
	snprintf(buf + len, sizeof(buf) - len, "%s", *p == ')' ? ")" : first ? "...)" : ", ...)");
	if (strlen(buf) < size) {
		memcpy(out, buf, strlen(buf) + 1);
		return;
	}
	/* too long for out: the parameters that fit whole, then ", ...)" */
	keep = 0;
	for (sep = strstr(buf, ", "); sep && (size_t)(sep - buf) + 7 <= size;
	     sep = strstr(sep + 2, ", "))
		keep = sep - buf;
	if (keep)
		snprintf(out, size, "%.*s, ...)", (int)keep, buf);
	else
		snprintf(out, size, "(...)");
}

/* clang-format off */
const struct rt_tracer jvm_tracer = {
	.name = "jvm",
	.no_probes = "this JVM was built without DTrace probes (--enable-dtrace)",
	.exe_globs = GLOBS("java"),
	.object_globs = GLOBS("libjvm.so"),
	.launched_object = jvm_launched_object,
	.embedded_object = jvm_embedded_object,
	.check = jvm_check,
	.signature = jvm_signature,
	.probes = {
		[RT_CMD_FLOW] = jvm_flow,
		[RT_CMD_CALLS] = jvm_calls,
		[RT_CMD_GC] = jvm_gc,
		[RT_CMD_OBJNEW] = jvm_objnew,
	},
};
/* clang-format on */
