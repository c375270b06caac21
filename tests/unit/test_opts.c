// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the shared -o of the tracing commands (lib/opts.c through rt_cmd_opts__parse):
 * where the results go with -p, with a launched command, with -o - and with -o FILE, and the one
 * error line of a file that cannot be created or of -o given twice. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "lib/errors.h"
#include "lib/opts.h"
#include "runtimes/attach.h"

static void usage(FILE *f)
{
	(void)f;
}

/* Parse "calls" + the NULL-terminated arguments into o; returns what the parser returned. */
static int parse(struct rt_cmd_opts *o, ...)
{
	char *argv[16] = {"calls"};
	int argc = 1;
	va_list ap;

	va_start(ap, o);
	while ((argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	memset(o, 0, sizeof(*o));
	return rt_cmd_opts__parse(o, "calls", 0, argc, argv, usage);
}

static void test_default_pid_is_stdout(void **state)
{
	struct rt_cmd_opts o;

	(void)state;
	assert_int_equal(parse(&o, "-p", "1", NULL), 0);
	assert_ptr_equal(o.output.f, stdout);
	assert_int_equal(opts_output__close(&o.output, "calls"), 0);
}

static void test_default_launched_is_stderr(void **state)
{
	struct rt_cmd_opts o;

	(void)state;
	assert_int_equal(parse(&o, "--", "/bin/true", NULL), 0);
	assert_ptr_equal(o.output.f, stderr);
	assert_int_equal(parse(&o, "-o", "-", "--", "/bin/true", NULL), 0);
	assert_ptr_equal(o.output.f, stdout);
}

static void test_file(void **state)
{
	char path[] = "/tmp/rtprof-test-opts-XXXXXX", buf[16] = "";
	struct rt_cmd_opts o;
	FILE *f;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(parse(&o, "--output", path, "--json", "--", "/bin/true", NULL), 0);
	assert_non_null(o.output.f);
	assert_ptr_not_equal(o.output.f, stdout);
	assert_ptr_not_equal(o.output.f, stderr);
	assert_true(o.json);
	fputs("row\n", o.output.f);
	assert_int_equal(opts_output__close(&o.output, "calls"), 0);
	assert_null(o.output.f);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	assert_string_equal(buf, "row\n");
	fclose(f);
	unlink(path);
}

static void test_bad_file_and_twice(void **state)
{
	struct rt_cmd_opts o;

	(void)state;
	assert_int_equal(parse(&o, "-o", "/nonexistent/dir/x", "-p", "1", NULL), -ERR_BADINPUT);
	assert_int_equal(parse(&o, "-o", "-", "-o", "-", "-p", "1", NULL), -ERR_USAGE);
	assert_int_equal(parse(&o, "-o", "", "-p", "1", NULL), -ERR_USAGE);
	/* the target is checked first: a usage error creates no file */
	assert_int_equal(parse(&o, "-o", "/nonexistent/dir/x", NULL), -ERR_USAGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_pid_is_stdout),
		cmocka_unit_test(test_default_launched_is_stderr),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_bad_file_and_twice),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
