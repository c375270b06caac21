#!/bin/bash
# Cost of rtprof profile -a (run on purpose, as root), side by side with perf record -a
# --call-graph dwarf + perf script + folding (awk, as stackcollapse-perf.pl does) on the same load:
# NSLEEP sleeping processes and NBUSY busy ones (build/targets/profile_duty at half a CPU each),
# plus whatever else the host runs (it is shared: quote ratios of one run, not absolute times).
#
# For each HZ (99, 999), each tool samples every process for D seconds:
#   rtprof: profile -a -F HZ --folded; kernel.bpf_stats_enabled gives run_time_ns of its
#           profile_sample program (from the fdinfo of its program's fd, read before it stops);
#           its user-space CPU over the whole run (/usr/bin/time).
#   perf:   perf record -a -g --call-graph dwarf -F HZ, then perf script | fold: the CPU of both
#           (/usr/bin/time).
# Printed per tool: samples, share of complete stacks (rtprof: not under [incomplete] or
# [truncated]; perf: reaching _start, clone or clone3, or a kernel thread), CPU per sample
# (BPF; user+sys of the whole run: start-up, draining the backlog, writing), the same as a share
# of one CPU over the recorded seconds, bytes written, and seconds from the end of recording to
# the folded stacks.
#
# Steady state: the same CPU share measured from W seconds into the recording (start-up done: BPF
# loaded, the host's processes first seen) to its end, which is what a continuous profiler costs.
#
# Usage: bench/profile_all.sh [D (default 10)]   NSLEEP=200 NBUSY=2 HZS="99 999" W=D/3
set -u
cd "$(dirname "$0")/.." || exit 1
source bench/lib.sh
RTPROF=$PWD/build/rtprof
BUSY=$PWD/build/targets/profile_duty
D=${1:-10}
NSLEEP=${NSLEEP:-200}
NBUSY=${NBUSY:-2}
HZS=${HZS:-"99 999"}
W=${W:-$((D / 3))}
if [ "$(id -u)" != 0 ]; then
	echo "bench/profile_all.sh: run as root" >&2
	exit 1
fi
for f in "$RTPROF" "$BUSY" /usr/bin/time; do
	[ -x "$f" ] || { echo "bench/profile_all.sh: $f missing (make all targets)" >&2; exit 1; }
done
command -v perf >/dev/null || { echo "bench/profile_all.sh: needs perf (linux-perf)" >&2; exit 1; }
TMP=$(mktemp -d /tmp/rtprof-bench.XXXXXX)
pids=()
stats_was=$(cat /proc/sys/kernel/bpf_stats_enabled)
cleanup() {
	kill "${pids[@]}" 2>/dev/null
	wait 2>/dev/null
	echo "$stats_was" >/proc/sys/kernel/bpf_stats_enabled
	rm -rf "$TMP"
}
trap cleanup EXIT
echo 1 >/proc/sys/kernel/bpf_stats_enabled

for ((i = 0; i < NSLEEP; i++)); do sleep 100000 & pids+=($!); done
for ((i = 0; i < NBUSY; i++)); do "$BUSY" duty 0.5 100000 /dev/null & pids+=($!); done

fold_perf() { # perf script output -> folded stacks, root first (as stackcollapse-perf.pl)
	awk '/^\S/ { comm = $1; n = 0; next }
		/^\s+[0-9a-f]+ / { f = $2; sub(/\+0x[0-9a-f]+$/, "", f); st[n++] = f; next }
		/^$/ { if (comm != "") { s = comm; for (i = n - 1; i >= 0; i--) s = s ";" st[i]; c[s]++ }
			comm = ""; n = 0 }
		END { for (s in c) print s, c[s] }'
}

printf "%-7s %5s %9s %9s %10s %11s %9s %9s %9s %9s\n" tool Hz samples complete "BPF us/s" \
	"whole us/s" "CPU %" "steady %" MB "end->fg s"
