#!/bin/bash
# Benchmark of Python frames in rtprof profile (run on purpose, as root; see
# /work/shared/docs/benchmarks.md for the method). Workload: /usr/bin/python3.11 (Debian; with
# python3.11-dbg perf gets its symbols) running <module> -> pyfr_recurse x (D-2) -> pyfr_burn,
# so that D Python frames are on the stack while pyfr_burn burns CPU in a loop. Python-to-Python
# calls stay inside one native eval activation in 3.11: the native stack is the same at every D.
#
# 1. BPF time per sample, Python walking against --native-only, at D = 8 and 64 (999 Hz). Per
#    round and depth, two new targets side by side, one under rtprof -p with Python frames and
#    one under rtprof -p --native-only (each process its own setting; which starts first and the
#    order of the depths alternate; RUNS rounds, medians): measured at the same time, the
#    machine's noise (other users, a vCPU that stalls) hits both settings alike. Over a window
#    of WIN s after a warm-up: the targets are stopped (SIGSTOP) at both ends of the window and
#    each rtprof left to catch up, so nothing is sampled while the figures are read.
#    kernel.bpf_stats_enabled gives run_time_ns and run_cnt of each rtprof's own profile_sample
#    (from the fdinfo of its program's fd: what bpftool prog show prints), /proc/PID/schedstat
#    each target's CPU time, and samples of a target = its CPU time x HZ (cpu-clock fires every
#    1/HZ s on each CPU; checked against rtprof's count: within 0.3%). The program also runs
#    for every other task on every CPU (a PID lookup, then return): that cost per run, measured
#    with the targets stopped, is subtracted. Read every 100 ms (bench's ticks.py), per window
#    the median of those (a vCPU stalled inside one run moves a mean by microseconds), then the
#    median over the rounds. Per-frame cost = (extra at 64 - extra at 8) / 56.
#    Anchor, in the same windows: benchmarks.md's bpftrace profile:hz:999 { @[ustack] = count(); }
#    (about 1.7 us per sample on a quiet machine of this kind), to scale absolute figures taken
#    on a busy one.
# 2. Target slowdown at 99 and 999 Hz, D = 64, fixed work timed by the target itself
#    (time.process_time() around the loop): rounds of none, python 99, native 99, none*,
#    python 999, native 999 launched under rtprof; medians of per-round ratios to the first
#    unprofiled run; none* (a second unprofiled run) is the noise floor.
# 3. rtprof's own CPU time per sample (all its threads, /proc/PID/task/*/schedstat) in the same
#    windows as 1 (steady state: unwinding, merging, naming; less its idle polling, measured
#    with the targets stopped; median of 0.5 s sub-windows), and over the whole run (start-up,
#    debug information, output included; /usr/bin/time).
# 4. Side by side at 999 Hz, D = 64, same fixed work: rtprof profile --folded against
#    perf record --call-graph dwarf + perf script + folding (awk, as stackcollapse-perf.pl does):
#    samples, bytes written, time after the workload ended until the folded stacks were written,
#    the tools' CPU time, and how many frames name the workload's Python functions (grep pyfr_ in
#    each folded output: perf shows the interpreter's C functions only).
#
# Usage: bench/python_frames.sh [RUNS (default 5)]   (5-8 minutes at RUNS=5, depending on load;
#        KEEP=1 keeps the raw rows)
set -u
cd "$(dirname "$0")/.." || exit 1
RTPROF=$PWD/build/rtprof
PY=/usr/bin/python3.11
RUNS=${1:-5}
HZ=999
DEEP=64	     # depth of parts 2 and 4
WORK_N=60000000 # loop iterations of the fixed work: about 1.4 s of CPU
WARM=2	     # s of sampling after rtprof attached, before a window (then it is let catch up)
WIN=3	     # s: the window of parts 1 and 3
if [ "$(id -u)" != 0 ]; then
	echo "bench/python_frames.sh: run as root" >&2
	exit 1
fi
for f in "$RTPROF" "$PY" /usr/bin/time; do
	[ -x "$f" ] || { echo "bench/python_frames.sh: $f missing (make all)" >&2; exit 1; }
