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

#endif
