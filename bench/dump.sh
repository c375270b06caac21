#!/bin/bash
# Benchmark of rtprof dump (run on purpose, as root), side by side with the tools that answer the
# same question here: gdb -batch -p PID -ex 'thread apply all py-bt' (python3.11-dbg's py-bt) and
# eu-stack -p PID (native frames only).
#
# Workload: /usr/bin/python3.11 with 50 threads: the main thread, 48 threads parked in
# time.sleep under mid() and leaf(), and one clock thread that calls time.monotonic_ns() in a loop
# and keeps the largest gap between two calls (SIGUSR1 starts a window, SIGUSR2 writes the gap):
# the target's own measure of how long a tool held it up.
#
# rtprof runs twice a round: cold, its debug-file cache (RTPROF_CACHE_DIR, a folder of this run)
# emptied first, so libc's and python3.11's compressed debug files are decompressed and stored
# again; and warm, from the cache. BASELINE=PATH adds an older rtprof binary as one more tool
# (before/after figures side by side; it uses the same debug-file cache, warm).
#
# Per round (RUNS rounds, the order of the tools rotating), for each tool: its wall time end to
# end (fork to exit, output written to a file), its CPU time (user + system: less disturbed
# than wall time by a busy machine), the target's largest stall while it ran, and
# what it showed: threads, and Python frames naming leaf() (48 expected; eu-stack shows none).
# Medians over the rounds. rtprof's own phases (-v: BPF load, maps and interpreter, the iterator,
# unwinding and symbolization) are given from one more run with -v after the timed ones (-v
# keeps the verifier's log, so it is not timed).
#
# Usage: [BASELINE=OLD_RTPROF] bench/dump.sh [RUNS (default 3)]   (gdb takes ~20 s a run on a
# busy 2-CPU machine)
set -u
cd "$(dirname "$0")/.." || exit 1
RUNS=${1:-3}
RTPROF=$PWD/build/rtprof
PY=/usr/bin/python3.11
BASELINE=${BASELINE:-}
TMP=$(mktemp -d /tmp/rtprof-bench-dump.XXXXXX)
export RTPROF_CACHE_DIR=$TMP/cache
trap 'kill $TPID 2>/dev/null; rm -rf "$TMP"' EXIT
[ "$(id -u)" = 0 ] || { echo "bench/dump.sh: run as root" >&2; exit 1; }
command -v gdb >/dev/null || { echo "bench/dump.sh: gdb missing (scripts/install-deps.sh)" >&2; exit 1; }

cat >"$TMP/t50.py" <<'EOF'
import signal, sys, threading, time
window = [0]
gap = [0]

def leaf():
    time.sleep(3600)

def mid():
    leaf()

def clock():
    w, prev = 0, time.monotonic_ns()
    while True:
        t = time.monotonic_ns()
        if w != window[0]:
            w, gap[0] = window[0], 0
        elif t - prev > gap[0]:
            gap[0] = t - prev
        prev = t

def start(sig, frame):
    window[0] += 1

def stop(sig, frame):
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write("%d\n" % gap[0])
    import os
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])

signal.signal(signal.SIGUSR1, start)
signal.signal(signal.SIGUSR2, stop)
for i in range(48):
    threading.Thread(target=mid, daemon=True).start()
threading.Thread(target=clock, daemon=True).start()
time.sleep(0.5)
print("ready", flush=True)
while True:
    time.sleep(3600)
EOF
$PY "$TMP/t50.py" "$TMP/gap" >"$TMP/ready" &
TPID=$!
for _ in $(seq 100); do [ -s "$TMP/ready" ] && break; sleep 0.1; done
echo "target: pid $TPID, $(ls /proc/$TPID/task | wc -l) threads"

