#!/bin/bash
# Benchmark of rtprof profile (run on purpose, as root; see docs/benchmarks.md for the method).
#
# 1. Target slowdown: a fixed-work CPU-bound C program (build/targets/profile_work, no frame
#    pointers) and python3.11 running a fixed fib() workload, alone and under rtprof at 99 and
#    999 Hz, alternating (none, 99, none, 999, ...), RUNS rounds; the targets time their own work
#    (CPU and wall). Quoted: medians of the per-round ratios to the first unprofiled run; the
#    second unprofiled run's ratio shows the noise floor.
# 2. BPF cost per sample: kernel.bpf_stats_enabled, run_time_ns / run_cnt of profile_sample
#    while rtprof samples the C program at 999 Hz, next to rtprof's own CPU time. Anchor: a
#    bpftrace `profile:hz:999 { @[ustack] = count(); }` costs about 1.7 us per sample here.
# 3. End to end, same workload, 999 Hz: rtprof (record, unwind, symbolize, render an SVG) against
#    perf record --call-graph dwarf + perf script + folding (awk, as stackcollapse-perf.pl does) +
#    rendering (rtprof flamegraph, the same renderer for both); wall and CPU time of each tool
#    chain, and the share of complete stacks (reaching main / Py_BytesMain) for both.
#
# Usage: bench/profile.sh [RUNS (default 5)]
set -u
cd "$(dirname "$0")/.." || exit 1
RTPROF=$PWD/build/rtprof
WORK=$PWD/build/targets/profile_work
PY=/usr/bin/python3.11
RUNS=${1:-5}
C_ITERS=1500 # millions of iterations of profile_work: about 1.5 s of CPU
PY_N=31	     # fib(PY_N) repeated 4 times: about 1.5 s of CPU
if [ "$(id -u)" != 0 ]; then
	echo "bench/profile.sh: run as root" >&2
	exit 1
fi
for f in "$RTPROF" "$WORK"; do
	[ -x "$f" ] || { echo "bench/profile.sh: build first (make all targets): $f missing" >&2; exit 1; }
done
TMP=$(mktemp -d /tmp/rtprof-bench.XXXXXX)
trap 'sysctl -qw kernel.bpf_stats_enabled=0; rm -rf "$TMP"' EXIT
cat >"$TMP/work.py" <<'PY'
import sys, time
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)
w0, c0 = time.perf_counter(), time.process_time()
for _ in range(4):
    fib(int(sys.argv[1]))
print("work wall=%.4f cpu=%.4f" % (time.perf_counter() - w0, time.process_time() - c0),
      file=sys.stderr)
PY

# run MODE CMD...: prints "WALL CPU" as the target measured them; MODE none, or a rate in Hz
run() {
	local mode=$1
	shift
	if [ "$mode" = none ] || [ "$mode" = none2 ]; then
		"$@" 2>&1 >/dev/null
	else
		"$RTPROF" profile -F "$mode" --folded /dev/null -- "$@" 2>&1 >/dev/null
	fi | sed -n 's/^work wall=\([0-9.]*\) cpu=\([0-9.]*\)$/\1 \2/p'
}

echo "== 1. target slowdown (median of $RUNS alternating rounds; ratio to the unprofiled run)"
printf '%-10s %-6s %12s %12s %14s %14s\n' workload rate "cpu (s)" "wall (s)" "cpu ratio" "wall ratio"
for wl in c python; do
	if [ $wl = c ]; then cmd=("$WORK" $C_ITERS); else cmd=("$PY" "$TMP/work.py" $PY_N); fi
	run none "${cmd[@]}" >/dev/null # warm-up
	: >"$TMP/slow.$wl"
	for ((i = 0; i < RUNS; i++)); do
		for mode in none 99 none2 999; do
			echo "$i $mode $(run $mode "${cmd[@]}")" >>"$TMP/slow.$wl"
		done
	done
	python3 - "$TMP/slow.$wl" $wl <<'PY'
