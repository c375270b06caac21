// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the JVM runtime: signatures as rows show them (runtimes/jvm.c) and the -XX
 * flags a launched command gives its JVM (runtimes/jvm_flags.c: launchers, @argfiles, -J,
 * settings and options files, environment variables, their order). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "runtimes/attach.h"
#include "runtimes/jvm_flags.h"

static void check_sig(const char *sig, const char *want)
{
	char out[256];

	jvm_tracer.signature(sig, out, sizeof(out));
	assert_string_equal(out, want);
}

static void test_signature(void **state)
{
	check_sig("(ILjava/lang/String;[J)V", "(int, String, long[])");
	check_sig("()V", "()");
	check_sig("([[Ljava/util/Map$Entry;Z)I", "(Map$Entry[][], boolean)");
	check_sig("(BCDFSZ)Ljava/lang/Object;", "(byte, char, double, float, short, boolean)");
	check_sig("(LRtTarget;)I", "(RtTarget)");
	/* cut short by the names map, or malformed: the rest is "..." */
	check_sig("(ILjava/lang/Str", "(int, ...)");
	check_sig("(I", "(int, ...)");
	check_sig("(Q)V", "(...)");
	check_sig("V", "V");
}

static void test_signature_small_buffer(void **state)
{
	const char *sig = "(Ljava/lang/String;Ljava/lang/String;)V";
	char out[14];

	/* the parameters that fit whole, then ", ...)" */
	jvm_tracer.signature(sig, out, sizeof(out));
	assert_string_equal(out, "(String, ...)");
	jvm_tracer.signature(sig, out, 12);
	assert_string_equal(out, "(...)");
}

/* The method flag for argv (NULL-ended) with the environment variables given. */
static int method_flag(const char *const *argv, bool java, const char *tool, const char *jdk,
		       const char *opts)
{
	struct jvm_flag_sources src = {
		.argv = (char *const *)argv,
		.java = java,
		.tool_options = tool,
		.jdk_java_options = jdk,
		.java_options = opts,
	};
	struct jvm_flags f;

	jvm_flags__scan(&f, &src);
	return f.state[JVM_DTRACE_METHOD];
}

#define ARGV(...) ((const char *const[]){__VA_ARGS__, NULL})

static void test_java_command_line(void **state)
{
	assert_int_equal(method_flag(ARGV("java", "-XX:+DTraceMethodProbes", "Main"), true, NULL,
				     NULL, NULL),
			 1);
	/* after the main class, -jar FILE or -m MODULE: the program's arguments */
	assert_int_equal(method_flag(ARGV("java", "Main", "-XX:+DTraceMethodProbes"), true, NULL,
				     NULL, NULL),
			 0);
	assert_int_equal(method_flag(ARGV("java", "-jar", "a.jar", "-XX:+DTraceMethodProbes"), true,
				     NULL, NULL, NULL),
			 0);
	assert_int_equal(method_flag(ARGV("java", "-cp", "x", "-XX:+DTraceMethodProbes", "Main"),
				     true, NULL, NULL, NULL),
			 1);
	/* the last setting wins */
	assert_int_equal(method_flag(ARGV("java", "-XX:+DTraceMethodProbes",
					  "-XX:-DTraceMethodProbes", "Main"),
				     true, NULL, NULL, NULL),
			 -1);
}

static void test_tool_command_line(void **state)
{
	/* javac, jar, jshell: -J-XX:... anywhere; their own -XX (none) is not the JVM's */
	assert_int_equal(
		method_flag(ARGV("javac", "-d", "out", "A.java", "-J-XX:+DTraceMethodProbes"),
			    false, NULL, NULL, NULL),
		1);
	assert_int_equal(method_flag(ARGV("javac", "-XX:+DTraceMethodProbes", "A.java"), false,
				     NULL, NULL, NULL),
			 0);
	/* JDK_JAVA_OPTIONS is the java launcher's only */
	assert_int_equal(
		method_flag(ARGV("javac", "A.java"), false, NULL, "-XX:+DTraceMethodProbes", NULL),
		0);
	assert_int_equal(
		method_flag(ARGV("java", "Main"), true, NULL, "-XX:+DTraceMethodProbes", NULL), 1);
}

