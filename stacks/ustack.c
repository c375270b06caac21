// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "lib/json.h"
#include "stacks/ustack.h"
#include "symbolize/symbolize.h"

#define MAX_INLINE 16

struct ustacks {
	int pid;
	int map_fd;
	unsigned int depth;
	bool first_exact;
	struct symbolizer *sym;
	struct sym_process *proc; /* NULL until the first refresh that found the process */
	__u64 *buf;
};

struct ustacks *ustacks__new(int pid, int map_fd, unsigned int depth, bool first_exact)
{
	struct ustacks *u = calloc(1, sizeof(*u));
	int err;

	if (!u)
		return NULL;
	u->pid = pid;
	u->map_fd = map_fd;
	u->depth = depth;
	u->first_exact = first_exact;
	u->buf = calloc(depth, sizeof(*u->buf));
	u->sym = symbolizer__new(NULL);
	if (!u->buf || !u->sym) {
		err = u->buf ? errno : ENOMEM;
		ustacks__free(u);
		errno = err;
		return NULL;
	}
	return u;
}

void ustacks__free(struct ustacks *u)
{
	if (!u)
		return;
	symbolizer__free(u->sym); /* frees u->proc too */
	free(u->buf);
	free(u);
}

/* Running (not gone, not a zombie, whose maps read empty)? */
static bool process_running(int pid)
{
	char path[64], state = 0;
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	n = fscanf(f, "%*d (%*[^)]) %c", &state);
	fclose(f);
	return n == 1 && state != 'Z' && state != 'X';
}

int ustacks__refresh(struct ustacks *u)
{
	/* a snapshot of a process that has exited would forget its modules: keep the last one */
	if (!process_running(u->pid))
		return -ESRCH;
	if (!u->proc) {
		u->proc = symbolizer__process(u->sym, u->pid);
		return u->proc ? 0 : -errno;
	}
	return sym_process__refresh(u->proc);
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

/* Frames of one address, innermost first; retried after a refresh when it is in no module. */
static int resolve(struct ustacks *u, __u64 addr, struct sym_frame *fr, int max)
{
	int n = -ENOENT;

	if (u->proc)
		n = symbolizer__resolve(u->sym, u->proc, addr, fr, max);
	if (n <= 0 || (n == 1 && !fr[0].module)) {
		if (ustacks__refresh(u) == 0)
			n = symbolizer__resolve(u->sym, u->proc, addr, fr, max);
	}
	if (n <= 0) {
		memset(fr, 0, sizeof(*fr));
		fr[0].function = "[unknown]";
		n = 1;
	}
	return n;
}

void ustacks__touch(struct ustacks *u, int stack_id)
{
	struct sym_frame fr[MAX_INLINE];
	__u64 ips[128];
	int n, i;

	n = ustacks__get(u, stack_id, ips, sizeof(ips) / sizeof(ips[0]));
	for (i = 0; i < n; i++)
		resolve(u, ips[i], fr, MAX_INLINE);
}

void ustacks__format(struct ustacks *u, __u64 ip, char *buf, size_t size)
{
	struct sym_frame fr[MAX_INLINE];
	int n = resolve(u, ip, fr, MAX_INLINE);

	/* the outermost frame: the function the address is in, not what was inlined into it */
	snprintf(buf, size, "%s", fr[n - 1].function ? fr[n - 1].function : "[unknown]");
}

static const char *base_name(const char *path)
{
	const char *b = path ? strrchr(path, '/') : NULL;

	return b ? b + 1 : path;
}

void ustacks__print(struct ustacks *u, FILE *f, int stack_id, __u64 caller_ip, const char *indent,
		    bool json)
{
	struct sym_frame fr[MAX_INLINE];
	__u64 ips[129];
	int n, i, k, nf, printed = 0;

	n = ustacks__get(u, stack_id, ips, sizeof(ips) / sizeof(ips[0]) - 1);
	if (n > 0 && caller_ip) {
		memmove(ips + 2, ips + 1, (size_t)(n - 1) * sizeof(ips[0]));
		ips[1] = caller_ip;
		n++;
	}
	if (json)
		fputc('[', f);
	for (i = 0; i < n; i++) {
		bool ret_addr = i > 0 || !u->first_exact;

		nf = resolve(u, ret_addr ? ips[i] - 1 : ips[i], fr, MAX_INLINE);
		for (k = 0; k < nf; k++) {
			const struct sym_frame *s = &fr[k];

			if (json) {
				fputs(printed++ ? ",{\"function\":" : "{\"function\":", f);
				json_str(f, s->function);
				fputs(",\"module\":", f);
				json_str(f, s->module);
				/* the address as in the ELF file (+1 back for a return address) */
				fprintf(f, ",\"offset\":%" PRIu64 ",\"file\":",
					(uint64_t)(s->module_offset + (ret_addr && s->module)));
				json_str(f, s->file);
				fprintf(f, ",\"line\":%d,\"inlined\":%s}", s->line,
					s->inlined ? "true" : "false");
				continue;
			}
			fprintf(f, "%s%s%s", indent, s->function ? s->function : "[unknown]",
				s->inlined ? " (inlined)" : "");
			if (s->file)
				fprintf(f, " %s:%d", base_name(s->file), s->line);
			else if (s->module)
				fprintf(f, " [%s]", base_name(s->module));
			fputc('\n', f);
		}
	}
	if (json)
		fputc(']', f);
	else if (n <= 0)
		fprintf(f, "%s(no stack)\n", indent);
}
