/* SPDX-License-Identifier: GPL-2.0 */
/*
 * JSON lines writer helpers: every --json output is one JSON object per line, built with these
 * so that names from the target (method names, query text, file names) are always escaped and
 * valid UTF-8 (invalid bytes become U+FFFD).
 */
#ifndef RTPROF_JSON_H
#define RTPROF_JSON_H

#include <stddef.h>
#include <stdio.h>

/* Write s (len bytes, NUL not required) as a quoted JSON string. */
void json_strn(FILE *f, const char *s, size_t len);
/* Write s as a quoted JSON string; NULL is written as null. */
void json_str(FILE *f, const char *s);
/* Write a number (up to 6 significant digits after rounding to digits decimals); NaN and
 * infinities, which JSON lacks, as null. */
void json_num(FILE *f, double v, int digits);

/*
 * Reading back a top-level member of one JSON object (doc, NUL-terminated), for rtprof's own
 * small files (record's manifest.json). Nested values are skipped, not interpreted.
 * json_get_string() unescapes into out (\uXXXX as UTF-8; truncated to size - 1 bytes).
 * 0; -ENOENT when the member is absent or of another type; -ERR_BADINPUT when doc is not an
 * object.
 */
int json_get_string(const char *doc, const char *key, char *out, size_t size);
int json_get_number(const char *doc, const char *key, double *out);

#endif
