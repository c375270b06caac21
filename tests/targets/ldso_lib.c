// SPDX-License-Identifier: GPL-2.0
/* A library built twice (folders a/ and b/ of build/targets/ldso) under one soname, to see
 * which copy the dynamic loader picks; tests/unit/test_ldso.c compares rtprof's answer. */
const char *ldso_variant(void)
{
	return VARIANT;
}
