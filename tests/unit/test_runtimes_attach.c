// SPDX-License-Identifier: GPL-2.0
/* Unit tests of runtimes/attach.c helpers: patterns for the BPF filters, tracer names, and
 * DT_NEEDED resolution (the probe object of a launched ruby). */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "bpf/usdt_events.h"
#include "lib/errors.h"
#include "runtimes/attach.h"

static void test_pattern_exact(void **state)
{
	char pat[RT_PAT_LEN];
	__u32 len;
	bool prefix;

	assert_int_equal(rt_pattern("t", "t_leaf", pat, sizeof(pat), &len, &prefix), 0);
	assert_string_equal(pat, "t_leaf");
	assert_int_equal(len, 6);
	assert_false(prefix);
}

static void test_pattern_prefix(void **state)
{
	char pat[RT_PAT_LEN];
	__u32 len;
	bool prefix;

	assert_int_equal(rt_pattern("t", "java/util/*", pat, sizeof(pat), &len, &prefix), 0);
	assert_string_equal(pat, "java/util/");
	assert_int_equal(len, 10);
	assert_true(prefix);
	/* "*" alone: everything */
	assert_int_equal(rt_pattern("t", "*", pat, sizeof(pat), &len, &prefix), 0);
	assert_int_equal(len, 0);
	assert_true(prefix);
}

static void test_pattern_invalid(void **state)
{
	char pat[RT_PAT_LEN], longpat[RT_PAT_LEN + 8];
	__u32 len;
	bool prefix;

	assert_int_equal(rt_pattern("t", "a*b", pat, sizeof(pat), &len, &prefix), -ERR_USAGE);
	memset(longpat, 'x', sizeof(longpat) - 1);
	longpat[sizeof(longpat) - 1] = '\0';
	assert_int_equal(rt_pattern("t", longpat, pat, sizeof(pat), &len, &prefix), -ERR_USAGE);
}

static void test_tracer_names(void **state)
{
	assert_ptr_equal(rt_tracer_by_name("python"), &python_tracer);
	assert_ptr_equal(rt_tracer_by_name("java"), &jvm_tracer);
	assert_ptr_equal(rt_tracer_by_name("jvm"), &jvm_tracer);
	assert_ptr_equal(rt_tracer_by_name("nodejs"), &node_tracer);
	assert_null(rt_tracer_by_name("perl"));
	/* node has GC only; python has no allocation probes: both say why */
	assert_null(node_tracer.probes[RT_CMD_FLOW]);
	assert_non_null(node_tracer.why[RT_CMD_FLOW]);
	assert_non_null(strstr(node_tracer.why[RT_CMD_FLOW], "perf-basic-prof"));
	assert_non_null(node_tracer.probes[RT_CMD_GC]);
	assert_null(python_tracer.probes[RT_CMD_OBJNEW]);
	assert_non_null(python_tracer.why[RT_CMD_OBJNEW]);
}

static void test_needed_lib(void **state)
{
	char out[4096];

	if (access("/usr/bin/ruby3.1", R_OK)) {
		skip();
		return;
	}
	assert_int_equal(rt_needed_lib("/usr/bin/ruby3.1", "libruby*.so*", out, sizeof(out)), 0);
	assert_non_null(strstr(out, "libruby-3.1.so"));
	assert_int_equal(access(out, R_OK), 0);
	assert_int_equal(rt_needed_lib("/usr/bin/ruby3.1", "libnothing*", out, sizeof(out)),
			 -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pattern_exact),	cmocka_unit_test(test_pattern_prefix),
		cmocka_unit_test(test_pattern_invalid), cmocka_unit_test(test_tracer_names),
		cmocka_unit_test(test_needed_lib),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
