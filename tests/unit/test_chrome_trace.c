// SPDX-License-Identifier: GPL-2.0
/*
 * lib/chrome_trace: calls and returns become nested complete events per thread, in order of
 * start; lost returns end with their caller, unmatched returns are counted, open calls end at
 * the thread's last event; names and times exactly as written.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/chrome_trace.h"

static char *write_trace(const struct chrome_trace *ct, int pid, const char *name)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	assert_int_equal(chrome_trace__write(ct, pid, name, f), 0);
	fclose(f);
	return buf;
}

static void test_nesting(void **state)
{
	struct chrome_trace *ct = chrome_trace__new();
	char *s;

	assert_non_null(ct);
	assert_false(chrome_trace__has_thread(ct, 7));
	assert_int_equal(chrome_trace__thread_name(ct, 7, "main \"x\""), 0);
	assert_true(chrome_trace__has_thread(ct, 7));
	/* thread 7: main(1000..9000) { a(2000..3500) { b(2500..3000) } c(4000..) lost return } */
	assert_int_equal(chrome_trace__call(ct, 7, 1000, 0, "main"), 0);
	assert_int_equal(chrome_trace__call(ct, 7, 2000, 1, "a"), 0);
	/* thread 8 interleaved, no name: x(1500..) never returns */
	assert_int_equal(chrome_trace__call(ct, 8, 1500, 3, "x"), 0);
	assert_int_equal(chrome_trace__call(ct, 7, 2500, 2, "b"), 0);
	assert_int_equal(chrome_trace__return(ct, 7, 3000, 2), 0);
	assert_int_equal(chrome_trace__return(ct, 7, 3500, 1), 0);
	assert_int_equal(chrome_trace__call(ct, 7, 4000, 1, "c"), 0);
	/* c's return was lost: main's return ends it too */
	assert_int_equal(chrome_trace__return(ct, 7, 9000, 0), 0);
	/* a return whose call came before the trace */
	assert_int_equal(chrome_trace__return(ct, 7, 9500, 0), 0);
	assert_int_equal(chrome_trace__return(ct, 8, 2000, 1), 0);
	assert_int_equal(chrome_trace__calls(ct), 5);
	assert_int_equal(chrome_trace__unmatched(ct), 2);
	s = write_trace(ct, 42, "python3.11");
	assert_string_equal(
		s,
		"{\"traceEvents\":[\n"
		"{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":42,\"tid\":42,\"args\":{\"name\":"
		"\"python3.11\"}},\n"
		"{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":42,\"tid\":7,\"args\":{\"name\":"
		"\"main \\\"x\\\"\"}},\n"
		"{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":42,\"tid\":8,\"args\":{\"name\":"
		"\"thread 8\"}},\n"
		"{\"name\":\"main\",\"ph\":\"X\",\"pid\":42,\"tid\":7,\"ts\":0.000,\"dur\":8.000},"
		"\n"
		"{\"name\":\"a\",\"ph\":\"X\",\"pid\":42,\"tid\":7,\"ts\":1.000,\"dur\":1.500},\n"
		"{\"name\":\"b\",\"ph\":\"X\",\"pid\":42,\"tid\":7,\"ts\":1.500,\"dur\":0.500},\n"
		"{\"name\":\"c\",\"ph\":\"X\",\"pid\":42,\"tid\":7,\"ts\":3.000,\"dur\":5.000},\n"
		"{\"name\":\"x\",\"ph\":\"X\",\"pid\":42,\"tid\":8,\"ts\":0.500,\"dur\":0.500}\n"
		"],\"displayTimeUnit\":\"ns\",\"otherData\":{\"producer\":\"rtprof flow\","
		"\"calls\":5,\"unmatched_returns\":2}}\n");
	free(s);
	chrome_trace__free(ct);
}

static void test_open_at_end(void **state)
{
	struct chrome_trace *ct = chrome_trace__new();
	char *s;

	/* a call at the same depth as an open one: the open one's return was lost */
	assert_int_equal(chrome_trace__call(ct, 1, 100, 0, "f"), 0);
	assert_int_equal(chrome_trace__call(ct, 1, 300, 0, "f"), 0);
	assert_int_equal(chrome_trace__call(ct, 1, 400, 1, "g"), 0);
	s = write_trace(ct, 1, "p");
	assert_non_null(strstr(s, "\"name\":\"f\",\"ph\":\"X\",\"pid\":1,\"tid\":1,\"ts\":0.000,"
				  "\"dur\":0.200}"));
	assert_non_null(strstr(s, "\"ts\":0.200,\"dur\":0.100}")); /* second f: open, ends at 400 */
	assert_non_null(strstr(s, "\"name\":\"g\",\"ph\":\"X\",\"pid\":1,\"tid\":1,\"ts\":0.300,"
				  "\"dur\":0.000}"));
	free(s);
	chrome_trace__free(ct);
	chrome_trace__free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nesting),
		cmocka_unit_test(test_open_at_end),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
