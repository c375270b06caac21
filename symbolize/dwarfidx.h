/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inlined-frame chains from DWARF, the way llvm-symbolizer builds them. For each compile unit, on
 * first use, one walk over its DIEs records every subprogram and inlined subroutine with its
 * nearest enclosing one, and flattens their address ranges into disjoint segments that each name
 * the innermost DIE (the one that comes last in DIE order). An address then costs one binary
 * search plus a walk up the recorded parents: no per-address tree walk (dwarf_getscopes).
 *
 * Frame 0 takes file, line and column from the CU's line table (last row at or below the
 * address, whether is_stmt or not); each outer frame takes DW_AT_call_file/line/column of the
 * frame inside it. Names: DW_AT_linkage_name, else DW_AT_name, following abstract origins and
 * specifications (not demangled here).
 */
#ifndef RTPROF_DWARFIDX_H
#define RTPROF_DWARFIDX_H

#include <stdbool.h>
#include <elfutils/libdwfl.h>

struct dw_frame {
	const char *function; /* raw (mangled) name or NULL; owned by libdw */
	const char *file;     /* NULL when unknown; owned by libdw */
	int line;
	int column;
};

struct dwarf_index;

struct arena;
/* Paths it builds are allocated from arena. */
struct dwarf_index *dwarf_index__new(struct arena *arena);
void dwarf_index__free(struct dwarf_index *idx);
/* Frames of module address addr (module at bias 0), innermost first. Returns how many were
 * written (0 when no CU covers addr), or a negative errno. Without lines, functions only (file
 * NULL, line and column 0): the CU's line table, the costliest part, is not read. */
int dwarf_index__frames(struct dwarf_index *idx, Dwfl_Module *mod, Dwarf_Addr addr, bool lines,
			struct dw_frame *out, int max);

#endif
