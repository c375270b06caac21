// SPDX-License-Identifier: GPL-2.0
/*
 * rtprof push FILE --to URL: send a profile to the server that aggregates a fleet's profiles.
 *
 *   Grafana Pyroscope  POST URL/ingest?name=APP{k=v,...}&from=S&until=S&format=pprof
 *                      &spyName=rtprof, the file as the body (X-Scope-OrgID: --tenant).
 *                      A folded file goes as format=folded with sampleRate=HZ.
 *   Parca              POST URL/profiles/writeraw (the REST form of ProfileStoreService/
 *                      WriteRaw): {"series":[{"labels":{"labels":[{"name","value"}...]},
 *                      "samples":[{"rawProfile": BASE64}]}],"normalized":true}; pprof only.
 *
 * The file must read whole as pprof (gzipped or raw; flamegraph/pprof.h) or as folded stacks.
 * The backend is chosen by a prefix of --to (pyroscope:URL, parca:URL) or --backend. The time
 * range comes from the pprof profile's time_nanos and duration_nanos (else the file's mtime),
 * or --from/--until. One HTTP/1.1 request over a plain socket (lib/http.h): http:// only, no
 * proxy, no redirect; the URL's host is the only address contacted.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "flamegraph/folded.h"
#include "flamegraph/pprof.h"
#include "lib/errors.h"
#include "lib/http.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/opts.h"
#include "profiler/commands.h"

#define PUSH_MAX_LABELS	  64
#define PUSH_MAX_FILE	  (1024ul << 20) /* bytes */
#define PUSH_TIMEOUT_MS	  30000
#define PUSH_SAMPLE_RATE  99 /* Hz: profile's default -F, for folded files */
#define PPROF_TIME_NANOS  9  /* fields of perftools.profiles.Profile */
#define PPROF_DURATION_NS 10

enum backend {
	BACKEND_PYROSCOPE,
	BACKEND_PARCA,
};

struct push_opts {
	const char *file, *to, *name, *tenant;
	enum backend backend;
	bool backend_set;
	const char *labels[PUSH_MAX_LABELS]; /* "k=v" */
	int n_labels;
	double from, until; /* UNIX seconds, 0: from the profile */
	long sample_rate;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: rtprof push FILE --to [pyroscope:|parca:]URL [--name APP] [--label "
		"K=V]...\n"
		"                   [--tenant ID] [--backend pyroscope|parca] [--from S] [--until "
		"S]\n"
		"                   [--sample-rate HZ]\n"
		"\n"
		"Send a profile to a Grafana Pyroscope server (POST URL/ingest, format=pprof; a "
		"folded\n"
		"file as format=folded) or a Parca server (POST URL/profiles/writeraw, pprof "
		"only).\n"
		"http:// only: rtprof speaks no TLS (push to a local agent or proxy instead).\n"
		"\n"
		"      --to URL          the server; a pyroscope: or parca: prefix picks the "
		"backend\n"
		"      --backend NAME    pyroscope (default) or parca, for a URL without prefix\n"
		"      --name APP        application name (default rtprof): Pyroscope's name, "
		"Parca's\n"
		"                        service_name label\n"
		"      --label K=V       a label (repeatable); Parca's __name__ defaults to "
		"process_cpu\n"
		"      --tenant ID       Pyroscope: X-Scope-OrgID; Parca: the request's tenant\n"
		"      --from S, --until S\n"
		"                        the profile's time range in UNIX seconds (default: from "
		"the\n"
		"                        pprof profile, else the file's modification time)\n"
		"      --sample-rate HZ  folded files: samples per second (default %d)\n"
		"  -v, --verbose         debug output\n"
		"  -h, --help            this help\n"
		"\n"
		"examples:\n"
		"  rtprof push cpu.pb.gz --to pyroscope:http://127.0.0.1:4040 --name shop "
		"--label env=ci\n"
		"  rtprof push cpu.pb.gz --to parca:http://127.0.0.1:7070 --label job=bench\n",
		PUSH_SAMPLE_RATE);
}

