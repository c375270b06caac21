// SPDX-License-Identifier: GPL-2.0
/* The pprof writer and reader (flamegraph/pprof.h): what is written reads back as the same
 * stacks, the same input gives the same bytes, inline chains share a Location, and malformed
 * input is refused with a reason (the independent readers, go tool pprof and pprof-format, are in
 * tests/e2e/export.sh). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <cmocka.h>

#include "flamegraph/folded.h"
#include "flamegraph/formats.h"
#include "flamegraph/pprof.h"
#include "lib/errors.h"

static const struct pprof_value_type cpu_types[] = {{"samples", "count"}, {"cpu", "nanoseconds"}};

static int main_first(void *ctx, const char *module, struct pprof_mapping *m)
{
	(void)ctx;
	if (strcmp(module, "/bin/app"))
		return -1;
	strcpy(m->build_id, "abcd");
	m->start = 0x1000;
	m->limit = 0x2000;
	m->known_range = true;
	m->main = true;
	return 0;
}

/* A small CPU profile: an inline chain, a library seen before the program, a Python frame, a
 * kernel frame, a marker, labels. Returns its gzipped bytes (caller frees). */
static unsigned char *sample_profile(size_t *len)
{
	struct pprof_opts o = {.sample_types = cpu_types,
			       .n_sample_types = 2,
			       .period_type = cpu_types[1],
			       .period = 10000000,
			       .default_sample_type = "samples",
			       .time_nanos = 1,
			       .duration_nanos = 2,
			       .module_info = main_first};
	const struct pprof_frame s1[] = {
		{.function = "leaf",
		 .file = "a.h",
		 .line = 3,
		 .module = "/bin/app",
		 .address = 0x1100,
		 .inlined = true},
		{.function = "mid",
		 .file = "a.c",
		 .line = 9,
		 .module = "/bin/app",
		 .address = 0x1100},
		{.function = "libc_fn", .module = "/lib/libc.so.6", .address = 0x50},
		{.function = "main",
		 .file = "a.c",
		 .line = 20,
		 .module = "/bin/app",
		 .address = 0x1200},
	};
	const struct pprof_frame s2[] = {
		{.function = "read_[k]", .system_name = "read", .module = "[kernel.kallsyms]"},
		{.function = "slow (app.py)", .system_name = "slow", .file = "app.py", .line = 7},
		{.function = "[truncated]"},
	};
	const struct pprof_label l[] = {{.key = "thread_name", .str = "worker"},
					{.key = "thread_id", .num = 42},
					{.key = "pid", .num = 41}};
	const int64_t v1[] = {3, 30000000}, v2[] = {2, 20000000};
	struct pprof_writer *w = pprof_writer__new(&o);
	char *buf = NULL;
	size_t size = 0;
	FILE *f;

	assert_non_null(w);
	assert_int_equal(pprof_writer__sample(w, s1, 4, v1, l, 3), 0);
	assert_int_equal(pprof_writer__sample(w, s2, 3, v2, l, 3), 0);
	assert_int_equal(pprof_writer__sample(w, s1, 4, v1, NULL, 0), 0);
	f = open_memstream(&buf, &size);
	assert_non_null(f);
	assert_int_equal(pprof_writer__write(w, f), 0);
	fclose(f);
	pprof_writer__free(w);
	*len = size;
	return (unsigned char *)buf;
}

static char *folded_of(const struct stack_tree *t)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	assert_non_null(f);
	assert_int_equal(stack_tree__write_folded(t, f), 0);
	fclose(f);
	return buf;
}

static void test_round_trip(void **state)
{
	struct pprof_read_info info;
	struct stack_tree *t = stack_tree__new();
	size_t len;
	unsigned char *p = sample_profile(&len);
	char *folded;

	assert_true(pprof_is_gzip(p, len));
	assert_int_equal(pprof_read(p, len, NULL, t, &info), 0);
	assert_string_equal(info.sample_type, "samples");
	assert_string_equal(info.unit, "count");
	assert_int_equal(info.period, 10000000);
	assert_int_equal(info.samples, 3);
	folded = folded_of(t);
	/* root first; the thread labels make the root "worker-42" */
	assert_string_equal(folded, "main;libc_fn;mid;leaf 3\n"
				    "worker-42;[truncated];slow (app.py);read_[k] 2\n"
				    "worker-42;main;libc_fn;mid;leaf 3\n");
	free(folded);
	stack_tree__free(t);

	/* the other value, by name */
	t = stack_tree__new();
	assert_int_equal(
		pprof_read(p, len, &(struct pprof_read_opts){.sample_type = "cpu"}, t, &info), 0);
	assert_int_equal((long)stack_tree__total(t, STACK_COL_AFTER), 80000000);
	stack_tree__free(t);
	t = stack_tree__new();
	assert_int_equal(
		pprof_read(p, len, &(struct pprof_read_opts){.sample_type = "nope"}, t, &info),
		-ERR_BADINPUT);
	stack_tree__free(t);
	free(p);
}

