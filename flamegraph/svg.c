// SPDX-License-Identifier: GPL-2.0
/*
 * Stack tree to interactive SVG.
 *
 * Geometry and look follow flamegraph.pl (same paddings, frame height, palettes and title format
 * "NAME (COUNT samples, P%)") so that users and their tools find what they know. Differences:
 * colors depend on the name only (the same input always gives the same bytes), frames narrower
 * than minwidth are pruned on the tree before anything is drawn, and the script is our own.
 *
 * Two walks: the first finds the deepest frame that is wide enough (it sets the height), the
 * second draws frames depth first, children sorted, each as
 *   <g class="f" tabindex="0" data-s=START data-w=WIDTH><title>..</title><rect/><text/></g>
 * START and WIDTH are in counts, exact, so the script can zoom without pixel rounding; the
 * script finds each frame's parent from the depth-first order and the depth.
 *
 * Text from the data (frame names, titles, notes) is escaped for XML, and bytes that are not
 * valid UTF-8 (or not allowed in XML) are written as the visible text \xNN.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flamegraph/script.h"
#include "flamegraph/svg.h"
#include "flamegraph/tree.h"
#include "lib/errors.h"

#define XPAD	 10 /* px, left and right */
#define FRAMEPAD 1
#define OUT_BUF	 (256u << 10) /* bytes: the frames are formatted here, then written in blocks */

/*
 * Where the SVG is formatted: a block that is written to the stream when full. A frame is a
 * dozen short pieces; copying them here by hand, instead of a stdio call (and its locking) for
 * each, halved the drawing time of a graph of 60,000 frames.
 */
struct svg_out {
	FILE *f;
	char *buf;
	size_t len, cap;
	int err; /* the first write error */
};

static void out_flush(struct svg_out *out)
{
	if (out->len && fwrite(out->buf, 1, out->len, out->f) != out->len && !out->err)
		out->err = -EIO;
	out->len = 0;
}

static void out_put(struct svg_out *out, const void *p, size_t n)
{
	if (n > out->cap - out->len) {
		out_flush(out);
		if (n > out->cap) {
			if (fwrite(p, 1, n, out->f) != n && !out->err)
				out->err = -EIO;
			return;
		}
	}
	memcpy(out->buf + out->len, p, n);
	out->len += n;
}

/* A string literal, its length known at compile time. */
#define out_lit(out, s) out_put(out, s, sizeof(s) - 1)

static void out_str(struct svg_out *out, const char *s)
{
	out_put(out, s, strlen(s));
}

static void out_printf(struct svg_out *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void out_printf(struct svg_out *out, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out->buf + out->len, out->cap - out->len, fmt, ap);
	va_end(ap);
	if (n < 0) {
		if (!out->err)
			out->err = -EIO;
		return;
	}
	if ((size_t)n < out->cap - out->len) {
		out->len += (size_t)n;
		return;
	}
	/* did not fit: written again after a flush, into the block or, longer, to the stream */
	out_flush(out);
	va_start(ap, fmt);
	if ((size_t)n < out->cap)
		out->len = (size_t)vsnprintf(out->buf, out->cap, fmt, ap);
	else if (vfprintf(out->f, fmt, ap) < 0 && !out->err)
		out->err = -EIO;
	va_end(ap);
}

const char *const flamegraph_palettes[] = {
	"hot", "mem",	"io",	"wakeup", "java",   "js",     "perl",	"python",
	"red", "green", "blue", "aqua",	  "yellow", "purple", "orange", NULL,
};

bool flamegraph_palette_ok(const char *name)
{
	size_t i;

	for (i = 0; flamegraph_palettes[i]; i++) {
		if (!strcmp(name, flamegraph_palettes[i]))
			return true;
	}
	return false;
}

void flamegraph_opts__init(struct flamegraph_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->countname = "samples";
	o->nametype = "Function:";
	o->colors = "hot";
	o->fonttype = "Verdana";
	o->width = 1200;
	o->frameheight = 16;
	o->fontsize = 12;
	o->fontwidth = 0.59;
	o->minwidth = 0.1;
}