static int parse_opts(int argc, char **argv, struct push_opts *o)
{
	enum {
		OPT_TO = 256,
		OPT_NAME,
		OPT_LABEL,
		OPT_TENANT,
		OPT_BACKEND,
		OPT_FROM,
		OPT_UNTIL,
		OPT_RATE,
	};
	static const struct option longopts[] = {
		{"to", required_argument, NULL, OPT_TO},
		{"name", required_argument, NULL, OPT_NAME},
		{"label", required_argument, NULL, OPT_LABEL},
		{"tenant", required_argument, NULL, OPT_TENANT},
		{"backend", required_argument, NULL, OPT_BACKEND},
		{"from", required_argument, NULL, OPT_FROM},
		{"until", required_argument, NULL, OPT_UNTIL},
		{"sample-rate", required_argument, NULL, OPT_RATE},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	struct opts_common co = {"push", NULL, NULL, usage};
	int c, err = 0;

	o->name = "rtprof";
	o->sample_rate = PUSH_SAMPLE_RATE;
	optind = 1;
	while (!err && (c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_TO:
			o->to = optarg;
			break;
		case OPT_NAME:
			o->name = optarg;
			break;
		case OPT_LABEL:
			if (o->n_labels == PUSH_MAX_LABELS) {
				fprintf(stderr, "rtprof push: at most %d labels\n",
					PUSH_MAX_LABELS);
				return -ERR_USAGE;
			}
			o->labels[o->n_labels++] = optarg;
			break;
		case OPT_TENANT:
			o->tenant = optarg;
			break;
		case OPT_BACKEND:
			if (strcmp(optarg, "pyroscope") && strcmp(optarg, "parca")) {
				fprintf(stderr,
					"rtprof push: --backend wants pyroscope or parca, not "
					"'%s'\n",
					optarg);
				return -ERR_USAGE;
			}
			o->backend = strcmp(optarg, "parca") ? BACKEND_PYROSCOPE : BACKEND_PARCA;
			o->backend_set = true;
			break;
		case OPT_FROM:
			err = opts_number("push", "--from", optarg, &o->from);
			break;
		case OPT_UNTIL:
			err = opts_number("push", "--until", optarg, &o->until);
			break;
		case OPT_RATE:
			err = opts_long("push", "--sample-rate", optarg, 1, 1000000,
					&o->sample_rate);
			break;
		default:
			err = opts_common__handle(&co, c, optarg);
		}
	}
	if (err)
		return err;
	if (argc - optind != 1 || !o->to) {
		fprintf(stderr, "rtprof push: wants FILE and --to URL (see rtprof push --help)\n");
		return -ERR_USAGE;
	}
	o->file = argv[optind];
	return 0;
}

/* Label keys as Prometheus and both backends take them; values without Pyroscope's
 * delimiters. */
static int check_label(const char *l, enum backend b)
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
	    (b == BACKEND_PYROSCOPE && strpbrk(eq + 1, "{},="))) {
		fprintf(stderr,
			"rtprof push: --label wants KEY=VALUE (KEY: letters, digits, _ and .; a "
			"VALUE without { } , =), not '%s'\n",
			l);
		return -ERR_USAGE;
	}
	return 0;
}

static char *read_file(const char *path, size_t *len, double *mtime)
{
	struct stat st;
	char *buf = NULL;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return NULL;
	if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
		errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		goto out;
	}
	if ((unsigned long)st.st_size > PUSH_MAX_FILE) {
		errno = EFBIG;
		goto out;
	}
	*mtime = st.st_mtim.tv_sec + st.st_mtim.tv_nsec / 1e9;
	buf = malloc(st.st_size + 1);
	if (!buf)
		goto out;
	*len = fread(buf, 1, st.st_size, f);
	if (*len != (size_t)st.st_size) {
		free(buf);
		buf = NULL;
		errno = EIO;
	}
