// SPDX-License-Identifier: GPL-2.0
/* The rate of traced calls against the target's CPU time (see probe_cost.h for the figures). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "lib/log.h"
#include "runtimes/attach.h"
#include "runtimes/probe_cost.h"
#include "runtimes/runtime.h"

#define BATCHES	   5   /* the median batch counts: the machine is shared and noisy */
#define BATCH_HITS 400 /* 5 x 400 hits: about 12 ms */

#define CHECK_EVERY_NS	 1000000000ULL /* 1 s */
#define MIN_WINDOW_TICKS 50	       /* judge a rate over half a second of CPU at least */

/* utime + stime of every thread of pid, in clock ticks; 0 when it cannot be read. */
static __u64 cpu_ticks(int pid)
{
	unsigned long long utime = 0, stime = 0;
	char path[64], buf[1024], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* after "(comm)", which may hold spaces: state is field 3, utime 14, stime 15 */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime,
			 &stime) != 2)
		return 0;
	return utime + stime;
}

/* Where the calibration probe goes: a nop first, like a USDT probe site (not static: it is
 * found by its symbol name). */
__attribute__((noinline, used)) void rt_cost_nop(void);
__attribute__((noinline, used)) void rt_cost_nop(void)
{
	__asm__ volatile("nop");
}

static __u64 thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

/* CPU time of one uprobe hit with prog, on this machine now (the median of BATCHES batches);
 * 0 when it cannot be measured. The loop without the probe costs about 2 ns a call. */
static __u64 hit_ns(struct bpf_program *prog)
{
	void (*volatile site)(void) = rt_cost_nop;
	LIBBPF_OPTS(bpf_uprobe_opts, uo);
	__u64 off, t0, batch[BATCHES];
	struct bpf_link *l;
	char exe[PATH_MAX];
	ssize_t n;
	int b, i;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return 0;
	exe[n] = '\0';
	if (runtime_symbol_offset(exe, "rt_cost_nop", &off))
		return 0;
	l = bpf_program__attach_uprobe_opts(prog, getpid(), exe, off, &uo);
	if (!l)
		return 0;
	for (b = 0; b < BATCHES; b++) {
		t0 = thread_cpu_ns();
		for (i = 0; i < BATCH_HITS; i++)
			site();
		batch[b] = (thread_cpu_ns() - t0) / BATCH_HITS;
	}
	bpf_link__destroy(l);
	qsort(batch, BATCHES, sizeof(batch[0]), cmp_u64);
	return batch[BATCHES / 2];
}

void rt_cost__init(struct rt_cost *c, int pid, struct bpf_program *noop)
{
	__u64 hit = noop ? hit_ns(noop) : 0;

	*c = (struct rt_cost){.pid = pid, .call_ns = RT_COST_CALL_NS};
	/* a plausible hit: 0.1 to 100 us */
	if (hit >= 100 && hit <= 100000)
		c->call_ns = (__u64)(RT_COST_HITS_PER_CALL * hit);
	c->warn_rate = (1.0 - 1.0 / RT_COST_SLOWDOWN) * 1e9 / (double)c->call_ns;
	pr_debug("probe cost: a uprobe hit costs %llu ns here (%s), a traced call %llu ns: more "
		 "than %.0f calls per CPU second slow the target down %dx\n",
		 (unsigned long long)hit, hit ? "measured" : "not measured",
		 (unsigned long long)c->call_ns, c->warn_rate, RT_COST_SLOWDOWN);
}

void rt_cost__check(struct rt_cost *c, const char *cmd_name, __u64 (*calls)(void *ctx), void *ctx)
{
	__u64 now = rt_monotonic_ns(), ticks, n;
	long hz = sysconf(_SC_CLK_TCK);
	double rate;

	if (c->warned || now - c->last_ns < CHECK_EVERY_NS)
		return;
	c->last_ns = now;
	ticks = cpu_ticks(c->pid);
	n = calls(ctx);
	if (!c->started || !ticks || ticks < c->cpu0_ticks || n < c->calls0) {
		c->started = ticks != 0;
		c->cpu0_ticks = ticks;
		c->calls0 = n;
		return;
	}
	if (ticks - c->cpu0_ticks < MIN_WINDOW_TICKS)
		return;
	rate = (double)(n - c->calls0) * (hz > 0 ? hz : 100) / (double)(ticks - c->cpu0_ticks);
	pr_debug("probe cost: %.0f traced calls per CPU second (%llu calls in %llu ticks)\n", rate,
		 (unsigned long long)(n - c->calls0), (unsigned long long)(ticks - c->cpu0_ticks));
	c->cpu0_ticks = ticks;
	c->calls0 = n;
	if (rate < c->warn_rate)
		return;
	c->warned = true;
	pr_warn("%s: the target makes %.0f traced calls per second of its CPU time: at about %.0f "
		"us of tracing a call, over %.0f%% of it goes to tracing and its work runs more "
		"than %dx slower than untraced. To see where its time goes at a small fixed cost, "
		"sample it: rtprof profile -p %d\n",
		cmd_name, rate, c->call_ns / 1e3, 100.0 - 100.0 / RT_COST_SLOWDOWN,
		RT_COST_SLOWDOWN, c->pid);
}
