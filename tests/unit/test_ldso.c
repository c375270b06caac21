// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of runtimes/ldso.c, the dynamic loader's library search done before a program
 * runs. The truth is glibc's loader itself: each answer is compared with what ld.so says when
 * the program is run with LD_TRACE_LOADED_OBJECTS=1 (it lists what it maps, then exits without
 * running the program), on the fixtures of tests/targets/ldso.mk: DT_RPATH against DT_RUNPATH
 * with and without LD_LIBRARY_PATH, RPATH inherited by a dependency and RUNPATH not, $ORIGIN
 * of a program reached through a symbolic link, LD_PRELOAD, the loader cache.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "runtimes/ldso.h"

static char fixtures[PATH_MAX];

static const char *fixture(const char *rel, char *buf, size_t size)
{
	if (snprintf(buf, size, "%s/%s", fixtures, rel) >= (int)size)
		fail_msg("path too long: %s/%s", fixtures, rel);
	return buf;
}

/* What ld.so maps for name when bin runs with these variables: 0 and the path as ld.so
 * prints it, -ELIBACC ("not found"), -ENOENT (not listed). */
static int ld_so_says(const char *bin, const char *llp, const char *preload, const char *name,
		      char *out, size_t size)
{
	char cmd[PATH_MAX * 4], line[PATH_MAX * 2];
	int err = -ENOENT;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "env -i LD_TRACE_LOADED_OBJECTS=1 %s%s %s%s '%s' 2>/dev/null",
		 llp ? "LD_LIBRARY_PATH=" : "", llp ? llp : "", preload ? "LD_PRELOAD=" : "",
		 preload ? preload : "", bin);
	f = popen(cmd, "r");
	assert_non_null(f);
	while (err == -ENOENT && fgets(line, sizeof(line), f)) {
		char *p = line + strspn(line, " \t"), *arrow = strstr(p, " => "), *end;
		const char *lname, *path, *base;

		if (arrow) {
			*arrow = '\0';
			lname = p;
			path = arrow + 4;
		} else {
			lname = path = p;
		}
		end = strstr(path, " (0x");
		if (end)
			*end = '\0';
		path = strncmp(path, "not found", 9) ? path : NULL;
		base = strrchr(lname, '/') ? strrchr(lname, '/') + 1 : lname;
		if (strcmp(base, name))
			continue;
		if (!path) {
			err = -ELIBACC;
			break;
		}
		snprintf(out, size, "%s", path);
		err = 0;
	}
	pclose(f);
	return err;
}

/* rtprof's answer for bin's library name with those variables equals ld.so's, and want. */
static void check(const char *bin_rel, const char *llp_rel, const char *preload, const char *name,
		  int want_err, const char *want_suffix)
{
	char bin[PATH_MAX], llp[PATH_MAX], ours[PATH_MAX] = "", theirs[PATH_MAX] = "";
	struct ldso_opts o = {};
	int err_ours, err_theirs;

	fixture(bin_rel, bin, sizeof(bin));
	if (llp_rel)
		o.ld_library_path = fixture(llp_rel, llp, sizeof(llp));
	o.ld_preload = preload;
	err_ours = ldso_find(bin, name, &o, ours, sizeof(ours));
	err_theirs = ld_so_says(bin, o.ld_library_path, preload, name, theirs, sizeof(theirs));
	if (err_ours != err_theirs || (!err_ours && strcmp(ours, theirs)))
		fail_msg("%s (LD_LIBRARY_PATH=%s, LD_PRELOAD=%s) %s: rtprof %d '%s', ld.so %d '%s'",
			 bin_rel, llp_rel ? llp_rel : "", preload ? preload : "", name, err_ours,
			 ours, err_theirs, theirs);
	assert_int_equal(err_ours, want_err);
	if (want_suffix) {
		size_t n = strlen(ours), m = strlen(want_suffix);

		assert_true(n >= m);
		assert_string_equal(ours + n - m, want_suffix);
	}
}

static void test_rpath_before_ld_library_path(void **state)
{
	check("bin/rpath", NULL, NULL, "libldso_t.so.1", 0, "/bin/../a/libldso_t.so.1");
	check("bin/rpath", "b", NULL, "libldso_t.so.1", 0, "/bin/../a/libldso_t.so.1");
}

