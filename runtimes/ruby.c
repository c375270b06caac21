// SPDX-License-Identifier: GPL-2.0
/*
 * Ruby (3.1 as Debian ships it: probes in libruby-3.1.so.3.1, DT_NEEDED by /usr/bin/ruby3.1).
 *
 * method__entry/return fire only while a TracePoint is enabled in the process (Ruby bug 14582):
 * the probes share the TracePoint hook machinery. object__create and the GC probes fire
 * normally. For a launched command, flow and calls enable an empty TracePoint for :call and
 * :return by adding `-r FILE` to RUBYOPT (an environment change, announced on stderr; the program
 * itself is not modified; --no-tracepoint turns it off). For -p nothing can switch it on from
 * outside: when the process has no such TracePoint at the start, rtprof says so and exits 5.
 *
 * The safety rule: rtprof never raises the semaphores of cmethod__entry/return, so C methods
 * are not traced. With them raised, every C method call runs rb_dtrace_setup(), which names the
 * method's class with rb_class_path(). For the VM's hidden FrozenCore object, the receiver of
 * `alias` (core#set_method_alias), `undef`, `alias $a $b`, `END {}` and some hash literals,
 * that is a class whose type was rewritten to T_ICLASS after its path "RubyVM::FrozenCore" was
 * stored in its instance-variable table; the GC marks no such table for a T_ICLASS, so the
 * string is freed at the first collection and the path read later is a dangling VALUE. When its
 * slot holds another string, the class name is garbage ("Kernel", "s1580s1580", raw bytes);
 * when it holds anything else rb_str_dup() meets an object without encoding and Ruby dies with
 * "[BUG] Segmentation fault at 0x14" (rb_enc_get() returned NULL). rubygems aliases methods
 * while it loads, after collections, so every program with gems was at risk; a program without
 * gems dies at its first `alias` after a GC just the same, so raising the semaphores later would
 * not help. The Ruby-method probes never name FrozenCore (it has no Ruby methods) and are safe.
 * Measured on Ruby 3.1.2: 18 of 50 `calls` runs and 21 of 50 `flow` runs of a gems-enabled
 * program crashed with the C-method probes, 0 of 50 each without (bench/ruby_gems.sh).
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <gelf.h>
#include <libelf.h>
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
#include "symbolize/maps.h"

/* clang-format off */
#define GLOBS(...) ((const char *const[]){ __VA_ARGS__, NULL })

#define RB_METHOD(prog_, n, ev, extra)                                                    \
	{ .prog = prog_, .kind = RT_USDT, .provider = "ruby", .name = n,                   \
	  .cookie = RT_COOKIE(RT_L_RUBY, ev) | (extra) }

/* Ruby methods only: cmethod__entry/return are never attached (the safety rule above). */
#define RB_METHOD_PROBES(entry, ret)                                                      \
	RB_METHOD(entry, "method__entry", RT_EV_ENTRY, 0),                                \
	RB_METHOD(ret, "method__return", RT_EV_RETURN, 0), {}

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

/* Link-time value of the dynamic symbol name in the ELF file at path, and the virtual address
 * of its first PT_LOAD segment (the load bias is the start of the file's mapping at offset 0
 * minus that). 0, -ENOENT or -errno. */
static int elf_symbol_value(const char *path, const char *name, __u64 *value, __u64 *first_vaddr)
{
	Elf *elf = NULL;
	Elf_Scn *scn = NULL;
	size_t i, n, nph;
	int fd, err = -ENOENT;

	elf_version(EV_CURRENT);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_getphdrnum(elf, &nph))
		goto out;
	for (i = 0, *first_vaddr = 0; i < nph; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD) {
			*first_vaddr = ph.p_vaddr & ~(__u64)(sysconf(_SC_PAGESIZE) - 1);
			break;
		}
	}
	while (err && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNSYM || !sh.sh_entsize)
			continue;
		data = elf_getdata(scn, NULL);
		n = sh.sh_size / sh.sh_entsize;
		for (i = 0; data && i < n; i++) {
			GElf_Sym sym;
			const char *sname;

			if (!gelf_getsym(data, (int)i, &sym) || !sym.st_value)
				continue;
			sname = elf_strptr(elf, sh.sh_link, sym.st_name);
			if (sname && !strcmp(sname, name)) {
				*value = sym.st_value;
				err = 0;
				break;
			}
		}
	}
out:
	elf_end(elf);
	close(fd);
	return err;
}

/* ruby_vm_event_flags of process pid (rb_event_flag_t: the events some global hook, such as a
 * TracePoint, has enabled). 0 or -errno when it cannot be read. */
