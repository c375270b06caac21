// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the CPython frame decoders (runtimes/python_frames.c), whose input is
 * another process's memory: the line tables of 3.8-3.13, and a code object with its strings and
 * table read through a reader that serves the fuzz input as the target's memory.
 *
 * Input: byte 0 picks the layout (3.8-3.13), bytes 1-4 an instruction index, the rest is both a
 * line table and the memory image (mapped at MEM_BASE; a code object at MEM_BASE whose type
 * pointer is taken as the code type).
 */
#include <stdint.h>
#include <string.h>

#include "runtimes/python_frames.h"

#define MEM_BASE 0x10000ULL

struct image {
	const uint8_t *data;
	size_t size;
};

static int read_image(void *ctx, __u64 addr, void *buf, size_t len)
{
	const struct image *im = ctx;

	if (addr < MEM_BASE || addr - MEM_BASE > im->size || len > im->size - (addr - MEM_BASE))
		return -14; /* EFAULT */
	memcpy(buf, im->data + (addr - MEM_BASE), len);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct py_layout *layouts, *l;
	struct image im;
	struct py_code code;
	char buf[256];
	size_t n;
	__u64 type = 0;
	int32_t lasti;

	if (size < 5)
		return 0;
	layouts = py_layouts(&n);
	l = &layouts[data[0] % n];
	memcpy(&lasti, data + 1, 4);
	im.data = data + 5;
	im.size = size - 5;
	py_line(l->lt_kind, im.data, im.size, 1, lasti);
	py_line(PY_LNOTAB, im.data, im.size, 1, lasti);
	py_line(PY_LINETABLE_310, im.data, im.size, 1, lasti);
	py_line(PY_LOCATIONS_311, im.data, im.size, 1, lasti);
	if (im.size >= 16)
		memcpy(&type, im.data + 8, 8);
	if (py_code__read(l, type, read_image, &im, MEM_BASE, &code) == 0) {
		py_line(l->lt_kind, code.linetable, code.linetable_len, code.firstlineno, lasti);
		py_code__same(l, read_image, &im, MEM_BASE, &code);
		py_code__clear(&code);
	}
	py_str_read(l, read_image, &im, MEM_BASE, buf, sizeof(buf));
	py_frame_lasti(l, MEM_BASE, MEM_BASE + (uint32_t)lasti, data[0] & 1);
	return 0;
}
