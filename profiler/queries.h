/* SPDX-License-Identifier: GPL-2.0 */
/* Query text normalization for rtprof queries (exposed for the unit test). */
#ifndef RTPROF_QUERIES_H
#define RTPROF_QUERIES_H

#include <stddef.h>

/*
 * Write the normalized form of the query text (len bytes) to out (size bytes, NUL-terminated,
 * truncated when too small): quoted strings and numbers become ?, lists of literals in IN (...)
 * become IN (?), runs of white space become one space, leading and trailing space is dropped.
 * Identifiers keep their digits (t1, col_2). Returns the length written.
 */
size_t query_normalize(const char *text, size_t len, char *out, size_t size);

#endif
