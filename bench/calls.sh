#!/bin/bash
# Cost of rtprof calls and flow, side by side with anchors (see shared docs/benchmarks.md).
#
# 1. calls vs a no-op uprobe on the same probes (python:function__entry/return of Python 3.11,
#    line semaphore held in both): the target measures the CPU time of its own workload (uprobe
#    traps and BPF programs run in its context); per-event cost = CPU time / events (2 per
#    call). Also the BPF programs' own cost from kernel.bpf_stats_enabled (run_time_ns /
#    run_cnt). Alternating runs, medians.
# 2. flow vs bpftrace counting the same JVM probes (hotspot:method__entry/return, OpenJDK 17
#    with -XX:+DTraceMethodProbes): events per second of the traced workload, events lost.
#
# usage: bench/calls.sh [PAIRS]     (root; builds nothing: run make && make targets first)
cd "$(dirname "$0")/.." || exit 1
PAIRS=${1:-5}
RTPROF=$PWD/build/rtprof
PY=/usr/bin/python3.11
JAVA=/usr/lib/jvm/java-17-openjdk-amd64/bin/java
LIBJVM=/usr/lib/jvm/java-17-openjdk-amd64/lib/server/libjvm.so
CP=$PWD/build/targets/java
TMP=$(mktemp -d /tmp/rtprof-bench.XXXXXX)
OLD_STATS=$(sysctl -n kernel.bpf_stats_enabled)
trap 'sysctl -qw kernel.bpf_stats_enabled=$OLD_STATS; rm -rf "$TMP"' EXIT
sysctl -qw kernel.bpf_stats_enabled=1

wait_file() { for ((i = 0; i < 600; i++)); do [ -s "$1" ] && return 0; sleep 0.05; done; return 1; }

# prog_stat PREFIX: "run_time_ns run_cnt" summed over the loaded BPF programs named PREFIX*
prog_stat() {
	bpftool prog show --json | $PY -c 'import json,sys
t=c=0
for p in json.load(sys.stdin):
    if p.get("name","").startswith(sys.argv[1]): t+=p.get("run_time_ns",0); c+=p.get("run_cnt",0)
print(t, c)' "$1"
}

# run_py MODE(noop|calls) ROUNDS: prints "elapsed_ns events bpf_ns bpf_cnt"
run_py() {
	local mode=$1 rounds=$2 d=$TMP/py.$RANDOM pid rt prog=calls_
	mkdir -p "$d"
	$PY tests/targets/flow_py.py bench "$rounds" "$d/go" "$d/out" &
	pid=$!
	wait_file "$d/out.ready"
	[ "$mode" = noop ] && prog=noop_usdt
	if [ "$mode" = noop ]; then
		RTPROF_CALLS_NOOP=1 "$RTPROF" calls -p $pid >/dev/null 2>"$d/err" &
	else
		"$RTPROF" calls -p $pid >/dev/null 2>"$d/err" &
	fi
	rt=$!
	sleep 1
	touch "$d/go"
	wait_file "$d/out"
	local st
	st=$(prog_stat $prog)
	kill -INT $rt
	wait $rt
	wait $pid 2>/dev/null
	echo "$(cat "$d/out") $st"
}

median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

echo "== 1. calls vs no-op uprobe on python:function__entry/return (Python 3.11, $PAIRS pairs)"
ROUNDS=3000
# calls per round: t_mid 1 + t_leaf 3 + t_rec 2.5 + t_main once: 2 events per call
EVENTS=$(( (ROUNDS * 13 / 2 + 1) * 2 ))
if [ -z "$SKIP_PY" ]; then
run_py noop 100 >/dev/null # warm-up
: >"$TMP/pairs"
for ((p = 0; p < PAIRS; p++)); do
	read -r en bn bc < <(run_py noop $ROUNDS)
	read -r ec cn cc < <(run_py calls $ROUNDS)
	if [ "${bc:-0}" -gt 0 ] && [ "${cc:-0}" -gt 0 ]; then
		echo "$en $bn $bc $ec $cn $cc" >>"$TMP/pairs"
	else
		echo "  pair $((p + 1)): a run attached nothing, not counted"
	fi
done
awk -v ev=$EVENTS '{ printf "  pair %d: no-op %.2f us/event (bpf %.0f ns), calls %.2f us/event (bpf %.0f ns), ratio %.3f\n", NR, $1/ev/1e3, $2/$3, $4/ev/1e3, $5/$6, $4/$1 }' "$TMP/pairs"
printf "  %-34s %12s %12s %8s\n" "" "no-op" "calls" "ratio"
printf "  %-34s %12.2f %12.2f %8.3f\n" "median cost per event (us, CPU)" \
	"$(awk -v ev=$EVENTS '{print $1/ev/1e3}' "$TMP/pairs" | median)" \
	"$(awk -v ev=$EVENTS '{print $4/ev/1e3}' "$TMP/pairs" | median)" \
	"$(awk '{print $4/$1}' "$TMP/pairs" | median)"
