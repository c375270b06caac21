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
 * or --from/--until. The request itself is lib/push.h's (also profile --push's): one HTTP/1.1
 * request over a plain socket (lib/http.h): http:// only, no proxy, no redirect; the URL's
 * host is the only address contacted.
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
#include "lib/log.h"
#include "lib/opts.h"
#include "lib/push.h"
#include "profiler/commands.h"

#define PUSH_MAX_FILE	  (1024ul << 20) /* bytes */
#define PPROF_TIME_NANOS  9		 /* fields of perftools.profiles.Profile */
#define PPROF_DURATION_NS 10

struct push_opts {
	const char *file, *to;
	struct push_target t;
	double from, until; /* UNIX seconds, 0: from the profile */
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
		"backend\n" PUSH_USAGE "      --from S, --until S\n"
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
		OPT_FROM,
		OPT_UNTIL,
		OPT_RATE,
	};
	static const struct option longopts[] = {
		{"to", required_argument, NULL, OPT_TO},
		PUSH_LONGOPTS,
		{"from", required_argument, NULL, OPT_FROM},
		{"until", required_argument, NULL, OPT_UNTIL},
		{"sample-rate", required_argument, NULL, OPT_RATE},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	struct opts_common co = {"push", NULL, NULL, usage};
	int c, err = 0;

	push_target__init(&o->t, "push");
	optind = 1;
	while (!err && (c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_TO:
			o->to = optarg;
			break;
		case PUSH_OPT_NAME:
		case PUSH_OPT_LABEL:
		case PUSH_OPT_TENANT:
		case PUSH_OPT_BACKEND:
			err = push_target__option(&o->t, c, optarg);
			break;
		case OPT_FROM:
			err = opts_number("push", "--from", optarg, &o->from);
			break;
		case OPT_UNTIL:
			err = opts_number("push", "--until", optarg, &o->until);
			break;
		case OPT_RATE:
			err = opts_long("push", "--sample-rate", optarg, 1, 1000000,
					&o->t.sample_rate);
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
	char *data = NULL;
	unsigned char *raw = NULL;
	size_t len = 0, raw_len = 0;
	unsigned long long time_ns = 0, dur_ns = 0;
	long long from, until;
	double mtime = 0;
	bool pprof;
	int err;

	err = parse_opts(argc, argv, &o);
	if (err)
		return err > 0 ? 0 : err;
	err = push_target__finish(&o.t, o.to);
	if (err)
		return err;

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
	} else if (o.t.backend == PUSH_PARCA) {
		pr_warn("push %s: Parca takes pprof profiles only; this file is folded stacks\n",
			o.file);
		err = -ERR_BADINPUT;
		goto cleanup;
	}
	/* the time range: options, else the profile's own, else the file's mtime */
	if (time_ns) {
		push_range((long long)time_ns, (long long)dur_ns, &from, &until);
	} else {
		until = (long long)mtime;
		from = until - (long long)(dur_ns / 1000000000ull);
	}
	if (o.from > 0)
		from = (long long)o.from;
	if (o.until > 0)
		until = (long long)o.until;
	err = push_send(&o.t, data, len, pprof ? PUSH_PPROF : PUSH_FOLDED, from, until);
	if (!err)
		pr_info("push: %s (%zu bytes, %s) sent to %s %s\n", o.file, len,
			pprof ? "pprof" : "folded", push_backend_name(o.t.backend), o.t.url_str);
cleanup:
	free(data);
	free(raw);
	return err;
}