static void test_runpath_after_ld_library_path(void **state)
{
	check("bin/runpath", NULL, NULL, "libldso_t.so.1", 0, "/bin/../a/libldso_t.so.1");
	check("bin/runpath", "b", NULL, "libldso_t.so.1", 0, "/b/libldso_t.so.1");
}

/* a dependency's own dependency: found through the program's RPATH, never its RUNPATH */
static void test_rpath_inherited_runpath_not(void **state)
{
	check("bin/rpath_mid", NULL, NULL, "libldso_mid.so", 0, "/bin/../m/libldso_mid.so");
	check("bin/rpath_mid", NULL, NULL, "libldso_t.so.1", 0, "/bin/../a/libldso_t.so.1");
	check("bin/rpath_mid", "b", NULL, "libldso_t.so.1", 0, "/bin/../a/libldso_t.so.1");
	check("bin/runpath_mid", NULL, NULL, "libldso_mid.so", 0, "/bin/../m/libldso_mid.so");
	check("bin/runpath_mid", NULL, NULL, "libldso_t.so.1", -ELIBACC, NULL);
	check("bin/runpath_mid", "b", NULL, "libldso_t.so.1", 0, "/b/libldso_t.so.1");
}

/* $ORIGIN of a program started through a symbolic link is the folder of the real file */
static void test_origin_through_symlink(void **state)
{
	check("link/rpath", NULL, NULL, "libldso_t.so.1", 0, "/bin/../a/libldso_t.so.1");
}

static void test_preload_and_cache(void **state)
{
	char b[PATH_MAX];

	/* the preloaded copy has the soname: the program's DT_NEEDED is that object */
	check("bin/rpath", NULL, fixture("b/libldso_t.so.1", b, sizeof(b)), "libldso_t.so.1", 0,
	      "/b/libldso_t.so.1");
	/* no path of the program names libc: the loader cache does */
	check("bin/rpath", NULL, NULL, "libc.so.6", 0, NULL);
	check("bin/rpath", NULL, NULL, "libnothing.so", -ENOENT, NULL);
}

static void test_cache_file(void **state)
{
	char out[PATH_MAX], path[] = "/tmp/rtprof-test-ldso-XXXXXX";
	FILE *f;
	int fd;

	assert_int_equal(ldso_cache_lookup(NULL, "libc.so.6", out, sizeof(out)), 0);
	assert_string_equal(out, "/lib/x86_64-linux-gnu/libc.so.6");
	assert_int_equal(ldso_cache_lookup(NULL, "libnothing.so.9", out, sizeof(out)), -ENOENT);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs("glibc-ld.so.cache1.1 but cut short", f);
	fclose(f);
	assert_int_equal(ldso_cache_lookup(path, "libc.so.6", out, sizeof(out)), -ENOEXEC);
	unlink(path);
}

/* The case rtprof met: pyenv's python loads its own libpython through RUNPATH, not Debian's */
static void test_pyenv_python(void **state)
{
	const char *home = getenv("HOME");
	char py[PATH_MAX], out[PATH_MAX];
	struct ldso_opts o = {};

	snprintf(py, sizeof(py), "%s/.pyenv/versions/3.11.7/bin/python3.11", home ? home : "/root");
	if (access(py, X_OK)) {
		skip();
		return;
	}
	assert_int_equal(ldso_find(py, "libpython[23]*.so*", &o, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "/.pyenv/versions/3.11.7/lib/libpython3.11.so.1.0"));
	/* Debian's links libpython in: no such library */
	if (!access("/usr/bin/python3.11", X_OK))
		assert_int_equal(ldso_find("/usr/bin/python3.11", "libpython[23]*.so*", &o, out,
					   sizeof(out)),
				 -ENOENT);
}

static int setup(void **state)
{
	const char *out = getenv("OUT");
	char rel[PATH_MAX];

	snprintf(rel, sizeof(rel), "%s/targets/ldso", out ? out : "build");
	if (!realpath(rel, fixtures)) {
		fprintf(stderr, "test_ldso: %s missing: make targets\n", rel);
		return -1;
	}
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rpath_before_ld_library_path),
		cmocka_unit_test(test_runpath_after_ld_library_path),
		cmocka_unit_test(test_rpath_inherited_runpath_not),
		cmocka_unit_test(test_origin_through_symlink),
		cmocka_unit_test(test_preload_and_cache),
		cmocka_unit_test(test_cache_file),
		cmocka_unit_test(test_pyenv_python),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
