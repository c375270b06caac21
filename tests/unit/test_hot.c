// SPDX-License-Identifier: GPL-2.0
/*
 * stacks/hot: the moving-window function table of rtprof top. Self and total weights of stacks
 * counted by hand, recursion counted once in total, the order of the rows, threads kept apart,
 * buckets leaving the window (and their functions forgotten), the span the window covers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "stacks/hot.h"

#define EPS 1e-9

static const struct hot_row *find(const struct hot_row *r, size_t n, const char *name,
				  const char *thread)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(r[i].name, name) &&
		    (thread ? r[i].thread && !strcmp(r[i].thread, thread) : !r[i].thread))
			return &r[i];
	return NULL;
}

static void test_self_total(void **state)
{
	const char *abc[] = {"a", "b", "c"}, *bc[] = {"b", "c"};
	struct hot_table *t = hot_table__new(1, 5);
	const struct hot_row *r;
	size_t n;
	int i;

	assert_non_null(t);
	hot_table__advance(t, 100.0);
	for (i = 0; i < 3; i++)
		assert_int_equal(hot_table__add(t, abc, 3, NULL, 1), 0);
	assert_int_equal(hot_table__add(t, bc, 2, NULL, 1), 0);
	assert_float_equal(hot_table__weight(t), 4, EPS);
	n = hot_table__rows(t, HOT_SORT_SELF, &r);
	assert_int_equal(n, 3);
	/* a: self 3 total 3; b: self 1 total 4; c: self 0 total 4 */
	assert_string_equal(r[0].name, "a");
	assert_float_equal(r[0].self, 3, EPS);
	assert_float_equal(r[0].total, 3, EPS);
	assert_string_equal(r[1].name, "b");
	assert_float_equal(r[1].self, 1, EPS);
	assert_float_equal(r[1].total, 4, EPS);
	assert_string_equal(r[2].name, "c");
	assert_float_equal(r[2].self, 0, EPS);
	assert_float_equal(r[2].total, 4, EPS);
	assert_null(r[0].thread);
	/* by total: b and c tie at 4, b has more self; a last */
	n = hot_table__rows(t, HOT_SORT_TOTAL, &r);
	assert_int_equal(n, 3);
	assert_string_equal(r[0].name, "b");
	assert_string_equal(r[1].name, "c");
	assert_string_equal(r[2].name, "a");
	hot_table__free(t);
}

static void test_recursion_and_weights(void **state)
{
	const char *rec[] = {"f", "f", "g", "f", "main"};
	struct hot_table *t = hot_table__new(1, 5);
	const struct hot_row *r, *f, *g, *m;
	size_t n;

	hot_table__advance(t, 0.1);
	assert_int_equal(hot_table__add(t, rec, 5, NULL, 2.5), 0);
	assert_int_equal(hot_table__add(t, NULL, 0, NULL, 1), 0);
	n = hot_table__rows(t, HOT_SORT_SELF, &r);
	assert_int_equal(n, 4);
	f = find(r, n, "f", NULL);
	g = find(r, n, "g", NULL);
	m = find(r, n, "main", NULL);
	assert_non_null(f);
	assert_non_null(g);
	assert_non_null(m);
	/* f is on the stack three times: its total counts the sample once */
	assert_float_equal(f->self, 2.5, EPS);
	assert_float_equal(f->total, 2.5, EPS);
	assert_float_equal(g->self, 0, EPS);
	assert_float_equal(g->total, 2.5, EPS);
	assert_float_equal(m->total, 2.5, EPS);
	/* an empty stack is "[unknown]" */
	assert_non_null(find(r, n, "[unknown]", NULL));
	assert_float_equal(find(r, n, "[unknown]", NULL)->self, 1, EPS);
	assert_float_equal(hot_table__weight(t), 3.5, EPS);
	hot_table__free(t);
}

static void test_threads_apart(void **state)
{
	const char *s[] = {"work", "main"};
	struct hot_table *t = hot_table__new(1, 5);
	const struct hot_row *r;
	size_t n;

	hot_table__advance(t, 1);
	hot_table__add(t, s, 2, "app-10", 1);
	hot_table__add(t, s, 2, "app-11", 1);
	hot_table__add(t, s, 2, "app-11", 1);
	hot_table__add(t, s, 2, NULL, 1);
	n = hot_table__rows(t, HOT_SORT_SELF, &r);
	assert_int_equal(n, 6);
	assert_string_equal(r[0].name, "work");
	assert_string_equal(r[0].thread, "app-11");
	assert_float_equal(r[0].self, 2, EPS);
	assert_float_equal(find(r, n, "work", "app-10")->self, 1, EPS);
	assert_float_equal(find(r, n, "work", NULL)->self, 1, EPS);
	assert_float_equal(find(r, n, "main", "app-11")->total, 2, EPS);
	hot_table__free(t);
}

