// SPDX-License-Identifier: GPL-2.0
/* Unit tests of flamegraph/svg.c through its API: escaping, labels, modes, determinism. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "flamegraph/folded.h"
#include "flamegraph/svg.h"

static char *render(struct stack_tree *t, const struct flamegraph_opts *o)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(flamegraph__write_svg(t, o, f), 0);
	fclose(f);
	return buf;
}

static struct stack_tree *tree_of(const char *folded)
{
	struct stack_tree *t = stack_tree__new();

	assert_non_null(t);
	assert_int_equal(stack_tree__parse_buf(t, folded, strlen(folded), NULL), 0);
	return t;
}

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (; (hay = strstr(hay, needle)); hay++)
		n++;
	return n;
}

static void test_escaping(void **state)
{
	struct stack_tree *t = tree_of("main;a<b>&\"' 3\nmain;bad\xff\xc3 1\nmain;ok\xc3\xa9 1\n");
	struct flamegraph_opts o;
	char *svg;

	flamegraph_opts__init(&o);
	o.countname = "\"><x";
	o.nametype = "<y>";
	o.title = "]]>";
	svg = render(t, &o);
	assert_non_null(
		strstr(svg, "<title>a&lt;b&gt;&amp;&quot;&#39; (3 &quot;&gt;&lt;x, 60.00%)"));
	assert_non_null(strstr(svg, "<title>bad\\xFF\\xC3 (1 "));
	assert_non_null(strstr(svg, "<title>ok\xc3\xa9 (1 "));
	assert_non_null(strstr(svg, "data-nametype=\"&lt;y&gt;\""));
	assert_non_null(strstr(svg, ">]]&gt;</text>"));
	assert_int_equal(count(svg, "<script"), 1);
	assert_int_equal(count(svg, "]]>"), 1); /* the end of our own CDATA */
	assert_null(strstr(svg, "\xff"));
	free(svg);
	stack_tree__free(t);
}

static void test_labels_and_titles(void **state)
{
	struct stack_tree *t = tree_of("main;a_rather_long_function_name_that_cannot_fit 1\n"
				       "main;other 99\n");
	struct flamegraph_opts o;
	char *svg;

	flamegraph_opts__init(&o);
	svg = render(t, &o);
	/* 1% of 1180 px is 11.8 px: one character fits, too few for a label */
	assert_non_null(strstr(svg, "<title>all (100 samples, 100.00%)</title>"));
	assert_non_null(strstr(svg, "<title>main (100 samples, 100.00%)</title>"));
	assert_non_null(strstr(svg, ">Flame Graph</text>"));
	assert_non_null(strstr(svg, "cannot_fit (1 samples, 1.00%)</title><rect x=\"10.0\""));
	assert_non_null(strstr(svg, "width=\"11.8\""));
	free(svg);
	o.width = 300; /* 280 px: "other" is 277.2 px */
	o.fontsize = 20;
	svg = render(t, &o);
	assert_non_null(strstr(svg, ">other</text>"));
	free(svg);
	stack_tree__free(t);

	t = tree_of("main;abcdefghijklmnopqrstuvwxyz 1\n");
	flamegraph_opts__init(&o);
	o.width = 20 + 78; /* 78 px wide frames: 78 / (12 * 0.59) = 11 characters */
	svg = render(t, &o);
	assert_non_null(strstr(svg, ">abcdefghi..</text>"));
	free(svg);
	stack_tree__free(t);
}

static void test_modes(void **state)
{
	struct stack_tree *t = tree_of("m;a 1\nm;b 2\n");
	struct flamegraph_opts o;
	char *a, *b;

	flamegraph_opts__init(&o);
	o.inverted = true;
	a = render(t, &o);
	assert_non_null(strstr(a, ">Icicle Graph</text>"));
	/* icicle: the root at the top, right under the title (3 font sizes) */
	assert_non_null(
		strstr(a, "<title>all (3 samples, 100.00%)</title><rect x=\"10.0\" y=\"36.0\""));
	b = render(t, &o);
	assert_string_equal(a, b); /* same input, same bytes */
	free(a);
	free(b);
	o.inverted = false;
	o.subtitle = "sub";
	o.notes = "n<1>";
	a = render(t, &o);
	assert_non_null(strstr(a, "<text id=\"subtitle\""));
	assert_non_null(strstr(a, "<desc id=\"notes\">n&lt;1&gt;</desc>"));
	free(a);
	stack_tree__free(t);
	assert_true(flamegraph_palette_ok("python"));
	assert_false(flamegraph_palette_ok("chartreuse"));
}

static void test_minwidth(void **state)
{
	struct stack_tree *t = tree_of("m;big 999\nm;small;deeper 1\n");
	struct flamegraph_opts o;
	char *svg;

	flamegraph_opts__init(&o);
	o.minwidth = 2; /* px: small is 1.18 px */
	svg = render(t, &o);
	assert_null(strstr(svg, "<title>small"));
	assert_null(strstr(svg, "<title>deeper"));
	assert_int_equal(count(svg, "class=\"f\""), 3);
	free(svg);
	o.minwidth = 0.1;
	o.minwidth_pct = true; /* 0.1% of 1000 = 1: small stays */
	svg = render(t, &o);
	assert_non_null(strstr(svg, "<title>small"));
	free(svg);
	stack_tree__free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_labels_and_titles),
		cmocka_unit_test(test_modes),
		cmocka_unit_test(test_minwidth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