out:
	fclose(f);
	return buf;
}

/* gunzip (zlib, gzip header); NULL when it is not gzip data. */
static unsigned char *gunzip(const char *in, size_t len, size_t *out_len)
{
	z_stream zs = {};
	unsigned char *out = NULL, *o;
	size_t cap = len * 4 + 4096;
	int rc;

	if (inflateInit2(&zs, 15 + 16) != Z_OK)
		return NULL;
	zs.next_in = (unsigned char *)in;
	zs.avail_in = (uInt)len;
	for (;;) {
		o = realloc(out, cap);
		if (!o)
			break;
		out = o;
		zs.next_out = out + zs.total_out;
		zs.avail_out = (uInt)(cap - zs.total_out);
		rc = inflate(&zs, Z_NO_FLUSH);
		if (rc == Z_STREAM_END) {
			*out_len = zs.total_out;
			inflateEnd(&zs);
			return out;
		}
		if ((rc != Z_OK && rc != Z_BUF_ERROR) || cap >= PUSH_MAX_FILE * 8 ||
		    (rc == Z_BUF_ERROR && zs.avail_in == 0))
			break;
		cap *= 2;
	}
	inflateEnd(&zs);
	free(out);
	return NULL;
}

static bool varint(const unsigned char **p, const unsigned char *end, unsigned long long *v)
{
	int shift;

	*v = 0;
	for (shift = 0; *p < end && shift < 64; shift += 7) {
		unsigned char b = *(*p)++;

		*v |= (unsigned long long)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return true;
	}
	return false;
}

/* time_nanos and duration_nanos of a perftools.profiles.Profile (top-level fields only).
 * false when the bytes are not a well-formed protobuf message. */
