// SPDX-License-Identifier: GPL-2.0
/* objnew: count allocations and their sizes per type, in BPF; names read once per type. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/usdt.bpf.h>

#include "bpf/objnew.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct objnew_key);
	__type(value, struct objnew_stats);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct objnew_key);
	__type(value, struct objnew_name);
} names SEC(".maps");

SEC("usdt")
int on_alloc(struct pt_regs *ctx)
{
	__u32 kind = (__u32)bpf_usdt_cookie(ctx);
	struct objnew_key k = {.kind = kind};
	struct objnew_stats *s, zero = {};
	long klass = 0, len = 0, size = 0;

	switch (kind) {
	case OBJNEW_RB_OBJECT:
		bpf_usdt_arg(ctx, 0, &klass);
		break;
	case OBJNEW_JVM:
		bpf_usdt_arg(ctx, 1, &klass);
		bpf_usdt_arg(ctx, 2, &len);
		bpf_usdt_arg(ctx, 3, &size);
		break;
	default:
		bpf_usdt_arg(ctx, 0, &size);
		break;
	}
	k.klass = klass;
	s = bpf_map_lookup_elem(&stats, &k);
	if (!s) {
		struct objnew_name n = {};

		if (klass && kind == OBJNEW_RB_OBJECT) {
			bpf_probe_read_user_str(n.klass, sizeof(n.klass), (const void *)klass);
		} else if (klass) {
			__u32 l = len > OBJNEW_NAME_LEN - 1 ? OBJNEW_NAME_LEN - 1 : (__u32)len;

			if (l && bpf_probe_read_user(n.klass, l & 127, (const void *)klass))
				n.klass[0] = '\0';
		}
		bpf_map_update_elem(&names, &k, &n, BPF_NOEXIST);
		bpf_map_update_elem(&stats, &k, &zero, BPF_NOEXIST);
		s = bpf_map_lookup_elem(&stats, &k);
		if (!s)
			return 0;
	}
	__sync_fetch_and_add(&s->count, 1);
	if (size > 0)
		__sync_fetch_and_add(&s->bytes, size);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
