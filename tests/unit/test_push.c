// SPDX-License-Identifier: GPL-2.0
/*
 * lib/push: the target's options and URL (backend prefixes, https refused, labels checked for
 * the backend) and the whole seconds that cover a profile's span. The requests themselves are
 * checked end to end against a loopback server (tests/e2e/push.sh).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "lib/errors.h"
#include "lib/push.h"

static void test_prefix(void **state)
{
	struct push_target t;

	push_target__init(&t, "test");
	assert_int_equal(t.backend, PUSH_PYROSCOPE);
	assert_string_equal(t.name, "rtprof");
	assert_int_equal(push_target__finish(&t, "parca:http://127.0.0.1:7070/x/"), 0);
	assert_int_equal(t.backend, PUSH_PARCA);
	assert_string_equal(t.url_str, "http://127.0.0.1:7070/x/");
	assert_string_equal(t.url.port, "7070");
	assert_string_equal(t.url.path, "/x");

	push_target__init(&t, "test");
	assert_int_equal(push_target__option(&t, PUSH_OPT_BACKEND, "parca"), 0);
	assert_int_equal(push_target__finish(&t, "pyroscope:http://h"), 0);
	assert_int_equal(t.backend, PUSH_PYROSCOPE); /* the prefix wins */
	assert_string_equal(t.url.port, "80");

	push_target__init(&t, "test");
	assert_int_equal(push_target__option(&t, PUSH_OPT_BACKEND, "parca"), 0);
	assert_int_equal(push_target__finish(&t, "http://h:1"), 0);
	assert_int_equal(t.backend, PUSH_PARCA);
	assert_int_equal(push_target__option(&t, PUSH_OPT_BACKEND, "otlp"), -ERR_USAGE);
}

static void test_refused(void **state)
{
	struct push_target t;

	push_target__init(&t, "test");
	assert_int_equal(push_target__finish(&t, "https://127.0.0.1"), -ERR_USAGE);
	push_target__init(&t, "test");
	assert_int_equal(push_target__finish(&t, "pyroscope:ftp://h"), -ERR_USAGE);
	push_target__init(&t, "test");
	assert_int_equal(push_target__finish(&t, "127.0.0.1:4040"), -ERR_USAGE);

	/* labels: KEY=VALUE; Pyroscope's delimiters only refused for Pyroscope */
	push_target__init(&t, "test");
	assert_int_equal(push_target__option(&t, PUSH_OPT_LABEL, "env=a,b"), 0);
	assert_int_equal(push_target__finish(&t, "http://h"), -ERR_USAGE);
	push_target__init(&t, "test");
	assert_int_equal(push_target__option(&t, PUSH_OPT_LABEL, "env=a,b"), 0);
	assert_int_equal(push_target__finish(&t, "parca:http://h"), 0);
	push_target__init(&t, "test");
	assert_int_equal(push_target__option(&t, PUSH_OPT_LABEL, "1env=a"), 0);
	assert_int_equal(push_target__finish(&t, "parca:http://h"), -ERR_USAGE);
	push_target__init(&t, "test");
	assert_int_equal(push_target__option(&t, PUSH_OPT_NAME, "app{x}"), 0);
	assert_int_equal(push_target__finish(&t, "http://h"), -ERR_USAGE);
}

static void test_range(void **state)
{
	long long from, until;

	/* 1700000000.123456789 + 2.5 s: 1700000000 .. 1700000003 (2.623... rounded up) */
	push_range(1700000000123456789ll, 2500000000ll, &from, &until);
	assert_int_equal(from, 1700000000ll);
	assert_int_equal(until, 1700000003ll);
	/* whole seconds stay whole; an empty span still covers one second */
	push_range(1700000000000000000ll, 1000000000ll, &from, &until);
	assert_int_equal(until - from, 1);
	push_range(1700000000000000000ll, 0, &from, &until);
	assert_int_equal(until - from, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefix),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
