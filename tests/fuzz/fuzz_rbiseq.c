// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the Ruby frame decoders (runtimes/ruby_frames.c), whose input is another
 * process's memory: an iseq with its body, strings, instruction-info table and succinct index,
 * its local iseq, a C method's entry through the symbol table, and a method entry's owner class
 * with its variable table (class path, singleton's object), all read through a reader that
 * serves the fuzz input as the target's memory (mapped at MEM_BASE).
 *
 * Input: bytes 0-7 a pc offset; the rest is the memory image, an iseq at MEM_BASE and a method
 * entry at MEM_BASE + 64; the symbol table's fields at MEM_BASE + 128 and + 144; a frame's
 * method-entry value at MEM_BASE + 160 (a pointer into the image, or anything).
 */
#include <stdint.h>
#include <string.h>

#include "runtimes/ruby_frames.h"

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
	struct rb_proc p = {.symbols_last_id = MEM_BASE + 128, .symbols_ids = MEM_BASE + 144};
	struct rb_iseq iseq;
	struct image im;
	char buf[256], qual[256];
	__u64 pc, value, me, owner;
	bool have_iseq;

	if (size < 8)
		return 0;
	memcpy(&pc, data, 8);
	im.data = data + 8;
	im.size = size - 8;
	have_iseq = rb_iseq__read(read_image, &im, MEM_BASE, &iseq) == 0;
	if (have_iseq) {
		rb_iseq__line(&iseq, iseq.encoded + (pc % 65536));
		rb_iseq__line(&iseq, pc);
		rb_iseq__same(read_image, &im, MEM_BASE, &iseq);
	}
	rb_cfunc_name(&p, read_image, &im, MEM_BASE + 64, buf, sizeof(buf));
	if (read_image(&im, MEM_BASE + 160, &value, sizeof(value)) == 0 &&
	    rb_method_owner(read_image, &im, value, &me, &owner) == 0 &&
	    rb_class_qualifier(&p, read_image, &im, owner, qual, sizeof(qual)) == 0 && have_iseq)
		rb_label_qualified(&iseq, qual, buf, sizeof(buf));
	/* the class tables again, with the IDs learnt above (or planted) */
	p.id_classpath = p.id_classpath ? p.id_classpath : pc;
	p.id_attached = p.id_attached ? p.id_attached : pc >> 1;
	if (rb_method_owner(read_image, &im, MEM_BASE + 64, &me, &owner) == 0)
		rb_class_qualifier(&p, read_image, &im, owner, qual, sizeof(qual));
	if (have_iseq) {
		rb_label_qualified(&iseq, "Foo#", buf, sizeof(buf));
		rb_label_qualified(&iseq, "Foo#", buf, 3);
		rb_iseq__clear(&iseq);
	}
	return 0;
}
