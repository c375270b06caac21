// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lib/errors.h"
#include "lib/json.h"

#define JSON_MAX_DEPTH 64 /* nesting levels skipped over */

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0 if it is not valid. */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned int cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

void json_strn(FILE *f, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, n;

	fputc('"', f);
	while (i < len) {
		unsigned char c = s[i];

		switch (c) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (c < 0x20 || c == 0x7f) {
				fprintf(f, "\\u%04x", c);
				break;
			}
			n = utf8_seq_len(s + i, len - i);
			if (n == 0) {
				fputs("\\ufffd", f);
				break;
			}
			fwrite(s + i, 1, n, f);
			i += n;
			continue;
		}
		i++;
	}
	fputc('"', f);
}

void json_str(FILE *f, const char *s)
{
	if (!s)
		fputs("null", f);
	else
		json_strn(f, s, strlen(s));
}

void json_num(FILE *f, double v, int digits)
{
	if (!isfinite(v))
		fputs("null", f);
	else
		fprintf(f, "%.*f", digits, v);
}

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

/* Past the end of the string that starts at p ('"'), or NULL when it does not end. */
static const char *skip_string(const char *p)
{
	for (p++; *p && *p != '"'; p++) {
		if (*p == '\\' && !*++p)
			return NULL;
	}
	return *p == '"' ? p + 1 : NULL;
}

static const char *skip_value(const char *p, int depth)
{
	p = skip_ws(p);
	if (*p == '"')
		return skip_string(p);
	if (*p == '{' || *p == '[') {
		char close = *p == '{' ? '}' : ']';

		if (depth >= JSON_MAX_DEPTH)
			return NULL;
		p = skip_ws(p + 1);
		if (*p == close)
			return p + 1;
		for (;;) {
			if (close == '}') {
				if (*p != '"' || !(p = skip_string(p)))
					return NULL;
				p = skip_ws(p);
				if (*p++ != ':')
					return NULL;
			}
			p = skip_value(p, depth + 1);
			if (!p)
				return NULL;
			p = skip_ws(p);
			if (*p == close)
				return p + 1;
			if (*p++ != ',')
				return NULL;
			p = skip_ws(p);
		}
	}
	/* number, true, false, null */
	if (!*p || !strchr("-0123456789tfn", *p))
		return NULL;
	while (*p && !strchr(",}] \t\r\n", *p))
		p++;
	return p;
}

/* The value of member key of the object doc, or NULL (*err says why). */
static const char *find_member(const char *doc, const char *key, int *err)
{
	const char *p = skip_ws(doc), *k;
	size_t klen = strlen(key);

	*err = -ERR_BADINPUT;
	if (*p++ != '{')
		return NULL;
	p = skip_ws(p);
	if (*p == '}') {
		*err = -ENOENT;
		return NULL;
	}
	for (;;) {
		if (*p != '"')
			return NULL;
		k = p + 1;
		p = skip_string(p);
		if (!p)
			return NULL;
		/* keys of our files need no escapes: compare them raw */
		if ((size_t)(p - 1 - k) == klen && !memcmp(k, key, klen)) {
			p = skip_ws(p);
			if (*p != ':')
				return NULL;
			*err = 0;
			return skip_ws(p + 1);
		}
		p = skip_ws(p);
		if (*p++ != ':')
			return NULL;
		p = skip_value(p, 1);
		if (!p)
			return NULL;
		p = skip_ws(p);
		if (*p == '}') {
			*err = -ENOENT;
			return NULL;
		}
		if (*p++ != ',')
			return NULL;
		p = skip_ws(p);
	}
}

static size_t put_utf8(char *o, unsigned int cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

static bool hex4(const char *p, unsigned int *v)
{
	char buf[5], *end;

	memcpy(buf, p, 4);
	buf[4] = 0;
	if (strlen(buf) != 4)
		return false;
	*v = (unsigned int)strtoul(buf, &end, 16);
	return *end == 0;
}

int json_get_string(const char *doc, const char *key, char *out, size_t size)
{
	const char *p;
	char tmp[4];
	size_t n = 0, len;
	unsigned int cp, lo;
	bool full = false;
	int err;

	p = find_member(doc, key, &err);
	if (!p)
		return err;
	if (*p != '"' || !skip_string(p))
		return -ENOENT;
	for (p++; *p != '"'; p++) {
		len = 1;
		tmp[0] = *p;
		if (*p == '\\') {
			p++;
			switch (*p) {
			case 'b':
				tmp[0] = '\b';
				break;
			case 'f':
				tmp[0] = '\f';
				break;
			case 'n':
				tmp[0] = '\n';
				break;
			case 'r':
				tmp[0] = '\r';
				break;
			case 't':
				tmp[0] = '\t';
				break;
			case 'u':
				if (!hex4(p + 1, &cp))
					return -ERR_BADINPUT;
				p += 4;
				if (cp >= 0xd800 && cp < 0xdc00 && p[1] == '\\' && p[2] == 'u' &&
				    hex4(p + 3, &lo) && lo >= 0xdc00 && lo < 0xe000) {
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
					p += 6;
				}
				len = put_utf8(tmp, cp);
				break;
			default: /* \" \\ \/ */
				tmp[0] = *p;
			}
		}
		full = full || n + len >= size; /* whole characters only, up to the first cut */
		if (!full) {
			memcpy(out + n, tmp, len);
			n += len;
		}
	}
	if (size)
		out[n] = 0;
	return 0;
}

int json_get_number(const char *doc, const char *key, double *out)
{
	const char *p;
	char *end;
	int err;

	p = find_member(doc, key, &err);
	if (!p)
		return err;
	if (!*p || !strchr("-0123456789", *p))
		return -ENOENT;
	*out = strtod(p, &end);
	return end > p ? 0 : -ENOENT;
}