static bool pprof_times(const unsigned char *p, size_t len, unsigned long long *time_ns,
			unsigned long long *dur_ns)
{
	const unsigned char *end = p + len;
	unsigned long long key, v;

	*time_ns = *dur_ns = 0;
	while (p < end) {
		if (!varint(&p, end, &key))
			return false;
		switch (key & 7) {
		case 0:
			if (!varint(&p, end, &v))
				return false;
			if (key >> 3 == PPROF_TIME_NANOS)
				*time_ns = v;
			else if (key >> 3 == PPROF_DURATION_NS)
				*dur_ns = v;
			break;
		case 1:
			if (end - p < 8)
				return false;
			p += 8;
			break;
		case 2:
			if (!varint(&p, end, &v) || v > (unsigned long long)(end - p))
				return false;
			p += v;
			break;
		case 5:
			if (end - p < 4)
				return false;
			p += 4;
			break;
		default:
			return false;
		}
	}
	return true;
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
static void pyroscope_name(FILE *f, const struct push_opts *o)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *n = open_memstream(&buf, &len);
	int i;

	if (!n)
		return;
	fputs(o->name, n);
	if (o->n_labels) {
		fputc('{', n);
		for (i = 0; i < o->n_labels; i++)
			fprintf(n, "%s%s", i ? "," : "", o->labels[i]);
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

static int parca_body(const struct push_opts *o, const char *data, size_t len, char **body,
		      size_t *body_len)
{
	FILE *f = open_memstream(body, body_len);
	bool first = true, has_name = false;
	int i;

	if (!f)
		return -ENOMEM;
	for (i = 0; i < o->n_labels; i++)
		has_name |= !strncmp(o->labels[i], "__name__=", 9);
	fputs("{", f);
	if (o->tenant) {
		fputs("\"tenant\":", f);
		json_str(f, o->tenant);
		fputc(',', f);
	}
	fputs("\"series\":[{\"labels\":{\"labels\":[", f);
	if (!has_name)
		parca_label(f, &first, "__name__", 8, "process_cpu");
	parca_label(f, &first, "service_name", 12, o->name);
	for (i = 0; i < o->n_labels; i++) {
		const char *eq = strchr(o->labels[i], '=');

		parca_label(f, &first, o->labels[i], eq - o->labels[i], eq + 1);
	}
	fputs("]},\"samples\":[{\"rawProfile\":\"", f);
	base64(f, (const unsigned char *)data, len);
	/* rtprof's pprof locations hold ELF addresses: already normalized */
	fputs("\"}]}],\"normalized\":true}", f);
	return fclose(f) ? -ENOMEM : 0;
}

/* What the file is: a pprof profile (gzipped or raw) that flamegraph/pprof.h reads whole, or
 * folded stacks; anything else is refused before a byte is sent. */
static int check_profile(const struct push_opts *o, const char *data, size_t len, bool *pprof)
{
	struct pprof_read_info info = {};
	struct pprof_read_opts ro = {};
	struct stack_tree *t = stack_tree__new();
	int err;

	if (!t)
		return -ENOMEM;
	err = pprof_read(data, len, &ro, t, &info);
	*pprof = !err;
	if (err == -ERR_BADINPUT && info.gzip) {
		pr_warn("push %s: not a pprof profile: %s\n", o->file, info.error);
	} else if (err == -ERR_BADINPUT) {
		/* not pprof: folded text, in a tree of its own */
		stack_tree__free(t);
		t = stack_tree__new();
		if (!t)
			return -ENOMEM;
		err = memchr(data, 0, len) ? -ERR_BADINPUT
					   : stack_tree__parse_buf(t, data, len, NULL);
		if (!err && !stack_tree__stacks(t))
			err = -ERR_BADINPUT;
		if (err)
			pr_warn("push %s: neither a pprof profile nor folded stacks\n", o->file);
	} else if (err) {
		pr_warn("push %s: %s\n", o->file, err_str(err));
	}
	stack_tree__free(t);
	return err;
}

int cmd_push(int argc, char **argv)
{
	struct push_opts o = {};
	struct http_url url;
	struct http_header hdr[2];
	struct http_reply reply;
	const char *to, *what;
	char *data = NULL, *target = NULL, *body = NULL;
	unsigned char *raw = NULL;
	size_t len = 0, raw_len = 0, target_len = 0, body_len = 0, n_hdr = 0;
	unsigned long long time_ns = 0, dur_ns = 0;
	long long from, until;
	double mtime = 0;
	bool pprof;
	FILE *f;
	int err, i;

	err = parse_opts(argc, argv, &o);
	if (err)
		return err > 0 ? 0 : err;
	to = o.to;
	if (!strncmp(to, "pyroscope:", 10) && strncmp(to + 10, "//", 2)) {
		o.backend = BACKEND_PYROSCOPE;
		to += 10;
	} else if (!strncmp(to, "parca:", 6) && strncmp(to + 6, "//", 2)) {
		o.backend = BACKEND_PARCA;
		to += 6;
	}
	err = http_url__parse(&url, to);
	if (err == -EPROTONOSUPPORT) {
		fprintf(stderr,
			"rtprof push: %s: only http:// is supported (rtprof speaks no TLS): push "
			"to "
			"a local agent or proxy that forwards over TLS\n",
			to);
		return -ERR_USAGE;
	}
	if (err) {
		fprintf(stderr,
			"rtprof push: --to wants [pyroscope:|parca:]http://HOST[:PORT][/PATH], "
			"not '%s'\n",
			o.to);
		return -ERR_USAGE;
	}
	for (i = 0; i < o.n_labels; i++) {
		err = check_label(o.labels[i], o.backend);
		if (err)
			return err;
	}
	if (o.backend == BACKEND_PYROSCOPE && strpbrk(o.name, "{},=")) {
		fprintf(stderr, "rtprof push: --name: no { } , = in an application name\n");
		return -ERR_USAGE;
	}

	data = read_file(o.file, &len, &mtime);
	if (!data) {
		err = -errno;
		pr_warn("push %s: %s\n", o.file, err_str(err));
		goto cleanup;
	}
	err = check_profile(&o, data, len, &pprof);
	if (err)
		goto cleanup;
	if (pprof) {
		const unsigned char *pb = (const unsigned char *)data;
		size_t pb_len = len;

		if (pprof_is_gzip(data, len)) {
			raw = gunzip(data, len, &raw_len);
			pb = raw;
			pb_len = raw_len;
		}
		if (!pb || !pprof_times(pb, pb_len, &time_ns, &dur_ns)) {
			pr_warn("push %s: not a pprof profile\n", o.file);
			err = -ERR_BADINPUT;
			goto cleanup;
		}
	} else if (o.backend == BACKEND_PARCA) {
		pr_warn("push %s: Parca takes pprof profiles only; this file is folded stacks\n",
			o.file);
		err = -ERR_BADINPUT;
		goto cleanup;
	}
	/* the time range: options, else the profile's own, else the file's mtime */
	if (time_ns) {
		from = (long long)(time_ns / 1000000000ull);
		until = (long long)((time_ns + dur_ns + 999999999ull) / 1000000000ull);
	} else {
		until = (long long)mtime;
		from = until - (long long)(dur_ns / 1000000000ull);
	}
	if (o.from > 0)
		from = (long long)o.from;
	if (o.until > 0)
		until = (long long)o.until;
	if (until <= from)
		until = from + 1;

	f = open_memstream(&target, &target_len);
	if (!f) {
		err = -ENOMEM;
		goto cleanup;
	}
	if (o.backend == BACKEND_PYROSCOPE) {
		fprintf(f, "%s/ingest?name=", url.path);
		pyroscope_name(f, &o);
		fprintf(f, "&from=%lld&until=%lld&format=%s&spyName=rtprof", from, until,
			pprof ? "pprof" : "folded");
		if (!pprof)
			fprintf(f, "&sampleRate=%ld", o.sample_rate);
		hdr[n_hdr++] = (struct http_header){
			"Content-Type", pprof ? "application/octet-stream" : "text/plain"};
		if (o.tenant)
			hdr[n_hdr++] = (struct http_header){"X-Scope-OrgID", o.tenant};
	} else {
		fprintf(f, "%s/profiles/writeraw", url.path);
		hdr[n_hdr++] = (struct http_header){"Content-Type", "application/json"};
	}
	if (fclose(f)) {
		err = -ENOMEM;
		goto cleanup;
	}
	if (o.backend == BACKEND_PARCA) {
		err = parca_body(&o, data, len, &body, &body_len);
		if (err)
			goto cleanup;
	}
	what = o.backend == BACKEND_PYROSCOPE ? "pyroscope" : "parca";
	pr_debug("push: POST http://%s%s (%s)\n", url.host_header, target, what);
	err = http_post(&url, target, hdr, n_hdr, body ? body : data, body ? body_len : len,
			PUSH_TIMEOUT_MS, &reply);
	if (err) {
		pr_warn("push %s: %s\n", to,
			err == -EPROTO ? "the reply is not HTTP" : err_str(err));
		goto cleanup;
	}
	if (reply.status < 200 || reply.status > 299) {
		reply.body[strcspn(reply.body, "\r\n")] = 0;
		pr_warn("push %s: the %s server answered HTTP %d%s%s\n", to, what, reply.status,
			reply.body[0] ? ": " : "", reply.body);
		err = -EPROTO;
		goto cleanup;
	}
	pr_info("push: %s (%zu bytes, %s) sent to %s %s: HTTP %d\n", o.file, len,
		pprof ? "pprof" : "folded", what, to, reply.status);
cleanup:
	free(data);
	free(raw);
	free(target);
	free(body);
	return err;
}
