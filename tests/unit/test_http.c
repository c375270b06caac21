// SPDX-License-Identifier: GPL-2.0
/* lib/http: the URLs rtprof push accepts, and the ones it refuses (TLS, other schemes, junk). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "lib/http.h"

static void test_parse(void **state)
{
	struct http_url u;

	assert_int_equal(http_url__parse(&u, "http://127.0.0.1:4040"), 0);
	assert_string_equal(u.host, "127.0.0.1");
	assert_string_equal(u.port, "4040");
	assert_string_equal(u.path, "");
	assert_string_equal(u.host_header, "127.0.0.1:4040");
	assert_int_equal(http_url__parse(&u, "HTTP://pyroscope.local/base/path//"), 0);
	assert_string_equal(u.host, "pyroscope.local");
	assert_string_equal(u.port, "80");
	assert_string_equal(u.path, "/base/path");
	assert_int_equal(http_url__parse(&u, "http://[::1]:7070/"), 0);
	assert_string_equal(u.host, "::1");
	assert_string_equal(u.port, "7070");
	assert_string_equal(u.host_header, "[::1]:7070");
	assert_int_equal(http_url__parse(&u, "http://h:1/p?x=1"), 0);
	assert_string_equal(u.path, "/p");
}

static void test_refused(void **state)
{
	struct http_url u;

	assert_int_equal(http_url__parse(&u, "https://127.0.0.1:4040"), -EPROTONOSUPPORT);
	assert_int_equal(http_url__parse(&u, "grpc://127.0.0.1:4040"), -EPROTONOSUPPORT);
	assert_int_equal(http_url__parse(&u, "127.0.0.1:4040"), -EINVAL);
	assert_int_equal(http_url__parse(&u, "http://"), -EINVAL);
	assert_int_equal(http_url__parse(&u, "http://h:port/"), -EINVAL);
	assert_int_equal(http_url__parse(&u, "http://h:/"), -EINVAL);
	assert_int_equal(http_url__parse(&u, "http://user@h/"), -EINVAL);
	assert_int_equal(http_url__parse(&u, "http://[::1/"), -EINVAL);
	assert_int_equal(http_url__parse(&u, "http://h?x"), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
