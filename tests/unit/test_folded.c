// SPDX-License-Identifier: GPL-2.0
/* Unit tests of flamegraph/folded.c: parsing, merging, flags, columns and writing back. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "flamegraph/folded.h"
#include "flamegraph/svg.h"
#include "lib/errors.h"

/* The folded text of t, malloc'd. */
static char *folded_of(struct stack_tree *t)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(stack_tree__write_folded(t, f), 0);
	fclose(f);
	return buf;
}

static void check_folded(struct stack_tree *t, const char *want)
{
	char *got = folded_of(t);

	assert_string_equal(got, want);
	free(got);
}

static void test_add_merges_prefixes(void **state)
{
	struct stack_tree *t = stack_tree__new();
	const char *s1[] = {"main", "parse", "lex"};
	const char *s2[] = {"main", "parse"};
	const char *s3[] = {"main", "eval"};

	assert_non_null(t);
	assert_int_equal(stack_tree__add(t, s1, 3, 5), 0);
	assert_int_equal(stack_tree__add(t, s2, 2, 2), 0);
	assert_int_equal(stack_tree__add(t, s3, 2, 1), 0);
	assert_int_equal(stack_tree__add(t, s1, 3, 1), 0);
	assert_true(stack_tree__total(t, STACK_COL_AFTER) == 9);
	assert_int_equal(stack_tree__stacks(t), 4);
	check_folded(t, "main;eval 1\nmain;parse 2\nmain;parse;lex 6\n");
	assert_int_equal(stack_tree__set_flags(t, STACK_TREE_REVERSE), -EBUSY);
	stack_tree__free(t);
	stack_tree__free(NULL);
}

static void test_parse_formats(void **state)
{
	static const char in[] = "a;b c;d 3\r\n"
				 "\n"
				 "   \n"
				 "a;b c 1.25\n"
				 "  a;b c;d\t2  \n"
				 "no count\n"
				 "a;x 1e3\n"
				 "a;y -1\n"
				 " 4\n"
				 "a;z 0.5"; /* no final newline */
	struct stack_tree *t = stack_tree__new();
	size_t bad = 0;

	assert_int_equal(stack_tree__parse_buf(t, in, sizeof(in) - 1, &bad), 0);
	assert_int_equal(bad, 4);
	assert_int_equal(stack_tree__stacks(t), 4);
	assert_false(stack_tree__is_diff(t));
	check_folded(t, "a;b c 1.25\na;b c;d 5\na;z 0.5\n");
	stack_tree__free(t);
}

static void test_parse_file_matches_buf(void **state)
{
	/* a file bigger than one read, with lines crossing read boundaries */
	struct stack_tree *t = stack_tree__new(), *u = stack_tree__new();
	char *text = NULL, *a, *b;
	size_t len = 0, bad = 0, i;
	FILE *f = open_memstream(&text, &len);

	for (i = 0; i < 200000; i++)
		fprintf(f, "root;mid%zu;leaf%zu;%s %zu\n", i % 97, i % 13,
			i % 2 ? "odd frame name" : "even", i % 5 + 1);
	fclose(f);
	f = fmemopen(text, len, "r");
	assert_int_equal(stack_tree__parse_file(t, f, &bad), 0);
	fclose(f);
	assert_int_equal(bad, 0);
	assert_int_equal(stack_tree__parse_buf(u, text, len, &bad), 0);
	assert_int_equal(stack_tree__stacks(t), 200000);
	a = folded_of(t);
	b = folded_of(u);
	assert_string_equal(a, b);
	free(a);
	free(b);
	free(text);
	stack_tree__free(t);
	stack_tree__free(u);
}

