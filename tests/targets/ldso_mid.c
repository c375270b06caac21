// SPDX-License-Identifier: GPL-2.0
/* A library between the program and libldso_t.so.1: whose RPATH or RUNPATH finds its
 * dependency (tests/unit/test_ldso.c). */
const char *ldso_variant(void);

const char *ldso_mid(void)
{
	return ldso_variant();
}
