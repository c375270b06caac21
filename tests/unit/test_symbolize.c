// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of symbolize/: the API on the targets built by `make targets` (symbolize_target,
 * symbolize_cxx), data symbols before and after the loader's RELRO split, processes that exit
 * before their addresses are resolved, perf maps that grow, the caches, and the helpers (string
 * interning, u64 map, symbol tables).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "symbolize/arena.h"
#include "symbolize/elfsyms.h"
#include "symbolize/maps.h"
#include "symbolize/symbolize.h"

#define MAX_FRAMES 32

static const char *target_path(const char *name, char *buf, size_t size)
{
	const char *out = getenv("OUT");

	snprintf(buf, size, "%s/targets/%s", out ? out : "build", name);
	return buf;
}

/* ELF address of a symbol, found with our own table reader. */
static __u64 sym_addr(const char *path, const char *name)
{
	struct elf_syms *t;
	__u64 addr = 0;
	size_t i;
	Elf *elf;
	int fd;

	elf_version(EV_CURRENT);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	assert_non_null(elf);
	t = elf_syms__read(elf, false);
	assert_non_null(t);
	for (i = 0; i < t->n; i++)
		if (!strcmp(t->syms[i].name, name))
			addr = t->syms[i].addr;
	elf_syms__free(t);
	elf_end(elf);
	close(fd);
	assert_true(addr != 0);
	return addr;
}

/* Start symbolize_target; returns its pid and the runtime address of sym_hot. */
static pid_t start_target(const char *exe, __u64 *hot_rt)
{
	char addr_file[] = "/tmp/rtprof-symtest-XXXXXX";
	unsigned long long hot = 0, main_rt = 0;
	int fd, i;
	pid_t pid;
	FILE *f;

	fd = mkstemp(addr_file);
	assert_true(fd >= 0);
	close(fd);
	unlink(addr_file);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execl(exe, exe, addr_file, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 500; i++) {
		f = fopen(addr_file, "r");
		if (f) {
			int n = fscanf(f, "%llx %llx", &hot, &main_rt);

			fclose(f);
			if (n == 2)
				break;
		}
		usleep(10000);
	}
	unlink(addr_file);
	assert_true(hot != 0);
	*hot_rt = hot;
	return pid;
}

static void stop(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = s ? strlen(s) : 0, b = strlen(suffix);

	return s && a >= b && !strcmp(s + a - b, suffix);
}

static void test_resolve_elf(void **state)
{
	struct sym_frame f[MAX_FRAMES];
	struct symbolizer *s;
	char path[256];
	__u64 hot;
	int n, i, deepest = 0;

	target_path("symbolize_target", path, sizeof(path));
	hot = sym_addr(path, "sym_hot");
	s = symbolizer__new(NULL);
	assert_non_null(s);
	n = symbolizer__resolve_elf(s, path, hot, f, MAX_FRAMES);
	assert_int_equal(n, 1);
	assert_string_equal(f[0].function, "sym_hot");
	assert_true(ends_with(f[0].file, "/symbolize_target.c"));
	assert_false(f[0].inlined);
	assert_int_equal(f[0].module_offset, hot);
	/* somewhere in sym_hot, sym_leaf is inlined 4 deep, innermost first */
	for (i = 0; i < 0x100; i++) {
		n = symbolizer__resolve_elf(s, path, hot + i, f, MAX_FRAMES);
		if (n == 4 && !strcmp(f[0].function, "sym_leaf")) {
			assert_string_equal(f[1].function, "sym_step");
			assert_string_equal(f[2].function, "sym_mix");
			assert_string_equal(f[3].function, "sym_hot");
			assert_true(f[0].inlined && f[1].inlined && f[2].inlined && !f[3].inlined);
			assert_true(ends_with(f[0].file, "/symbolize_inline.h"));
			assert_true(ends_with(f[2].file, "/symbolize_target.c"));
			assert_true(f[1].line > 0 && f[2].line > 0 && f[3].line > 0);
			deepest = 4;
		}
	}
	assert_int_equal(deepest, 4);
	/* max_frames cuts the chain from the outside */
	for (i = 0; i < 0x100; i++) {
		if (symbolizer__resolve_elf(s, path, hot + i, f, MAX_FRAMES) == 4) {
			assert_int_equal(symbolizer__resolve_elf(s, path, hot + i, f, 2), 2);
			assert_string_equal(f[0].function, "sym_leaf");
			break;
		}
	}
	assert_int_equal(symbolizer__resolve_elf(s, "/nonexistent/file", 0, f, 1), -ENOENT);
	assert_int_equal(symbolizer__resolve_elf(s, "/proc/self/status", 0, f, 1), -ENOEXEC);
	symbolizer__free(s);
}

static void test_no_inline(void **state)
{
	struct symbolizer_opts o = {.no_inline = true};
	struct sym_frame f[MAX_FRAMES];
	struct symbolizer *s;
	char path[256];
	__u64 hot;
	int i;

	target_path("symbolize_target", path, sizeof(path));
	hot = sym_addr(path, "sym_hot");
	s = symbolizer__new(&o);
	assert_non_null(s);
	for (i = 0; i < 0x60; i++) {
		assert_int_equal(symbolizer__resolve_elf(s, path, hot + i, f, MAX_FRAMES), 1);
		assert_string_equal(f[0].function, "sym_hot");
		assert_false(f[0].inlined);
	}
	symbolizer__free(s);
}

