// SPDX-License-Identifier: GPL-2.0
/* log2 histograms and durations as the threads, locks and queries commands print them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/hist.h"

static char *capture(void (*fn)(FILE *, const __u64 *, size_t), const __u64 *slots, size_t n)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	fn(f, slots, n);
	fclose(f);
	return buf;
}

static void print_json(FILE *f, const __u64 *slots, size_t n)
{
	hist_print_json(f, slots, n);
}

static void print_text(FILE *f, const __u64 *slots, size_t n)
{
	hist_print(f, slots, n, "");
}

static void test_duration(void **state)
{
	char buf[32];

	fmt_duration(buf, sizeof(buf), 812);
	assert_string_equal(buf, "812ns");
	fmt_duration(buf, sizeof(buf), 12345);
	assert_string_equal(buf, "12.3us");
	fmt_duration(buf, sizeof(buf), 4560000);
	assert_string_equal(buf, "4.56ms");
	fmt_duration(buf, sizeof(buf), 1200000000ULL);
	assert_string_equal(buf, "1.20s");
}

static void test_json(void **state)
{
	__u64 slots[64] = {};
	char *s;

	slots[0] = 2;
	slots[10] = 5;
	slots[63] = 1;
	s = capture(print_json, slots, 64);
	assert_string_equal(s, "[{\"low_ns\":0,\"high_ns\":2,\"count\":2},"
			       "{\"low_ns\":1024,\"high_ns\":2048,\"count\":5},"
			       "{\"low_ns\":9223372036854775808,\"high_ns\":18446744073709551615,"
			       "\"count\":1}]");
	free(s);
	memset(slots, 0, sizeof(slots));
	s = capture(print_json, slots, 64);
	assert_string_equal(s, "[]");
	free(s);
}

static void test_text(void **state)
{
	__u64 slots[40] = {};
	char *s;

	slots[20] = 4; /* [1ms, 2ms) in binary units */
	slots[22] = 2;
	s = capture(print_text, slots, 40);
	/* from the first to the last non-empty bucket, bars scaled to the largest */
	assert_non_null(strstr(
		s, "[1ms, 2ms)                    4  |****************************************|"));
	assert_non_null(strstr(s, "[2ms, 4ms)                    0  |"));
	assert_non_null(strstr(s, "[4ms, 8ms)                    2  |********************  "));
	assert_null(strstr(s, "[8ms"));
	assert_null(strstr(s, "512us"));
	free(s);
	memset(slots, 0, sizeof(slots));
	s = capture(print_text, slots, 40);
	assert_string_equal(s, "(empty)\n");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
