#!/bin/bash
# bench/locks.sh: cost of rtprof locks side by side with the anchor, a bpftrace script doing the
# same per-call work on the same functions (uprobe + uretprobe on pthread_mutex_lock: wait time
# into a per-lock histogram; uprobe on pthread_mutex_unlock: hold time).
#
# Workload: build/targets/locks_fight (two threads fighting over a mutex, a reader and a writer, a
# condition wait, and 1000 uncontended lock/unlock pairs). Prints, medians of RUNS alternated
# runs: the target's wall time untraced, under bpftrace and under rtprof; and, with
# kernel.bpf_stats_enabled, each tracer's BPF time per program run (run_time_ns / run_cnt), which
# does not depend on the machine's noise (bpftrace attaches to every process and filters on the
# PID in BPF, so its counts include other processes' calls). The uprobe trap itself (about 6.5 us, 7.3 us for a
# uretprobe here) comes on top of both.
# Usage: bench/locks.sh   (RUNS=5; needs root and bpftrace; make && make targets first)
set -u
cd "$(dirname "$0")/.." || exit 1
RUNS=${RUNS:-5}
RTPROF=$PWD/build/rtprof
BIN=$PWD/build/targets/locks_fight
LIBC=$(ldd "$BIN" | awk '/libc.so.6/ { print $3 }')
TMP=$(mktemp -d /tmp/rtprof-bench.XXXXXX)
trap 'sysctl -qw kernel.bpf_stats_enabled=0; rm -rf "$TMP"' EXIT

BT='uprobe:'"$LIBC"':pthread_mutex_lock /pid == cpid/ { @t0[tid] = nsecs; @m[tid] = arg0; }
uretprobe:'"$LIBC"':pthread_mutex_lock /@t0[tid]/ { @wait[@m[tid]] = hist(nsecs - @t0[tid]);
	@held[@m[tid], tid] = nsecs; delete(@t0[tid]); delete(@m[tid]); }
uprobe:'"$LIBC"':pthread_mutex_unlock /@held[arg0, tid]/ { @hold[arg0] = hist(nsecs - @held[arg0, tid]);
	delete(@held[arg0, tid]); }'

run() { # MODE: one run, appends the target's wall seconds to $TMP/MODE.times
	case $1 in
	none) /usr/bin/time -f '%e' -o "$TMP/t" "$BIN" >/dev/null ;;
	bpftrace) /usr/bin/time -f '%e' -o "$TMP/t" bpftrace -e "$BT" -c "$BIN" >/dev/null 2>&1 ;;
	rtprof) /usr/bin/time -f '%e' -o "$TMP/t" "$RTPROF" locks --no-cond -- "$BIN" >/dev/null 2>&1 ;;
	esac
	tail -1 "$TMP/t" >>"$TMP/$1.times"
}
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

for ((r = 0; r < RUNS; r++)); do for m in none bpftrace rtprof; do run $m; done; done
printf 'locks_fight under each tracer (wall includes the tracer start-up), median of %d runs\n' "$RUNS"
printf '%-10s %8s\n' tracer wall_s
for m in none bpftrace rtprof; do printf '%-10s %8.2f\n' $m "$(median <"$TMP/$m.times")"; done

# BPF time per program run: sample the tracer's programs while the target runs
sysctl -qw kernel.bpf_stats_enabled=1
printf '\nBPF time per program run (kernel.bpf_stats_enabled)\n'
for m in bpftrace rtprof rtprof_nostacks; do
	before=$(bpftool -j prog show | python3 -c 'import json, sys; print(" ".join(str(p["id"]) for p in json.load(sys.stdin)))')
	case $m in
	bpftrace) bpftrace -e "$BT" -c "$BIN 300 10" >/dev/null 2>&1 & ;;
	rtprof) "$RTPROF" locks --no-cond -- "$BIN" 300 10 >/dev/null 2>&1 & ;;
	rtprof_nostacks) "$RTPROF" locks --no-cond --no-stacks -- "$BIN" 300 10 >/dev/null 2>&1 & ;;
	esac
	pid=$!
	sleep 2.5 # the target runs about 3 s after the tracer's start-up
	bpftool -j prog show | python3 -c '
import json, sys
old = set(int(x) for x in sys.argv[2].split())
ps = [p for p in json.load(sys.stdin) if p["id"] not in old and p.get("run_cnt")
      and p["type"] == "kprobe"]
rt = ("lock_entry", "lock_return", "unlock_entry")
mine = [p for p in ps if p["name"] in rt] if sys.argv[1].startswith("rtprof") else \
       [p for p in ps if "pthread_mutex" in p["name"] or p["name"].startswith(("uprobe", "uretprobe"))]
for p in mine:
    print("%-10s %-16s %8d runs %8.0f ns/run" % (sys.argv[1], p["name"], p["run_cnt"],
          p["run_time_ns"] / p["run_cnt"]))
' $m "$before"
	wait $pid
done
