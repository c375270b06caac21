#!/bin/bash
# Soak of continuous system-wide profiling (run on purpose, as root): rtprof profile -a --every
# EVERY --out-dir for D seconds while processes come and go, printing rtprof's memory once a
# minute, so that a leak shows as a rising column.
#
# The load: NBUSY copies of build/targets/profile_duty at half a CPU each (long-lived), and a churn
# loop that starts CHURN short processes a second, mixed: a C program burning 20 ms
# (profile_duty), python3.11 -c (the interpreter found, its code objects read and dropped), ruby
# -e, sh -c 'exec sleep' (exec'ing), and (NEWBIN=1, the default) a new program: a copy of
# profile_duty with a build-id of its own, burning 20 ms, so that new modules keep coming (the
# module cache keeps RTPROF_MODULES_KEPT of those no live process maps). Each minute, one line: elapsed minutes, rtprof's RSS
# and its peak (VmRSS, VmHWM from /proc), its open files, the profiles written so far, the
# processes started by the churn loop so far. At the end: the RSS at the first minute against the
# last, and the slope over the second half (kB a minute; a flat run is near 0).
#
# Usage: bench/profile_soak.sh [D seconds (default 1800)]   EVERY=60 NBUSY=2 CHURN=10 NEWBIN=1
#        RTPROF=PATH
set -u
cd "$(dirname "$0")/.." || exit 1
RTPROF=${RTPROF:-$PWD/build/rtprof}
DUTY=$PWD/build/targets/profile_duty
D=${1:-1800}
EVERY=${EVERY:-60}
NBUSY=${NBUSY:-2}
CHURN=${CHURN:-10}
NEWBIN=${NEWBIN:-1}
if [ "$(id -u)" != 0 ]; then
	echo "bench/profile_soak.sh: run as root" >&2
	exit 1
fi
for f in "$RTPROF" "$DUTY" /usr/bin/python3.11 /usr/bin/ruby3.1; do
	[ -x "$f" ] || { echo "bench/profile_soak.sh: $f missing (make deps all targets)" >&2; exit 1; }
done
TMP=$(mktemp -d /tmp/rtprof-soak.XXXXXX)
pids=()
cleanup() {
	kill "${pids[@]}" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

for ((i = 0; i < NBUSY; i++)); do "$DUTY" duty 0.5 100000 /dev/null & pids+=($!); done
# where the build-id's 20 bytes are in the file (the note's header and "GNU\0" come first)
bid_off=$(readelf -SW "$DUTY" | awk '/\.note\.gnu\.build-id/ { sub(/.*\]/, ""); print strtonum("0x" $4) + 16 }')
mkdir "$TMP/bin"
newbin() { # a copy of profile_duty with a random build-id, run once, then removed
	local f=$TMP/bin/new$1
	cp "$DUTY" "$f" && dd if=/dev/urandom of="$f" bs=1 seek="$bid_off" count=20 conv=notrunc \
		status=none && "$f" burn 20 /dev/null
	rm -f "$f"
}
kinds=4
[ "$NEWBIN" = 1 ] && kinds=5
churn() {
	local n=0
	while :; do
		for ((k = 0; k < CHURN; k++)); do
			case $((n % kinds)) in
			0) "$DUTY" burn 20 /dev/null & ;;
			1) /usr/bin/python3.11 -c 'sum(i * i for i in range(20000))' & ;;
			2) /usr/bin/ruby3.1 -e '20000.times.sum { |i| i * i }' & ;;
			3) sh -c 'exec sleep 0.01' & ;;
			4) newbin $n & ;;
			esac
			n=$((n + 1))
		done
		echo $n >"$TMP/churned"
		sleep 1
		wait
	done
}
churn &
pids+=($!)

"$RTPROF" profile -a --every "$EVERY" --out-dir "$TMP/out" -d "$D" 2>"$TMP/rtprof.err" &
rp=$!
pids+=($rp)
kb() { awk -v k="$1:" '$1 == k { print $2 }' /proc/"$rp"/status 2>/dev/null; }
printf '%-6s %10s %10s %7s %9s %10s\n' minute 'RSS kB' 'peak kB' files profiles processes
: >"$TMP/rss"
for ((m = 1; m * 60 <= D; m++)); do
	sleep 60
	kill -0 "$rp" 2>/dev/null || break
	rss=$(kb VmRSS) hwm=$(kb VmHWM)
	fds=$(ls /proc/"$rp"/fd 2>/dev/null | wc -l)
	prof=$(ls "$TMP/out" 2>/dev/null | grep -c '\.folded$')
	printf '%-6s %10s %10s %7s %9s %10s\n' "$m" "$rss" "$hwm" "$fds" "$prof" "$(cat "$TMP/churned" 2>/dev/null)"
	echo "$m $rss" >>"$TMP/rss"
done
wait "$rp"
echo "rtprof exit: $?; its summary:"
grep -E 'samples in|profiles written|not named|unknown|forgotten' "$TMP/rtprof.err" | sed 's/^/  /'
awk '{ m[NR] = $1; r[NR] = $2 } END {
	if (NR < 2) { print "too short for a trend"; exit }
	h = int(NR / 2) + 1; n = 0; sx = sy = sxx = sxy = 0
	for (i = h; i <= NR; i++) { n++; sx += m[i]; sy += r[i]; sxx += m[i] * m[i]; sxy += m[i] * r[i] }
	slope = n > 1 ? (n * sxy - sx * sy) / (n * sxx - sx * sx) : 0
	printf "RSS: %d kB at minute %d, %d kB at minute %d; second half slope %.0f kB/minute\n",
		r[1], m[1], r[NR], m[NR], slope }' "$TMP/rss"