static void test_same_bytes(void **state)
{
	size_t a_len, b_len;
	unsigned char *a = sample_profile(&a_len), *b = sample_profile(&b_len);

	assert_int_equal(a_len, b_len);
	assert_memory_equal(a, b, a_len);
	/* gzip header: no name, time stamp 0 */
	assert_int_equal(a[3], 0);
	assert_int_equal(a[4] | a[5] | a[6] | a[7], 0);
	free(a);
	free(b);
}

/* Decompress a gzipped profile. */
static unsigned char *gunzip_all(const unsigned char *p, size_t len, size_t *out_len)
{
	size_t cap = 1 << 20;
	unsigned char *o = malloc(cap);
	z_stream z = {};

	assert_non_null(o);
	assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
	z.next_in = (unsigned char *)p;
	z.avail_in = (uInt)len;
	z.next_out = o;
	z.avail_out = (uInt)cap;
	assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
	*out_len = cap - z.avail_out;
	inflateEnd(&z);
	return o;
}

/* Find each top-level field's count in a raw profile (field numbers below 16). */
static void count_fields(const unsigned char *p, size_t len, size_t *count)
{
	size_t i = 0;

	while (i < len) {
		uint64_t tag = 0, v = 0;
		unsigned shift = 0;

		do
			tag |= (uint64_t)(p[i] & 0x7f) << shift, shift += 7;
		while (p[i++] & 0x80);
		shift = 0;
		do
			v |= (uint64_t)(p[i] & 0x7f) << shift, shift += 7;
		while (p[i++] & 0x80);
		if ((tag & 7) == 2)
			i += v;
		count[tag >> 3]++;
	}
}

static void test_layout(void **state)
{
	size_t len, raw_len, count[16] = {};
	unsigned char *p = sample_profile(&len);
	unsigned char *raw = gunzip_all(p, len, &raw_len);

	count_fields(raw, raw_len, count);
	assert_int_equal(count[1], 2); /* sample types */
	assert_int_equal(count[2], 3); /* samples */
	/* mappings: the program, libc, the kernel */
	assert_int_equal(count[3], 3);
	/* locations: leaf+mid (one, inline), libc_fn, main, read, slow, [truncated] */
	assert_int_equal(count[4], 6);
	/* functions: leaf, mid, libc_fn, main, read_[k], slow (app.py), [truncated] */
	assert_int_equal(count[5], 7);
	/* string_table[0] is "": the first string entry is tag 0x32, length 0 */
	{
		size_t i = 0;
		const unsigned char *q = raw;

		while (q[i] != 0x32) {
			uint64_t v = 0;
			unsigned shift = 0, wire = q[i] & 7;

			i++;
			do
				v |= (uint64_t)(q[i] & 0x7f) << shift, shift += 7;
			while (q[i++] & 0x80);
			if (wire == 2)
				i += v;
		}
		assert_int_equal(q[i + 1], 0);
	}
	free(raw);
	free(p);
}

static void test_folded_round_trip(void **state)
{
	static const char in[] = "main;parse;lex 7\nmain;parse 2\nidle 3\nx;a b (f.py:3);k_[k] 4\n";
	struct pprof_value_type vt = {"samples", "count"};
	struct pprof_opts o = {.sample_types = &vt, .n_sample_types = 1};
	struct stack_tree *t = stack_tree__new(), *back = stack_tree__new();
	struct pprof_read_info info;
	char *buf = NULL, *a, *b;
	size_t size = 0, rounded = 9;
	FILE *f = open_memstream(&buf, &size);

	assert_int_equal(stack_tree__parse_buf(t, in, sizeof(in) - 1, NULL), 0);
	assert_int_equal(stack_tree__write_pprof(t, &o, f, &rounded), 0);
	fclose(f);
	assert_int_equal(rounded, 0);
	assert_int_equal(pprof_read(buf, size, NULL, back, &info), 0);
	a = folded_of(t);
	b = folded_of(back);
	assert_string_equal(a, b);
	free(a);
	free(b);
	free(buf);
	stack_tree__free(t);
	stack_tree__free(back);
}

/* A raw (not gzipped) profile from protobuf bytes, and what the reader says of it. */
static int read_raw(const unsigned char *p, size_t len, struct pprof_read_info *info)
{
	struct stack_tree *t = stack_tree__new();
	int err = pprof_read(p, len, NULL, t, info);

	stack_tree__free(t);
	return err;
}

