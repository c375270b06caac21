// SPDX-License-Identifier: GPL-2.0
/* The sample table behind exporters (stacks/samples.h): frames interned, equal stacks merged,
 * threads and processes kept apart only when asked, first-seen order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "stacks/samples.h"

struct seen {
	const struct stacks_sample *s[8];
	struct stacks_sample copy[8];
	size_t n;
};

static int collect(void *ctx, const struct stacks_sample *sm)
{
	struct seen *v = ctx;

	v->copy[v->n] = *sm;
	v->s[v->n++] = sm;
	return 0;
}

static void test_merge_and_intern(void **state)
{
	static const char comm[16] = "worker";
	struct stack_frame a[2] = {
		{.name = "leaf", .function = "leaf", .module = "/bin/x", .offset = 0x10},
		{.name = "main", .function = "main", .module = "/bin/x", .offset = 0x20}};
	struct stack_frame b[2] = {a[0], {.name = "other", .function = "other", .offset = 0x30}};
	struct sample_table *t = sample_table__new();
	struct seen v = {};

	assert_non_null(t);
	assert_int_equal(sample_table__add(t, a, 2, 10, 11, comm, 1, false, false), 0);
	assert_int_equal(sample_table__add(t, a, 2, 10, 12, comm, 2, false, false), 0);
	assert_int_equal(sample_table__add(t, b, 2, 10, 11, comm, 5, false, false), 0);
	assert_int_equal(sample_table__count(t), 2);
	assert_int_equal(sample_table__foreach(t, collect, &v), 0);
	assert_int_equal(v.n, 2);
	assert_true(v.copy[0].weight == 3.0 && v.copy[0].count == 2);
	assert_true(v.copy[1].weight == 5.0 && v.copy[1].count == 1);
	/* the leaf is one interned record in both stacks */
	assert_ptr_equal(v.copy[0].frames[0], v.copy[1].frames[0]);
	assert_ptr_not_equal(v.copy[0].frames[1], v.copy[1].frames[1]);
	assert_string_equal(v.copy[0].comm, "worker");
	sample_table__free(t);
}

static void test_threads_apart(void **state)
{
	static const char comm[16] = "0123456789abcdef"; /* 16 bytes, no NUL */
	struct stack_frame a[1] = {{.name = "leaf", .function = "leaf"}};
	struct sample_table *t = sample_table__new();
	struct seen v = {};

	assert_int_equal(sample_table__add(t, a, 1, 10, 11, comm, 1, false, true), 0);
	assert_int_equal(sample_table__add(t, a, 1, 10, 12, comm, 1, false, true), 0);
	assert_int_equal(sample_table__add(t, a, 1, 10, 11, comm, 1, false, true), 0);
	assert_int_equal(sample_table__foreach(t, collect, &v), 0);
	assert_int_equal(v.n, 2);
	assert_int_equal(v.copy[0].tid, 11);
	assert_true(v.copy[0].count == 2);
	assert_int_equal(v.copy[1].tid, 12);
	assert_string_equal(v.copy[1].comm, "0123456789abcdef");
	sample_table__free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_and_intern),
		cmocka_unit_test(test_threads_apart),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