for hz in $HZS; do
	# rtprof
	/usr/bin/time -f "%U %S" -o "$TMP/r.time" "$RTPROF" profile -a -F "$hz" \
		--folded "$TMP/r.folded" 2>"$TMP/r.err" &
	tp=$!
	for ((i = 0; i < 200; i++)); do grep -q "sampling every process" "$TMP/r.err" && break; sleep 0.05; done
	rp=""
	for ((i = 0; i < 100 && !rp; i++)); do
		for p in $(pgrep -f -- "--folded $TMP/r.folded"); do
			[ "$(cat /proc/"$p"/comm 2>/dev/null)" = rtprof ] && rp=$p
		done
		[ -n "$rp" ] || sleep 0.05
	done
	sleep "$W"
	c0=$(cpu_ticks "$rp") b0=$(bpf_ns "$rp")
	sleep "$((D - W))"
	c1=$(cpu_ticks "$rp")
	b1=$(bpf_ns "$rp")
	[ "${b1:-0}" -gt 0 ] || echo "bench/profile_all.sh: no BPF run time (kernel.bpf_stats_enabled went 0?)" >&2
	t0=$(date +%s.%N)
	kill -INT "$rp"
	wait "$tp"
	t1=$(date +%s.%N)
	n=$(sed -n 's/.*profile: \([0-9]*\) samples in.*/\1/p' "$TMP/r.err")
	steady=$(awk -v c="$((c1 - c0))" -v b="$((b1 - b0))" -v tck="$(getconf CLK_TCK)" -v s="$((D - W))" \
		'BEGIN { printf "%.2f", 100 * (c / tck + b / 1e9) / s }')
	awk -v n="$n" -v b1="$b1" -v d="$D" -v hz="$hz" -v t="$(cat "$TMP/r.time")" -v st="$steady" \
		-v sz="$(stat -c %s "$TMP/r.folded")" -v e="$t1 $t0" -v f="$TMP/r.folded" 'BEGIN {
		split(t, u, " "); split(e, w, " ")
		while ((getline l < f) > 0) { k = l; sub(/.* /, "", k); all += k
			if (l !~ /;\[(incomplete|truncated)\]/) ok += k }
		printf "%-7s %5d %9d %8.1f%% %10.2f %11.2f %9.2f %9s %9.2f %9.2f\n", "rtprof", hz, n,
			100 * ok / all, b1 / 1e3 / n, (u[1] + u[2]) * 1e6 / n,
			100 * (u[1] + u[2] + b1 / 1e9) / d, st, sz / 1e6, w[1] - w[2] }'
	# perf
	/usr/bin/time -f "%U %S" -o "$TMP/p.time" perf record -q -a -F "$hz" --call-graph dwarf \
		-o "$TMP/perf.data" -- sleep "$D" 2>/dev/null &
	tp=$!
	pp=""
	for ((i = 0; i < 100 && !pp; i++)); do
		pp=$(pgrep -f -- "-o $TMP/perf.data" | while read -r p; do
			[ "$(cat /proc/"$p"/comm 2>/dev/null)" = perf ] && echo "$p"; done | head -1)
		[ -n "$pp" ] || sleep 0.05
	done
	sleep "$W"
	c0=$(cpu_ticks "$pp")
	sleep "$((D - W - 1))"
	c1=$(cpu_ticks "$pp")
	pst=$(awk -v c="$((c1 - c0))" -v tck="$(getconf CLK_TCK)" -v s="$((D - W - 1))" \
		'BEGIN { printf "%.2f", 100 * c / tck / s }')
	wait "$tp"
	t0=$(date +%s.%N)
	/usr/bin/time -f "%U %S" -o "$TMP/s.time" sh -c "perf script -i '$TMP/perf.data' \
		-F comm,ip,sym 2>/dev/null > '$TMP/p.script'"
	fold_perf <"$TMP/p.script" >"$TMP/p.folded"
	t1=$(date +%s.%N)
	awk -v t="$(cat "$TMP/p.time") $(cat "$TMP/s.time")" -v hz="$hz" -v e="$t1 $t0" -v d="$D" -v st="$pst" \
		-v sz="$(stat -c %s "$TMP/perf.data")" -v f="$TMP/p.folded" 'BEGIN {
		split(t, u, " "); split(e, w, " ")
		while ((getline l < f) > 0) { k = l; sub(/.* /, "", k); all += k
			if (l ~ /^[^;]+;(_start|clone|clone3|__clone|__clone3|ret_from_fork|ret_from_fork_asm)[; ]/ ||
				l ~ /^[^;]* [0-9]+$/) ok += k }
		c = u[1] + u[2] + u[3] + u[4]
		printf "%-7s %5d %9d %8.1f%% %10s %11.2f %9.2f %9s %9.2f %9.2f\n", "perf", hz, all,
			all ? 100 * ok / all : 0, "-", c * 1e6 / all, 100 * c / d, st, sz / 1e6,
			w[1] - w[2] }'
done
echo "us/s: microseconds of CPU per sample. BPF: run_time_ns of rtprof's program over its samples."
echo "whole: user+sys of the whole run (start-up, draining, writing; perf: perf record + perf"
echo "script). CPU %: whole (+ BPF) over the ${D} s recorded, in % of one CPU. MB: the folded file"
echo "(rtprof), perf.data (perf). end->fg: from the end of recording to the folded stacks."
echo "steady %: CPU (+ BPF) from ${W} s into the recording to its end, once start-up is done, in % of"
echo "one CPU (perf: perf record alone, to 1 s before its end; perf script comes after)"
