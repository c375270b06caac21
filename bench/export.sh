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
#    pprof -> speedscope (wall and CPU: perf stat -r 10, median of RUNS rounds), next to the post
#    time of 1.
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
echo "== 2. rtprof export on the profile's own files (perf stat -r 10: mean elapsed and CPU;"
echo "   median of $RUNS rounds, the rows of one round one after the other)"
# pstat N ARGS...: "ELAPSED_MS CPU_MS" of $BIN ARGS (rtprof, or /bin/true), mean of N runs
BIN=$RTPROF
pstat() {
	local n=$1
	shift
	perf stat --no-big-num -r "$n" -e task-clock -o "$TMP/pstat" "$BIN" "$@" >/dev/null 2>&1
	awk '/task-clock/ { c = $1 } /seconds time elapsed/ { w = $1 * 1000 } END { print w, c }' \
		"$TMP/pstat"
}
# bins: OTHER (when given) and build/rtprof, each with its label
bins=()
[ -n "$OTHER" ] && bins=("$OTHER")
bins+=("$RTPROF")
label() { [ "$1" = "$RTPROF" ] && echo "" || echo " (other)"; }
convs=("folded->pprof" "pprof->folded" "pprof->speedscope")
conv_files() { # WORKLOAD CONVERSION: sets in, out
	case $2 in
	folded-\>pprof) in=$TMP/$1.folded out=$TMP/x.pb.gz ;;
	pprof-\>folded) in=$TMP/$1.pb.gz out=$TMP/x.folded ;;
	*) in=$TMP/$1.pb.gz out=$TMP/x.speedscope.json ;;
	esac
}
# rows: "KEY WALL CPU", KEY = workload|label
: >"$TMP/rows2"
for ((i = 0; i < RUNS; i++)); do
	BIN=/bin/true
	echo "-|/bin/true $(pstat 10)" >>"$TMP/rows2"
	for BIN in "${bins[@]}"; do
		echo "-|rtprof_--version$(label "$BIN" | tr ' ' _) $(pstat 10 --version)" >>"$TMP/rows2"
	done
	for wl in c python; do
		for conv in "${convs[@]}"; do
			conv_files $wl "$conv"
			for BIN in "${bins[@]}"; do
				echo "$wl|$conv$(label "$BIN" | tr ' ' _) $(pstat 10 export "$in" -o "$out")" \
					>>"$TMP/rows2"
			done
		done
	done
done
med2() { awk -v k="$1" -v c="$2" '$1 == k { print $c }' "$TMP/rows2" | median; }
printf '%-8s %-28s %12s %10s %10s %16s\n' workload conversion "wall (ms)" "cpu (ms)" "out (KB)" \
	"vs post of 1"
printf '%-8s %-28s %12.2f %10.2f %10s %16s\n' - "/bin/true" "$(med2 "-|/bin/true" 2)" \
	"$(med2 "-|/bin/true" 3)" - "(any process)"
for BIN in "${bins[@]}"; do
	k="-|rtprof_--version$(label "$BIN" | tr ' ' _)"
	printf '%-8s %-28s %12.2f %10.2f %10s %16s\n' - "rtprof --version$(label "$BIN")" \
		"$(med2 "$k" 2)" "$(med2 "$k" 3)" - "(process start)"
done
for wl in c python; do
	post=$(cat "$TMP/$wl.post")
	for conv in "${convs[@]}"; do
		conv_files $wl "$conv"
		"$RTPROF" export "$in" -o "$out" 2>/dev/null
		for BIN in "${bins[@]}"; do
			k="$wl|$conv$(label "$BIN" | tr ' ' _)"
			w=$(med2 "$k" 2)
			printf '%-8s %-28s %12.2f %10.2f %10.1f %15.1f%%\n' $wl "$conv$(label "$BIN")" \
				"$w" "$(med2 "$k" 3)" "$(calc "$(stat -c %s "$out") / 1024")" \
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
