# Shared by the bench/ scripts that measure a running process's cost (source it).

# user + system CPU of process $1 (all its threads) so far, in clock ticks (0 when it is gone)
cpu_ticks() { awk '{ print $14 + $15 }' /proc/"$1"/stat 2>/dev/null || echo 0; }

# CPU time of the live threads of process $1 so far, in ns (the scheduler's own count: ticks are
# 10 ms, too coarse for a few ms of CPU in a window)
cpu_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ ns += $1 } END { printf "%d", ns }'; }

# run_time_ns of the perf_event programs (prog_type 7) whose fds process $1 holds (needs
# kernel.bpf_stats_enabled=1)
bpf_ns() {
	awk 'FNR == 1 { t = "" } /^prog_type:/ { t = $2 } t == 7 && /^run_time_ns:/ { ns += $2 }
		END { printf "%d", ns }' /proc/"$1"/fdinfo/* 2>/dev/null
}
