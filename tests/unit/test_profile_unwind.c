// SPDX-License-Identifier: GPL-2.0
/*
 * The stack pipeline without BPF: a stack capture of this very process, built the way
 * bpf/stack_capture.bpf.h builds one (registers from getcontext, a copy of the stack from the
 * stack pointer up), is unwound by stacks/unwind.c and aggregated by stacks/stacks.c. The
 * truth is the call chain main -> level1 -> level2 -> capture_here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>
#include <cmocka.h>

#include "flamegraph/folded.h"
#include "lib/errors.h"
#include "stacks/stacks.h"
#include "symbolize/maps.h"
#include "symbolize/symbolize.h"
#include "stacks/unwind.h"

#define NOINLINE __attribute__((noinline))

static volatile int sink;

/* Fill c with this thread's registers at the call and up to max bytes of its stack. */
NOINLINE static void capture_here(struct stack_capture *c, size_t max)
{
	struct proc_maps *maps;
	const struct proc_map *m;
	ucontext_t uc;
	__u64 sp, end;

	getcontext(&uc);
	memset(c, 0, sizeof(*c));
	c->pid = c->tid = getpid();
	c->weight = 3;
	memcpy(c->comm, "unit", 5);
	c->regs[SC_REG_AX] = uc.uc_mcontext.gregs[REG_RAX];
	c->regs[SC_REG_BX] = uc.uc_mcontext.gregs[REG_RBX];
	c->regs[SC_REG_CX] = uc.uc_mcontext.gregs[REG_RCX];
	c->regs[SC_REG_DX] = uc.uc_mcontext.gregs[REG_RDX];
	c->regs[SC_REG_SI] = uc.uc_mcontext.gregs[REG_RSI];
	c->regs[SC_REG_DI] = uc.uc_mcontext.gregs[REG_RDI];
	c->regs[SC_REG_BP] = uc.uc_mcontext.gregs[REG_RBP];
	c->regs[SC_REG_SP] = uc.uc_mcontext.gregs[REG_RSP];
	c->regs[SC_REG_R12] = uc.uc_mcontext.gregs[REG_R12];
	c->regs[SC_REG_R13] = uc.uc_mcontext.gregs[REG_R13];
	c->regs[SC_REG_R14] = uc.uc_mcontext.gregs[REG_R14];
	c->regs[SC_REG_R15] = uc.uc_mcontext.gregs[REG_R15];
	c->regs[SC_REG_IP] = uc.uc_mcontext.gregs[REG_RIP];
	sp = c->regs[SC_REG_SP];
	maps = proc_maps__read(getpid());
	assert_non_null(maps);
	m = proc_maps__find(maps, sp);
	assert_non_null(m);
	end = m->end;
	proc_maps__free(maps);
	c->stack_len = end - sp <= max ? end - sp : max;
	if (end - sp <= max)
		c->flags |= SC_F_STACK_END;
	memcpy(c->stack, (void *)(uintptr_t)sp, c->stack_len);
}

NOINLINE static void level2(struct stack_capture *c, size_t max)
{
	capture_here(c, max);
	sink++;
}

NOINLINE static void level1(struct stack_capture *c, size_t max)
{
	level2(c, max);
	sink++;
}

static struct stack_capture *new_capture(size_t max)
{
	struct stack_capture *c = malloc(sizeof(*c) + max);

	assert_non_null(c);
	level1(c, max);
	return c;
}

static void test_unwind_complete(void **state)
{
	struct stack_capture *c = new_capture(16384);
	struct unwinder *u = unwinder__new(NULL);
	struct symbolizer_opts so = {};
	struct symbolizer *sym = symbolizer__new(&so);
	struct sym_process *p;
	struct unwind_result res;
	struct sym_frame fr[8];
	const char *want[] = {"capture_here", "level2", "level1", "new_capture"};
	__u64 addrs[64];
	size_t i, k = 0;
	bool saw_main = false;

	assert_non_null(u);
	assert_non_null(sym);
	assert_int_equal(unwinder__unwind(u, c, addrs, 64, &res), 0);
	assert_int_equal(res.status, UNWIND_COMPLETE);
	p = symbolizer__process(sym, getpid());
	assert_non_null(p);
	for (i = 0; i < res.n; i++) {
		int n = symbolizer__resolve(sym, p, addrs[i], fr, 8), j;

		for (j = n - 1; j >= 0; j--) {
			if (k < 4 && !strcmp(fr[j].function, want[k]))
				k++;
			if (!strcmp(fr[j].function, "main"))
				saw_main = true;
		}
	}
	assert_int_equal(k, 4);
	assert_true(saw_main);
	sym_process__free(p);
	symbolizer__free(sym);
	unwinder__free(u);
	free(c);
}

static void test_unwind_truncated(void **state)
{
	struct stack_capture *c = new_capture(64);
	struct unwinder *u = unwinder__new(NULL);
	struct unwind_result res;
	__u64 addrs[64];

	assert_int_equal(unwinder__unwind(u, c, addrs, 64, &res), 0);
	assert_int_equal(res.status, UNWIND_TRUNCATED);
	assert_true(res.n >= 1);
	unwinder__free(u);
	free(c);
}

/* Through the whole pipeline: folded lines, weights, the [truncated] root, self counts. */
static void test_stacks_pipeline(void **state)
{
	struct stack_capture *full = new_capture(16384), *cut = new_capture(64);
	struct stacks_opts o;
	struct stacks_stats st;
	struct stacks *s;
	char *text = NULL, *top = NULL;
	size_t len = 0, tlen = 0;
	FILE *f;

	stacks_opts__init(&o);
	o.per_thread = true;
	s = stacks__new(&o);
	assert_non_null(s);
	assert_int_equal(stacks__add(s, full, STACK_CAPTURE_HDR_SIZE + full->stack_len), 0);
	assert_int_equal(stacks__add(s, cut, STACK_CAPTURE_HDR_SIZE + cut->stack_len), 0);
	assert_int_equal(stacks__add(s, full, STACK_CAPTURE_HDR_SIZE - 1), -ERR_BADINPUT);
	f = open_memstream(&text, &len);
	assert_int_equal(stack_tree__write_folded(stacks__tree(s), f), 0);
	fclose(f);
	stacks__stats(s, &st);
	assert_int_equal(st.records, 2);
	assert_int_equal(st.complete, 1);
	assert_int_equal(st.truncated, 1);
	assert_true(st.weight == 6);
	assert_non_null(strstr(text, ";main;"));
	assert_non_null(strstr(text, ";level1;level2;capture_here"));
	assert_int_equal(strncmp(text, "unit-", 5), 0); /* --per-thread root: comm-TID */
	/* the cut stack is kept apart under [truncated], never under _start */
	assert_non_null(strstr(text, ";[truncated];"));
	f = open_memstream(&top, &tlen);
	stacks__print_top(s, f, 3, "samples");
	fclose(f);
	assert_non_null(strstr(top, "capture_here"));
	free(top);
	free(text);
	stacks__free(s);
	free(full);
	free(cut);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unwind_complete),
		cmocka_unit_test(test_unwind_truncated),
		cmocka_unit_test(test_stacks_pipeline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