/* Length of the valid UTF-8 sequence XML allows at p (1-4), or 0 when p[0] must be escaped. */
static inline size_t utf8_ok(const unsigned char *p, size_t n)
{
	uint32_t c;
	size_t len, i;

	if (p[0] < 0x80)
		return (p[0] >= 0x20 && p[0] != 0x7f) || p[0] == '\t' ? 1 : 0;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
		c = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		c = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		c = p[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0; /* overlong or too big */
	if ((c >= 0xd800 && c <= 0xdfff) || c == 0xfffe || c == 0xffff)
		return 0; /* surrogates and non-characters XML refuses */
	return len;
}

/* A byte written as it is: printable ASCII (or a tab) that XML does not need escaped. */
static inline bool plain_byte(unsigned char c)
{
#define B(c) (1ull << ((c)&63))
	static const uint64_t plain[4] = {
		(0xffffffff00000000ull | B('\t')) & ~(B('"') | B('&') | B('\'') | B('<') | B('>')),
		~B(0x7f), /* 0x40-0x7f */
		0,
		0,
	};
#undef B

	return plain[c >> 6] >> (c & 63) & 1;
}

/* Characters name[0..n) takes once displayed (an escaped byte counts 4: \xNN). */
static size_t display_len(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, chars = 0, l;

	while (i < n) {
		if (p[i] < 0x80) {
			/* ASCII takes one character, escaped for XML or not; controls are \xNN */
			chars += (p[i] >= 0x20 && p[i] != 0x7f) || p[i] == '\t' ? 1 : 4;
			i++;
			continue;
		}
		l = utf8_ok(p + i, n - i);
		chars += l ? 1 : 4;
		i += l ? l : 1;
	}
	return chars;
}

/* Write s[0..n) escaped, at most max_chars displayed characters; returns how many. */
static size_t put_text(struct svg_out *out, const char *s, size_t n, size_t max_chars)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, chars = 0, l, run = 0; /* s[run..i) is plain, not written yet */

	while (i < n) {
		if (plain_byte(p[i])) {
			if (chars == max_chars)
				break;
			chars++;
			i++;
			continue;
		}
		l = utf8_ok(p + i, n - i);
		if (chars + (l ? 1 : 4) > max_chars)
			break;
		out_put(out, s + run, i - run);
		if (!l) {
			char esc[4] = {'\\', 'x', hex[p[i] >> 4], hex[p[i] & 15]};

			out_put(out, esc, sizeof(esc));
			chars += 4;
			i++;
			run = i;
			continue;
		}
		chars++;
		if (l > 1)
			out_put(out, p + i, l);
		else if (p[i] == '&')
			out_lit(out, "&amp;");
		else if (p[i] == '<')
			out_lit(out, "&lt;");
		else if (p[i] == '>')
			out_lit(out, "&gt;");
		else if (p[i] == '"')
			out_lit(out, "&quot;");
		else
			out_lit(out, "&#39;");
		i += l;
		run = i;
	}
	out_put(out, s + run, i - run);
	return chars;
}

static void put_str(struct svg_out *out, const char *s)
{
	put_text(out, s, strlen(s), SIZE_MAX);
}

/* flamegraph.pl's namehash: weights the first characters, so similar names get similar colors */
static double namehash(const char *name, size_t n, bool reverse)
{
	double vector = 0, weight = 1, max = 1;
	size_t i, j, skip = 0;
	int mod = 10;

	/* a module prefix up to a backtick ("libc.so`malloc") does not count */
	for (i = 1; i < n; i++) {
		j = reverse ? n - 1 - i : i;
		if (name[j] == '`') {
			skip = i + 1;
			break;
		}
	}
	for (i = skip; i < n && mod <= 12; i++) {
		unsigned char c = (unsigned char)name[reverse ? n - 1 - i : i];

		vector += (double)(c % mod) / (mod - 1) * weight;
		mod++;
		max += weight;
		weight *= 0.70;
	}
	return 1 - vector / max;
}

enum pal {
	P_HOT,
	P_MEM,
	P_IO,
	P_RED,
	P_GREEN,
	P_BLUE,
	P_AQUA,
	P_YELLOW,
	P_PURPLE,
	P_ORANGE,
	P_PYTHON, /* sky blue to aqua */
	P_RUBY,	  /* raspberry to pink */
	P_MARKER, /* grey */
};

static bool has(const char *s, size_t n, const char *what)
{
	return memmem(s, n, what, strlen(what)) != NULL;
}

static bool ends(const char *s, size_t n, const char *what)
{
	size_t l = strlen(what);

	return n >= l && !memcmp(s + n - l, what, l);
}

static bool starts(const char *s, size_t n, const char *what)
{
	size_t l = strlen(what);

	return n >= l && !memcmp(s, what, l);
}

/* GCC clone suffixes as llvm-symbolizer (and our symbolizer) write them: ".part.0.isra.0" */
static bool clone_suffix(const char *s, size_t n)
{
	size_t i;

	if (n < 2 || s[0] != '.' || s[1] < 'a' || s[1] > 'z')
		return false;
	for (i = 0; i < n; i++) {
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
		      s[i] == '_'))
			return false;
	}
	return !ends(s, n, ".py") && !ends(s, n, ".rb");
}

static bool ruby_file(const char *s, size_t n)
{
	return ends(s, n, ".rb") || starts(s, n, "<internal:") || starts(s, n, "(eval") ||
	       (n == 2 && !memcmp(s, "-e", 2));
}

static bool ruby_label(const char *s, size_t n)
{
	static const char *const prefixes[] = {"block in ",  "block (",	 "rescue in ",
					       "ensure in ", "<main>",	 "<top (required)>",
					       "<class:",    "<module:", "singleton class"};
	size_t i;

	if (memchr(s, '#', n) || ends(s, n, "?") || ends(s, n, "!"))
		return true;
	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		if (starts(s, n, prefixes[i]))
			return true;
	}
	return false;
}

enum flamegraph_frame_kind flamegraph_frame_kind(const char *s, size_t n)
{
	size_t i, depth = 0, file, flen, d;

	if (ends(s, n, "_[k]"))
		return FG_FRAME_KERNEL;
	if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
		static const char *const markers[] = {"[truncated]", "[incomplete]", "[unknown]",
						      "[unmatched]"};
		size_t m;

