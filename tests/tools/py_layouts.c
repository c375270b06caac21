// SPDX-License-Identifier: GPL-2.0
/* Print rtprof's CPython layout table (runtimes/python_frames.c) as "3.MINOR FIELD OFFSET" lines,
 * for tests/e2e/python_offsets.sh to compare with the DWARF of every CPython present. */
#include <stdio.h>

#include "runtimes/python_frames.h"

int main(void)
{
	const struct py_layout *l;
	size_t n, i;

	l = py_layouts(&n);
	for (i = 0; i < n; i++, l++) {
#define F(name) printf("3.%d %s %u\n", l->minor, #name, l->name)
		F(rt_tss_key);
		F(ts_frame);
		F(cframe_current);
		F(f_code);
		F(f_previous);
		F(f_instr);
		F(f_owner);
		F(f_is_entry);
		F(co_filename);
		F(co_name);
		F(co_qualname);
		F(co_firstlineno);
		F(co_linetable);
		F(co_code_adaptive);
		F(str_ascii_data);
		F(str_compact_data);
#undef F
	}
	return 0;
}
