#!/bin/bash
# Time `rtprof probes -p PID` against `bpftrace -l 'usdt:*' -p PID` on the same running JVM
# (libjvm.so has ~530 sites). Runs alternate (rtprof, bpftrace, rtprof, ...) after a warm-up;
# prints each tool's median wall time, the median of the per-pair ratios, and the site counts.
# Usage: bench/probes.sh [PAIRS]   (default 7; run as root, after make)
set -euo pipefail
cd "$(dirname "$0")/.."
pairs=${1:-7}
tmp=$(mktemp -d)
trap 'kill $jvm 2>/dev/null; rm -rf $tmp' EXIT
cat >"$tmp/Sleep.java" <<'J'
public class Sleep { public static void main(String[] a) throws Exception { Thread.sleep(600000); } }
J
javac -d "$tmp" "$tmp/Sleep.java"
java -cp "$tmp" Sleep &
jvm=$!
for _ in $(seq 100); do grep -q libjvm.so /proc/$jvm/maps 2>/dev/null && break; sleep 0.1; done
sleep 1

time_cmd() { # wall seconds of one run
	local t0 t1
	t0=$(date +%s%N)
	"$@" >/dev/null 2>&1
	t1=$(date +%s%N)
	echo "$(((t1 - t0) / 1000))e-6"
}

time_cmd build/rtprof probes -p $jvm >/dev/null # warm-up (page cache)
time_cmd bpftrace -l 'usdt:*' -p $jvm >/dev/null
: >"$tmp/r"
for i in $(seq "$pairs"); do
	a=$(time_cmd build/rtprof probes -p $jvm)
	b=$(time_cmd bpftrace -l 'usdt:*' -p $jvm)
	echo "$a $b" >>"$tmp/r"
done
n_rtprof=$(build/rtprof probes -p $jvm --json 2>/dev/null | wc -l)
n_bpftrace=$(bpftrace -l 'usdt:*' -p $jvm 2>/dev/null | wc -l)
python3 - "$tmp/r" "$n_rtprof" "$n_bpftrace" <<'PY'
import statistics, sys
rows = [tuple(map(float, l.split())) for l in open(sys.argv[1])]
a = statistics.median(r[0] for r in rows)
b = statistics.median(r[1] for r in rows)
ratio = statistics.median(r[1] / r[0] for r in rows)
print(f"pairs: {len(rows)}")
print(f"{'tool':36} {'median wall':>12} {'sites listed':>13}")
print(f"{'rtprof probes -p PID':36} {a*1000:10.1f}ms {sys.argv[2]:>13}")
print(f"{'bpftrace -l usdt:* -p PID':36} {b*1000:10.1f}ms {sys.argv[3]:>13}")
print(f"bpftrace / rtprof (median of pairs): {ratio:.1f}x")
PY