done
command -v perf >/dev/null || { echo "bench/python_frames.sh: needs perf" >&2; exit 1; }
TMP=$(mktemp -d /tmp/rtprof-bench.XXXXXX)
stats_was=$(sysctl -n kernel.bpf_stats_enabled)
tpids='' rpids='' waits='' apid='' # targets, rtprof processes, processes to wait for, anchor
cleanup() {
	[ -n "$apid" ] && kill -KILL "$apid" 2>/dev/null
	# shellcheck disable=SC2086
	[ -n "${rpids// /}" ] && kill -INT $rpids 2>/dev/null
	stop_all KILL
	stop_all CONT
	wait 2>/dev/null
	sysctl -qw kernel.bpf_stats_enabled="$stats_was"
	if [ -n "${KEEP:-}" ]; then echo "raw rows kept in $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cat >"$TMP/work.py" <<'PY'
import sys, time
def pyfr_burn(n):
    x = 0
    if n < 0:  # until killed
        print("ready", flush=True)
        while True:
            x += 1
    c0, w0 = time.process_time(), time.perf_counter()
    for i in range(n):
        x += i
    print("work cpu=%.4f wall=%.4f proc=%.4f end=%.6f" % (time.process_time() - c0,
          time.perf_counter() - w0, time.process_time(), time.time()), file=sys.stderr)
    return x
def pyfr_recurse(d, n):
    return pyfr_recurse(d - 1, n) if d > 0 else pyfr_burn(n)
pyfr_recurse(int(sys.argv[1]) - 3, int(sys.argv[2]))  # <module> + D-2 pyfr_recurse + pyfr_burn
PY
# ticks.py "ROUND DEPTH" SECONDS MODE:PROG_PID:TARGET_PID...: every 100 ms for SECONDS, per MODE,
# "ROUND DEPTH MODE K dRUN_TIME_NS dRUN_CNT dTARGET_CPU_NS dPROG_PID_CPU_NS" of the perf_event
# program PROG_PID loaded (TARGET_PID 0: none)
cat >"$TMP/ticks.py" <<'PY'
import glob, sys, time
tag, win = sys.argv[1], float(sys.argv[2])
def progfd(pid):
    for f in glob.glob("/proc/%s/fdinfo/*" % pid):
        try:
            if "prog_type:\t7\n" in open(f).read():
                return f
        except OSError:
            pass
who = [(m, progfd(p), t, p) for m, p, t in (a.split(":") for a in sys.argv[3:])]
def cpu(pid):
    return sum(int(open(s).read().split()[0])
               for s in glob.glob("/proc/%s/task/*/schedstat" % pid)) if pid != "0" else 0
def read(f, t, p):
    ns = cnt = tc = pc = 0
    try:
        for l in open(f):
            if l.startswith("run_time_ns:"):
                ns = int(l.split()[1])
            elif l.startswith("run_cnt:"):
                cnt = int(l.split()[1])
        tc, pc = cpu(t), cpu(p)
    except (OSError, TypeError):
        pass
    return ns, cnt, tc, pc
prev, out, k = [read(*w[1:]) for w in who], [], 0
end = time.monotonic() + win
while time.monotonic() < end:
    time.sleep(0.1)
    cur = [read(*w[1:]) for w in who]
    for w, a, b in zip(who, prev, cur):
        out.append("%s %s %d %s" % (tag, w[0], k, " ".join(str(y - x) for x, y in zip(a, b))))
    prev, k = cur, k + 1
print("\n".join(out))
PY
cpu_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%d", s }'; }
# bpf_stats RTPROF_PID: "RUN_TIME_NS RUN_CNT" of the profile_sample program that process loaded
# (its one perf_event program, prog_type 7), from the fdinfo of its program's fd: the counters
# bpftool prog show prints, of this rtprof's program and no other
bpf_stats() {
	awk 'FNR == 1 { t = "" } /^prog_type:/ { t = $2 } t == 7 && /^run_time_ns:/ { ns = $2 }
		t == 7 && /^run_cnt:/ { c = $2 } END { printf "%.0f %.0f\n", ns, c }' \
		/proc/"$1"/fdinfo/* 2>/dev/null
}

echo "rtprof python frames benchmark: $(uname -r), $(nproc) CPUs, $($PY -V 2>&1) ($PY), RUNS=$RUNS"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

# ---- 1 and 3: per round and depth, a pair of targets, one profiled with Python frames and one
# with --native-only, at the same time (the machine's noise hits both alike), with the anchor
start_target() { # DEPTH: a target burning at that depth, its PID in $tp once it is there
	: >"$TMP/ready"
	"$PY" "$TMP/work.py" "$1" -1 >"$TMP/ready" &
	tp=$!
	tpids="$tpids $tp"
	for ((i = 0; i < 100; i++)); do [ -s "$TMP/ready" ] && break; sleep 0.05; done
}
start_rtprof() { # MODE TARGET: rtprof -p TARGET under /usr/bin/time; rtprof's PID in $rp
	local opt=() w
	[ "$1" = native ] && opt=(--native-only)
	/usr/bin/time -f '%U %S' -o "$TMP/$1.time" "$RTPROF" profile -F $HZ -p "$2" \
		--folded "$TMP/$1.folded" "${opt[@]}" 2>"$TMP/$1.err" >/dev/null &
	w=$!
	waits="$waits $w"
	for ((i = 0; i < 100; i++)); do
		rp=$(cat /proc/$w/task/$w/children 2>/dev/null | tr -d ' ')
		[ -n "$rp" ] && break
		sleep 0.02
	done
	rpids="$rpids $rp"
}
# wait_idle PID...: with the targets stopped, until each rtprof has caught up (start-up, debug
# information, samples still queued): less than 5 ms of CPU in 100 ms and then none of its
# threads running or waiting for a CPU or a disk (a starved process also uses little CPU), at
# most 10 s
wait_idle() {
	local p c0 c1 i
	for p in "$@"; do
		for ((i = 0; i < 100; i++)); do
			c0=$(cpu_ns "$p")
			sleep 0.1
			c1=$(cpu_ns "$p")
			((c1 - c0 < 5000000)) && ! cut -d')' -f2 /proc/"$p"/task/*/stat 2>/dev/null |
				grep -q '^ [RD] ' && break
		done
	done
}
stop_all() { # SIG
	# shellcheck disable=SC2086
	[ -n "${tpids// /}" ] && kill -"$1" $tpids 2>/dev/null
}
# pair_run DEPTH ROUND FIRST SECOND: appends per mode "ROUND DEPTH MODE dNS dCNT dTARGET_NS
# IDLE_NS IDLE_CNT RTPROF_WIN_NS WIN_WALL_NS RTPROF_IDLE_NS IDLE_WALL_NS SAMPLES RTPROF_TOTAL_S
# PY_STACKS PY_FRAMES STATS_ON" to bpf.rows (dNS, dCNT: run_time_ns, run_cnt in the window;
# IDLE_*: after it, the targets stopped), and "ROUND DEPTH dNS dCNT STATS_ON" of the anchor to
# anchor.rows
pair_run() {
	local d=$1 r=$2 m a0='' a1='' tp rp w0 w1 w2 i
	declare -A T R S0 S1 S2 T0 T1 R0 R1 R2
	sysctl -qw kernel.bpf_stats_enabled=1
	for m in "$3" "$4"; do
		start_target "$d"
		T[$m]=$tp
		start_rtprof "$m" "$tp"
		R[$m]=$rp
	done
	for ((i = 0; i < 300; i++)); do # until both attached: start-up must not land in a window
		grep -q 'sampling PID' "$TMP/$3.err" && grep -q 'sampling PID' "$TMP/$4.err" && break
		sleep 0.1
	done
	sleep $WARM # the first samples: maps, debug information
	stop_all STOP
	wait_idle "${R[@]}"
	for m in "$3" "$4"; do
		R0[$m]=$(cpu_ns "${R[$m]}") T0[$m]=$(cpu_ns "${T[$m]}") S0[$m]=$(bpf_stats "${R[$m]}")
	done
	w0=${EPOCHREALTIME/./}
	[ -n "$apid" ] && a0=$(bpf_stats "$apid")
	stop_all CONT
	/usr/bin/python3 "$TMP/ticks.py" "$r $d" $WIN "$3:${R[$3]}:${T[$3]}" "$4:${R[$4]}:${T[$4]}" \
		${apid:+"anchor:$apid:0"} >>"$TMP/ticks.rows"
	stop_all STOP
	[ -n "$apid" ] && a1=$(bpf_stats "$apid")
	wait_idle "${R[@]}"
	for m in "$3" "$4"; do
		R1[$m]=$(cpu_ns "${R[$m]}") T1[$m]=$(cpu_ns "${T[$m]}") S1[$m]=$(bpf_stats "${R[$m]}")
	done
	w1=${EPOCHREALTIME/./}
	sleep 0.5 # the targets stopped: only other tasks' runs, rtprof idle
	for m in "$3" "$4"; do S2[$m]=$(bpf_stats "${R[$m]}") R2[$m]=$(cpu_ns "${R[$m]}"); done
	w2=${EPOCHREALTIME/./}
	# shellcheck disable=SC2086
	kill -INT $rpids 2>/dev/null
	# shellcheck disable=SC2086
	wait $waits 2>/dev/null
	stop_all KILL
	stop_all CONT
	# shellcheck disable=SC2086
	wait $tpids 2>/dev/null
	tpids='' rpids='' waits=''
	for m in "$3" "$4"; do
		echo "$r $d $m $(echo "${S0[$m]} ${S1[$m]} ${S2[$m]}" |
			awk -v t=$((T1[$m] - T0[$m])) \
				'{ printf "%.0f %.0f %d %.0f %.0f", $3 - $1, $4 - $2, t, $5 - $3, $6 - $4 }') \
$((R1[$m] - R0[$m])) $(((w1 - w0) * 1000)) $((R2[$m] - R1[$m])) $(((w2 - w1) * 1000)) \
$(sed -n 's/.*profile: \([0-9]*\) samples in.*/\1/p' "$TMP/$m.err" | head -1) \
$(awk '{ printf "%.3f", $1 + $2 }' "$TMP/$m.time") \
$(sed -n 's/.*python frames: \([0-9]*\) stacks.*, \([0-9]*\) frames named.*/\1 \2/p' "$TMP/$m.err" |
			grep . || echo 0 0) $(sysctl -n kernel.bpf_stats_enabled)" >>"$TMP/bpf.rows"
	done
	[ -n "$apid" ] && echo "$r $d $(echo "$a0 $a1" | awk '{ printf "%.0f %.0f", $3 - $1, $4 - $2 }') \
$(sysctl -n kernel.bpf_stats_enabled)" >>"$TMP/anchor.rows"
}

