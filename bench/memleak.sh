#!/bin/bash
# rtprof memleak cost on a malloc/free-heavy loop (build/targets/memleak_bench: malloc of 16..527
# bytes into a ring of 256 live blocks, freeing the one it replaces), next to the floor: the same
# uprobes and uretprobes doing nothing (rtprof memleak --bare; bpftrace with a trivial action on
# the same functions as a second anchor). The loop times itself (ns per malloc+free round), so
# start-up and attach are not counted; CPU time, so that waiting for a CPU held by another process
# is not counted either. With kernel.bpf_stats_enabled (set for the run, restored after) the time
# spent in rtprof's BPF programs per round is printed too. Modes alternate within each round;
# medians are printed.
#
#   bench/memleak.sh            N=100000 rounds of the loop, ROUNDS=7, SAMPLE=65536 bytes
#   N=500000 ROUNDS=9 SAMPLE=16384 bench/memleak.sh
set -u
cd "$(dirname "$0")/.." || exit 1
N=${N:-100000}
ROUNDS=${ROUNDS:-7}
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

# run MODE: "CPU-ns-per-round BPF-ns-per-round" (BPF: summed over rtprof's programs, "-" for
# the others)
run() {
	case $1 in
	native) echo "$("$BENCH" "$N") -" ;;
	bpftrace)
		echo "$(bpftrace -e "$BT" -c "$BENCH $N" 2>/dev/null | grep -E '^[0-9.]+$' | head -1) -"
		;;
	*)
		case $1 in
		floor) set -- --bare ;;
		full) set -- -n 1 ;;
		sampled) set -- -n 1 --sample-bytes "$SAMPLE" ;;
		esac
		"$RTPROF" -v memleak -o - "$@" -- "$BENCH" "$N" >"$TMPD/out" 2>"$TMPD/err"
		echo "$(head -1 "$TMPD/out") $(awk -v n="$N" '/memleak: bpf / { t += $(NF - 1) }
			END { printf "%.0f", t / n }' "$TMPD/err")"
		;;
	esac
}

TMPD=$(mktemp -d)
stats_was=$(sysctl -n kernel.bpf_stats_enabled)
trap 'sysctl -q kernel.bpf_stats_enabled="$stats_was"; rm -rf "$TMPD"' EXIT
sysctl -q kernel.bpf_stats_enabled=1

MODES="native floor bpftrace full sampled"
command -v bpftrace >/dev/null || MODES="native floor full sampled"
declare -A res bpfres med bmed
for ((r = 1; r <= ROUNDS; r++)); do
	for m in $MODES; do
		read -r v b <<<"$(run "$m")"
		res[$m]="${res[$m]-} ${v:-nan}"
		bpfres[$m]="${bpfres[$m]-} ${b:--}"
	done
	echo "round $r/$ROUNDS:$(for m in $MODES; do printf ' %s=%s' "$m" "${res[$m]##* }"; done)" >&2
done

median() { tr ' ' '\n' | grep -v -e '^$' -e '^-$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for m in $MODES; do
	med[$m]=$(echo "${res[$m]}" | median)
	bmed[$m]=$(echo "${bpfres[$m]}" | median)
done

echo "rtprof memleak on $N malloc+free rounds, median of $ROUNDS alternated runs"
echo "(CPU ns per round of the loop, probe handling included; bpf-ns: time in rtprof's BPF programs)"
printf '%-38s %12s %10s %9s %7s\n' mode cpu-ns/round vs-native vs-floor bpf-ns
for m in $MODES; do
	case $m in
	native) label="no tracing" ;;
	floor) label="floor: bare probes (memleak --bare)" ;;
	bpftrace) label="bpftrace, same probes" ;;
	full) label="rtprof memleak (full)" ;;
	sampled) label="rtprof memleak --sample-bytes $SAMPLE" ;;
	esac
	awk -v l="$label" -v v="${med[$m]}" -v n="${med[native]}" -v f="${med[floor]}" \
		-v b="${bmed[$m]:--}" \
		'BEGIN { printf "%-38s %12.1f %9.1fx %8.2fx %7s\n", l, v, v / n, v / f, (b == "" ? "-" : b) }'
done
