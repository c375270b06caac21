// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib/bpf_util.h"

int percpu_map__sum_u64(const struct bpf_map *map, const void *key, size_t key_size, __u64 *sum)
{
	int ncpu = libbpf_num_possible_cpus(), i, err;
	__u64 *vals = NULL;

	*sum = 0;
	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	err = bpf_map__lookup_elem(map, key, key_size, vals, sizeof(*vals) * ncpu, 0);
	if (err)
		goto cleanup;
	for (i = 0; i < ncpu; i++)
		*sum += vals[i];
cleanup:
	free(vals);
	return err;
}

__u64 percpu_array__sum_u64(const struct bpf_map *map, __u32 index)
{
	__u64 sum;

	percpu_map__sum_u64(map, &index, sizeof(index), &sum);
	return sum;
}

int bpf_map__keys(const struct bpf_map *map, size_t key_size, void **keys, size_t *n)
{
	int fd = bpf_map__fd(map), err = 0;
	char *all = NULL, *grown, *prev = NULL;
	size_t count = 0;

	/* Walk from NULL; each next key is looked up from the one stored before it. */
	for (;;) {
		grown = realloc(all, (count + 1) * key_size);
		if (!grown) {
			err = -ENOMEM;
			goto cleanup;
		}
		all = grown;
		prev = count ? all + (count - 1) * key_size : NULL;
		if (bpf_map_get_next_key(fd, prev, all + count * key_size))
			break;
		count++;
	}
cleanup:
	if (err || !count) {
		free(all);
		all = NULL;
	}
	*keys = all;
	*n = err ? 0 : count;
	return err;
}

bool bpf_privileged(void)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2] = {};
	bool sys_admin, bpf, perfmon;

	if (syscall(SYS_capget, &hdr, data))
		return geteuid() == 0;
	sys_admin = data[0].effective & (1u << CAP_SYS_ADMIN);
	bpf = data[1].effective & (1u << (CAP_BPF - 32));
	perfmon = data[1].effective & (1u << (CAP_PERFMON - 32));
	return sys_admin || (bpf && perfmon);
}