echo
t=$SECONDS
echo "== 1. BPF time per sample, Python frames vs --native-only ($HZ Hz, windows of $WIN s, median of $RUNS rounds)"
: >"$TMP/bpf.rows"
: >"$TMP/anchor.rows"
: >"$TMP/ticks.rows"
# warm-up: python3.11 and its debug information in the page cache
"$RTPROF" profile -F $HZ --folded /dev/null -- "$PY" "$TMP/work.py" 8 $((WORK_N / 8)) >/dev/null 2>&1
# the anchor runs through part 1; its figures are taken over each window
sysctl -qw kernel.bpf_stats_enabled=1
if command -v bpftrace >/dev/null; then
	bpftrace -e 'profile:hz:999 { @[ustack] = count(); }' >/dev/null 2>&1 &
	apid=$!
	for ((i = 0; i < 300; i++)); do # it compiles for a few seconds
		a=$(bpf_stats $apid)
		[ "${a#* }" != 0 ] && break
		sleep 0.1
	done
	[ "${a#* }" = 0 ] && { kill -KILL $apid; wait $apid 2>/dev/null; apid=''; }
fi
for ((r = 0; r < RUNS; r++)); do
	if ((r % 2 == 0)); then
		pair_run 8 "$r" python native
		pair_run 64 "$r" native python
	else
		pair_run 64 "$r" python native
		pair_run 8 "$r" native python
	fi
