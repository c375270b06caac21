// SPDX-License-Identifier: GPL-2.0
/* Query normalization: literals become ?, IN lists collapse, identifiers keep their digits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "profiler/queries.h"

static void expect_norm(const char *in, const char *want)
{
	char out[256];
	size_t n = query_normalize(in, strlen(in), out, sizeof(out));

	assert_string_equal(out, want);
	assert_int_equal(n, strlen(want));
}

static void test_literals(void **state)
{
	expect_norm("SELECT SLEEP(0.2)", "SELECT SLEEP(?)");
	expect_norm("select 'abc', 42, -7, 1e-3, 0x1F", "select ?, ?, -?, ?, ?");
	expect_norm("SELECT \"a\\\"b\" , 'it''s'", "SELECT ? , ?");
	expect_norm("UPDATE t1 SET col_2 = 'x' WHERE id = 10",
		    "UPDATE t1 SET col_2 = ? WHERE id = ?");
	expect_norm("INSERT INTO t VALUES (1, 'one'), (2, 'two')",
		    "INSERT INTO t VALUES (?, ?), (?, ?)");
}

static void test_in_lists(void **state)
{
	expect_norm("SELECT * FROM t WHERE id IN (1, 2, 3)", "SELECT * FROM t WHERE id IN (?)");
	expect_norm("select 1 from t where a in('x','y') and b IN (7)",
		    "select ? from t where a in(?) and b IN (?)");
	expect_norm("SELECT * FROM t WHERE id IN (SELECT id FROM u)",
		    "SELECT * FROM t WHERE id IN (SELECT id FROM u)");
	expect_norm("SELECT min(a) FROM t WHERE x IN (1,2)", "SELECT min(a) FROM t WHERE x IN (?)");
}

static void test_space_and_bounds(void **state)
{
	char out[8];

	expect_norm("  SELECT\n\t1 ;  ", "SELECT ? ;");
	expect_norm("", "");
	expect_norm("SELECT 'unterminated", "SELECT ?");
	/* truncated output stays terminated */
	assert_int_equal(query_normalize("SELECT 12345678", 15, out, sizeof(out)), 7);
	assert_string_equal(out, "SELECT ");
	/* the length bounds the input: no NUL needed */
	assert_int_equal(query_normalize("SELECT 1junk", 8, out, sizeof(out)), 7);
	assert_string_equal(out, "SELECT ");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_literals),
		cmocka_unit_test(test_in_lists),
		cmocka_unit_test(test_space_and_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