		for (m = 0; m < sizeof(markers) / sizeof(markers[0]); m++) {
			if (n == strlen(markers[m]) && starts(s, n, markers[m]))
				return FG_FRAME_MARKER;
		}
		if (n == strlen("[unknown python]") && starts(s, n, "[unknown python]"))
			return FG_FRAME_PYTHON;
		if (n == strlen("[unknown ruby]") && starts(s, n, "[unknown ruby]"))
			return FG_FRAME_RUBY;
		return FG_FRAME_NATIVE; /* "[java interpreted]", "[vdso]" */
	}
	if (n < 5 || s[n - 1] != ')')
		return FG_FRAME_NATIVE;
	/* the parenthesis that the last one closes (a FILE may hold parentheses of its own) */
	for (i = n; i-- > 0;) {
		if (s[i] == ')')
			depth++;
		else if (s[i] == '(' && --depth == 0)
			break;
	}
	if (depth || i < 2 || s[i - 1] != ' ' || s[i - 2] == ' ')
		return FG_FRAME_NATIVE;
	file = i + 1;
	flen = n - 1 - file;
	if (!flen || clone_suffix(s + file, flen))
		return FG_FRAME_NATIVE;
	/* FILE:LINE */
	for (d = flen; d > 0 && s[file + d - 1] >= '0' && s[file + d - 1] <= '9';)
		d--;
	if (d < flen && d > 1 && s[file + d - 1] == ':')
		flen = d - 1;
	if (ruby_file(s + file, flen) || ruby_label(s, i - 1))
		return FG_FRAME_RUBY;
	return FG_FRAME_PYTHON;
}

/* The palette the default ones (hot, mem) give a frame of another kind than native. */
static bool kind_palette(const char *s, size_t n, enum pal *p)
{
	switch (flamegraph_frame_kind(s, n)) {
	case FG_FRAME_PYTHON:
		*p = P_PYTHON;
		return true;
	case FG_FRAME_RUBY:
		*p = P_RUBY;
		return true;
	case FG_FRAME_MARKER:
		*p = P_MARKER;
		return true;
	default:
		return false;
	}
}

/*
 * The palette a name gets under a language palette (java, js, perl, python) or the plain one;
 * under the default ones (hot, mem), interpreter frames and markers get their own.
 */
static enum pal palette_for(const char *colors, const char *s, size_t n)
{
	enum pal kind;

	if ((!strcmp(colors, "hot") || !strcmp(colors, "mem")) && kind_palette(s, n, &kind))
		return kind;
	if (!strcmp(colors, "java") || !strcmp(colors, "js") || !strcmp(colors, "perl") ||
	    !strcmp(colors, "python")) {
		if (ends(s, n, "_[k]"))
			return P_ORANGE;
		if (ends(s, n, "_[i]"))
			return P_AQUA;
		if (ends(s, n, "_[j]"))
			return P_GREEN;
		if (!strcmp(colors, "java")) {
			static const char *const pkgs[] = {"java/", "javax/", "jdk/", "net/",
							   "org/",  "com/",   "io/",  "sun/",
							   "java.", "javax.", "jdk.", "sun."};
			size_t i, off = n && s[0] == 'L' ? 1 : 0;

			for (i = 0; i < sizeof(pkgs) / sizeof(pkgs[0]); i++) {
				if (n - off >= strlen(pkgs[i]) &&
				    !memcmp(s + off, pkgs[i], strlen(pkgs[i])))
					return P_GREEN;
			}
			return has(s, n, "::") ? P_YELLOW : P_RED;
		}
		if (!strcmp(colors, "js")) {
			if (has(s, n, "::"))
				return P_YELLOW;
			if (has(s, n, ".js") || has(s, n, "/"))
				return P_GREEN;
			return has(s, n, ":") ? P_AQUA : P_RED;
		}
		if (!strcmp(colors, "perl")) {
			if (has(s, n, "::") || has(s, n, "Perl") || has(s, n, ".pl"))
				return has(s, n, "::") ? P_YELLOW : P_GREEN;
			return P_RED;
		}
		/* python */
		if (has(s, n, ".py") || has(s, n, "/"))
			return P_GREEN;
		return has(s, n, "::") ? P_YELLOW : P_RED;
	}
	if (!strcmp(colors, "mem"))
		return P_MEM;
	if (!strcmp(colors, "io"))
		return P_IO;
	if (!strcmp(colors, "wakeup") || !strcmp(colors, "aqua"))
		return P_AQUA;
	if (!strcmp(colors, "red"))
		return P_RED;
	if (!strcmp(colors, "green"))
		return P_GREEN;
	if (!strcmp(colors, "blue"))
		return P_BLUE;
	if (!strcmp(colors, "yellow"))
		return P_YELLOW;
	if (!strcmp(colors, "purple"))
		return P_PURPLE;
	if (!strcmp(colors, "orange"))
		return P_ORANGE;
	return P_HOT;
}

/* "rgb(R,G,B)" of a color 0xRRGGBB into buf (>= 17 bytes), by hand: snprintf was a tenth of
 * the drawing time. */
static void rgb_str(char *buf, uint32_t rgb)
{
	char *p = buf;
	unsigned v;
	int i;

	memcpy(p, "rgb(", 4);
	p += 4;
	for (i = 2; i >= 0; i--) {
		v = rgb >> (8 * i) & 0xff;
		if (v >= 100)
			*p++ = (char)('0' + v / 100);
		if (v >= 10)
			*p++ = (char)('0' + v / 10 % 10);
		*p++ = (char)('0' + v % 10);
		*p++ = i ? ',' : ')';
	}
	*p = '\0';
}