done
if [ -n "$apid" ]; then # its map printed at exit is of no use
	kill -KILL $apid
	wait $apid 2>/dev/null
	apid=''
fi
/usr/bin/python3 - "$TMP/bpf.rows" $HZ "$TMP/anchor.rows" "$TMP/ticks.rows" <<'PY'
import sys, statistics as st
hz = int(sys.argv[2])
nan = float("nan")
def median(v):
    v = list(v)
    return st.median(v) if v else nan
rows, off = {}, 0
for l in open(sys.argv[1]):
    f = l.split()
    if len(f) != 17:
        continue
    r, d, mode = f[0], int(f[1]), f[2]
    dns, dcnt, tns, ins, icnt, rwin, wwall, ridle, iwall, samples, rtot, pst, pfr, on = (
        float(x) for x in f[3:])
    s = tns * hz / 1e9  # samples of the target in the window
    if on != 1 or s < 100:
        off += 1
        continue
    idle = ins / icnt if icnt else 0.0  # ns per run of another task
    rows[(r, d, mode)] = dict(mean=(dns - max(dcnt - s, 0) * idle) / s / 1e3, idle=idle, s=s,
                              fr=pfr / pst if pst else 0.0, ticks=[], anchor=[])
anchor = {}
for l in open(sys.argv[3]):
    f = l.split()
    if len(f) == 5 and f[4] == "1" and int(f[3]) > 0:
        anchor[(f[0], int(f[1]))] = int(f[2]) / int(f[3]) / 1e3