# timed CMD...: runs it (stdout and stderr as given to timed) and writes "WALL_MS CPU_MS" to
# $TMP/time: the time from its fork to its exit and its user + system CPU, measured by the parent
# (os.wait4), so that the cost of starting a timer (date, /usr/bin/time: 20 ms here) is left out
timed() {
	python3 -c '
import os, sys, time
t0 = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
_, status, ru = os.wait4(pid, 0)
open(sys.argv[1], "w").write("%d %d\n" % ((time.perf_counter() - t0) * 1e3, (ru.ru_utime + ru.ru_stime) * 1e3))
' "$TMP/time" "$@"
}
run_tool() { # NAME: runs it once; prints "WALL_MS STALL_MS THREADS LEAF_FRAMES CPU_MS"
	local out=$TMP/$1.out threads leaves wall cpu
	rm -f "$TMP/gap"
	[ "$1" = rtprof-cold ] && rm -rf "$RTPROF_CACHE_DIR" && sync
	kill -USR1 $TPID
	sleep 0.1
	case $1 in
	rtprof-*) timed "$RTPROF" dump -p $TPID >"$out" 2>"$TMP/$1.err" ;;
	baseline) timed "$BASELINE" dump -p $TPID >"$out" 2>"$TMP/$1.err" ;;
	gdb) timed gdb -batch -p $TPID -ex 'thread apply all py-bt' >"$out" 2>&1 ;;
	eu-stack) timed eu-stack -p $TPID >"$out" 2>&1 ;;
	esac
	kill -USR2 $TPID
	for _ in $(seq 100); do [ -s "$TMP/gap" ] && break; sleep 0.05; done
	case $1 in
	rtprof-* | baseline)
		threads=$(grep -c '^[0-9]' "$out")
		leaves=$(grep -c ' leaf (' "$out")
		;;
	gdb)
		threads=$(grep -c '^Thread [0-9]' "$out")
		leaves=$(grep -c 'in leaf' "$out")
		;;
	eu-stack)
		threads=$(grep -c '^TID' "$out")
		leaves=0
		;;
	esac
	read -r wall cpu <"$TMP/time"
	echo "$wall $(($(cat "$TMP/gap") / 1000000)) $threads $leaves $cpu"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

tools=(rtprof-cold rtprof-warm gdb eu-stack)
[ -n "$BASELINE" ] && tools+=(baseline)
"$RTPROF" dump -p $TPID >/dev/null 2>&1 # the cache filled for the first warm run
for ((r = 0; r < RUNS; r++)); do
	for ((k = 0; k < ${#tools[@]}; k++)); do
		t=${tools[$(((r + k) % ${#tools[@]}))]}
		run_tool "$t" >>"$TMP/res.$t"
	done
done
printf '%-12s %10s %10s %18s %8s %14s\n' tool "wall (ms)" "CPU (ms)" "target stall (ms)" \
	threads "leaf() frames"
for t in "${tools[@]}"; do
	printf '%-12s %10s %10s %18s %8s %14s\n' "$t" \
		"$(cut -d' ' -f1 "$TMP/res.$t" | median)" "$(cut -d' ' -f5 "$TMP/res.$t" | median)" \
		"$(cut -d' ' -f2 "$TMP/res.$t" | median)" "$(cut -d' ' -f3 "$TMP/res.$t" | median)" \
		"$(cut -d' ' -f4 "$TMP/res.$t" | median)"
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
# the phases from one more run with -v (not timed: -v keeps the verifier's log and prints libbpf's)
rm -rf "$RTPROF_CACHE_DIR"
"$RTPROF" -v dump -p $TPID >/dev/null 2>"$TMP/rtprof-cold.err"
"$RTPROF" -v dump -p $TPID >/dev/null 2>"$TMP/rtprof-warm.err"
[ -n "$BASELINE" ] && "$BASELINE" -v dump -p $TPID >/dev/null 2>"$TMP/baseline.err"
for t in rtprof-cold rtprof-warm ${BASELINE:+baseline}; do
	echo "$t phases (a run with -v after the timed ones):"
	grep -E 'loaded in|interpreter read in|threads read in|sampled in|printed in' "$TMP/$t.err" |
		sed 's/^/  /'
done
echo "($RUNS rounds, medians; wall = start to exit, output to a file)"
