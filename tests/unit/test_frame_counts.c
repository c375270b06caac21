// SPDX-License-Identifier: GPL-2.0
/*
 * What rtprof compare reads: self and total counts per frame name (a recursive frame counts
 * once per stack in its total), the profile loader's format detection and errors, and the
 * manifest reader (top-level members of a JSON object, nested values skipped, escapes).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "flamegraph/folded.h"
#include "flamegraph/formats.h"
#include "flamegraph/frame_counts.h"
#include "flamegraph/profile_file.h"
#include "lib/errors.h"
#include "lib/json.h"

static long id_of(const struct stack_tree *t, const char *name)
{
	size_t i;

	for (i = 0; i < stack_tree__names(t); i++)
		if (!strcmp(stack_tree__name(t, i), name))
			return (long)i;
	return -1;
}

static void test_counts(void **state)
{
	static const char folded[] = "main;f;f;g 4\n" /* f twice: once in f's total */
				     "main;f 3\n"     /* f's own */
				     "main;h;g 2\n"   /* g under another parent */
				     "main 1\n";      /* main's own */
	struct stack_tree *t = stack_tree__new();
	double self[16], total[16];
	long main_, f, g, h;

	assert_non_null(t);
	assert_int_equal(stack_tree__parse_buf(t, folded, sizeof(folded) - 1, NULL), 0);
	assert_int_equal(stack_tree__names(t), 4);
	assert_int_equal(stack_tree__frame_counts(t, STACK_COL_AFTER, self, total), 0);
	main_ = id_of(t, "main");
	f = id_of(t, "f");
	g = id_of(t, "g");
	h = id_of(t, "h");
	assert_true(main_ >= 0 && f >= 0 && g >= 0 && h >= 0);
	assert_float_equal(self[main_], 1, 0);
	assert_float_equal(total[main_], 10, 0);
	assert_float_equal(self[f], 3, 0);
	assert_float_equal(total[f], 7, 0);
	assert_float_equal(self[g], 6, 0);
	assert_float_equal(total[g], 6, 0);
	assert_float_equal(self[h], 0, 0);
	assert_float_equal(total[h], 2, 0);
	stack_tree__free(t);
}

static void test_load(void **state)
{
	char dir[] = "/tmp/rtprof-fc-XXXXXX", path[64];
	struct stack_tree *t = stack_tree__new();
	enum profile_format fmt;
	size_t stacks = 0;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/a.folded", dir);
	f = fopen(path, "w");
	fputs("main;a 5\nmain;b 2\n", f);
	fclose(f);
	assert_int_equal(profile_file__format(path, &fmt), 0);
	assert_int_equal(fmt, PROFILE_FORMAT_FOLDED);
	assert_int_equal(profile_file__load(t, path, STACK_COL_AFTER, "test", &stacks), 0);
	assert_int_equal(stacks, 2);
	assert_float_equal(stack_tree__total(t, STACK_COL_AFTER), 7, 0);
	/* gzip magic: pprof, not readable in this build */
	f = fopen(path, "w");
	fputs("\x1f\x8b\x08", f);
	fclose(f);
	assert_int_equal(profile_file__format(path, &fmt), 0);
	assert_int_equal(fmt, PROFILE_FORMAT_PPROF);
	assert_int_equal(profile_file__load(t, path, STACK_COL_AFTER, "test", NULL), -ERR_BADINPUT);
	/* no stack at all */
	f = fopen(path, "w");
	fputs("not a stack\n", f);
	fclose(f);
	assert_int_equal(profile_file__load(t, path, STACK_COL_AFTER, "test", NULL), -ERR_BADINPUT);
	unlink(path);
	assert_int_equal(profile_file__load(t, path, STACK_COL_AFTER, "test", NULL), -ENOENT);
	rmdir(dir);
	stack_tree__free(t);
}

/* A pprof file loads with the same stacks, into either column. */
static void test_load_pprof(void **state)
{
	static const char folded[] = "main;f;g 4\nmain;f 3\nmain;h 2\n";
	static const struct pprof_value_type st = {"samples", "count"};
	struct pprof_opts po = {.sample_types = &st, .n_sample_types = 1};
	char dir[] = "/tmp/rtprof-fcp-XXXXXX", path[64], *buf = NULL, *want, *got;
	struct stack_tree *src = stack_tree__new(), *t = stack_tree__new();
	enum profile_format fmt;
	size_t size = 0, stacks = 0;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	assert_int_equal(stack_tree__parse_buf(src, folded, sizeof(folded) - 1, NULL), 0);
	snprintf(path, sizeof(path), "%s/a.pb.gz", dir);
	f = fopen(path, "w");
	assert_int_equal(stack_tree__write_pprof(src, &po, f, NULL), 0);
	fclose(f);
	assert_int_equal(profile_file__format(path, &fmt), 0);
	assert_int_equal(fmt, PROFILE_FORMAT_PPROF);
	assert_int_equal(profile_file__load(t, path, STACK_COL_AFTER, "test", &stacks), 0);
	assert_int_equal(stacks, 3);
	assert_int_equal(profile_file__load(t, path, STACK_COL_BEFORE, "test", NULL), 0);
	assert_float_equal(stack_tree__total(t, STACK_COL_AFTER), 9, 0);
	assert_float_equal(stack_tree__total(t, STACK_COL_BEFORE), 9, 0);
	/* as differential folded lines: every stack with equal counts in both columns */
	f = open_memstream(&buf, &size);
	assert_int_equal(stack_tree__write_folded(t, f), 0);
	fclose(f);
	want = "main;f 3 3\nmain;f;g 4 4\nmain;h 2 2\n";
	got = buf;
	assert_string_equal(got, want);
	free(buf);
	unlink(path);
	rmdir(dir);
	stack_tree__free(src);
	stack_tree__free(t);
}

static void test_json_get(void **state)
{
	static const char doc[] =
		"{ \"runs\": [{\"kernel\": \"inner\"}, 1, {\"a\": [\"}\", \"]\"]}],\n"
		"  \"kernel\" : \"6.1.0 #1 \\\"x\\\" \\u00e9\\ud83d\\ude00\",\n"
		"  \"frequency_hz\": 999, \"neg\": -1.5e1, \"null\": null }";
	char buf[64], small[5];
	double v;

	assert_int_equal(json_get_string(doc, "kernel", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "6.1.0 #1 \"x\" \xc3\xa9\xf0\x9f\x98\x80");
	assert_int_equal(json_get_string(doc, "kernel", small, sizeof(small)), 0);
	assert_string_equal(small, "6.1.");
	assert_int_equal(json_get_number(doc, "frequency_hz", &v), 0);
	assert_float_equal(v, 999, 0);
	assert_int_equal(json_get_number(doc, "neg", &v), 0);
	assert_float_equal(v, -15, 0);
	assert_int_equal(json_get_number(doc, "kernel", &v), -ENOENT);
	assert_int_equal(json_get_string(doc, "null", buf, sizeof(buf)), -ENOENT);
	assert_int_equal(json_get_string(doc, "absent", buf, sizeof(buf)), -ENOENT);
	assert_int_equal(json_get_string("[1]", "a", buf, sizeof(buf)), -ERR_BADINPUT);
	assert_int_equal(json_get_string("{\"a\": [1, 2", "b", buf, sizeof(buf)), -ERR_BADINPUT);
	assert_int_equal(json_get_string("{}", "a", buf, sizeof(buf)), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_load_pprof),
		cmocka_unit_test(test_json_get),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