/* Lines that share frames with the previous one in every way the parser reuses them. */
static void test_shared_prefix_edges(void **state)
{
	struct stack_tree *t = stack_tree__new();
	char *in = NULL;
	size_t len = 0, bad = 0, i;
	FILE *f = open_memstream(&in, &len);

	fputs("a;b;c 1\n"
	      "a;b;c;d 2\n" /* every frame of the previous line, and one more */
	      "a;b 1\n"	    /* fewer frames */
	      "a;;b 1\n"    /* an empty frame */
	      "a;bb;c 1\n"
	      "a;b;c;",
	      f);
	for (i = 0; i < 9000; i++) /* deeper than a stack may be: invalid */
		fputs("x;", f);
	fputs("y 1\n"
	      "a;bb;d 1\n"  /* the frames of the invalid line are not taken for a;bb;c's */
	      "a;b;cc 1\n", /* the bytes "a;b;c" shared, the frame c not */
	      f);
	fclose(f);
	assert_int_equal(stack_tree__parse_buf(t, in, len, &bad), 0);
	assert_int_equal(bad, 1);
	assert_int_equal(stack_tree__stacks(t), 7);
	check_folded(t, "a;;b 1\na;b 1\na;b;c 1\na;b;c;d 2\na;b;cc 1\na;bb;c 1\na;bb;d 1\n");
	free(in);
	stack_tree__free(t);
}

/* A tree whose arrays move from malloc to their own mappings and grow there keeps every name. */
static void test_big_tree(void **state)
{
	struct stack_tree *t = stack_tree__new();
	char *in = NULL, *out;
	size_t len = 0, bad = 0, i;
	FILE *f = open_memstream(&in, &len);

	/* 150,001 nodes (3.6 MB) and 75,008 names (1.7 MB of text, a 4 MB index) */
	for (i = 0; i < 75000; i++)
		fprintf(f, "root;function_number_%06zu;g%zu 1\n", i, i % 7);
	fclose(f);
	assert_int_equal(stack_tree__parse_buf(t, in, len, &bad), 0);
	assert_int_equal(bad, 0);
	assert_int_equal(stack_tree__stacks(t), 75000);
	assert_true(stack_tree__total(t, STACK_COL_AFTER) == 75000);
	out = folded_of(t);
	assert_string_equal(out, in); /* the input is sorted, one line per stack */
	free(out);
	free(in);
	stack_tree__free(t);
}

static void test_reverse(void **state)
{
	static const char in[] = "main;a;leaf 2\nmain;b;leaf 3\nmain;b 1\n";
	struct stack_tree *t = stack_tree__new();
	size_t bad = 0;

	assert_int_equal(stack_tree__set_flags(t, STACK_TREE_REVERSE), 0);
	assert_int_equal(stack_tree__parse_buf(t, in, sizeof(in) - 1, &bad), 0);
	check_folded(t, "b;main 1\nleaf;a;main 2\nleaf;b;main 3\n");
	stack_tree__free(t);
}

static void test_flamechart(void **state)
{
	static const char in[] = "m;b 1\nm;a 1\nm;b 1\nm;b;c 2\n";
	struct stack_tree *t = stack_tree__new();

	assert_int_equal(stack_tree__set_flags(t, STACK_TREE_FLAMECHART), 0);
	assert_int_equal(stack_tree__parse_buf(t, in, sizeof(in) - 1, NULL), 0);
	/* time order kept; only consecutive samples merge */
	check_folded(t, "m;b 1\nm;a 1\nm;b 1\nm;b;c 2\n");
	stack_tree__free(t);
}

static void test_columns(void **state)
{
	static const char before[] = "m;a 10\nm;gone 4\n";
	static const char after[] = "m;a 6\nm;new 2\n";
	struct stack_tree *t = stack_tree__new();
	FILE *f;

	f = fmemopen((void *)before, sizeof(before) - 1, "r");
	assert_int_equal(stack_tree__parse_file_col(t, f, STACK_COL_BEFORE, NULL), 0);
	fclose(f);
	f = fmemopen((void *)after, sizeof(after) - 1, "r");
	assert_int_equal(stack_tree__parse_file_col(t, f, STACK_COL_AFTER, NULL), 0);
	fclose(f);
	assert_true(stack_tree__is_diff(t));
	assert_true(stack_tree__total(t, STACK_COL_BEFORE) == 14);
	assert_true(stack_tree__total(t, STACK_COL_AFTER) == 8);
	check_folded(t, "m;a 10 6\nm;gone 4 0\nm;new 0 2\n");
	stack_tree__scale(t, STACK_COL_BEFORE, 0.5);
	check_folded(t, "m;a 5 6\nm;gone 2 0\nm;new 0 2\n");
	stack_tree__free(t);
}

