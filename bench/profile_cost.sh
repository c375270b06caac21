#!/bin/bash
# Steady-state cost per sample of rtprof profile -p (run on purpose, as root): sample keys (the
# default: a sample whose stack was seen before is only counted in BPF) against --capture-all
# (every sample's stack copied and unwound, as before), side by side on the same targets, and
# perf record --call-graph dwarf as the anchor.
#
# Targets: build/targets/profile_work (C, no frame pointers), /usr/bin/python3.11 and ruby running
# a recursive fib (a method of a class in Ruby). Each run: the target starts, rtprof samples it
# for W + D + 2 seconds at HZ; over the D seconds after the first W (the steady state: first
# sightings done) it reads rtprof's own CPU time (the scheduler's count for its threads,
# /proc/PID/task/*/schedstat) and its BPF program's run time (run_time_ns in the fdinfo of its
# fd, kernel.bpf_stats_enabled). Samples in the window: the run's total times D / (W + D + 2) (a
# CPU-bound target samples at a steady rate). perf: perf record -F HZ --call-graph dwarf -p for
# D seconds, its CPU, then perf script (no Python names; the CPU to read the stacks back).
#
# Usage: bench/profile_cost.sh [D (default 8)]   W=4 HZ=999 ROUNDS=3
set -u
cd "$(dirname "$0")/.." || exit 1
source bench/lib.sh
RTPROF=${RTPROF:-$PWD/build/rtprof}
WORK=$PWD/build/targets/profile_work
PY=/usr/bin/python3.11
RB=$(command -v ruby)
D=${1:-8}
W=${W:-4}
HZ=${HZ:-999}
ROUNDS=${ROUNDS:-3}
if [ "$(id -u)" != 0 ]; then
	echo "bench/profile_cost.sh: run as root" >&2
	exit 1
fi
for f in "$RTPROF" "$WORK" "$PY" "$RB"; do
	[ -x "$f" ] || { echo "bench/profile_cost.sh: $f missing (make all targets)" >&2; exit 1; }
done
TMP=$(mktemp -d /tmp/rtprof-bench.XXXXXX)
stats_was=$(cat /proc/sys/kernel/bpf_stats_enabled)
tpid=""
cleanup() {
	[ -n "$tpid" ] && kill "$tpid" 2>/dev/null
	wait 2>/dev/null
	echo "$stats_was" >/proc/sys/kernel/bpf_stats_enabled
	rm -rf "$TMP"
}
trap cleanup EXIT
echo 1 >/proc/sys/kernel/bpf_stats_enabled
cat >"$TMP/fib.py" <<'EOF'
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)
while True:
    fib(25)
EOF
cat >"$TMP/fib.rb" <<'EOF'
class Calc
  def fib(n)
    n < 2 ? n : fib(n - 1) + fib(n - 2)
  end
end
c = Calc.new
loop { c.fib(22) }
EOF

start_target() { # c | py | rb | idle
	case $1 in
	c) "$WORK" 1000000 >/dev/null 2>&1 & ;;
	py) "$PY" "$TMP/fib.py" & ;;
	rb) "$RB" "$TMP/fib.rb" & ;;
	*) sleep 100000 & ;;
	esac
	tpid=$!
	sleep 0.3
}

# rtprof_run TARGET MODE: prints "samples_in_window bpf_ns user_sys_s keys_line"
rtprof_run() {
	local extra=""
	[ "$2" = capture-all ] && extra=--capture-all
	start_target "$1"
	# -d with 2 s to spare: rtprof still runs when the window's figures are read
	"$RTPROF" profile -p "$tpid" -F "$HZ" -d $((W + D + 2)) -v $extra --folded "$TMP/r.folded" \
		2>"$TMP/r.err" &
	local rp=$! b0 b1 c0 c1 n
	sleep "$W"
	b0=$(bpf_ns $rp)
	c0=$(cpu_ns $rp)
	sleep "$D"
	b1=$(bpf_ns $rp)
	c1=$(cpu_ns $rp)
	wait $rp
	kill "$tpid" 2>/dev/null
	wait "$tpid" 2>/dev/null
	tpid=""
	n=$(sed -n 's/.*profile: \([0-9]*\) samples in.*/\1/p' "$TMP/r.err")
	echo "$((n * D / (W + D + 2))) $((b1 - b0)) $(((c1 - c0) / 1000))"
}

