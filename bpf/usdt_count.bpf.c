// SPDX-License-Identifier: GPL-2.0
/*
 * Count hits of USDT sites. One program is attached to every site as a uprobe whose BPF cookie
 * is the site's index; counts live in a per-CPU array that user space sums once at the end.
 * Nothing is sent per event.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "bpf/usdt_count.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, USDT_COUNT_MAX_SITES);
	__type(key, __u32);
	__type(value, __u64);
} hits SEC(".maps");

SEC("uprobe")
int count_site(struct pt_regs *ctx)
{
	__u32 site = (__u32)bpf_get_attach_cookie(ctx);
	__u64 *n = bpf_map_lookup_elem(&hits, &site);

	if (n)
		(*n)++;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