printf "  %-34s %12.0f %12.0f %8.3f\n" "median BPF program cost (ns/event)" \
	"$(awk '{print $2/$3}' "$TMP/pairs" | median)" "$(awk '{print $5/$6}' "$TMP/pairs" | median)" \
	"$(awk '{print ($5/$6)/($2/$3)}' "$TMP/pairs" | median)"
echo "  (goal: calls <= 1.15x the no-op per event; events per run: $EVENTS)"
fi


# cpu_ms PID: user+system CPU time of a process so far, in ms
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) * 1000 / hz }' "/proc/$1/stat"; }

# run_jvm TOOL(rtprof|bpftrace) N: prints "elapsed_ns events lost bpf_ns bpf_cnt tool_cpu_ms"
run_jvm() {
	local tool=$1 n=$2 d=$TMP/jvm.$RANDOM pid rt ev lost
	mkdir -p "$d"
	$JAVA -XX:+DTraceMethodProbes -cp "$CP" RtTarget bench "$n" "$d/go" "$d/out" >/dev/null &
	pid=$!
	wait_file "$d/out.ready"
	if [ "$tool" = rtprof ]; then
		"$RTPROF" flow -p $pid >/dev/null 2>"$d/err" &
	else
		bpftrace -e "usdt:$LIBJVM:hotspot:method__entry,usdt:$LIBJVM:hotspot:method__return { @n = count(); }" \
			-p $pid >"$d/bt" 2>&1 &
	fi
	rt=$!
	sleep 2
	touch "$d/go"
	wait_file "$d/out"
	sleep 0.2
	local st cpu
	# bpftrace names its programs after the probe
	if [ "$tool" = rtprof ]; then st=$(prog_stat on_method); else st=$(prog_stat method__); fi
	cpu=$(cpu_ms $rt)
	kill -INT $rt 2>/dev/null
	wait $rt
	wait $pid 2>/dev/null
	if [ "$tool" = rtprof ]; then
		read -r ev lost < <(sed -n 's/^flow: \([0-9]*\) events, \([0-9]*\) lost.*/\1 \2/p' "$d/err")
	else
		ev=$(sed -n 's/^@n: //p' "$d/bt")
		lost=0
		grep -q 'Lost' "$d/bt" && lost=$(grep -o '[0-9]* events lost' "$d/bt" | awk '{s+=$1} END {print s}')
	fi
	echo "$(cat "$d/out") ${ev:-0} ${lost:-0} $st $cpu"
}

N=30000
[ -n "$SKIP_JVM" ] && exit 0
echo
echo "== 2. flow vs bpftrace counting hotspot:method__entry/return (OpenJDK 17, calls($N), $PAIRS pairs)"
run_jvm rtprof 1000 >/dev/null # warm-up
: >"$TMP/jpairs"
for ((p = 0; p < PAIRS; p++)); do
	read -r re rv rl rbn rbc rcpu < <(run_jvm rtprof $N)
	read -r be bv bl bbn bbc bcpu < <(run_jvm bpftrace $N)
	echo "$re $rv $rl $be $bv $bl $rbn $rbc $rcpu $bbn $bbc $bcpu" >>"$TMP/jpairs"
done
awk '{ printf "  pair %d: rtprof flow %.0f events/s (%d events, %d lost), bpftrace %.0f events/s (%d events, %d lost)\n", NR, $2/($1/1e9), $2, $3, $5/($4/1e9), $5, $6 }' "$TMP/jpairs"
printf "  %-34s %14s %14s %8s\n" "" "rtprof flow" "bpftrace" "ratio"
printf "  %-34s %14.0f %14.0f %8.3f\n" "median events/s of the workload" \
	"$(awk '{print $2/($1/1e9)}' "$TMP/jpairs" | median)" \
	"$(awk '{print $5/($4/1e9)}' "$TMP/jpairs" | median)" \
	"$(awk '{print ($2/($1/1e9))/($5/($4/1e9))}' "$TMP/jpairs" | median)"
printf "  %-34s %14.0f %14.0f %8.3f\n" "median BPF cost (ns/event)" \
	"$(awk '$8 > 0 {print $7/$8}' "$TMP/jpairs" | median)" \
	"$(awk '$11 > 0 {print $10/$11}' "$TMP/jpairs" | median)" \
	"$(awk '$8 > 0 && $11 > 0 {print ($7/$8)/($10/$11)}' "$TMP/jpairs" | median)"
printf "  %-34s %14.2f %14.2f\n" "median tracer CPU (us/event)" \
	"$(awk '{print $9*1000/$2}' "$TMP/jpairs" | median)" \
	"$(awk '{print $12*1000/$5}' "$TMP/jpairs" | median)"
printf "  %-34s %14s %14s\n" "events lost (all runs)" "$(awk '{s+=$3} END {print s}' "$TMP/jpairs")" \
	"$(awk '{s+=$6} END {print s}' "$TMP/jpairs")"