# ticks: ROUND DEPTH MODE K dNS dCNT dTARGET_NS dRTPROF_NS every 100 ms of the window
ticks = {}
for l in open(sys.argv[4]):
    f = l.split()
    if len(f) != 8:
        continue
    r, d, mode = f[0], int(f[1]), f[2]
    dns, dcnt, dt = (int(x) for x in f[4:7])
    if mode == "anchor":
        if dcnt >= 50:
            ticks.setdefault((r, d, mode), []).append(dns / dcnt / 1e3)
        continue
    x = rows.get((r, d, mode))
    s = dt * hz / 1e9
    if x and s >= 20:
        ticks.setdefault((r, d, mode), []).append((dns - max(dcnt - s, 0) * x["idle"]) / s / 1e3)
for (r, d, mode), x in rows.items():
    x["bpf"] = median(ticks.get((r, d, mode), []))
    x["anchor"] = median(ticks.get((r, d, "anchor"), [])) if (r, d, "anchor") in ticks else \
        anchor.get((r, d), nan)
def col(d, mode, k):
    return median(x[k] for (r, dd, m), x in rows.items() if dd == d and m == mode)
def pairs(d, k="bpf"):  # (round, python, native, anchor) of the rounds that have both
    return [(r, x[k], rows[(r, d, "native")][k], x["anchor"]) for (r, dd, m), x in rows.items()
            if dd == d and m == "python" and (r, d, "native") in rows]
def extra(d, k="bpf"):  # median of the per-round differences python - native
    return median(p - n for _, p, n, _ in pairs(d, k))
def ratio(d):
    return median(p / n for _, p, n, _ in pairs(d) if n > 0)
def scaled(d):  # extra / anchor of the same window x 1.7 us
    return median((p - n) / a * 1.7 for _, p, n, a in pairs(d) if a == a and a > 0)
print("%-6s %-8s %6s %13s %13s %11s %7s %12s %12s" % ("depth", "mode", "frames",
      "BPF us/sample", "mean (us)", "extra (us)", "ratio", "anchor (us)", "scaled (us)"))
for d in (8, 64):
    for mode in ("native", "python"):
        if mode == "python":
            ex = "%11.2f %6.2fx %12.2f %12.2f" % (extra(d), ratio(d), col(d, mode, "anchor"),
                                                 scaled(d))
        else:
            ex = "%11s %7s %12s %12s" % ("-", "-", "-", "-")
        print("%-6d %-8s %6.1f %13.2f %13.2f %s" % (d, mode, col(d, mode, "fr"),
              col(d, mode, "bpf"), col(d, mode, "mean"), ex))
e8, e64 = extra(8), extra(64)
pf = (e64 - e8) / 56
s8, s64 = scaled(8), scaled(64)
spf = (s64 - s8) / 56
print("   frames: Python frames walked per sample (rtprof's summary). BPF us/sample: run_time_ns")
print("   less the program's runs for other tasks (%.0f ns each, measured with the targets"
      % median(x["idle"] for x in rows.values()))
print("   stopped), per sample of the target (its CPU time x %d Hz), every 100 ms of the window;" % hz)
print("   the median of those per window (a vCPU stalled inside one run moves a mean by"
      " microseconds),")
print("   then over the rounds; mean: the same over the whole window. extra, ratio: medians of the")
print("   per-round python - native, python / native. anchor: bpftrace profile:hz:999")
print("   { @[ustack] = count(); } per run in the same windows (benchmarks.md: about 1.7 us on this")
print("   machine kind); scaled: extra / anchor x 1.7 us, per round, median")
for d in (8, 64):
    print("   extra per round at %2d frames (us): %s   scaled: %s" % (d,
          " ".join("%.2f" % (p - n) for _, p, n, _ in sorted(pairs(d))),
          " ".join("%.2f" % ((p - n) / a * 1.7) for _, p, n, a in sorted(pairs(d)) if a == a)))
print("   per-frame cost: (%.2f - %.2f) / 56 = %.0f ns per frame, fixed %.2f us (scaled: %.0f ns,"
      " %.2f us)" % (e64, e8, pf * 1e3, e8 - 8 * pf, spf * 1e3, s8 - 8 * spf))
print("   samples per window: %.0f (median)" % median(x["s"] for x in rows.values()))
print("   goal: at most 2 us more per sample at 64 frames: %.2f us as measured (%s), %.2f us scaled"
      " to the anchor (%s)" % (e64, "met" if e64 <= 2 else "missed", s64,
                               "met" if s64 <= 2 else "missed"))
if off:
    print("   %d run(s) left out: kernel.bpf_stats_enabled was switched off during them, or too few samples" % off)