static void test_environment_order(void **state)
{
	/* JAVA_TOOL_OPTIONS < command line < _JAVA_OPTIONS */
	assert_int_equal(method_flag(ARGV("java", "-XX:-DTraceMethodProbes", "Main"), true,
				     "-XX:+DTraceMethodProbes", NULL, NULL),
			 -1);
	assert_int_equal(method_flag(ARGV("java", "-XX:-DTraceMethodProbes", "Main"), true, NULL,
				     NULL, "-Xmx1g -XX:+DTraceMethodProbes"),
			 1);
	assert_int_equal(method_flag(ARGV("javac", "A.java"), false,
				     " -Dx=1  -XX:+DTraceMethodProbes ", NULL, NULL),
			 1);
}

/* A file in a fresh temporary directory with text; its path in path. */
static void write_file(char *path, size_t size, const char *name, const char *text)
{
	static char dir[64];
	FILE *f;

	if (!dir[0])
		assert_non_null(mkdtemp(strcpy(dir, "/tmp/rtprof-test-jvm.XXXXXX")));
	snprintf(path, size, "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_files(void **state)
{
	char args[128], flags[128], vmo[128], at[140], opt[160];
	struct jvm_flags f;
	struct jvm_flag_sources src = {.java = true};

	write_file(args, sizeof(args), "args",
		   "# JVM options\n-Xmx64m \"-XX:+DTraceMethodProbes\"\n");
	write_file(flags, sizeof(flags), "flags", "# settings\n+DTraceMethodProbes\n");
	write_file(vmo, sizeof(vmo), "vmo", "-XX:+DTraceAllocProbes -XX:+DTraceMethodProbes\n");

	/* java expands @argfiles, until --disable-@files */
	snprintf(at, sizeof(at), "@%s", args);
	assert_int_equal(method_flag(ARGV("java", at, "Main"), true, NULL, NULL, NULL), 1);
	assert_int_equal(
		method_flag(ARGV("java", "--disable-@files", at, "Main"), true, NULL, NULL, NULL),
		0);
	assert_int_equal(method_flag(ARGV("java", "Main"), true, NULL, at, NULL), 1);
	/* javac's @files are javac's: no JVM option comes from them, nor from -J@file */
	assert_int_equal(method_flag(ARGV("javac", at, "A.java"), false, NULL, NULL, NULL), 0);

	/* -XX:Flags= settings files sit below every other source, wherever they are named */
	snprintf(opt, sizeof(opt), "-XX:Flags=%s", flags);
	assert_int_equal(method_flag(ARGV("java", opt, "Main"), true, NULL, NULL, NULL), 1);
	assert_int_equal(method_flag(ARGV("java", "-XX:-DTraceMethodProbes", opt, "Main"), true,
				     NULL, NULL, NULL),
			 -1);
	assert_int_equal(method_flag(ARGV("java", "Main"), true, opt, NULL, NULL), 1);

	/* -XX:VMOptionsFile= is read in place */
	snprintf(opt, sizeof(opt), "-XX:VMOptionsFile=%s", vmo);
	src.argv = (char *const *)ARGV("java", opt, "Main");
	jvm_flags__scan(&f, &src);
	assert_int_equal(f.state[JVM_DTRACE_METHOD], 1);
	assert_int_equal(f.state[JVM_DTRACE_ALLOC], 1);
	assert_string_equal(f.unread, "");

	/* a file that cannot be read is named */
	src.argv = (char *const *)ARGV("java", "@/nonexistent/args", "Main");
	jvm_flags__scan(&f, &src);
	assert_string_equal(f.unread, "/nonexistent/args");

	/* relative names start in dir */
	src.dir = "/tmp";
	snprintf(at, sizeof(at), "@%s", args + 5); /* past "/tmp/" */
	src.argv = (char *const *)ARGV("java", at, "Main");
	jvm_flags__scan(&f, &src);
	assert_int_equal(f.state[JVM_DTRACE_METHOD], 1);

	unlink(args);
	unlink(flags);
	unlink(vmo);
	*strrchr(args, '/') = '\0';
	rmdir(args);
}

static void test_extended(void **state)
{
	struct jvm_flags f = {.state = {[JVM_EXTENDED_DTRACE] = 1}};

	assert_true(jvm_flags__method_probes(&f, 17));
	assert_true(jvm_flags__alloc_probes(&f, 0));
	assert_false(jvm_flags__method_probes(&f, 21)); /* gone from JDK 20 */
	f.state[JVM_DTRACE_METHOD] = 1;
	assert_true(jvm_flags__method_probes(&f, 21));
	assert_false(jvm_flags__alloc_probes(&f, 21));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signature),
		cmocka_unit_test(test_signature_small_buffer),
		cmocka_unit_test(test_java_command_line),
		cmocka_unit_test(test_tool_command_line),
		cmocka_unit_test(test_environment_order),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_extended),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