import sys, statistics as st
rows = [l.split() for l in open(sys.argv[1]) if len(l.split()) == 4]
by = {}
for i, mode, wall, cpu in rows:
    by.setdefault(i, {})[mode] = (float(wall), float(cpu))
for mode in ("none", "none2", "99", "999"):
    r = [v for v in by.values() if mode in v and "none" in v]
    cpu = st.median(v[mode][1] for v in r)
    wall = st.median(v[mode][0] for v in r)
    cr = st.median(v[mode][1] / v["none"][1] for v in r)
    wr = st.median(v[mode][0] / v["none"][0] for v in r)
    rate = {"none": "none", "none2": "none*"}.get(mode, mode + " Hz")
    print("%-10s %-6s %12.3f %12.3f %13.2f%% %13.2f%%" % (sys.argv[2], rate, cpu, wall,
          (cr - 1) * 100, (wr - 1) * 100))
PY
done
echo "   none*: a second unprofiled run in each round, against the first: the noise floor"
echo "   goal: at most 2% at 999 Hz"

echo
echo "== 2. BPF cost per sample (kernel.bpf_stats_enabled), C program at 999 Hz"
sysctl -qw kernel.bpf_stats_enabled=1
"$WORK" 4000 2>"$TMP/work.err" &
wpid=$!
/usr/bin/time -f '%U %S' -o "$TMP/rtprof.time" "$RTPROF" profile -F 999 -p $wpid -d 3 \
	--folded /dev/null 2>"$TMP/bpf.err" &
rpid=$!
sleep 2.8
bpftool prog show -j 2>/dev/null | python3 -c '
import json, sys
for p in json.load(sys.stdin):
    if p.get("name") == "profile_sample":
        print(p.get("run_time_ns", 0), p.get("run_cnt", 0))' >"$TMP/bpf.stats"
wait $rpid
kill $wpid 2>/dev/null
wait $wpid 2>/dev/null
sysctl -qw kernel.bpf_stats_enabled=0
read -r ns cnt <"$TMP/bpf.stats"
samples=$(sed -n 's/.*profile: \([0-9]*\) samples in.*/\1/p' "$TMP/bpf.err")
read -r ru rs <"$TMP/rtprof.time"
python3 - "$ns" "$cnt" "$samples" "$ru" "$rs" <<'PY'
import sys
ns, cnt, samples, ru, rs = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3] or 0), float(sys.argv[4]), float(sys.argv[5])
print("  profile_sample runs: %d (all CPUs, all tasks), %.2f us per run" % (cnt, ns / max(cnt, 1) / 1e3))
print("  samples of the target captured: %d; BPF time per captured sample: %.2f us "
      "(all runs' time / captured samples)" % (samples, ns / max(samples, 1) / 1e3))
print("  anchor: bpftrace profile:hz:999 { @[ustack] = count(); } about 1.7 us per sample")
print("  rtprof's own CPU for 3 s at 999 Hz: %.2f s user + %.2f s sys" % (ru, rs))
# the target is busy on one CPU for the 3 s; BPF runs in its context, rtprof on the other CPU
print("  overhead in the target (BPF time / target CPU time): %.2f%%" % (100 * ns / 1e9 / 3.0))
print("  overhead with rtprof's own CPU ((BPF + rtprof) / target CPU): %.2f%%"
      % (100 * (ns / 1e9 + ru + rs) / 3.0))
PY

echo
echo "== 3. end to end at 999 Hz: rtprof vs perf --call-graph dwarf (median of $RUNS rounds)"
# fold perf script -F ip,sym output: one frame per line, samples separated by blank lines
fold_perf() {
	awk 'function flush() { if (n) { s = f[n]; for (i = n - 1; i >= 1; i--) s = s ";" f[i]; c[s]++ } n = 0 }
		/^$/ { flush(); next }
		{ sub(/^[ \t]*[0-9a-f]+ /, ""); sub(/\+0x[0-9a-f]+$/, ""); gsub(/;/, ":"); f[++n] = $0 }
		END { flush(); for (s in c) print s, c[s] }'
}
complete() { # FOLDED ROOT_FRAME
	RE=$2 awk '{ t += $NF; if (match($0, "(^|;)" ENVIRON["RE"] "(;| )") && $0 !~ /^\[(truncated|incomplete)\]/) m += $NF }
		END { printf "%.1f%%", t ? 100 * m / t : 0 }' "$1"
}
calc() { awk "BEGIN { printf \"%.3f\", $* }"; }
printf '%-8s %-6s %10s %10s %10s %10s %12s %10s\n' workload tool "wall (s)" "cpu (s)" \
	"post (s)" samples complete "data (MB)"