static void test_window_moves(void **state)
{
	const char *x[] = {"x"}, *y[] = {"y"}, *z[] = {"z", "y"};
	struct hot_table *t = hot_table__new(1, 3); /* the last 3 s, in buckets of 1 s */
	const struct hot_row *r;
	size_t n;

	hot_table__advance(t, 10.5);
	hot_table__add(t, x, 1, NULL, 1);
	assert_float_equal(hot_table__span(t), 0, EPS);
	hot_table__advance(t, 11.5);
	hot_table__add(t, y, 1, NULL, 1);
	hot_table__advance(t, 12.5);
	hot_table__add(t, z, 2, NULL, 1);
	assert_float_equal(hot_table__span(t), 2.0, EPS);
	n = hot_table__rows(t, HOT_SORT_SELF, &r);
	assert_int_equal(n, 3);
	assert_float_equal(hot_table__weight(t), 3, EPS);
	/* bucket 10 leaves: x is forgotten; the window now starts at 11 s */
	hot_table__advance(t, 13.25);
	assert_float_equal(hot_table__span(t), 2.25, EPS);
	n = hot_table__rows(t, HOT_SORT_SELF, &r);
	assert_int_equal(n, 2);
	assert_null(find(r, n, "x", NULL));
	assert_float_equal(find(r, n, "y", NULL)->total, 2, EPS);
	assert_float_equal(hot_table__weight(t), 2, EPS);
	/* a clock going back is the current time */
	hot_table__advance(t, 5);
	assert_float_equal(hot_table__span(t), 2.25, EPS);
	assert_float_equal(hot_table__weight(t), 2, EPS);
	/* far later: everything left */
	hot_table__advance(t, 1000);
	n = hot_table__rows(t, HOT_SORT_SELF, &r);
	assert_int_equal(n, 0);
	assert_float_equal(hot_table__weight(t), 0, EPS);
	hot_table__add(t, x, 1, NULL, 1);
	n = hot_table__rows(t, HOT_SORT_SELF, &r);
	assert_int_equal(n, 1);
	assert_string_equal(r[0].name, "x");
	hot_table__free(t);
}

/* Many names: the table grows, and the window's end frees them all. */
static void test_many(void **state)
{
	struct hot_table *t = hot_table__new(0.5, 10);
	const struct hot_row *r;
	char buf[32];
	const char *s[2] = {buf, "main"};
	size_t n;
	int i;

	hot_table__advance(t, 0);
	for (i = 0; i < 20000; i++) {
		snprintf(buf, sizeof(buf), "f%d", i % 5000);
		assert_int_equal(hot_table__add(t, s, 2, NULL, 1), 0);
	}
	n = hot_table__rows(t, HOT_SORT_SELF, &r);
	assert_int_equal(n, 5001);
	assert_float_equal(find(r, n, "f4999", NULL)->self, 4, EPS);
	assert_float_equal(find(r, n, "main", NULL)->total, 20000, EPS);
	/* self ties at 4 are ordered by name; main (self 0) comes last */
	assert_string_equal(r[0].name, "f0");
	assert_string_equal(r[n - 1].name, "main");
	assert_int_equal(hot_table__rows(t, HOT_SORT_TOTAL, &r), 5001);
	assert_string_equal(r[0].name, "main");
	hot_table__advance(t, 5.0);
	assert_int_equal(hot_table__rows(t, HOT_SORT_SELF, &r), 0);
	hot_table__free(t);
}

static void test_bad_args(void **state)
{
	assert_null(hot_table__new(0, 5));
	assert_null(hot_table__new(1, 0));
	hot_table__free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_self_total),    cmocka_unit_test(test_recursion_and_weights),
		cmocka_unit_test(test_threads_apart), cmocka_unit_test(test_window_moves),
		cmocka_unit_test(test_many),	      cmocka_unit_test(test_bad_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