static void test_unpacked_and_go_style(void **state)
{
	/* sample_type {type:1 unit:2}; sample {location_id:1 (unpacked) value:5 (unpacked)};
	 * location {id:1 line{function_id:1}}; function {id:1 name:3}; strings "", s, count, f;
	 * default_sample_type 1 */
	static const unsigned char p[] = {
		0x0a, 0x04, 0x08, 0x01, 0x10, 0x02,		/* sample_type */
		0x12, 0x04, 0x08, 0x01, 0x10, 0x05,		/* sample */
		0x22, 0x06, 0x08, 0x01, 0x22, 0x02, 0x08, 0x01, /* location */
		0x2a, 0x04, 0x08, 0x01, 0x10, 0x03,		/* function */
		0x32, 0x00, 0x32, 0x01, 's',  0x32, 0x05, 'c',	'o',
		'u',  'n',  't',  0x32, 0x01, 'f',  0x70, 0x01, /* default_sample_type */
	};
	struct stack_tree *t = stack_tree__new();
	struct pprof_read_info info;
	char *folded;

	assert_int_equal(pprof_read(p, sizeof(p), NULL, t, &info), 0);
	assert_false(info.gzip);
	folded = folded_of(t);
	assert_string_equal(folded, "f 5\n");
	free(folded);
	stack_tree__free(t);
}

static void test_malformed(void **state)
{
	static const unsigned char no_empty[] = {0x0a, 0x02, 0x08, 0x01, 0x32, 0x01, 'x'};
	static const unsigned char bad_index[] = {0x0a, 0x02, 0x08, 0x09, 0x32, 0x00};
	static const unsigned char truncated[] = {0x0a, 0x09, 0x08};
	static const unsigned char no_type[] = {0x32, 0x00};
	static const unsigned char unknown_loc[] = {
		0x0a, 0x02, 0x08, 0x01, 0x12, 0x04, 0x08, 0x07,
		0x10, 0x01, 0x32, 0x00, 0x32, 0x01, 's',
	};
	static const unsigned char values[] = {
		0x0a, 0x02, 0x08, 0x01, 0x12, 0x04, 0x10, 0x01,
		0x10, 0x01, 0x32, 0x00, 0x32, 0x01, 's',
	};
	static const unsigned char dup_fn[] = {
		0x0a, 0x02, 0x08, 0x01, 0x2a, 0x02, 0x08, 0x01, 0x2a,
		0x02, 0x08, 0x01, 0x32, 0x00, 0x32, 0x01, 's',
	};
	static const char text[] = "main;f 1\n";
	struct pprof_read_info info;
	size_t len;
	unsigned char *p = sample_profile(&len);
	struct stack_tree *t;

	assert_int_equal(read_raw(no_empty, sizeof(no_empty), &info), -ERR_BADINPUT);
	assert_non_null(strstr(info.error, "string_table[0]"));
	assert_int_equal(read_raw(bad_index, sizeof(bad_index), &info), -ERR_BADINPUT);
	assert_non_null(strstr(info.error, "out of range"));
	assert_int_equal(read_raw(truncated, sizeof(truncated), &info), -ERR_BADINPUT);
	assert_int_equal(read_raw(no_type, sizeof(no_type), &info), -ERR_BADINPUT);
	assert_int_equal(read_raw(unknown_loc, sizeof(unknown_loc), &info), -ERR_BADINPUT);
	assert_non_null(strstr(info.error, "unknown location 7"));
	assert_int_equal(read_raw(values, sizeof(values), &info), -ERR_BADINPUT);
	assert_non_null(strstr(info.error, "values"));
	assert_int_equal(read_raw(dup_fn, sizeof(dup_fn), &info), -ERR_BADINPUT);
	assert_non_null(strstr(info.error, "two functions"));
	assert_int_equal(read_raw((const unsigned char *)text, sizeof(text) - 1, &info),
			 -ERR_BADINPUT);
	/* a gzip stream cut short, and one larger than allowed */
	assert_int_equal(read_raw(p, len / 2, &info), -ERR_BADINPUT);
	assert_true(info.gzip);
	t = stack_tree__new();
	assert_int_equal(pprof_read(p, len, &(struct pprof_read_opts){.max_bytes = 16}, t, &info),
			 -ERR_BADINPUT);
	assert_non_null(strstr(info.error, "larger than"));
	stack_tree__free(t);
	free(p);
}

static void test_formats(void **state)
{
	struct outputs o = {};

	assert_int_equal(output_format_of("a.pb.gz"), OUTPUT_PPROF);
	assert_int_equal(output_format_of("x/a.speedscope.json"), OUTPUT_SPEEDSCOPE);
	assert_int_equal(output_format_of("a.folded"), OUTPUT_FOLDED);
	assert_int_equal(output_format_of("a.svg"), OUTPUT_SVG);
	assert_int_equal(output_format_of("a.json"), OUTPUT_UNKNOWN);
	assert_int_equal(output_format_of(".svg"), OUTPUT_UNKNOWN);
	assert_int_equal(outputs__add(&o, OUTPUT_UNKNOWN, "a.txt"), -EINVAL);
	assert_int_equal(outputs__add(&o, OUTPUT_FOLDED, "-"), 0);
	assert_int_equal(outputs__add(&o, OUTPUT_UNKNOWN, "a.pb.gz"), 0);
	assert_string_equal(outputs__path(&o, OUTPUT_PPROF), "a.pb.gz");
	assert_null(outputs__path(&o, OUTPUT_SVG));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_same_bytes),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_folded_round_trip),
		cmocka_unit_test(test_unpacked_and_go_style),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_formats),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