perf_run() { # TARGET: prints "samples record_us script_us"
	start_target "$1"
	/usr/bin/time -f "%U %S" -o "$TMP/p.time" perf record -q -F "$HZ" --call-graph dwarf \
		-p "$tpid" -o "$TMP/perf.data" -- sleep "$D" 2>/dev/null
	kill "$tpid" 2>/dev/null
	wait "$tpid" 2>/dev/null
	tpid=""
	/usr/bin/time -f "%U %S" -o "$TMP/s.time" sh -c "perf script -i '$TMP/perf.data' \
		-F ip,sym 2>/dev/null > '$TMP/p.script'"
	awk -v t="$(cat "$TMP/p.time") $(cat "$TMP/s.time")" -v f="$TMP/p.script" 'BEGIN {
		split(t, u, " ")
		while ((getline l < f) > 0) if (l ~ /^$/) n++
		printf "%d %d %d\n", n, (u[1] + u[2]) * 1e6, (u[3] + u[4]) * 1e6 }'
}

echo "profile -p at $HZ Hz, steady state: $D s after the first $W s; $ROUNDS rounds, load $(cut -d' ' -f1-3 /proc/loadavg)"
# What rtprof costs with nothing to sample (a sleeping target): its timers and polls, per second.
read -r n b u < <(rtprof_run idle keys)
idle_us=$((u / D))
echo "rtprof -p on a sleeping process: $idle_us us of CPU a second (its polls and timers)"
printf "%-6s %-12s %9s %12s %13s %12s %14s\n" target mode samples "BPF us/smp" "rtprof us/smp" \
	"total us/smp" "marginal us/smp"
for t in c py rb; do
	for ((r = 1; r <= ROUNDS; r++)); do
		for mode in keys capture-all; do
			read -r n b u < <(rtprof_run "$t" "$mode")
			[ "${n:-0}" -gt 0 ] || { echo "$t $mode: no samples" >&2; continue; }
			keys=$(sed -n 's/.*sample keys: \(.*\)/\1/p' "$TMP/r.err")
			awk -v t="$t" -v m="$mode" -v n="$n" -v b="$b" -v u="$u" -v i="$idle_us" \
				-v d="$D" 'BEGIN {
				printf "%-6s %-12s %9d %12.2f %13.2f %12.2f %14.2f\n", t, m, n, b / 1e3 / n,
					u / n, (b / 1e3 + u) / n, (b / 1e3 + u - i * d) / n }'
			[ -n "$keys" ] && echo "       ($keys)"
		done
	done
	if command -v perf >/dev/null; then
		read -r n rec scr < <(perf_run "$t")
		awk -v t="$t" -v n="$n" -v a="$rec" -v s="$scr" 'BEGIN {
			printf "%-6s %-12s %9d %12s %13.2f %12.2f  (perf record; + perf script %.2f)\n",
				t, "perf dwarf", n, "-", a / n, (a + s) / n, s / n }'
	fi
done
echo "BPF us/smp: run time of rtprof's perf_event program in the window over the target's samples"
echo "in it (it also runs, briefly, for the other processes of the host). rtprof us/smp: rtprof's"
echo "CPU time (its threads' schedstat) in the window over those samples. perf: record's CPU for"
echo "the same D seconds over its samples (kernel-side copying not included), and script's to read"
echo "them back."
echo "marginal: total less what rtprof costs with nothing to sample, over the samples: the cost"
echo "that grows with the number of CPUs sampled (the rest is per second, whatever the host)."