static void test_cxx_names(void **state)
{
	struct sym_frame f[MAX_FRAMES];
	struct symbolizer *s;
	char path[256];
	int n;

	target_path("symbolize_cxx", path, sizeof(path));
	s = symbolizer__new(NULL);
	assert_non_null(s);
	n = symbolizer__resolve_elf(s, path, sym_addr(path, "_ZN11rtprof_test3runEi"), f,
				    MAX_FRAMES);
	assert_true(n >= 1);
	assert_string_equal(f[n - 1].function, "rtprof_test::run(int)");
	/* GCC clone suffixes read as llvm-symbolizer prints them */
	n = symbolizer__resolve_elf(s, path, sym_addr(path, "_ZN11rtprof_test3runEi.cold"), f,
				    MAX_FRAMES);
	assert_true(n >= 1);
	assert_string_equal(f[n - 1].function, "rtprof_test::run(int) (.cold)");
	symbolizer__free(s);
}

/* A variable's address, resolved to the variable. The RW segment starts in the file page where
 * the read-only data ends: before the loader's RELRO mprotect, the RW mapping starts at that page's
 * offset, which two PT_LOADs hold; after it, the (read-only) RELRO page keeps that offset. */
static void test_data_symbols(void **state)
{
	struct sym_frame f[MAX_FRAMES];
	struct proc_maps *maps;
	struct sym_process *p;
	struct symbolizer *s;
	char path[256];
	__u64 base = 0, hot_rt;
	int status;
	size_t i;
	pid_t pid;

	target_path("symbolize_target", path, sizeof(path));
	s = symbolizer__new(NULL);
	assert_non_null(s);
	/* stopped at exec: the kernel mapped the program, the loader has not run yet */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		execl(path, path, "/dev/null", (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSTOPPED(status));
	ptrace(PTRACE_SETOPTIONS, pid, NULL, PTRACE_O_EXITKILL); /* not left running on a failure */
	maps = proc_maps__read(pid);
	assert_non_null(maps);
	for (i = 0; i < maps->n && !base; i++)
		if (!maps->maps[i].offset && ends_with(maps->maps[i].path, "/symbolize_target"))
			base = maps->maps[i].start;
	proc_maps__free(maps);
	assert_true(base != 0);
	p = symbolizer__process(s, pid);
	assert_non_null(p);
	assert_int_equal(symbolizer__resolve(s, p, base + sym_addr(path, "sym_sink"), f, 1), 1);
	assert_string_equal(f[0].function, "sym_sink");
	stop(pid);
	/* running: relocated, RELRO split */
	pid = start_target(path, &hot_rt);
	base = hot_rt - sym_addr(path, "sym_hot");
	p = symbolizer__process(s, pid);
	assert_non_null(p);
	assert_int_equal(symbolizer__resolve(s, p, base + sym_addr(path, "sym_sink"), f, 1), 1);
	assert_string_equal(f[0].function, "sym_sink");
	assert_int_equal(symbolizer__resolve(s, p, base + sym_addr(path, "_DYNAMIC"), f, 1), 1);
	assert_string_equal(f[0].function, "_DYNAMIC");
	stop(pid);
	symbolizer__free(s);
}

/* Addresses captured while the process ran resolve after it exited, never resolved before. */
static void test_exited_process(void **state)
{
	struct sym_frame f[MAX_FRAMES];
	struct sym_process *p;
	struct symbolizer *s;
	char path[256];
	__u64 hot_rt, hot;
	pid_t pid;
	int n;

	target_path("symbolize_target", path, sizeof(path));
	hot = sym_addr(path, "sym_hot");
	pid = start_target(path, &hot_rt);
	s = symbolizer__new(NULL);
	assert_non_null(s);
	p = symbolizer__process(s, pid);
	assert_non_null(p);
	stop(pid);
	assert_int_equal(kill(pid, 0), -1); /* gone (and reaped) */
	assert_int_equal(errno, ESRCH);
	n = symbolizer__resolve(s, p, hot_rt, f, MAX_FRAMES);
	assert_int_equal(n, 1);
	assert_string_equal(f[0].function, "sym_hot");
	assert_true(ends_with(f[0].module, "/symbolize_target"));
	assert_int_equal(f[0].module_offset, hot);
	assert_true(ends_with(f[0].file, "/symbolize_target.c"));
	/* inside sym_hot, with its inline chain */
	n = symbolizer__resolve(s, p, hot_rt + 0x30, f, MAX_FRAMES);
	assert_true(n >= 1);
	assert_string_equal(f[n - 1].function, "sym_hot");
	sym_process__free(p);
	symbolizer__free(s);
}

static void test_caches_shared(void **state)
{
	struct sym_frame f1[MAX_FRAMES], f2[MAX_FRAMES];
	struct sym_process *p1, *p2;
	struct symbolizer *s;
	char path[256];
	__u64 hot1, hot2;
	pid_t a, b;

	target_path("symbolize_target", path, sizeof(path));
	a = start_target(path, &hot1);
	b = start_target(path, &hot2);
	s = symbolizer__new(NULL);
	assert_non_null(s);
	p1 = symbolizer__process(s, a);
	p2 = symbolizer__process(s, b);
	assert_non_null(p1);
	assert_non_null(p2);
	assert_int_equal(symbolizer__resolve(s, p1, hot1 + 8, f1, MAX_FRAMES),
			 symbolizer__resolve(s, p2, hot2 + 8, f2, MAX_FRAMES));
	/* one module (same build-id) behind both: the very same strings */
	assert_ptr_equal(f1[0].function, f2[0].function);
	assert_ptr_equal(f1[0].module, f2[0].module);
	assert_int_equal(sym_process__refresh(p1), 0);
	assert_int_equal(symbolizer__resolve(s, p1, hot1 + 8, f2, MAX_FRAMES) > 0, 1);
	assert_ptr_equal(f1[0].function, f2[0].function);
	stop(a);
	stop(b);
	/* freed through the symbolizer */
	symbolizer__free(s);
}

static void test_bad_process(void **state)
{
	struct sym_frame f[MAX_FRAMES];
	struct sym_process *p;
	struct symbolizer *s;

	s = symbolizer__new(NULL);
	assert_non_null(s);
	errno = 0;
	assert_null(symbolizer__process(s, 2147483000));
	assert_int_equal(errno, ESRCH);
	p = symbolizer__process(s, getpid());
	assert_non_null(p);
	assert_int_equal(symbolizer__resolve(s, p, 0x10, f, MAX_FRAMES), 1);
	assert_string_equal(f[0].function, "[unknown]");
	assert_null(f[0].file);
	assert_int_equal(symbolizer__resolve(s, p, 0x10, f, 0), -EINVAL);
	sym_process__free(p);
	sym_process__free(NULL);
	symbolizer__free(s);
	symbolizer__free(NULL);
}

static void test_perf_map_grows(void **state)
{
	struct sym_frame f[MAX_FRAMES];
	struct sym_process *p;
	struct symbolizer *s;
	char path[256], map[64];
	__u64 hot_rt;
	pid_t pid;
	FILE *m;

	target_path("symbolize_target", path, sizeof(path));
	pid = start_target(path, &hot_rt);
	snprintf(map, sizeof(map), "/tmp/perf-%d.map", pid);
	m = fopen(map, "w");
	assert_non_null(m);
	fprintf(m, "1000 100 jit_first\n");
	fflush(m);
	s = symbolizer__new(NULL);
	p = symbolizer__process(s, pid);
	assert_non_null(p);
	assert_int_equal(symbolizer__resolve(s, p, 0x1010, f, MAX_FRAMES), 1);
	assert_string_equal(f[0].function, "jit_first");
	assert_int_equal(f[0].module_offset, 0x10);
	/* appended later (even after the process exited): read again; a newer line wins */
	stop(pid);
	fprintf(m, "2000 80 jit_second\n1000 40 jit_first_recompiled\n");
	fclose(m);
	assert_int_equal(symbolizer__resolve(s, p, 0x2010, f, MAX_FRAMES), 1);
	assert_string_equal(f[0].function, "jit_second");
	assert_int_equal(symbolizer__resolve(s, p, 0x1010, f, MAX_FRAMES), 1);
	assert_string_equal(f[0].function, "jit_first_recompiled");
	assert_int_equal(symbolizer__resolve(s, p, 0x1050, f, MAX_FRAMES), 1);
	assert_string_equal(f[0].function, "jit_first");
	assert_int_equal(symbolizer__resolve(s, p, 0x3000, f, MAX_FRAMES), 1);
	assert_string_equal(f[0].function, "[unknown]");
	unlink(map);
	symbolizer__free(s);
}

static void test_helpers(void **state)
{
	struct arena *a = arena__new();
	struct u64map m = {};
	const char *x, *y;
	__u64 i;

	assert_non_null(a);
	x = arena__intern(a, "hello world", 5);
	y = arena__intern(a, "hello", 5);
	assert_string_equal(x, "hello");
	assert_ptr_equal(x, y);
	for (i = 0; i < 10000; i++)
		assert_int_equal(u64map__put(&m, i * 4096, (void *)(uintptr_t)(i + 1)), 0);
	for (i = 0; i < 10000; i++)
		assert_int_equal((uintptr_t)u64map__get(&m, i * 4096), i + 1);
	assert_null(u64map__get(&m, 1));
	assert_int_equal(m.n, 10000);
	u64map__clear(&m);
	assert_non_null(arena__alloc(a, 1 << 20));
	arena__free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve_elf),    cmocka_unit_test(test_no_inline),
		cmocka_unit_test(test_cxx_names),      cmocka_unit_test(test_data_symbols),
		cmocka_unit_test(test_exited_process), cmocka_unit_test(test_caches_shared),
		cmocka_unit_test(test_bad_process),    cmocka_unit_test(test_perf_map_grows),
		cmocka_unit_test(test_helpers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