with open(sys.argv[1] + ".summary", "w") as f:
    for d in (8, 64):
        for mode in ("native", "python"):
            f.write("%d %s %.4f\n" % (d, mode, col(d, mode, "bpf")))
PY

t1=$((SECONDS - t)) t=$SECONDS
echo
echo "== 2. target slowdown, depth $DEEP, fixed work (median of $RUNS alternating rounds; ratio to the unprofiled run)"
# slow_run MODE: "CPU WALL" of the work as the target measured it
slow_run() {
	local cmd=("$PY" "$TMP/work.py" "$DEEP" "$WORK_N")
	case $1 in
	none*) "${cmd[@]}" 2>&1 >/dev/null ;;
	py*) "$RTPROF" profile -F "${1#py}" --folded /dev/null -- "${cmd[@]}" 2>&1 >/dev/null ;;
	nat*) "$RTPROF" profile -F "${1#nat}" --native-only --folded /dev/null -- "${cmd[@]}" \
		2>&1 >/dev/null ;;
	esac | sed -n 's/^work cpu=\([0-9.]*\) wall=\([0-9.]*\) .*/\1 \2/p'
}
slow_run none >/dev/null # warm-up
: >"$TMP/slow.rows"
for ((r = 0; r < RUNS; r++)); do
	for mode in none py99 nat99 none2 py999 nat999; do
		echo "$r $mode $(slow_run $mode)" >>"$TMP/slow.rows"
	done
done
/usr/bin/python3 - "$TMP/slow.rows" "$TMP/bpf.rows.summary" $DEEP <<'PY'
import sys, statistics as st
by = {}
for l in open(sys.argv[1]):
    f = l.split()
    if len(f) == 4:
        by.setdefault(f[0], {})[f[1]] = (float(f[2]), float(f[3]))
bpf = {}
for l in open(sys.argv[2]):
    d, mode, v = l.split()
    bpf[(int(d), mode)] = float(v)
deep = int(sys.argv[3])
print("%-8s %-7s %12s %12s %12s %20s" % ("rate", "frames", "cpu (s)", "cpu ratio", "wall ratio",
      "BPF share (from 1)"))
for mode in ("none", "none2", "py99", "nat99", "py999", "nat999"):
    r = [v for v in by.values() if mode in v and "none" in v]
    if not r:
        continue
    cpu = st.median(v[mode][0] for v in r)
    cr = st.median(v[mode][0] / v["none"][0] for v in r)
    wr = st.median(v[mode][1] / v["none"][1] for v in r)
    if mode.startswith("none"):
        rate, fr, share = "none" if mode == "none" else "none*", "-", "-"
    else:
        hz = int(mode.lstrip("pynat"))
        fr = "python" if mode.startswith("py") else "native"
        b = bpf.get((deep, fr))
        rate, share = "%d Hz" % hz, "%.2f%%" % (b * hz / 1e4) if b else "?"
    print("%-8s %-7s %12.3f %11.2f%% %11.2f%% %20s" % (rate, fr, cpu, (cr - 1) * 100,
          (wr - 1) * 100, share))
PY
echo "   none*: a second unprofiled run in each round, against the first: the noise floor"
echo "   BPF share: part 1's BPF time per sample x rate, as a share of the target's CPU time"
echo "   (parts 1 and 3: $t1 s; part 2: $((SECONDS - t)) s)"

echo
echo "== 3. rtprof's own CPU time per sample (same runs and windows as 1, medians)"
/usr/bin/python3 - "$TMP/bpf.rows" $HZ "$TMP/ticks.rows" <<'PY'
import sys, statistics as st
hz = int(sys.argv[2])
nan = float("nan")
def median(v):
    v = list(v)
    return st.median(v) if v else nan
rows = {}
for l in open(sys.argv[1]):
    f = l.split()
    if len(f) != 17:
        continue
    r, d, mode = f[0], int(f[1]), f[2]
    s = float(f[5]) * hz / 1e9
    rwin, wwall, ridle, iwall, samples, rtot = (float(x) for x in f[8:14])
    if s < 100 or wwall <= 0 or iwall <= 0:
        continue
    idle = ridle / iwall  # CPU s per s while no sample arrives (polling)
    rows[(r, d, mode)] = dict(mean=(rwin - idle * wwall) / s / 1e3, idle=idle, tot=rtot,
                              samples=samples, parts={})
