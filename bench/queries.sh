#!/bin/bash
# bench/queries.sh: cost of rtprof queries on a MariaDB server, side by side with the anchor, a
# bpftrace uprobe/uretprobe pair on the same dispatch_command() doing the same work (copy the
# query text at entry, a log2 histogram of latencies at return).
#
# The server is started here (temporary data directory, Unix socket). One client session sends
# N "SELECT ?" queries; its wall time is measured with no tracer, with bpftrace and with rtprof
# (-m 1000: nothing printed per query, like the bpftrace histogram; and -m 0: every query sent
# to user space and printed), RUNS times alternated; medians and the ratio to no tracer. Then,
# with kernel.bpf_stats_enabled, the BPF cost per query of each tracer (run_time_ns / run_cnt of
# its programs), which does not depend on the machine's noise.
# Usage: bench/queries.sh   (N=20000 RUNS=5; needs root, mariadb-server, bpftrace; make first)
set -u
cd "$(dirname "$0")/.." || exit 1
N=${N:-20000}
RUNS=${RUNS:-5}
RTPROF=$PWD/build/rtprof
MARIADBD=$(command -v mariadbd || echo /usr/sbin/mariadbd)
SYM=_Z16dispatch_command19enum_server_commandP3THDPcjb
TMP=$(mktemp -d /tmp/rtprof-bench.XXXXXX)
SERVER=
cleanup() {
	[ -n "${TRACER-}" ] && kill -9 "$TRACER" 2>/dev/null
	[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null
	sysctl -qw kernel.bpf_stats_enabled=0
	rm -rf "$TMP"
}
trap cleanup EXIT

mariadb-install-db --no-defaults --datadir="$TMP/db" --user=root --skip-test-db \
	--auth-root-authentication-method=normal >/dev/null 2>&1 || { echo "mariadb-install-db failed"; exit 1; }
"$MARIADBD" --no-defaults --datadir="$TMP/db" --socket="$TMP/sock" --skip-networking --user=root \
	--log-error="$TMP/err.log" --innodb-buffer-pool-size=16M 2>/dev/null &
SERVER=$!
sql() { mariadb --no-defaults -S "$TMP/sock" -uroot "$@"; }
for ((i = 0; i < 300; i++)); do sql -e 'SELECT 1' >/dev/null 2>&1 && break; sleep 0.1; done
for ((i = 0; i < N; i++)); do echo "SELECT $i;"; done >"$TMP/workload.sql"

BT='uprobe:'"$MARIADBD"':'"$SYM"' /pid == '"$SERVER"' && arg0 == 3/ { @q[tid] = str(arg2, 256); @s[tid] = nsecs; }
uretprobe:'"$MARIADBD"':'"$SYM"' /@s[tid]/ { @lat = hist(nsecs - @s[tid]); delete(@s[tid]); delete(@q[tid]); }'

# start_tracer MODE: starts it in the background ($TRACER) and waits until it is attached
start_tracer() {
	TRACER=
	case $1 in
	none) return ;;
	bpftrace) bpftrace -e "$BT" >"$TMP/tr.out" 2>&1 & TRACER=$!; ready='Attaching' ;;
	rtprof_m1000) "$RTPROF" queries -p "$SERVER" -m 1000 >"$TMP/tr.out" 2>&1 & TRACER=$!; ready='tracing,' ;;
	rtprof_all) "$RTPROF" queries -p "$SERVER" >"$TMP/tr.out" 2>&1 & TRACER=$!; ready='tracing,' ;;
	esac
	for ((i = 0; i < 200; i++)); do grep -qs "$ready" "$TMP/tr.out" && break; sleep 0.05; done
	sleep 2 # bpftrace prints "Attaching" before its probes are attached
}
stop_tracer() {
	[ -n "$TRACER" ] || return 0
	kill -INT "$TRACER"
	for ((i = 0; i < 100; i++)); do kill -0 "$TRACER" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$TRACER" 2>/dev/null # bpftrace sometimes does not end on SIGINT
	wait "$TRACER" 2>/dev/null
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
MODES=(none bpftrace rtprof_m1000 rtprof_all)
sql <"$TMP/workload.sql" >/dev/null # warm-up
for ((r = 0; r < RUNS; r++)); do
	for m in "${MODES[@]}"; do
		start_tracer "$m"
		/usr/bin/time -f '%e' -o "$TMP/t" mariadb --no-defaults -S "$TMP/sock" -uroot \
			<"$TMP/workload.sql" >/dev/null
		stop_tracer
		cat "$TMP/t" >>"$TMP/$m.times"
	done
done
printf '%d queries (SELECT ?) in one session, median of %d alternated runs\n' "$N" "$RUNS"
printf '%-14s %10s %12s %22s\n' tracer wall_s us_per_query "ratio_to_none(median)"
for m in "${MODES[@]}"; do
	w=$(median <"$TMP/$m.times")
	# per-round ratios to the untraced run of the same round, then their median
	ratio=$(paste "$TMP/$m.times" "$TMP/none.times" | awk '{ print $1 / $2 }' | median)
	awk -v m="$m" -v w="$w" -v r="$ratio" -v n="$N" \
		'BEGIN { printf "%-14s %10.3f %12.1f %22.2f\n", m, w, w * 1e6 / n, r }'
done

# BPF time per query
sysctl -qw kernel.bpf_stats_enabled=1
printf '\nBPF cost per query (kernel.bpf_stats_enabled: run_time_ns / run_cnt of the programs)\n'
prog_ids() { bpftool -j prog show 2>/dev/null | python3 -c 'import json, sys; print(" ".join(str(p["id"]) for p in json.load(sys.stdin)))'; }
for m in bpftrace rtprof_m1000; do
	before=$(prog_ids)
	start_tracer "$m"
	sql <"$TMP/workload.sql" >/dev/null
	# the tracer's programs: those loaded since it started
	bpftool -j prog show 2>/dev/null | python3 -c '
import json, sys
old = set(int(x) for x in sys.argv[2].split())
mine = (lambda n: n.startswith("_Z16dispatch")) if sys.argv[1] == "bpftrace" else \
       (lambda n: n in ("dispatch_entry", "dispatch_return"))
progs = [p for p in json.load(sys.stdin)
         if p["id"] not in old and p.get("run_cnt") and mine(p.get("name", ""))]
tot = sum(p["run_time_ns"] for p in progs); cnt = sum(p["run_cnt"] for p in progs)
# entry and return programs both run once per command: cost per query = total / (count / 2)
print("%-14s %d programs  %6.0f ns per query (entry + return)" % (sys.argv[1], len(progs), tot / (cnt / 2) if cnt else 0))
' "$m" "$before"
	stop_tracer
done