for wl in c python; do
	if [ $wl = c ]; then cmd=("$WORK" $C_ITERS); root=main; else cmd=("$PY" "$TMP/work.py" $PY_N); root=Py_BytesMain; fi
	: >"$TMP/e2e.$wl"
	for ((i = 0; i < RUNS; i++)); do
		# rtprof: one command, SVG at the end
		/usr/bin/time -f '%e %U %S' -o "$TMP/r.time" "$RTPROF" profile -F 999 \
			--folded "$TMP/r.folded" --svg "$TMP/r.svg" -- "${cmd[@]}" 2>"$TMP/r.err" >/dev/null
		tw=$(sed -n 's/^work wall=\([0-9.]*\).*/\1/p' "$TMP/r.err")
		read -r w u s <"$TMP/r.time"
		echo "rtprof $w $(calc "$u + $s") $(calc "$w - $tw") \
$(awk '{t+=$NF} END {print t}' "$TMP/r.folded") $(complete "$TMP/r.folded" $root) 0" >>"$TMP/e2e.$wl"
		# perf: record, script, fold, render
		/usr/bin/time -f '%e %U %S' -o "$TMP/p1.time" perf record -q -F 999 --call-graph dwarf \
			-o "$TMP/perf.data" -- "${cmd[@]}" 2>"$TMP/p.err" >/dev/null
		tw=$(sed -n 's/^work wall=\([0-9.]*\).*/\1/p' "$TMP/p.err")
		/usr/bin/time -f '%e %U %S' -o "$TMP/p2.time" sh -c \
			"perf script -i '$TMP/perf.data' -F ip,sym 2>/dev/null > '$TMP/p.script'"
		/usr/bin/time -f '%e %U %S' -o "$TMP/p3.time" sh -c \
			"$(declare -f fold_perf); fold_perf < '$TMP/p.script' > '$TMP/p.folded'"
		/usr/bin/time -f '%e %U %S' -o "$TMP/p4.time" "$RTPROF" flamegraph "$TMP/p.folded" \
			>"$TMP/p.svg" 2>/dev/null
		w=0 c=0
		for t in p1 p2 p3 p4; do
			read -r a b d <"$TMP/$t.time"
			w=$(calc "$w + $a")
			c=$(calc "$c + $b + $d")
		done
		mb=$(du -m "$TMP/perf.data" | cut -f1)
		echo "perf $w $c $(calc "$w - $tw") $(awk '{t+=$NF} END {print t}' "$TMP/p.folded") \
$(complete "$TMP/p.folded" $root) $mb" >>"$TMP/e2e.$wl"
	done
	python3 - "$TMP/e2e.$wl" $wl <<'PY'
import sys, statistics as st
rows = {}
for l in open(sys.argv[1]):
    f = l.split()
    rows.setdefault(f[0], []).append(f[1:])
for tool in ("rtprof", "perf"):
    r = rows.get(tool, [])
    if not r:
        continue
    med = lambda k: st.median(float(x[k].rstrip("%")) for x in r)
    print("%-8s %-6s %10.2f %10.2f %10.2f %10d %11.1f%% %10.0f" % (sys.argv[2], tool, med(0),
          med(1), med(2), med(3), med(4), med(5)))
PY
done
echo "   wall/cpu: the whole tool chain including the workload; post: wall minus the workload's"
echo "   own wall time (what the user waits for beyond the program); complete: share of samples"
echo "   whose stack reaches main (C) or Py_BytesMain (python)"