/* The color of a frame, 0xRRGGBB: it depends on the name (and the options) only. */
static uint32_t frame_color(const struct flamegraph_opts *o, const char *s, size_t n)
{
	double v1, v2, v3;
	int r, g, b;

	if ((n == 1 && s[0] == '-') || (n == 2 && s[0] == '-' && s[1] == '-'))
		return 0xa0a0a0; /* stack separators: rgb(160,160,160) */
	if (o->hash) {
		v1 = namehash(s, n, false);
		v2 = v3 = namehash(s, n, true);
	} else {
		/* seeded by the name: stable across runs and graphs, varied across names */
		uint64_t h = 1469598103934665603ull;
		size_t i;

		for (i = 0; i < n; i++)
			h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
		h ^= h >> 29;
		h *= 0xbf58476d1ce4e5b9ull;
		h ^= h >> 32;
		v1 = (double)(h & 0xffff) / 65536;
		v2 = (double)((h >> 16) & 0xffff) / 65536;
		v3 = (double)((h >> 32) & 0xffff) / 65536;
	}
	switch (palette_for(o->colors, s, n)) {
	case P_MEM:
		r = 0, g = 190 + (int)(50 * v2), b = (int)(210 * v1);
		break;
	case P_IO:
		r = g = 80 + (int)(60 * v1), b = 190 + (int)(55 * v2);
		break;
	case P_RED:
		r = 200 + (int)(55 * v1), g = b = 80 + (int)(60 * v1);
		break;
	case P_GREEN:
		g = 200 + (int)(55 * v1), r = b = 80 + (int)(60 * v1);
		break;
	case P_BLUE:
		b = 205 + (int)(50 * v1), r = g = 80 + (int)(60 * v1);
		break;
	case P_AQUA:
		r = 50 + (int)(60 * v1), g = b = 165 + (int)(55 * v1);
		break;
	case P_YELLOW:
		r = g = 175 + (int)(55 * v1), b = 50 + (int)(20 * v1);
		break;
	case P_PURPLE:
		r = b = 190 + (int)(65 * v1), g = 80 + (int)(60 * v1);
		break;
	case P_ORANGE:
		r = 190 + (int)(65 * v1), g = 90 + (int)(65 * v1), b = 0;
		break;
	case P_PYTHON:
		r = 60 + (int)(50 * v1), g = 150 + (int)(55 * v1), b = 215 + (int)(40 * v2);
		break;
	case P_RUBY:
		r = 215 + (int)(40 * v1), g = 70 + (int)(50 * v2), b = 120 + (int)(45 * v1);
		break;
	case P_MARKER:
		r = g = b = 175 + (int)(30 * v1);
		break;
	default:
		r = 205 + (int)(50 * v3), g = (int)(230 * v1), b = (int)(55 * v2);
		break;
	}
	/* every palette stays within 0-255 (v1, v2, v3 are in [0, 1]) */
	return (uint32_t)r << 16 | (uint32_t)g << 8 | (uint32_t)b;
}

/*
 * v with a fixed number of decimals, like "%.*f" but without printf's exact binary-to-decimal
 * conversion, which dominated the drawing time (halves round away from zero).
 */
static void put_fixed(struct svg_out *out, double v, int decimals)
{
	static const double scale[] = {1, 10, 100, 1000};
	char buf[32], *p = buf + sizeof(buf);
	unsigned long long q;
	bool neg = v < 0;
	int i;

	if (!isfinite(v) || fabs(v) > 1e15 || decimals > 3) {
		out_printf(out, "%.*f", decimals, v);
		return;
	}
	q = (unsigned long long)llround(fabs(v) * scale[decimals]);
	neg = neg && q;
	for (i = 0; i < decimals; i++) {
		*--p = (char)('0' + q % 10);
		q /= 10;
	}
	if (decimals)
		*--p = '.';
	do {
		*--p = (char)('0' + q % 10);
		q /= 10;
	} while (q);
	if (neg)
		*--p = '-';
	out_put(out, p, (size_t)(buf + sizeof(buf) - p));
}

