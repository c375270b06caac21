// SPDX-License-Identifier: GPL-2.0
/* Programs linked against libldso_t.so.1 (or, with MID, libldso_mid.so) with RPATH or RUNPATH
 * in various forms (tests/targets/ldso.mk, tests/unit/test_ldso.c). */
#include <stdio.h>

#ifdef MID
const char *ldso_mid(void);
#define CALL ldso_mid
#else
const char *ldso_variant(void);
#define CALL ldso_variant
#endif

int main(void)
{
	puts(CALL());
	return 0;
}
