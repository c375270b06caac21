/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sending one profile to the server that aggregates a fleet's profiles (rtprof push FILE,
 * rtprof profile --push URL, and profile's continuous mode, once per interval):
 *
 *   Grafana Pyroscope  POST URL/ingest?name=APP{k=v,...}&from=S&until=S&format=pprof
 *                      &spyName=rtprof, the profile as the body (X-Scope-OrgID: tenant).
 *                      Folded stacks go as format=folded with sampleRate=HZ.
 *   Parca              POST URL/profiles/writeraw (the REST form of ProfileStoreService/
 *                      WriteRaw): {"series":[{"labels":{"labels":[{"name","value"}...]},
 *                      "samples":[{"rawProfile": BASE64}]}],"normalized":true}; pprof only.
 *
 * One HTTP/1.1 request through lib/http.h: http:// only, no proxy, no redirect; the URL's host
 * is the only address contacted. The bytes are sent as given: the caller knows they are a
 * profile (rtprof push checks a file first; profile writes its own pprof).
 *
 *	struct push_target t;
 *	push_target__init(&t, "profile --push");
 *	... getopt: case PUSH_OPT_NAME ... PUSH_OPT_BACKEND: push_target__option(&t, c, optarg)
 *	push_target__finish(&t, url);                    // -ERR_USAGE with one line
 *	push_send(&t, pprof_bytes, len, PUSH_PPROF, from_s, until_s);
 */
#ifndef RTPROF_PUSH_H
#define RTPROF_PUSH_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/http.h"

#define PUSH_MAX_LABELS	 64
#define PUSH_TIMEOUT_MS	 30000
#define PUSH_SAMPLE_RATE 99 /* Hz: profile's default -F, for folded stacks */

enum push_backend {
	PUSH_PYROSCOPE,
	PUSH_PARCA,
};

enum push_format {
	PUSH_PPROF,  /* gzipped or raw perftools.profiles.Profile */
	PUSH_FOLDED, /* folded stacks: Pyroscope only */
};

struct push_target {
	const char *cmd;     /* context of messages: "push", "profile --push" */
	const char *to;	     /* the URL as given, with its backend prefix */
	const char *url_str; /* the URL without the prefix */
	struct http_url url;
	enum push_backend backend;
	const char *name;   /* application: Pyroscope's name, Parca's service_name */
	const char *tenant; /* NULL: none */
	const char *labels[PUSH_MAX_LABELS]; /* "k=v" */
	int n_labels;
	long sample_rate; /* Hz, for folded stacks */
};

/* The options every pushing command takes, for its getopt_long table (needs <getopt.h>). */
enum {
	PUSH_OPT_NAME = 0x600,
	PUSH_OPT_LABEL,
	PUSH_OPT_TENANT,
	PUSH_OPT_BACKEND,
};
/* clang-format off */
#define PUSH_LONGOPTS						\
	{"name", required_argument, NULL, PUSH_OPT_NAME},	\
	{"label", required_argument, NULL, PUSH_OPT_LABEL},	\
	{"tenant", required_argument, NULL, PUSH_OPT_TENANT},	\
	{"backend", required_argument, NULL, PUSH_OPT_BACKEND}
/* clang-format on */
#define PUSH_USAGE                                                                                 \
	"      --name APP        application name (default rtprof): Pyroscope's name, Parca's\n"   \
	"                        service_name label\n"                                             \
	"      --label K=V       a label (repeatable); Parca's __name__ defaults to process_cpu\n" \
	"      --tenant ID       Pyroscope: X-Scope-OrgID; Parca: the request's tenant\n"          \
	"      --backend NAME    pyroscope (default) or parca, for a URL without prefix\n"

/* Defaults: Pyroscope, name "rtprof", no label, PUSH_SAMPLE_RATE. cmd names the messages. */
void push_target__init(struct push_target *t, const char *cmd);
/* One of PUSH_OPT_* with its argument. 0 or -ERR_USAGE (one line on stderr). */
int push_target__option(struct push_target *t, int opt, const char *arg);
/*
 * After the options: the URL, "[pyroscope:|parca:]http://HOST[:PORT][/PATH]" (a prefix picks
 * the backend), and the labels and name checked for it. 0 or -ERR_USAGE (one line: https is
 * refused with the reason).
 */
int push_target__finish(struct push_target *t, const char *to);

/* "pyroscope" or "parca" */
const char *push_backend_name(enum push_backend b);

/*
 * Send one profile of len bytes, covering from..until (UNIX seconds; until > from, else
 * from + 1 is sent). 0 when the server answered 2xx; otherwise one line on stderr naming the
 * URL and -EPROTO (an answer outside 2xx, or not HTTP), -ECONNREFUSED, -ETIMEDOUT, ...;
 * -ERR_BADINPUT for folded stacks to Parca.
 */
int push_send(const struct push_target *t, const void *data, size_t len, enum push_format fmt,
	      long long from, long long until);

/* The whole seconds that cover start_ns .. start_ns + duration_ns (CLOCK_REALTIME). */
void push_range(long long start_ns, long long duration_ns, long long *from, long long *until);

#endif