# ticks in groups of 5 (0.5 s: rtprof works through its samples every 50 ms)
for l in open(sys.argv[3]):
    f = l.split()
    x = rows.get((f[0], int(f[1]), f[2])) if len(f) == 8 else None
    if x:
        p = x["parts"].setdefault(int(f[3]) // 5, [0, 0, 0])
        p[0] += int(f[6])
        p[1] += int(f[7])
        p[2] += 1
for x in rows.values():
    x["win"] = median((c - x["idle"] * n * 1e8) / (t * hz / 1e9) / 1e3
                      for t, c, n in x["parts"].values() if t * hz / 1e9 >= 50)
def col(d, mode, k):
    return median(x[k] for (r, dd, m), x in rows.items() if dd == d and m == mode)
def extras(d):
    return sorted((r, x["win"] - rows[(r, d, "native")]["win"]) for (r, dd, m), x in rows.items()
                  if dd == d and m == "python" and (r, d, "native") in rows)
print("%-6s %-8s %10s %10s %11s %15s %14s %8s" % ("depth", "mode", "us/sample", "mean (us)",
      "extra (us)", "CPU at %d Hz" % hz, "whole run (s)", "samples"))
for d in (8, 64):
    for mode in ("native", "python"):
        ex = "%11.1f" % median(e for _, e in extras(d)) if mode == "python" else "%11s" % "-"
        print("%-6d %-8s %10.1f %10.1f %s %14.1f%% %14.3f %8.0f" % (d, mode, col(d, mode, "win"),
              col(d, mode, "mean"), ex, col(d, mode, "win") * hz / 1e4, col(d, mode, "tot"),
              col(d, mode, "samples")))
print("   us/sample: CPU time of all rtprof's threads (unwind, merge, name, count) less what it")
print("   spends idle (polling: %.2f%% of a CPU, measured with the targets stopped), per sample of"
      % (median(x["idle"] for x in rows.values()) * 100))
print("   the target, every 0.5 s of the window; the median of those per window, then over the")
print("   rounds; mean: the same over the whole window. extra: median of the per-round python -")
print("   native; CPU at %d Hz: us/sample x %d Hz, for a target that keeps a CPU busy; whole run:"
      % (hz, hz))
print("   user+sys of the whole process (start-up, debug information, output, warm-up and window),")
print("   and its samples")
for d in (8, 64):
    print("   extra per round at %2d frames (us): %s" % (d, " ".join("%.1f" % e for _, e in extras(d))))
PY

t=$SECONDS
echo
echo "== 4. rtprof vs perf record -F $HZ --call-graph dwarf, depth $DEEP, same fixed work (median of $RUNS rounds)"
# fold perf script -F ip,sym output: one frame per line, samples separated by blank lines
fold_perf() {
	awk 'function flush() { if (n) { s = f[n]; for (i = n - 1; i >= 1; i--) s = s ";" f[i]; c[s]++ } n = 0 }
		/^$/ { flush(); next }
		{ sub(/^[ \t]*[0-9a-f]+ /, ""); sub(/\+0x[0-9a-f]+$/, ""); gsub(/;/, ":"); f[++n] = $0 }
		END { flush(); for (s in c) print s, c[s] }'
}
# folded_stats FILE: "SAMPLES FRAMES_PER_SAMPLE PYFR_FRAMES PYFR_SAMPLES EVAL_FRAMES BYTES"
folded_stats() {
	awk '{ w = $NF; t += w; n = split($0, a, ";"); fr += n * w
		p = gsub(/pyfr_/, "&"); pf += p * w; if (p) ps += w
		e = gsub(/_PyEval_EvalFrameDefault/, "&"); ef += e * w }
		END { printf "%d %.1f %d %d %d", t, t ? fr / t : 0, pf, ps, ef }' "$1"
	printf ' %d\n' "$(stat -c %s "$1")"
}
# leaf_end FILE: the last 4 frames of the heaviest folded stack
leaf_end() {
	awk '{ print $NF "\t" $0 }' "$1" | sort -t"$(printf '\t')" -k1,1nr | head -1 | cut -f2- |
		sed "s/ [0-9]*\$//; s|$TMP/||g" | awk -F';' '{ s = $NF; for (i = NF - 1; i > 0 && i > NF - 4; i--) s = $i ";" s
			print "..." s }'
}
work_line() { sed -n 's/^work cpu=\([0-9.]*\) wall=\([0-9.]*\) proc=\([0-9.]*\) end=\([0-9.]*\)$/\1 \2 \3 \4/p' "$1"; }
: >"$TMP/e2e.rows"
for ((r = 0; r < RUNS; r++)); do
	cmd=("$PY" "$TMP/work.py" "$DEEP" "$WORK_N")
	# rtprof: folded stacks at the end of the one command
	/usr/bin/time -f '%U %S' -o "$TMP/r.time" "$RTPROF" profile -F $HZ --folded "$TMP/r.folded" \
		-- "${cmd[@]}" 2>"$TMP/r.err" >/dev/null
	done_t=$(date +%s.%N)
	read -r wc _ wp we <<<"$(work_line "$TMP/r.err")"
	echo "rtprof $(awk -v a="$done_t" -v b="$we" 'BEGIN { printf "%.3f", a - b }') \
$(awk -v p="$wp" '{ printf "%.3f", $1 + $2 - p }' "$TMP/r.time") $wc 0 $(folded_stats "$TMP/r.folded")" \
		>>"$TMP/e2e.rows"
	# perf: record, script, fold
	/usr/bin/time -f '%U %S' -o "$TMP/p1.time" perf record -q -F $HZ --call-graph dwarf \
		-o "$TMP/perf.data" -- "${cmd[@]}" 2>"$TMP/p.err" >/dev/null
	/usr/bin/time -f '%U %S' -o "$TMP/p2.time" sh -c \
		"perf script -i '$TMP/perf.data' -F ip,sym 2>/dev/null > '$TMP/p.script'"
	/usr/bin/time -f '%U %S' -o "$TMP/p3.time" sh -c \
		"$(declare -f fold_perf); fold_perf < '$TMP/p.script' > '$TMP/p.folded'"
	done_t=$(date +%s.%N)
	read -r wc _ wp we <<<"$(work_line "$TMP/p.err")"
	echo "perf $(awk -v a="$done_t" -v b="$we" 'BEGIN { printf "%.3f", a - b }') \
$(cat "$TMP/p1.time" "$TMP/p2.time" "$TMP/p3.time" | awk -v p="$wp" '{ c += $1 + $2 } END { printf "%.3f", c - p }') \
$wc $(stat -c %s "$TMP/perf.data") $(folded_stats "$TMP/p.folded")" >>"$TMP/e2e.rows"
done
/usr/bin/python3 - "$TMP/e2e.rows" <<'PY'
import sys, statistics as st
rows = {}
for l in open(sys.argv[1]):
    f = l.split()
    if len(f) == 11:
        rows.setdefault(f[0], []).append([float(x) for x in f[1:]])