/* A number with commas between thousands when it is an integer (flamegraph.pl's style). */
static const char *count_txt(double v, char *buf, size_t size)
{
	char tmp[48];
	size_t n, i, o = 0;

	stack_count_str(v, tmp, sizeof(tmp));
	if (strchr(tmp, '.') || strchr(tmp, 'e') || tmp[0] == '-') {
		snprintf(buf, size, "%s", tmp);
		return buf;
	}
	n = strlen(tmp);
	for (i = 0; i < n && o + 2 < size; i++) {
		if (i && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = tmp[i];
	}
	buf[o] = '\0';
	return buf;
}

/* An exact number for the script: integers as such, others with 12 significant digits. */
static const char *exact_txt(double v, char *buf, size_t size)
{
	if (v == floor(v) && fabs(v) < 1e15)
		stack_count_str(v, buf, size);
	else
		snprintf(buf, size, "%.12g", v);
	return buf;
}

/*
 * A count as exact_txt() (commas false) or count_txt() (commas true) write it; integers, the
 * common case, by hand.
 */
static void put_count(struct svg_out *out, double v, bool commas)
{
	char buf[48], *p = buf + sizeof(buf);
	unsigned long long q;
	int digits = 0;

	if (!(v >= 0 && v < 1e15 && v == floor(v))) {
		out_str(out,
			commas ? count_txt(v, buf, sizeof(buf)) : exact_txt(v, buf, sizeof(buf)));
		return;
	}
	q = (unsigned long long)v;
	do {
		if (commas && digits && digits % 3 == 0)
			*--p = ',';
		*--p = (char)('0' + q % 10);
		q /= 10;
		digits++;
	} while (q);
	out_put(out, p, (size_t)(buf + sizeof(buf) - p));
}

struct render {
	const struct stack_tree *t;
	const struct flamegraph_opts *o;
	struct svg_out *out;
	const double *w;     /* drawn width of each node (in counts) */
	double min_w;	     /* narrower frames are pruned */
	double px_per_count; /* x scale */
	double total;	     /* AFTER total, for percentages */
	double maxdelta;     /* differential: largest |AFTER - BEFORE| drawn */
	int height, depthmax;
	double ypad1, ypad2;
	unsigned kinds;	 /* 1 << each flamegraph_frame_kind colored on its own, for the legend */
	uint32_t *color; /* per name id: frame_color() | 1 << 24 once known, else 0; may be NULL */
	uint32_t *pool;	 /* children of the levels of the current path */
	size_t pool_len, pool_cap;
};

static double node_w(const struct render *r, uint32_t id)
{
	return r->w ? r->w[id] : r->t->nodes[id].total;
}

/*
 * Widths of a differential tree: AFTER, plus the BEFORE width of every subtree that is gone from
 * AFTER, so that removed stacks stay visible. Children have higher ids than their parents, so
 * one pass from the last node down adds each node's extra to its parent.
 */
static double *diff_widths(const struct stack_tree *t)
{
	double *w, a;
	uint32_t id;

	w = calloc(t->n_nodes, sizeof(*w));
	if (!w)
		return NULL;
	for (id = t->n_nodes; id-- > 0;) {
		a = t->nodes[id].total;
		w[id] = a <= 0 && t->before[id] > 0 ? t->before[id] : a + w[id];
		if (id)
			w[t->nodes[id].parent] += w[id] - a;
	}
	return w;
}

/* First walk: depth of the deepest drawn frame and the largest change drawn. */
static int measure(struct render *r)
{
	const struct stack_tree *t = r->t;
	uint32_t *stack = NULL, *depth = NULL, id, c;
	size_t n = 0, cap = 1024;
	int err = 0;

	stack = malloc(cap * sizeof(*stack));
	depth = malloc(cap * sizeof(*depth));
	if (!stack || !depth) {
		err = -ENOMEM;
		goto cleanup;
	}
	stack[n] = 0;
	depth[n++] = 0;
	while (n) {
		uint32_t d;

		n--;
		id = stack[n];
		d = depth[n];
		if ((int)d > r->depthmax)
			r->depthmax = (int)d;
		if (t->before) {
			double delta = fabs(t->nodes[id].total - t->before[id]);

			if (delta > r->maxdelta)
				r->maxdelta = delta;
		}
		for (c = t->nodes[id].child; c != ST_NONE; c = t->nodes[c].sibling) {
			if (node_w(r, c) < r->min_w || node_w(r, c) <= 0)
				continue;
			if (n == cap) {
				uint32_t *s2, *d2;

				cap *= 2;
				s2 = realloc(stack, cap * sizeof(*stack));
				if (s2)
					stack = s2;
				d2 = realloc(depth, cap * sizeof(*depth));
				if (d2)
					depth = d2;
				if (!s2 || !d2) {
					err = -ENOMEM;
					goto cleanup;
				}
			}
			stack[n] = c;
			depth[n++] = d + 1;
		}
	}
cleanup:
	free(stack);
	free(depth);
	return err;
}

static int cmp_children(const void *a, const void *b, void *arg)
{
	const struct render *r = arg;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	if (r->o->sort_weight) {
		double wx = node_w(r, x), wy = node_w(r, y);

		if (wx != wy)
			return wx > wy ? -1 : 1;
	}
	return st_name_cmp(r->t, r->t->nodes[x].name, r->t->nodes[y].name);
}

static void put_frame(struct render *r, uint32_t id, int depth, double start)
{
	const struct stack_tree *t = r->t;
	const struct flamegraph_opts *o = r->o;
	uint32_t name = t->nodes[id].name;
	const char *s = st_name_str(t, name);
	size_t n = st_name_len(t, name), chars, dl;
	double w = node_w(r, id), x1, x2, y1, y2, after = t->nodes[id].total;
	char fill[64];
	struct svg_out *out = r->out;

	x1 = XPAD + start * r->px_per_count;
	x2 = XPAD + (start + w) * r->px_per_count;
	if (o->inverted) {
		y1 = r->ypad1 + depth * o->frameheight;
		y2 = r->ypad1 + (depth + 1) * o->frameheight - FRAMEPAD;
	} else {
		y1 = r->height - r->ypad2 - (depth + 1) * o->frameheight + FRAMEPAD;
		y2 = r->height - r->ypad2 - depth * o->frameheight;
	}
	if (t->before) {
		double delta = after - t->before[id];

		if (o->negate)
			delta = -delta;
		if (after <= 0 && t->before[id] > 0) {
			snprintf(fill, sizeof(fill), "url(#removed)");
		} else if (delta == 0 || r->maxdelta <= 0) {
			snprintf(fill, sizeof(fill), "rgb(250,250,250)");
		} else {
			int c = (int)(210 * (1 - fabs(delta) / r->maxdelta));

			if (delta > 0)
				snprintf(fill, sizeof(fill), "rgb(255,%d,%d)", c, c);
			else
				snprintf(fill, sizeof(fill), "rgb(%d,%d,255)", c, c);
		}
	} else if (id == 0) {
		snprintf(fill, sizeof(fill), "rgb(%s)", o->hash ? "250,110,50" : "230,100,40");
	} else {
		/* a name is drawn in several frames (60,385 frames, 26,059 names in one profile) */
		uint32_t c = r->color ? r->color[name] : 0;

		if (!c) {
			c = frame_color(o, s, n) | 1u << 24;
			if (r->color)
				r->color[name] = c;
		}
		rgb_str(fill, c & 0xffffff);
	}

	out_lit(out, "<g class=\"f\" tabindex=\"0\" data-s=\"");
	put_count(out, start, false);
	out_lit(out, "\" data-w=\"");
	put_count(out, w, false);
	out_lit(out, "\"><title>");
	dl = put_text(out, s, n, SIZE_MAX); /* the name's display_len() */
	out_lit(out, " (");
	put_count(out, after, true);
	out_lit(out, " ");
	put_str(out, o->countname);
	out_lit(out, ", ");
	put_fixed(out, r->total > 0 ? 100 * after / r->total : 0, 2);
	out_lit(out, "%");
	if (t->before) {
		double before = t->before[id], delta = after - before;

		out_lit(out, "; before ");
		put_count(out, before, true);
		out_lit(out, ", ");
		if (after <= 0 && before > 0) {
			out_lit(out, "removed");
		} else {
			out_str(out, delta >= 0 ? "+" : "-");
			put_count(out, fabs(delta), true);
		}
	}
	out_lit(out, ")</title><rect x=\"");
	put_fixed(out, x1, 1);
	out_lit(out, "\" y=\"");
	put_fixed(out, y1, 1);
	out_lit(out, "\" width=\"");
	put_fixed(out, x2 - x1, 1);
	out_lit(out, "\" height=\"");
	put_fixed(out, y2 - y1, 1);
	out_lit(out, "\" fill=\"");
	out_str(out, fill);
	out_lit(out, "\" rx=\"2\" ry=\"2\"/><text x=\"");
	put_fixed(out, x1 + 3, 1);
	out_lit(out, "\" y=\"");
	put_fixed(out, 3 + (y1 + y2) / 2, 1);
	out_lit(out, "\">");
	/* the label: as many characters as fit, ".." when cut (the script does the same) */
	chars = (size_t)((x2 - x1) / (o->fontsize * o->fontwidth));
	if (chars >= 3) {
		if (dl <= chars) {
			put_text(out, s, n, SIZE_MAX);
		} else {
			put_text(out, s, n, chars - 2);
			out_lit(out, "..");
		}
	}
	out_lit(out, "</text></g>\n");
}

/* Second walk: draw id and, depth first, its children that are wide enough. */
static int draw(struct render *r, uint32_t id, int depth, double start)
{
	const struct stack_tree *t = r->t;
	size_t first = r->pool_len, n, i;
	uint32_t c;
	int err;

	put_frame(r, id, depth, start);
	for (c = t->nodes[id].child; c != ST_NONE; c = t->nodes[c].sibling) {
		if (r->pool_len == r->pool_cap) {
			size_t cap = r->pool_cap ? r->pool_cap * 2 : 4096;
			uint32_t *p = realloc(r->pool, cap * sizeof(*p));

			if (!p)
				return -ENOMEM;
			r->pool = p;
			r->pool_cap = cap;
		}
		r->pool[r->pool_len++] = c;
	}
	n = r->pool_len - first;
	if (!(t->flags & STACK_TREE_FLAMECHART)) {
		qsort_r(r->pool + first, n, sizeof(*r->pool), cmp_children, r);
	} else {
		for (i = 0; i < n / 2; i++) { /* the list is newest first */
			c = r->pool[first + i];
			r->pool[first + i] = r->pool[first + n - 1 - i];
			r->pool[first + n - 1 - i] = c;
		}
	}
	/* pruned children are not drawn but keep their place */
	for (i = 0; i < n; i++) {
		double cw;

		c = r->pool[first + i];
		cw = node_w(r, c);
		if (cw >= r->min_w && cw > 0) {
			err = draw(r, c, depth + 1, start);
			if (err)
				return err;
		}
		start += cw;
	}
	r->pool_len = first;
	return 0;
}

/* Kinds of frames the tree holds that the palette colors on their own. */
static unsigned colored_kinds(const struct stack_tree *t, const struct flamegraph_opts *o)
{
	unsigned kinds = 0;
	uint32_t i;
	enum pal p;

	if (t->before || (strcmp(o->colors, "hot") && strcmp(o->colors, "mem")))
		return 0;
	for (i = 0; i < t->n_names; i++) {
		if (kind_palette(st_name_str(t, i), st_name_len(t, i), &p))
			kinds |= 1u << flamegraph_frame_kind(st_name_str(t, i), st_name_len(t, i));
	}
	return kinds;
}

/*
 * A legend of the frame colors, when the graph has Python or Ruby frames: a swatch and a word
 * for each, and for native frames, at the right of the header before Search; left out when a
 * long title leaves no room.
 */
static void put_legend(const struct render *r, const char *title)
{
	static const struct {
		enum flamegraph_frame_kind kind;
		const char *label, *color;
	} items[] = {
		{FG_FRAME_PYTHON, "Python", "rgb(85,177,235)"},
		{FG_FRAME_RUBY, "Ruby", "rgb(235,95,142)"},
		{FG_FRAME_NATIVE, "native", NULL},
	};
	const struct flamegraph_opts *o = r->o;
	double cw = o->fontsize * o->fontwidth, end = o->width - XPAD - 100 - 12, x, width = 0;
	double title_end = o->width / 2.0 +
			   display_len(title, strlen(title)) * (o->fontsize + 5) * o->fontwidth / 2;
	size_t i;

	if (!(r->kinds & (1u << FG_FRAME_PYTHON | 1u << FG_FRAME_RUBY)))
		return;
	for (i = 0; i < sizeof(items) / sizeof(items[0]); i++) {
		if (items[i].kind == FG_FRAME_NATIVE || r->kinds & 1u << items[i].kind)
			width += 14 + strlen(items[i].label) * cw + 12;
	}
	x = end - width + 12;
	if (x < title_end + 12)
		return;
	out_lit(r->out, "<g id=\"legend\">");
	for (i = 0; i < sizeof(items) / sizeof(items[0]); i++) {
		const char *color = items[i].color;

		if (items[i].kind != FG_FRAME_NATIVE && !(r->kinds & 1u << items[i].kind))
			continue;
		if (!color)
			color = strcmp(o->colors, "mem") ? "rgb(230,115,27)" : "rgb(0,215,105)";
		out_printf(r->out,
			   "<rect x=\"%.1f\" y=\"%g\" width=\"10\" height=\"10\" fill=\"%s\"/>", x,
			   o->fontsize * 2 - 10, color);
		out_printf(r->out, "<text x=\"%.1f\" y=\"%g\">%s</text>", x + 14, o->fontsize * 2,
			   items[i].label);
		x += 14 + strlen(items[i].label) * cw + 12;
	}
	out_lit(r->out, "</g>\n");
}

/*
 * The header (title, subtitle, Reset Zoom, Search, ic) and the footer (details, Matched), drawn
 * after the frames so that they can float over them: in a graph taller than the window the
 * script keeps them on screen, each on a band of the background's color at its end of the
 * graph, transparent until it floats. Their controls come first in the Tab order.
 */
static void put_bars(const struct render *r, const char *title, const char *bg_top,
		     const char *bg_bottom)
{
	const struct flamegraph_opts *o = r->o;
	struct svg_out *out = r->out;
	int w = o->width;

	out_printf(out,
		   "<g id=\"header\"><rect class=\"band\" x=\"0\" y=\"0\" width=\"%d\" "
		   "height=\"%g\" fill=\"%s\"/>\n",
		   w, r->ypad1, bg_top);
	out_printf(out, "<text id=\"title\" x=\"%.1f\" y=\"%g\">", w / 2.0, o->fontsize * 2);
	put_str(out, title);
	out_lit(out, "</text>\n");
	if (o->subtitle) {
		out_printf(out, "<text id=\"subtitle\" x=\"%.1f\" y=\"%g\">", w / 2.0,
			   o->fontsize * 4);
		put_str(out, o->subtitle);
		out_lit(out, "</text>\n");
	}
	out_printf(out,
		   "<text id=\"unzoom\" class=\"hide\" tabindex=\"1\" x=\"%d\" y=\"%g\">Reset Zoom"
		   "</text>\n",
		   XPAD, o->fontsize * 2);
	out_printf(out, "<text id=\"search\" tabindex=\"1\" x=\"%d\" y=\"%g\">Search</text>\n",
		   w - XPAD - 100, o->fontsize * 2);
	out_printf(out, "<text id=\"ignorecase\" tabindex=\"1\" x=\"%d\" y=\"%g\">ic</text>\n",
		   w - XPAD - 16, o->fontsize * 2);
	put_legend(r, title);
	out_lit(out, "</g>\n");
	out_printf(out,
		   "<g id=\"footer\"><rect class=\"band\" x=\"0\" y=\"%g\" width=\"%d\" "
		   "height=\"%g\" fill=\"%s\"/>\n",
		   r->height - r->ypad2, w, r->ypad2, bg_bottom);
	out_printf(out, "<text id=\"details\" x=\"%d\" y=\"%g\"> </text>\n", XPAD,
		   r->height - r->ypad2 / 2);
	out_printf(out, "<text id=\"matched\" x=\"%d\" y=\"%g\"> </text>\n</g>\n", w - XPAD - 100,
		   r->height - r->ypad2 / 2);
}

int flamegraph__write_svg(const struct stack_tree *t, const struct flamegraph_opts *o, FILE *f)
{
	struct svg_out out = {.f = f, .cap = OUT_BUF};
	struct render r = {.t = t, .o = o, .out = &out, .depthmax = 0};
	double *widths = NULL;
	const char *title = o->title, *bg_top = "#eeeeee", *bg_bottom = "#eeeeb0";
	char b[48];
	int err = 0, w = o->width;

	if (t->nodes[0].total <= 0 && !(t->before && t->before[0] > 0))
		return -ERR_BADINPUT;
	if (t->before) {
		widths = diff_widths(t);
		if (!widths)
			return -ENOMEM;
		r.w = widths;
	}
	out.buf = malloc(out.cap);
	if (!t->before)
		r.color =
			calloc(t->n_names ? t->n_names : 1, sizeof(*r.color)); /* NULL: no cache */
	if (!out.buf) {
		err = -ENOMEM;
		goto cleanup;
	}
	r.total = t->nodes[0].total;
	r.kinds = colored_kinds(t, o);
	r.px_per_count = (double)(w - 2 * XPAD) / node_w(&r, 0);
	r.min_w =
		o->minwidth_pct ? node_w(&r, 0) * o->minwidth / 100 : o->minwidth / r.px_per_count;
	err = measure(&r);
	if (err)
		goto cleanup;
	r.ypad1 = o->fontsize * 3;
	r.ypad2 = o->fontsize * 2 + 10;
	if (o->subtitle)
		r.ypad1 += o->fontsize * 2;
	r.height = (int)((r.depthmax + 1) * o->frameheight + r.ypad1 + r.ypad2);
	if (!title) {
		if (t->before)
			title = "Differential Flame Graph";
		else if (o->flamechart)
			title = "Flame Chart";
		else if (o->inverted)
			title = "Icicle Graph";
		else
			title = "Flame Graph";
	}

	if (t->before || !strcmp(o->colors, "io") || !strcmp(o->colors, "wakeup")) {
		bg_top = "#f8f8f8";
		bg_bottom = "#e8e8e8";
	} else if (!strcmp(o->colors, "mem")) {
		bg_bottom = "#e0e0ff";
	}
	out_printf(&out,
		   "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
		   "<svg version=\"1.1\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		   "data-inverted=\"%d\" onload=\"init(evt)\" xmlns=\"http://www.w3.org/2000/svg\" "
		   "font-family=\"",
		   w, r.height, w, r.height, o->inverted ? 1 : 0);
	put_str(&out, o->fonttype);
	out_printf(&out, "\" font-size=\"%g\">\n", o->fontsize);
	if (o->notes) {
		out_lit(&out, "<desc id=\"notes\">");
		put_str(&out, o->notes);
		out_lit(&out, "</desc>\n");
	}
	out_printf(
		&out,
		"<defs>\n"
		"<linearGradient id=\"background\" y1=\"0\" y2=\"1\" x1=\"0\" x2=\"0\">"
		"<stop stop-color=\"%s\" offset=\"5%%\"/><stop stop-color=\"%s\" offset=\"95%%\"/>"
		"</linearGradient>\n"
		"<pattern id=\"removed\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
		"patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" "
		"fill=\"rgb(215,215,235)\"/><rect width=\"2\" height=\"6\" "
		"fill=\"rgb(110,110,200)\"/>"
		"</pattern>\n"
		"</defs>\n",
		bg_top, bg_bottom);
	out_printf(
		&out,
		"<style type=\"text/css\">\n"
		"#title { text-anchor: middle; font-size: %gpx; }\n"
		"#subtitle { text-anchor: middle; fill: rgb(160,160,160); }\n"
		"#search, #ignorecase { opacity: 0.1; cursor: pointer; }\n"
		"#search:hover, #search.show, #ignorecase:hover, #ignorecase.show { opacity: 1; }\n"
		"#unzoom { cursor: pointer; }\n"
		"#frames > *:hover { stroke: black; stroke-width: 0.5; cursor: pointer; }\n"
		"#frames > *:focus { outline: none; stroke: black; stroke-width: 1.5; }\n"
		".band { fill-opacity: 0; }\n"
		".float > .band { fill-opacity: 0.95; }\n"
		".hide { display: none; }\n"
		".parent { opacity: 0.5; }\n"
		"</style>\n",
		o->fontsize + 5);
	out_lit(&out, "<script type=\"text/ecmascript\"><![CDATA[\n");
	out_str(&out, flamegraph_script);
	out_lit(&out, "]]></script>\n");
	out_printf(&out,
		   "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"url(#background)\"/>\n",
		   w, r.height);
	out_printf(&out,
		   "<g id=\"frames\" data-xpad=\"%d\" data-fontsize=\"%g\" data-fontwidth=\"%g\" "
		   "data-frameheight=\"%d\" data-nametype=\"",
		   XPAD, o->fontsize, o->fontwidth, o->frameheight);
	put_str(&out, o->nametype);
	out_printf(&out, "\" data-total=\"%s\">\n", exact_txt(r.total, b, sizeof(b)));
	err = draw(&r, 0, 0, 0);
	if (err)
		goto cleanup;
	out_lit(&out, "</g>\n");
	put_bars(&r, title, bg_top, bg_bottom);
	out_lit(&out, "</svg>\n");
	out_flush(&out);
	err = out.err;
	if (!err && (fflush(f) || ferror(f)))
		err = -EIO;
cleanup:
	free(widths);
	free(r.pool);
	free(r.color);
	free(out.buf);
	return err;
}
