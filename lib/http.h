/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A plain HTTP/1.1 client for one request at a time (rtprof push): http:// only (no TLS), one
 * TCP connection per request, a Content-Length body, "Connection: close", the whole reply read
 * until the server closes. It contacts the host named in the URL and nothing else: no proxy
 * from the environment, no redirect followed.
 */
#ifndef RTPROF_HTTP_H
#define RTPROF_HTTP_H

#include <stddef.h>

struct http_url {
	char host[256]; /* name or address, without the brackets of an IPv6 literal */
	char port[8];
	char path[2048]; /* the URL's path without a trailing '/', "" for the root */
	char host_header[300];
};

struct http_header {
	const char *name, *value;
};

struct http_reply {
	int status;	 /* 200, 404, ... */
	char body[512];	 /* the start of the reply's body, NUL-terminated (for messages) */
	size_t body_len; /* the whole body's length */
};

/* Parse "http://host[:port][/path]". -EPROTONOSUPPORT for https:// and any other scheme,
 * -EINVAL for a malformed URL. */
int http_url__parse(struct http_url *u, const char *url);

/*
 * POST body to u with the path target (path and query, starting with '/'), the headers given
 * (Host, Content-Length, Connection and User-Agent are added), timeout_ms for connecting, each
 * write and each read. 0 when a reply with a status line came (whatever the status), or a
 * negative errno (-ETIMEDOUT, -ECONNREFUSED, -EPROTO for a reply that is not HTTP).
 */
int http_post(const struct http_url *u, const char *target, const struct http_header *headers,
	      size_t n_headers, const void *body, size_t len, int timeout_ms,
	      struct http_reply *reply);

#endif