static int rb_event_flags(int pid, const char *libruby, __u32 *flags)
{
	__u64 value = 0, first_vaddr = 0, base = 0;
	struct proc_maps *maps;
	char path[64];
	size_t i;
	int fd, err;

	err = elf_symbol_value(libruby, "ruby_vm_event_flags", &value, &first_vaddr);
	if (err)
		return err;
	maps = proc_maps__read(pid);
	if (!maps)
		return -errno;
	for (i = 0; i < maps->n && !base; i++) {
		const struct proc_map *m = &maps->maps[i];
		const char *b;

		if (!proc_map__is_file(m) || m->offset)
			continue;
		b = strrchr(m->path, '/');
		if (!fnmatch("libruby*.so*", b ? b + 1 : m->path, 0))
			base = m->start - first_vaddr;
	}
	proc_maps__free(maps);
	if (!base)
		return -ENOENT;
	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = pread(fd, flags, sizeof(*flags), (off_t)(base + value)) == sizeof(*flags) ? 0 : -EIO;
	close(fd);
	return err;
}

/* -p: the method probes fire only while a TracePoint for :call is on; say so before starting
 * rather than trace nothing. When the flags cannot be read, trace and explain at the end. */
static int rb_check(const struct rt_trace *tr, enum rt_cmd cmd)
{
	const __u32 ruby_event_call = 0x0008; /* RUBY_EVENT_CALL */
	__u32 flags = 0;
	int err;

	if ((cmd != RT_CMD_FLOW && cmd != RT_CMD_CALLS) || rt_trace__launched(tr))
		return 0;
	err = rb_event_flags(rt_trace__pid(tr), rt_trace__object(tr), &flags);
	if (err) {
		pr_debug("%s: cannot read ruby_vm_event_flags of process %d: %s\n",
			 rt_trace__cmd_name(tr), rt_trace__pid(tr), err_str(err));
		return 0;
	}
	if (flags & ruby_event_call)
		return 0;
	pr_warn("%s -p %d: no TracePoint is enabled in this Ruby process, and Ruby fires "
		"method__entry/return only while one is (Ruby bug 14582); rtprof does not trace C "
		"methods (their probes crash Ruby 3.1, see README). Start the program under rtprof "
		"(rtprof %s -- ruby ...), or enable one in it: TracePoint.new(:call, :return) "
		"{}.enable; `rtprof profile -p %d` samples it without any probe\n",
		rt_trace__cmd_name(tr), rt_trace__pid(tr), rt_trace__cmd_name(tr),
		rt_trace__pid(tr));
	return -ERR_NOPROBES;
}

static void rb_explain(const struct rt_trace *tr, enum rt_cmd cmd, const struct rt_seen *seen)
{
	const char *name = rt_trace__cmd_name(tr);

	if ((cmd != RT_CMD_FLOW && cmd != RT_CMD_CALLS) || seen->method_events)
		return;
	if (rt_trace__launched(tr) && !getenv("RTPROF_NO_TRACEPOINT")) {
		pr_info("%s: the program called no Ruby method\n", name);
		return;
	}
	pr_warn("%s: no Ruby method call was seen: Ruby fires method__entry/return only while a "
		"TracePoint is enabled in the process (Ruby bug 14582), and rtprof does not trace "
		"C "
		"methods (their probes crash Ruby 3.1, see README). %s; `rtprof profile` samples "
		"the program without any probe\n",
		name,
		rt_trace__launched(tr) ? "Drop --no-tracepoint: rtprof then enables an empty "
					 "TracePoint through RUBYOPT"
				       : "Start the program under rtprof (rtprof CMD -- ruby ...), "
					 "or enable one in "
					 "it: TracePoint.new(:call, :return) {}.enable");
}

/* clang-format off */
const struct rt_tracer ruby_tracer = {
	.name = "ruby",
	.no_probes = "this Ruby was built without DTrace/SystemTap probes (--disable-dtrace); `rtprof profile` still samples it",
	.exe_globs = GLOBS("ruby", "ruby[0-9]*"),
	.object_globs = GLOBS("libruby*.so*"),
	.launched_object = rb_launched_object,
	.prepare_launch = rb_prepare_launch,
	.check = rb_check,
	.explain = rb_explain,
	.probes = {
		[RT_CMD_FLOW] = rb_flow,
		[RT_CMD_CALLS] = rb_calls,
		[RT_CMD_GC] = rb_gc,
		[RT_CMD_OBJNEW] = rb_objnew,
	},
};
/* clang-format on */
