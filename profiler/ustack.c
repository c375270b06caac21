// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "profiler/json.h"
#include "profiler/ustack.h"
#include "symbolize/maps.h"

struct ustacks {
	int pid;
	int map_fd;
	unsigned int depth;
	struct proc_maps *maps;
	__u64 *buf;
};

struct ustacks *ustacks__new(int pid, int map_fd, unsigned int depth)
{
	struct ustacks *u = calloc(1, sizeof(*u));

	if (!u)
		return NULL;
	u->pid = pid;
	u->map_fd = map_fd;
	u->depth = depth;
	u->buf = calloc(depth, sizeof(*u->buf));
	if (!u->buf) {
		free(u);
		errno = ENOMEM;
		return NULL;
	}
	ustacks__refresh(u);
	return u;
}

void ustacks__free(struct ustacks *u)
{
	if (!u)
		return;
	proc_maps__free(u->maps);
	free(u->buf);
	free(u);
}

int ustacks__refresh(struct ustacks *u)
{
	struct proc_maps *m = proc_maps__read(u->pid);

	if (!m)
		return -errno;
	proc_maps__free(u->maps);
	u->maps = m;
	return 0;
}

int ustacks__get(struct ustacks *u, int stack_id, __u64 *ips, unsigned int max)
{
	unsigned int n;
	__u32 key = (__u32)stack_id;

	if (stack_id < 0)
		return -ENOENT;
	if (bpf_map_lookup_elem(u->map_fd, &key, u->buf))
		return -errno;
	for (n = 0; n < u->depth && n < max && u->buf[n]; n++)
		ips[n] = u->buf[n];
	return (int)n;
}

void ustacks__format(struct ustacks *u, __u64 ip, char *buf, size_t size)
{
	const struct proc_map *m = u->maps ? proc_maps__find(u->maps, ip) : NULL;
	const char *base;

	/* a library loaded since the last snapshot: look again while the process is there */
	if ((!m || !proc_map__is_file(m)) && !ustacks__refresh(u))
		m = proc_maps__find(u->maps, ip);

	if (!m || !m->path || !proc_map__is_file(m)) {
		snprintf(buf, size, "0x%" PRIx64, (uint64_t)ip);
		return;
	}
	base = strrchr(m->path, '/');
	base = base ? base + 1 : m->path;
	snprintf(buf, size, "%s+0x%" PRIx64, base, (uint64_t)(ip - m->start + m->offset));
}

void ustacks__print(struct ustacks *u, FILE *f, int stack_id, __u64 caller_ip, const char *indent,
		    bool json)
{
	__u64 ips[129];
	char frame[512];
	int n, i;

	n = ustacks__get(u, stack_id, ips, sizeof(ips) / sizeof(ips[0]) - 1);
	if (n > 0 && caller_ip) {
		memmove(ips + 2, ips + 1, (size_t)(n - 1) * sizeof(ips[0]));
		ips[1] = caller_ip;
		n++;
	}
	if (json)
		fputc('[', f);
	for (i = 0; i < n; i++) {
		ustacks__format(u, ips[i], frame, sizeof(frame));
		if (json) {
			if (i)
				fputc(',', f);
			json_str(f, frame);
		} else {
			fprintf(f, "%s%s\n", indent, frame);
		}
	}
	if (json)
		fputc(']', f);
	else if (n <= 0)
		fprintf(f, "%s(no stack)\n", indent);
}
