// SPDX-License-Identifier: GPL-2.0
/*
 * HTTP/1.1 POST over a plain socket (lib/http.h).
 */
#include <errno.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "lib/http.h"

#define HTTP_MAX_HEAD (64u << 10) /* bytes of status line and headers kept */

int http_url__parse(struct http_url *u, const char *url)
{
	const char *p, *host, *host_end, *port = NULL, *path;
	size_t n;

	memset(u, 0, sizeof(*u));
	if (!strncasecmp(url, "https://", 8))
		return -EPROTONOSUPPORT;
	if (strncasecmp(url, "http://", 7))
		return strstr(url, "://") ? -EPROTONOSUPPORT : -EINVAL;
	host = url + 7;
	path = host + strcspn(host, "/?#");
	if (*host == '[') { /* [IPv6]:port */
		host_end = memchr(host, ']', path - host);
		if (!host_end)
			return -EINVAL;
		p = host_end + 1;
		host++;
		if (p < path && *p == ':')
			port = p + 1;
		else if (p != path)
			return -EINVAL;
	} else {
		host_end = memchr(host, ':', path - host);
		if (host_end)
			port = host_end + 1;
		else
			host_end = path;
	}
	n = host_end - host;
	if (!n || n >= sizeof(u->host) || memchr(host, '@', n))
		return -EINVAL;
	memcpy(u->host, host, n);
	if (port) {
		n = path - port;
		if (!n || n >= sizeof(u->port) || strspn(port, "0123456789") < n)
			return -EINVAL;
		memcpy(u->port, port, n);
	} else {
		strcpy(u->port, "80");
	}
	if (*path && *path != '/')
		return -EINVAL; /* a query or fragment right after the host */
	n = strcspn(path, "?#");
	while (n && path[n - 1] == '/')
		n--;
	if (n >= sizeof(u->path))
		return -EINVAL;
	memcpy(u->path, path, n);
	snprintf(u->host_header, sizeof(u->host_header), "%s%s%s:%s",
		 strchr(u->host, ':') ? "[" : "", u->host, strchr(u->host, ':') ? "]" : "",
		 u->port);
	return 0;
}

static int connect_to(const struct http_url *u, int timeout_ms)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL, *ai;
	struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
	int fd = -1, err, rc;

	rc = getaddrinfo(u->host, u->port, &hints, &res);
	if (rc)
		return rc == EAI_SYSTEM ? -errno : -EHOSTUNREACH;
	err = -ECONNREFUSED;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			err = -errno;
			continue;
		}
		/* on Linux SO_SNDTIMEO bounds connect() too */
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		err = errno == EINPROGRESS || errno == EAGAIN ? -ETIMEDOUT : -errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd >= 0 ? fd : err;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t w;

	while (len) {
		w = send(fd, p, len, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Read the reply: the status, and the start of the body. */
static int read_reply(int fd, struct http_reply *reply)
{
	char *head = NULL, buf[16384], *end, *sp;
	size_t have = 0, skip;
	bool in_body = false;
	ssize_t r;
	int err = 0;

	head = malloc(HTTP_MAX_HEAD + 1);
	if (!head)
		return -ENOMEM;
	for (;;) {
		r = recv(fd, buf, sizeof(buf), 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = errno == EAGAIN ? -ETIMEDOUT : -errno;
			break;
		}
		if (r == 0)
			break;
		skip = 0;
		if (!in_body) {
			size_t take =
				(size_t)r < HTTP_MAX_HEAD - have ? (size_t)r : HTTP_MAX_HEAD - have;

			memcpy(head + have, buf, take);
			have += take;
			head[have] = 0;
			end = strstr(head, "\r\n\r\n");
			if (!end) {
				if (have == HTTP_MAX_HEAD) {
					err = -EPROTO;
					break;
				}
				continue;
			}
			in_body = true;
			/* the body bytes of this chunk start after the head */
			skip = (size_t)r - (have - (size_t)(end + 4 - head));
		}
		if ((size_t)r > skip) {
			size_t n = (size_t)r - skip,
			       room = sizeof(reply->body) - 1 - reply->body_len;

			if (reply->body_len < sizeof(reply->body) - 1)
				memcpy(reply->body + reply->body_len, buf + skip,
				       n < room ? n : room);
			reply->body_len += n;
			reply->body[reply->body_len < sizeof(reply->body) - 1
					    ? reply->body_len
					    : sizeof(reply->body) - 1] = 0;
		}
	}
	if (!err) {
		head[have] = 0;
		if (strncmp(head, "HTTP/1.", 7) || !(sp = strchr(head, ' ')) ||
		    sscanf(sp, " %3d", &reply->status) != 1)
			err = -EPROTO;
	}
	free(head);
	return err;
}

int http_post(const struct http_url *u, const char *target, const struct http_header *headers,
	      size_t n_headers, const void *body, size_t len, int timeout_ms,
	      struct http_reply *reply)
{
	char *req = NULL;
	size_t req_len = 0, i;
	FILE *f;
	int fd, err;

	memset(reply, 0, sizeof(*reply));
	f = open_memstream(&req, &req_len);
	if (!f)
		return -ENOMEM;
	fprintf(f, "POST %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: rtprof/" RTPROF_VERSION "\r\n",
		target, u->host_header);
	for (i = 0; i < n_headers; i++)
		fprintf(f, "%s: %s\r\n", headers[i].name, headers[i].value);
	fprintf(f, "Content-Length: %zu\r\nConnection: close\r\n\r\n", len);
	if (fclose(f)) {
		free(req);
		return -ENOMEM;
	}
	fd = connect_to(u, timeout_ms);
	if (fd < 0) {
		free(req);
		return fd;
	}
	err = write_all(fd, req, req_len);
	if (!err)
		err = write_all(fd, body, len);
	if (!err) {
		shutdown(fd, SHUT_WR);
		err = read_reply(fd, reply);
	}
	close(fd);
	free(req);
	return err;
}
