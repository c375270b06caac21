#!/bin/bash
# Benchmark of rtprof's exports (run on purpose, as root). The goal (issue 14): `--pprof` and
# `rtprof export` add under 10% to the time `rtprof profile` needs after the workload ends.
#
# 1. profile at 999 Hz on a fixed-work C program (build/targets/profile_work, 1.5 s of CPU) and on
#    python3.11 running fib(), alternating two output sets, RUNS rounds: A = --folded --svg (as
#    bench/profile.sh), B = A + --pprof + --speedscope. Quoted: the median "post" time (rtprof's
#    wall time minus the workload's own wall time: what the user waits for after the program),
#    and the time rtprof itself measures for writing each file (-v: "written in N ms").
# 2. rtprof export on the files of the last B run: folded -> pprof, pprof -> folded,
#    pprof -> speedscope, median of 5, next to the post time of 1.
# 3. Scale: synthetic folded stacks (bench/gen_folded.py, 20,000 stacks, ~31 MB): export
#    folded -> pprof and back, next to `rtprof flamegraph` drawing the same file (the anchor),
#    with the sizes of the files.
#
# With OTHER (another rtprof binary, e.g. an earlier build copied aside), part 2 measures its
# process start and conversions too, each right before build/rtprof's, rows side by side; the
# post time of 1 is build/rtprof's for both.
#
# Usage: bench/export.sh [RUNS (default 5)] [OTHER]
set -u
cd "$(dirname "$0")/.." || exit 1
RTPROF=$PWD/build/rtprof
WORK=$PWD/build/targets/profile_work
PY=/usr/bin/python3.11
RUNS=${1:-5}
OTHER=${2:-}
if [ "$(id -u)" != 0 ]; then
	echo "bench/export.sh: run as root" >&2
	exit 1
fi
for f in "$RTPROF" "$WORK" $OTHER; do
	[ -x "$f" ] || { echo "bench/export.sh: build first (make all targets): $f missing" >&2; exit 1; }
done
TMP=$(mktemp -d /tmp/rtprof-bench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
cat >"$TMP/work.py" <<'PY'
import sys, time
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)
w0 = time.perf_counter()
for _ in range(4):
    fib(int(sys.argv[1]))