print("%-7s %8s %9s %9s %10s %11s %9s %9s %12s %12s" % ("tool", "samples", "data (MB)",
      "folded KB", "post (s)", "tool cpu(s)", "cpu ms/s", "frames/s", "pyfr_ frames",
      "named samples"))
for tool in ("rtprof", "perf"):
    r = rows.get(tool)
    if not r:
        continue
    m = lambda k: st.median(x[k] for x in r)
    # post, cpu, work cpu, data bytes, samples, frames/sample, pyfr frames, pyfr samples, eval
    # frames, folded bytes
    print("%-7s %8.0f %9.1f %9.1f %10.2f %11.2f %9.3f %9.1f %12.0f %11.1f%%" % (tool, m(4),
          m(3) / 1e6, m(9) / 1e3, m(0), m(1), st.median(x[1] / x[4] * 1e3 for x in r), m(5),
          m(6), st.median(100 * x[7] / x[4] for x in r)))
    print("        target's work: %.3f s CPU; _PyEval_EvalFrameDefault frames: %.0f" % (m(2), m(8)))
PY
echo "   data: perf.data (rtprof keeps nothing on disk but the folded stacks); post: from the end of"
echo "   the workload until the folded stacks were written (perf: record's end, perf script,"
echo "   folding); tool cpu: user+sys of the tool chain less the target's own CPU time; cpu ms/s:"
echo "   that per sample; frames/s: frames per sample; pyfr_ frames: frames naming the workload's"
echo "   Python functions (pyfr_recurse, pyfr_burn) in the folded output, summed over samples;"
echo "   named samples: share of samples with at least one"
echo "   grep -c pyfr_ on the last round's folded files: rtprof $(grep -c pyfr_ "$TMP/r.folded") lines," \
	"perf $(grep -c pyfr_ "$TMP/p.folded") lines"
echo "   heaviest stack, leaf end: rtprof $(leaf_end "$TMP/r.folded")"
echo "                             perf   $(leaf_end "$TMP/p.folded")"
echo "   (part 4: $((SECONDS - t)) s)"
echo
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg); $SECONDS s in all"
