// SPDX-License-Identifier: GPL-2.0
/* Unit tests of flamegraph/svg.c through its API: escaping, labels, modes, determinism, the kinds
 * of frames and their colors. */
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

static void test_frame_kinds(void **state)
{
	static const struct {
		const char *name;
		enum flamegraph_frame_kind kind;
	} cases[] = {
		/* Python, as rtprof and py-spy name its frames */
		{"Worker.run (/app/w.py:12)", FG_FRAME_PYTHON},
		{"<module> (app.py)", FG_FRAME_PYTHON},
		{"<listcomp> (<frozen importlib._bootstrap>)", FG_FRAME_PYTHON},
		{"outer.<locals>.inner (./app.py:3)", FG_FRAME_PYTHON},
		{"<lambda> (<string>:1)", FG_FRAME_PYTHON},
		{"main (/usr/bin/pip3)", FG_FRAME_PYTHON}, /* a script without .py */
		{"f (/tmp/a (copy)/x.py:1)", FG_FRAME_PYTHON},
		{"[unknown python]", FG_FRAME_PYTHON},
		/* Ruby */
		{"Foo#bar (app.rb:3)", FG_FRAME_RUBY},
		{"block in <main> (x.rb)", FG_FRAME_RUBY},
		{"Foo.bar (/usr/lib/ruby/3.1.0/foo.rb:10)", FG_FRAME_RUBY},
		{"<top (required)> (/app/config.ru:1)", FG_FRAME_RUBY},
		{"Integer#times (<internal:numeric>)", FG_FRAME_RUBY},
		{"each ((eval):2)", FG_FRAME_RUBY},
		{"run (-e:1)", FG_FRAME_RUBY},
		{"empty? (/usr/bin/bundle)", FG_FRAME_RUBY},
		{"<main> (/usr/bin/bundle)", FG_FRAME_RUBY},
		/* native, parentheses included */
		{"main", FG_FRAME_NATIVE},
		{"foo(int)", FG_FRAME_NATIVE},
		{"operator()", FG_FRAME_NATIVE},
		{"Foo::operator()() const", FG_FRAME_NATIVE},
		{"(anonymous namespace)::f", FG_FRAME_NATIVE},
		{"(anonymous namespace)::f(int)", FG_FRAME_NATIVE},
		{"std::function<void (int)>::operator()(int) const", FG_FRAME_NATIVE},
		{"call(void (*)(int))", FG_FRAME_NATIVE},
		{"foo(char const (&) [4])", FG_FRAME_NATIVE},
		{"foo(int) (.constprop.0)", FG_FRAME_NATIVE}, /* GCC clones, llvm's style */
		{"do_lookup (.part.0.isra.0)", FG_FRAME_NATIVE},
		{"python3-4242", FG_FRAME_NATIVE},
		{"libc.so.6+0x2a1b0", FG_FRAME_NATIVE},
		{"LazyCompile:*fib /app/x.js:3", FG_FRAME_NATIVE},
		{"f ()", FG_FRAME_NATIVE},
		{" (x.py)", FG_FRAME_NATIVE},
		{"a  (x.py)", FG_FRAME_NATIVE},
		{"x.py)", FG_FRAME_NATIVE},
		{")", FG_FRAME_NATIVE},
		{"", FG_FRAME_NATIVE},
		/* kernel and markers */
		{"do_syscall_64_[k]", FG_FRAME_KERNEL},
		{"[unknown]_[k]", FG_FRAME_KERNEL},
		{"[truncated]", FG_FRAME_MARKER},
		{"[incomplete]", FG_FRAME_MARKER},
		{"[unknown]", FG_FRAME_MARKER},
		{"[unmatched]", FG_FRAME_MARKER},
		{"[unknown ruby]", FG_FRAME_RUBY},
		{"[java interpreted]", FG_FRAME_NATIVE},
		{"[vdso]", FG_FRAME_NATIVE},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum flamegraph_frame_kind k =
			flamegraph_frame_kind(cases[i].name, strlen(cases[i].name));

		if (k != cases[i].kind)
			fail_msg("'%s': kind %d, expected %d", cases[i].name, k, cases[i].kind);
	}
}

/* The fill of the frame titled name, as r, g, b. */
static void fill_of(const char *svg, const char *name, int rgb[3])
{
	char key[128];
	const char *p;

	snprintf(key, sizeof(key), "<title>%s (", name);
	p = strstr(svg, key);
	assert_non_null(p);
	p = strstr(p, "fill=\"rgb(");
	assert_non_null(p);
	assert_int_equal(sscanf(p, "fill=\"rgb(%d,%d,%d)", &rgb[0], &rgb[1], &rgb[2]), 3);
}

static void test_kind_colors(void **state)
{
	struct stack_tree *t = tree_of("main;run (app.py:3);slow (app.py:7);x_add 5\n"
				       "main;Foo#bar (app.rb:3);rb_yield 3\n"
				       "main;[truncated] 1\n");
	struct flamegraph_opts o;
	int c[3];
	char *svg;

	flamegraph_opts__init(&o);
	svg = render(t, &o);
	/* hot: native frames red to yellow (no blue), Python blue, Ruby pink, markers grey */
	fill_of(svg, "x_add", c);
	assert_true(c[0] >= 205 && c[2] <= 55);
	fill_of(svg, "run (app.py:3)", c);
	assert_true(c[0] <= 110 && c[1] >= 150 && c[2] >= 215);
	fill_of(svg, "slow (app.py:7)", c);
	assert_true(c[0] <= 110 && c[2] >= 215);
	fill_of(svg, "Foo#bar (app.rb:3)", c);
	assert_true(c[0] >= 215 && c[1] <= 120 && c[2] >= 120 && c[2] <= 165);
	fill_of(svg, "[truncated]", c);
	assert_true(c[0] == c[1] && c[1] == c[2]);
	assert_non_null(strstr(svg, ">Python</text>"));
	assert_non_null(strstr(svg, ">Ruby</text>"));
	free(svg);
	/* memleak's mem palette too */
	o.colors = "mem";
	svg = render(t, &o);
	fill_of(svg, "run (app.py:3)", c);
	assert_true(c[0] >= 60 && c[2] >= 215);
	fill_of(svg, "x_add", c);
	assert_int_equal(c[0], 0);
	free(svg);
	/* a palette the user chose is kept */
	o.colors = "red";
	svg = render(t, &o);
	fill_of(svg, "run (app.py:3)", c);
	assert_true(c[0] >= 200 && c[1] == c[2]);
	assert_null(strstr(svg, "id=\"legend\""));
	free(svg);
	stack_tree__free(t);

	/* native only: no legend */
	t = tree_of("main;foo(int) 2\nmain;operator() 1\n");
	flamegraph_opts__init(&o);
	svg = render(t, &o);
	assert_null(strstr(svg, "id=\"legend\""));
	free(svg);
	/* a title that would run into the legend leaves it out */
	stack_tree__free(t);
	t = tree_of("main;run (app.py:3) 2\n");
	o.title = "A very long title that takes most of the width of the header of the graph";
	svg = render(t, &o);
	assert_null(strstr(svg, "id=\"legend\""));
	free(svg);
	o.title = NULL;
	svg = render(t, &o);
	assert_non_null(strstr(svg, "id=\"legend\""));
	assert_null(strstr(svg, ">Ruby</text>"));
	free(svg);
	stack_tree__free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escaping),    cmocka_unit_test(test_labels_and_titles),
		cmocka_unit_test(test_modes),	    cmocka_unit_test(test_minwidth),
		cmocka_unit_test(test_frame_kinds), cmocka_unit_test(test_kind_colors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