print("work wall=%.4f" % (time.perf_counter() - w0), file=sys.stderr)
PY
calc() { awk "BEGIN { printf \"%.4f\", $* }"; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "== 1. profile -F 999 after the workload ends: A = --folded --svg, B = A + --pprof --speedscope"
echo "   (median of $RUNS alternating rounds; write = rtprof's own time for each file)"
printf '%-8s %-3s %10s %12s %12s %12s %14s\n' workload set "post (s)" "folded (ms)" "svg (ms)" \
	"pprof (ms)" "speedscope (ms)"
for wl in c python; do
	if [ $wl = c ]; then cmd=("$WORK" 1500); else cmd=("$PY" "$TMP/work.py" 31); fi
	: >"$TMP/rows.$wl"
	for ((i = 0; i < RUNS; i++)); do
		for set in A B; do
			extra=()
			[ $set = B ] && extra=(--pprof "$TMP/r.pb.gz" --speedscope "$TMP/r.speedscope.json")
			s=$(date +%s.%N)
			"$RTPROF" -v profile -F 999 --folded "$TMP/r.folded" --svg "$TMP/r.svg" "${extra[@]}" \
				-- "${cmd[@]}" 2>"$TMP/r.err" >/dev/null
			e=$(date +%s.%N)
			tw=$(sed -n 's/^work wall=\([0-9.]*\).*/\1/p' "$TMP/r.err")
			ms() { sed -n "s/.*--$1 .* written in \([0-9.]*\) ms/\1/p" "$TMP/r.err"; }
			echo "$set $(calc "$e - $s - $tw") $(ms folded) $(ms svg) $(ms pprof || true) \
$(ms speedscope || true)" >>"$TMP/rows.$wl"
		done
	done
	for set in A B; do
		col() { awk -v s=$set -v c="$1" '$1 == s && NF >= c { print $c }' "$TMP/rows.$wl" | median; }
		printf '%-8s %-3s %10.3f %12.2f %12.2f %12s %14s\n' $wl $set "$(col 2)" "$(col 3)" "$(col 4)" \
			"$([ $set = B ] && printf '%.2f' "$(col 5)" || echo -)" \
			"$([ $set = B ] && printf '%.2f' "$(col 6)" || echo -)"
	done
	a=$(awk '$1 == "A" { print $2 }' "$TMP/rows.$wl" | median)
	b=$(awk '$1 == "B" { print $2 }' "$TMP/rows.$wl" | median)
	p=$(awk '$1 == "B" { print $5 + $6 }' "$TMP/rows.$wl" | median)
	echo "   $wl: pprof + speedscope written in $(calc "$p") ms = $(calc "100 * $p / 1000 / $a")% of the post time" \
		"(post B - A: $(calc "1000 * ($b - $a)") ms, noise of the machine included)"
	cp "$TMP/r.folded" "$TMP/$wl.folded"
	cp "$TMP/r.pb.gz" "$TMP/$wl.pb.gz"
	echo "$a" >"$TMP/$wl.post"
done

echo
echo "== 2. rtprof export on the profile's own files (perf stat -r 10: mean elapsed and CPU)"
# pstat N ARGS...: "ELAPSED_MS CPU_MS" of $BIN ARGS (rtprof, or /bin/true), mean of N runs
BIN=$RTPROF
pstat() {
	local n=$1
	shift
	perf stat -r "$n" -x, -e task-clock -o "$TMP/pstat" "$BIN" "$@" >/dev/null 2>&1
	cpu=$(awk -F, '/task-clock/ { print $1 }' "$TMP/pstat")
	# -x mode has no elapsed line: time the same runs again with bash's clock
	local s e i
	s=$(date +%s%N)
	for ((i = 0; i < n; i++)); do "$BIN" "$@" >/dev/null 2>&1; done
	e=$(date +%s%N)
	echo "$(calc "($e - $s) / 1e6 / $n") $cpu"
}
# bins: OTHER (when given) and build/rtprof, each with its label
bins=()
[ -n "$OTHER" ] && bins=("$OTHER")
bins+=("$RTPROF")
label() { [ "$1" = "$RTPROF" ] && echo "" || echo " (other)"; }
printf '%-8s %-28s %12s %10s %10s %16s\n' workload conversion "wall (ms)" "cpu (ms)" "out (KB)" \
	"vs post of 1"
BIN=/bin/true
read -r floor_w floor_c <<<"$(pstat 30)"
printf '%-8s %-28s %12.2f %10.2f %10s %16s\n' - "/bin/true" "$floor_w" "$floor_c" - \
	"(any process)"
for BIN in "${bins[@]}"; do
	read -r floor_w floor_c <<<"$(pstat 30 --version)"
	printf '%-8s %-28s %12.2f %10.2f %10s %16s\n' - "rtprof --version$(label "$BIN")" \
		"$floor_w" "$floor_c" - "(process start)"
done
for wl in c python; do
	post=$(cat "$TMP/$wl.post")
	for conv in "folded->pprof" "pprof->folded" "pprof->speedscope"; do
		case $conv in
		folded-\>pprof) in=$TMP/$wl.folded out=$TMP/x.pb.gz ;;
		pprof-\>folded) in=$TMP/$wl.pb.gz out=$TMP/x.folded ;;
		*) in=$TMP/$wl.pb.gz out=$TMP/x.speedscope.json ;;
		esac
		for BIN in "${bins[@]}"; do
			read -r w c <<<"$(pstat 10 export "$in" -o "$out")"
			printf '%-8s %-28s %12.2f %10.2f %10.1f %15.1f%%\n' $wl "$conv$(label "$BIN")" \
				"$w" "$c" "$(calc "$(stat -c %s "$out") / 1024")" \
				"$(calc "100 * $w / 1000 / $post")"
		done
	done
done

echo
echo "== 3. scale: bench/gen_folded.py 20000 stacks (mean of 3 runs)"
PYTHONHASHSEED=0 python3 bench/gen_folded.py 20000 >"$TMP/big.folded"
printf '%-28s %10s %10s %12s\n' step "wall (s)" "cpu (s)" "output (MB)"
BIN=$RTPROF
run3() { # LABEL OUT ARGS...
	local label=$1 out=$2 w c
	shift 2
	read -r w c <<<"$(pstat 3 "$@")"
	printf '%-28s %10.3f %10.3f %12.1f\n' "$label" "$(calc "$w / 1000")" "$(calc "$c / 1000")" \
		"$(calc "$(stat -c %s "$out") / 1048576")"
}
printf '%-28s %10s %10s %12.1f\n' "input (folded)" - - "$(calc "$(stat -c %s "$TMP/big.folded") / 1048576")"
run3 "flamegraph (SVG, anchor)" "$TMP/big.svg" flamegraph "$TMP/big.folded" -o "$TMP/big.svg"
run3 "export folded -> pprof" "$TMP/big.pb.gz" export "$TMP/big.folded" -o "$TMP/big.pb.gz"
run3 "export pprof -> folded" "$TMP/big2.folded" export "$TMP/big.pb.gz" -o "$TMP/big2.folded"
run3 "export pprof -> speedscope" "$TMP/big.speedscope.json" export "$TMP/big.pb.gz" -o "$TMP/big.speedscope.json"
cmp -s "$TMP/big.folded" "$TMP/big2.folded" && echo "   folded -> pprof -> folded: identical" ||
	echo "   folded -> pprof -> folded: DIFFERENT"