static void test_pair_lines(void **state)
{
	static const char in[] = "m;a 10 6\nm;b 3\n";
	struct stack_tree *t = stack_tree__new();

	assert_int_equal(stack_tree__parse_buf(t, in, sizeof(in) - 1, NULL), 0);
	assert_true(stack_tree__is_diff(t));
	check_folded(t, "m;a 10 6\nm;b 0 3\n");
	stack_tree__free(t);
}

/* The stream parsers refuse binary data: a NUL byte in the first 64 KiB, nothing read past it. */
static void test_binary_stream(void **state)
{
	static const char elf[] = "\177ELF\2\1\1\0\0\0 main;a 1\n";
	size_t big = 70000, bad = 0;
	char *text = malloc(big + 16);
	struct stack_tree *t = stack_tree__new();
	FILE *f;

	assert_non_null(text);
	f = fmemopen((void *)elf, sizeof(elf) - 1, "r");
	assert_int_equal(stack_tree__parse_file(t, f, &bad), -ERR_BADINPUT);
	fclose(f);
	assert_int_equal(stack_tree__stacks(t), 0);
	f = fmemopen((void *)elf, sizeof(elf) - 1, "r");
	assert_int_equal(stack_tree__parse_file_col(t, f, STACK_COL_BEFORE, &bad), -ERR_BADINPUT);
	fclose(f);
	/* past the first 64 KiB a NUL is a byte of a name */
	memset(text, ' ', big);
	memcpy(text + big - 10, "m;a\0b 2\n", 9);
	f = fmemopen(text, big - 2, "r"); /* up to the newline */
	assert_int_equal(stack_tree__parse_file(t, f, &bad), 0);
	fclose(f);
	assert_int_equal(stack_tree__stacks(t), 1);
	assert_int_equal(bad, 0);
	stack_tree__free(t);
	free(text);
}

static void test_svg_empty_and_zero(void **state)
{
	struct stack_tree *t = stack_tree__new();
	struct flamegraph_opts o;
	const char *s[] = {"a"};
	FILE *f = fopen("/dev/null", "w");

	flamegraph_opts__init(&o);
	assert_int_equal(o.width, 1200);
	assert_int_equal(o.frameheight, 16);
	assert_string_equal(o.colors, "hot");
	assert_int_equal(flamegraph__write_svg(t, &o, f), -ERR_BADINPUT);
	assert_int_equal(stack_tree__add(t, s, 1, 0), 0);
	assert_int_equal(flamegraph__write_svg(t, &o, f), -ERR_BADINPUT);
	assert_int_equal(stack_tree__add(t, s, 1, 1), 0);
	assert_int_equal(flamegraph__write_svg(t, &o, f), 0);
	fclose(f);
	stack_tree__free(t);
}

static void test_count_str(void **state)
{
	char b[48];

	assert_string_equal(stack_count_str(12, b, sizeof(b)), "12");
	assert_string_equal(stack_count_str(1.25, b, sizeof(b)), "1.25");
	assert_string_equal(stack_count_str(0.1 + 0.2, b, sizeof(b)), "0.3");
	assert_string_equal(stack_count_str(123456789012, b, sizeof(b)), "123456789012");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_merges_prefixes),
		cmocka_unit_test(test_parse_formats),
		cmocka_unit_test(test_parse_file_matches_buf),
		cmocka_unit_test(test_shared_prefix_edges),
		cmocka_unit_test(test_big_tree),
		cmocka_unit_test(test_reverse),
		cmocka_unit_test(test_flamechart),
		cmocka_unit_test(test_columns),
		cmocka_unit_test(test_pair_lines),
		cmocka_unit_test(test_binary_stream),
		cmocka_unit_test(test_svg_empty_and_zero),
		cmocka_unit_test(test_count_str),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
