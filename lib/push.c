// SPDX-License-Identifier: GPL-2.0
/*
 * One profile to Pyroscope or Parca (see lib/push.h): the target's options, the request of
 * each backend, and one HTTP POST through lib/http.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/errors.h"
#include "lib/http.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/push.h"

void push_target__init(struct push_target *t, const char *cmd)
{
	memset(t, 0, sizeof(*t));
	t->cmd = cmd;
	t->name = "rtprof";
	t->backend = PUSH_PYROSCOPE;
	t->sample_rate = PUSH_SAMPLE_RATE;
}

const char *push_backend_name(enum push_backend b)
{
	return b == PUSH_PARCA ? "parca" : "pyroscope";
}

int push_target__option(struct push_target *t, int opt, const char *arg)
{
	switch (opt) {
	case PUSH_OPT_NAME:
		t->name = arg;
		return 0;
	case PUSH_OPT_LABEL:
		if (t->n_labels == PUSH_MAX_LABELS) {
			fprintf(stderr, "rtprof %s: at most %d labels\n", t->cmd, PUSH_MAX_LABELS);
			return -ERR_USAGE;
		}
		t->labels[t->n_labels++] = arg;
		return 0;
	case PUSH_OPT_TENANT:
		t->tenant = arg;
		return 0;
	case PUSH_OPT_BACKEND:
		if (strcmp(arg, "pyroscope") && strcmp(arg, "parca")) {
			fprintf(stderr, "rtprof %s: --backend wants pyroscope or parca, not '%s'\n",
				t->cmd, arg);
			return -ERR_USAGE;
		}
		t->backend = strcmp(arg, "parca") ? PUSH_PYROSCOPE : PUSH_PARCA;
		return 0;
	}
	return -ERR_USAGE;
}

/* Label keys as Prometheus and both backends take them; values without Pyroscope's
 * delimiters. */
static int check_label(const struct push_target *t, const char *l)
{
	const char *eq = strchr(l, '=');
	size_t i, klen;

	klen = eq ? (size_t)(eq - l) : 0;
	for (i = 0; i < klen; i++) {
		char ch = l[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' ||
		      (i && ((ch >= '0' && ch <= '9') || ch == '.'))))
			break;
	}
	if (!eq || !klen || i < klen || !eq[1] ||
	    (t->backend == PUSH_PYROSCOPE && strpbrk(eq + 1, "{},="))) {
		fprintf(stderr,
			"rtprof %s: --label wants KEY=VALUE (KEY: letters, digits, _ and .; a "
			"VALUE without { } , =), not '%s'\n",
			t->cmd, l);
		return -ERR_USAGE;
	}
	return 0;
}

int push_target__finish(struct push_target *t, const char *to)
{
	int err, i;

	t->to = to;
	if (!strncmp(to, "pyroscope:", 10) && strncmp(to + 10, "//", 2)) {
		t->backend = PUSH_PYROSCOPE;
		to += 10;
	} else if (!strncmp(to, "parca:", 6) && strncmp(to + 6, "//", 2)) {
		t->backend = PUSH_PARCA;
		to += 6;
	}
	t->url_str = to;
	err = http_url__parse(&t->url, to);
	if (err == -EPROTONOSUPPORT) {
		fprintf(stderr,
			"rtprof %s: %s: only http:// is supported (rtprof speaks no TLS): push to "
			"a local agent or proxy that forwards over TLS\n",
			t->cmd, to);
		return -ERR_USAGE;
	}
	if (err) {
		fprintf(stderr,
			"rtprof %s: wants [pyroscope:|parca:]http://HOST[:PORT][/PATH], not '%s'\n",
			t->cmd, t->to);
		return -ERR_USAGE;
	}
	for (i = 0; i < t->n_labels; i++) {
		err = check_label(t, t->labels[i]);
		if (err)
			return err;
	}
	if (t->backend == PUSH_PYROSCOPE && strpbrk(t->name, "{},=")) {
		fprintf(stderr, "rtprof %s: --name: no { } , = in an application name\n", t->cmd);
		return -ERR_USAGE;
	}
	return 0;
}

void push_range(long long start_ns, long long duration_ns, long long *from, long long *until)
{
	*from = start_ns / 1000000000ll;
	*until = (start_ns + duration_ns + 999999999ll) / 1000000000ll;
	if (*until <= *from)
		*until = *from + 1;
}

static void base64(FILE *f, const unsigned char *p, size_t len)
{
	static const char tbl[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;

	for (i = 0; i + 2 < len; i += 3) {
		fputc(tbl[p[i] >> 2], f);
		fputc(tbl[((p[i] & 3) << 4) | (p[i + 1] >> 4)], f);
		fputc(tbl[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)], f);
		fputc(tbl[p[i + 2] & 63], f);
	}
	if (len - i == 1) {
		fputc(tbl[p[i] >> 2], f);
		fputc(tbl[(p[i] & 3) << 4], f);
		fputs("==", f);
	} else if (len - i == 2) {
		fputc(tbl[p[i] >> 2], f);
		fputc(tbl[((p[i] & 3) << 4) | (p[i + 1] >> 4)], f);
		fputc(tbl[(p[i + 1] & 15) << 2], f);
		fputc('=', f);
	}
}

