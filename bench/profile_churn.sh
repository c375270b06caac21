#!/bin/bash
# What processes coming and going cost rtprof profile -a (run on purpose, as root): a churn loop
# starts, every 0.2 s, a C program burning 20 ms (build/targets/profile_duty burn), python3.11 -c,
# ruby -e and sh -c 'exec sleep 0.01' (20 short processes a second, each a new process image to
# read: its maps, its modules, its interpreter), while rtprof -a -F HZ samples the host for D
# seconds; printed: rtprof's CPU (user + sys, /usr/bin/time), its samples, and its CPU per new
# process. The anchor, perf record -a --call-graph dwarf + perf script, runs on the same churn.
# With RTPROF_B set (another build of rtprof) the two builds alternate, ROUNDS times each.
#
# Usage: bench/profile_churn.sh [D (default 12)]   HZ=99 ROUNDS=3 RTPROF=PATH RTPROF_B=PATH
set -u
cd "$(dirname "$0")/.." || exit 1
RTPROF=${RTPROF:-$PWD/build/rtprof}
RTPROF_B=${RTPROF_B:-}
DUTY=$PWD/build/targets/profile_duty
D=${1:-12}
HZ=${HZ:-99}
ROUNDS=${ROUNDS:-3}
if [ "$(id -u)" != 0 ]; then
	echo "bench/profile_churn.sh: run as root" >&2
	exit 1
fi
for f in "$RTPROF" ${RTPROF_B:+"$RTPROF_B"} "$DUTY" /usr/bin/python3.11 /usr/bin/ruby3.1 /usr/bin/time; do
	[ -x "$f" ] || { echo "bench/profile_churn.sh: $f missing (make deps all targets)" >&2; exit 1; }
done
TMP=$(mktemp -d /tmp/rtprof-churn.XXXXXX)
cpid=""
cleanup() {
	[ -n "$cpid" ] && kill "$cpid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
(
	trap 'kill $(jobs -p) 2>/dev/null; exit 0' TERM
	while :; do
		"$DUTY" burn 20 /dev/null >/dev/null 2>&1 &
		/usr/bin/python3.11 -c 'sum(range(200000))' &
		/usr/bin/ruby3.1 -e '200000.times.sum' &
		sh -c 'exec sleep 0.01' &
		sleep 0.2
		wait
	done
) &
cpid=$!
sleep 2
# 4 processes every 0.2 s, plus the loop's own sleep: count what the loop really started
started() { awk '/^processes/ { print $2 }' /proc/stat; }

echo "profile -a at $HZ Hz for $D s under a churn of short processes; load $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-28s %8s %10s %10s %16s\n" tool samples "CPU s" "forks" "CPU ms/process"
run_rtprof() { # BINARY LABEL
	local f0 f1
	f0=$(started)
	/usr/bin/time -f "%U %S" -o "$TMP/t" "$1" profile -a -F "$HZ" -d "$D" --folded "$TMP/f" \
		2>"$TMP/e"
	f1=$(started)
	awk -v l="$2" -v n="$(sed -n 's/.*profile: \([0-9]*\) samples in.*/\1/p' "$TMP/e")" \
		-v f=$((f1 - f0)) '{ c = $1 + $2 } END {
		printf "%-28s %8d %10.2f %10d %16.3f\n", l, n, c, f, f ? 1000 * c / f : 0 }' "$TMP/t"
}
for ((r = 1; r <= ROUNDS; r++)); do
	run_rtprof "$RTPROF" "rtprof"
	[ -n "$RTPROF_B" ] && run_rtprof "$RTPROF_B" "rtprof (RTPROF_B)"
done
if command -v perf >/dev/null; then
	f0=$(started)
	/usr/bin/time -f "%U %S" -o "$TMP/t" perf record -q -a -F "$HZ" --call-graph dwarf \
		-o "$TMP/perf.data" -- sleep "$D" 2>/dev/null
	f1=$(started)
	/usr/bin/time -f "%U %S" -o "$TMP/s" sh -c "perf script -i '$TMP/perf.data' -F ip,sym \
		>/dev/null 2>&1"
	awk -v f=$((f1 - f0)) -v s="$(cat "$TMP/s")" '{ c = $1 + $2 } END { split(s, u, " ")
		c += u[1] + u[2]
		printf "%-28s %8s %10.2f %10d %16.3f\n", "perf record + perf script", "-", c, f,
			f ? 1000 * c / f : 0 }' "$TMP/t"
fi
echo "forks: processes the host started while the tool ran (/proc/stat); CPU ms/process: the"
echo "tool's CPU over them (most of the host's new processes are the churn's)."
