#!/bin/bash
# rtprof memleak cost on a malloc/free-heavy loop (build/targets/memleak_bench: malloc of 16..527
# bytes into a ring of 256 live blocks, freeing the one it replaces), next to the floor: the same
# uprobes and uretprobes doing nothing (rtprof memleak --bare; bpftrace with empty-ish actions on
# the same functions as a second anchor). The loop times itself (ns per malloc+free round), so
# start-up and attach are not counted. Modes alternate within each round; medians are printed.
#
#   bench/memleak.sh            N=200000 rounds of the loop, ROUNDS=5, SAMPLE=65536 bytes
#   N=500000 ROUNDS=7 SAMPLE=16384 bench/memleak.sh
set -u
cd "$(dirname "$0")/.." || exit 1
N=${N:-200000}
ROUNDS=${ROUNDS:-5}
SAMPLE=${SAMPLE:-65536}
RTPROF=build/rtprof
BENCH=build/targets/memleak_bench
LIBC=/lib/x86_64-linux-gnu/libc.so.6
[ -x "$RTPROF" ] && [ -x "$BENCH" ] || { echo "build first: make all targets" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 1; }

# bpftrace: entry probes on every function rtprof probes, return probes where rtprof has them.
BT=""
for f in malloc calloc realloc reallocarray posix_memalign aligned_alloc valloc pvalloc free \
	mmap munmap mremap; do
	BT="$BT uprobe:$LIBC:$f { @e = 1; }"
	case $f in free | munmap) ;; *) BT="$BT uretprobe:$LIBC:$f { @r = 1; }" ;; esac
done

run() { # MODE -> ns per round on stdout
	case $1 in
	native) "$BENCH" "$N" ;;
	floor) "$RTPROF" memleak --bare -- "$BENCH" "$N" 2>/dev/null | head -1 ;;
	bpftrace) bpftrace -e "$BT" -c "$BENCH $N" 2>/dev/null | grep -E '^[0-9.]+$' | head -1 ;;
	full) "$RTPROF" memleak -n 1 -- "$BENCH" "$N" 2>/dev/null | head -1 ;;
	sampled) "$RTPROF" memleak -n 1 --sample-bytes "$SAMPLE" -- "$BENCH" "$N" 2>/dev/null | head -1 ;;
	esac
}

MODES="native floor bpftrace full sampled"
command -v bpftrace >/dev/null || MODES="native floor full sampled"
declare -A res
for ((r = 1; r <= ROUNDS; r++)); do
	for m in $MODES; do
		v=$(run "$m")
		res[$m]="${res[$m]-} ${v:-nan}"
	done
	echo "round $r/$ROUNDS:$(for m in $MODES; do printf ' %s=%s' "$m" "${res[$m]##* }"; done)" >&2
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
declare -A med
for m in $MODES; do med[$m]=$(echo "${res[$m]}" | median); done

echo "rtprof memleak on $N malloc+free rounds, median of $ROUNDS alternated runs (ns per round)"
printf '%-34s %12s %10s %10s\n' mode ns/round vs-native vs-floor
for m in $MODES; do
	case $m in
	native) label="no tracing" ;;
	floor) label="floor: bare probes (--bare)" ;;
	bpftrace) label="bpftrace, same probes" ;;
	full) label="rtprof memleak (full)" ;;
	sampled) label="rtprof memleak --sample-bytes $SAMPLE" ;;
	esac
	awk -v l="$label" -v v="${med[$m]}" -v n="${med[native]}" -v f="${med[floor]}" \
		'BEGIN { printf "%-34s %12.1f %9.1fx %9.2fx\n", l, v, v / n, v / f }'
done