/* Query-string encoding: unreserved characters as they are, the rest %XX. */
static void url_encode(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || strchr("-._~", ch))
			fputc(ch, f);
		else
			fprintf(f, "%%%02X", ch);
	}
}

/* Pyroscope's name: APP{k=v,k2=v2}. */
static void pyroscope_name(FILE *f, const struct push_target *t)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *n = open_memstream(&buf, &len);
	int i;

	if (!n)
		return;
	fputs(t->name, n);
	if (t->n_labels) {
		fputc('{', n);
		for (i = 0; i < t->n_labels; i++)
			fprintf(n, "%s%s", i ? "," : "", t->labels[i]);
		fputc('}', n);
	}
	fclose(n);
	url_encode(f, buf);
	free(buf);
}

static void parca_label(FILE *f, bool *first, const char *name, size_t nlen, const char *value)
{
	fputs(*first ? "{\"name\":" : ",{\"name\":", f);
	json_strn(f, name, nlen);
	fputs(",\"value\":", f);
	json_str(f, value);
	fputc('}', f);
	*first = false;
}

static int parca_body(const struct push_target *t, const void *data, size_t len, char **body,
		      size_t *body_len)
{
	FILE *f = open_memstream(body, body_len);
	bool first = true, has_name = false;
	int i;

	if (!f)
		return -ENOMEM;
	for (i = 0; i < t->n_labels; i++)
		has_name |= !strncmp(t->labels[i], "__name__=", 9);
	fputs("{", f);
	if (t->tenant) {
		fputs("\"tenant\":", f);
		json_str(f, t->tenant);
		fputc(',', f);
	}
	fputs("\"series\":[{\"labels\":{\"labels\":[", f);
	if (!has_name)
		parca_label(f, &first, "__name__", 8, "process_cpu");
	parca_label(f, &first, "service_name", 12, t->name);
	for (i = 0; i < t->n_labels; i++) {
		const char *eq = strchr(t->labels[i], '=');

		parca_label(f, &first, t->labels[i], eq - t->labels[i], eq + 1);
	}
	fputs("]},\"samples\":[{\"rawProfile\":\"", f);
	base64(f, data, len);
	/* rtprof's pprof locations hold ELF addresses: already normalized */
	fputs("\"}]}],\"normalized\":true}", f);
	return fclose(f) ? -ENOMEM : 0;
}

int push_send(const struct push_target *t, const void *data, size_t len, enum push_format fmt,
	      long long from, long long until)
{
	const char *what = push_backend_name(t->backend);
	bool pprof = fmt == PUSH_PPROF;
	struct http_header hdr[2];
	struct http_reply reply;
	char *target = NULL, *body = NULL;
	size_t target_len = 0, body_len = 0, n_hdr = 0;
	FILE *f;
	int err;

	if (!pprof && t->backend == PUSH_PARCA) {
		pr_warn("%s %s: Parca takes pprof profiles only, not folded stacks\n", t->cmd,
			t->url_str);
		return -ERR_BADINPUT;
	}
	if (until <= from)
		until = from + 1;
	f = open_memstream(&target, &target_len);
	if (!f)
		return -ENOMEM;
	if (t->backend == PUSH_PYROSCOPE) {
		fprintf(f, "%s/ingest?name=", t->url.path);
		pyroscope_name(f, t);
		fprintf(f, "&from=%lld&until=%lld&format=%s&spyName=rtprof", from, until,
			pprof ? "pprof" : "folded");
		if (!pprof)
			fprintf(f, "&sampleRate=%ld", t->sample_rate);
		hdr[n_hdr++] = (struct http_header){
			"Content-Type", pprof ? "application/octet-stream" : "text/plain"};
		if (t->tenant)
			hdr[n_hdr++] = (struct http_header){"X-Scope-OrgID", t->tenant};
	} else {
		fprintf(f, "%s/profiles/writeraw", t->url.path);
		hdr[n_hdr++] = (struct http_header){"Content-Type", "application/json"};
	}
	if (fclose(f)) {
		err = -ENOMEM;
		goto cleanup;
	}
	if (t->backend == PUSH_PARCA) {
		err = parca_body(t, data, len, &body, &body_len);
		if (err)
			goto cleanup;
	}
	pr_debug("%s: POST http://%s%s (%s)\n", t->cmd, t->url.host_header, target, what);
	err = http_post(&t->url, target, hdr, n_hdr, body ? body : data, body ? body_len : len,
			PUSH_TIMEOUT_MS, &reply);
	if (err) {
		pr_warn("%s %s: %s\n", t->cmd, t->url_str,
			err == -EPROTO ? "the reply is not HTTP" : err_str(err));
		goto cleanup;
	}
	if (reply.status < 200 || reply.status > 299) {
		reply.body[strcspn(reply.body, "\r\n")] = 0;
		pr_warn("%s %s: the %s server answered HTTP %d%s%s\n", t->cmd, t->url_str, what,
			reply.status, reply.body[0] ? ": " : "", reply.body);
		err = -EPROTO;
		goto cleanup;
	}
	pr_debug("%s: %zu bytes (%s) sent to %s %s: HTTP %d\n", t->cmd, len,
		 pprof ? "pprof" : "folded", what, t->url_str, reply.status);
cleanup:
	free(target);
	free(body);
	return err;
}
