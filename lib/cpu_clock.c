// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <linux/perf_event.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "lib/cpu_clock.h"
#include "lib/errors.h"
#include "lib/log.h"

int cpu_clock__attach(const char *cmd, struct bpf_program *prog, int hz, struct bpf_link ***links,
		      int *n)
{
	int ncpu = libbpf_num_possible_cpus(), cpu, err = 0;

	*links = NULL;
	*n = 0;
	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	*links = calloc(ncpu, sizeof(**links));
	if (!*links)
		return -ENOMEM;
	for (cpu = 0; cpu < ncpu; cpu++) {
		struct perf_event_attr attr = {
			.type = PERF_TYPE_SOFTWARE,
			.config = PERF_COUNT_SW_CPU_CLOCK,
			.size = sizeof(attr),
			.freq = 1,
			.sample_freq = hz,
		};
		int fd = syscall(__NR_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);

		if (fd < 0) {
			if (errno == ENODEV) /* offline CPU */
				continue;
			err = -errno;
			pr_warn("%s: cpu-clock event on CPU %d: %s%s\n", cmd, cpu, err_str(err),
				err == -EINVAL ? " (is -F above kernel.perf_event_max_sample_rate?)"
					       : "");
			break;
		}
		(*links)[*n] = bpf_program__attach_perf_event(prog, fd);
		if (!(*links)[*n]) {
			err = -errno;
			close(fd);
			pr_warn("%s: attach %s to CPU %d: %s\n", cmd, bpf_program__name(prog), cpu,
				err_str(err));
			break;
		}
		(*n)++;
	}
	return err;
}
