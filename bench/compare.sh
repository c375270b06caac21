#!/bin/bash
# rtprof compare's repetition study, with real profiles (run on purpose, as root).
#
# build/targets/compare_target does a fixed amount of CPU-bound work in six functions (about 40,
# 25, 15, 10, 6 and 4 % of it); its second argument slows work_e, the 6% function, by that many
# percent. Each repetition records RUNS runs per side at HZ with rtprof record, one run at a time
# and the two sides alternated (base, new, base, new, ...: what a CI job that builds both should
# do), then runs rtprof compare on the two directories:
#   A/A: both sides the same program: a pass (exit 0) is right, exit 7 a false alarm;
#   A/B: new = work_e slowed by SLOW %: exit 7 with work_e named first is right.
# Anchors (docs/ci-and-exports.md, acceptance): A/A exit 0 in >= 19 of 20, +20% exit 7 in >= 9
# of 10 naming the function first; a simulation there gives 1.0% false alarms and 99% detection
# at 999 Hz x 10 s, 8+8 runs, 3% run-to-run noise. Also timed: compare of the 2 x RUNS profiles
# (pprof, as record writes them) of each repetition, and of 16 large synthetic profiles
# (bench/gen_folded.py, 5,000 deep stacks each, counts varied per run), folded and as pprof;
# goal: under 2 s.
#
# Usage: bench/compare.sh [AA_REPS (default 20)] [AB_REPS (default 10)]
# Environment: RUNS (8 per side), HZ (999), WORK (millions of iterations per run: 2000, about
# 2.4 s of CPU here), SLOW (20, percent), KEEP=1 keeps the recordings (their path is printed).
set -u
cd "$(dirname "$0")/.." || exit 1
RTPROF=$PWD/build/rtprof
TARGET=$PWD/build/targets/compare_target
AA_REPS=${1:-20}
AB_REPS=${2:-10}
RUNS=${RUNS:-8}
HZ=${HZ:-999}
WORK=${WORK:-2000}
SLOW=${SLOW:-20}
if [ "$(id -u)" != 0 ]; then
	echo "bench/compare.sh: run as root" >&2
	exit 1
fi
for f in "$RTPROF" "$TARGET"; do
	[ -x "$f" ] || { echo "bench/compare.sh: build first (make all targets): $f missing" >&2; exit 1; }
done
W=$(mktemp -d /tmp/rtprof-bench-compare.XXXXXX)
if [ "${KEEP:-0}" = 1 ]; then echo "recordings in $W"; else trap 'rm -rf "$W"' EXIT; fi

# timed OUT CMD...: run CMD, append "WALL CPU" seconds to OUT; CMD's exit status
timed() {
	local out=$1 rc
	shift
	/usr/bin/time -f '%e %U %S' -o "$W/time" "$@"
	rc=$?
	awk '{ printf "%s %.2f\n", $1, $2 + $3 }' "$W/time" >>"$out"
	return $rc
}

# one_run DIR K SLOW_PCT: one profile of the target into DIR/run-K.pb.gz (record's format)
one_run() {
	local dir=$1 k=$2 slow=$3
	mkdir -p "$dir"
	if ! "$RTPROF" record -o "$W/one" --runs 1 -F "$HZ" -- "$TARGET" "$WORK" "$slow" \
		>/dev/null 2>"$W/one.err"; then
		echo "bench/compare.sh: record failed: $(tail -2 "$W/one.err")" >&2
		exit 1
	fi
	local f
	for f in "$W/one"/run-01.*; do
		mv "$f" "$dir/run-$(printf %02d "$k").${f#*/run-01.}"
	done
	[ -f "$dir/manifest.json" ] || cp "$W/one/manifest.json" "$dir/manifest.json"
}

# rep NAME SLOW_PCT: RUNS runs per side, alternated; compare (timed into $W/times); prints
# "rc first-regression"
rep() {
	local d=$W/$1 k rc first
	for ((k = 1; k <= RUNS; k++)); do
		one_run "$d/base" "$k" 0
		one_run "$d/new" "$k" "$2"
	done
	timed "$W/times" "$RTPROF" compare "$d/base" "$d/new" --json "$d/compare.json" \
		>"$d/compare.txt" 2>"$d/compare.err"
	rc=$?
	first=$(awk '/REGRESSION$/ { print $1; exit }' "$d/compare.txt")
	echo "$rc ${first:--}"
}

# work_e's median shares and the interval compare gives, from a repetition's JSON
work_e() {
	/usr/bin/python3.11 -c 'import json,sys
d=json.load(open(sys.argv[1]))
f=[x for x in d["functions"] if x["name"]=="work_e"][0]
ci = "[%+.2f, %+.2f]" % tuple(f["ci_pp"]) if None not in f["ci_pp"] else "-"
print("work_e %.2f%% -> %.2f%% (%+.2f pp, 95%% CI %s pp, p(Holm) %.4f)" % (f["base_pct"], f["new_pct"], f["shift_pp"], ci, f["p_holm"]))' "$1"
}

echo "rtprof compare repetition study: $RUNS + $RUNS runs per repetition, -F $HZ, compare_target $WORK (millions)"
echo "machine: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
aa_pass=0
: >"$W/times"
for ((i = 1; i <= AA_REPS; i++)); do
	read -r rc first < <(rep "aa-$i" 0)
	[ "$rc" = 0 ] && aa_pass=$((aa_pass + 1))
	printf 'A/A %2d: exit %s %s  (%s)\n' "$i" "$rc" "$([ "$first" != - ] && echo "false alarm: $first")" \
		"$(work_e "$W/aa-$i/compare.json")"
done
ab_caught=0
ab_first=0
for ((i = 1; i <= AB_REPS; i++)); do
	read -r rc first < <(rep "ab-$i" "$SLOW")
	[ "$rc" = 7 ] && ab_caught=$((ab_caught + 1))
	[ "$rc" = 7 ] && [ "$first" = work_e ] && ab_first=$((ab_first + 1))
	printf 'A/B %2d: exit %s first %s  (%s)\n' "$i" "$rc" "$first" "$(work_e "$W/ab-$i/compare.json")"
done

# compare of 16 large synthetic profiles: one deep profile, counts varied per run
PYTHONHASHSEED=0 /usr/bin/python3.11 bench/gen_folded.py 5000 7 >"$W/big.folded"
for side in base new; do
	for ((k = 1; k <= 8; k++)); do
		mkdir -p "$W/big/$side"
		awk -v s="$side$k" 'BEGIN { srand(length(s) * 1000 + substr(s, length(s)) + (s ~ /new/)) }
			{ n = $NF; $NF = ""; c = int(n * (0.9 + 0.2 * rand())); if (c > 0) print $0 c }' \
			"$W/big.folded" >"$W/big/$side/run-$(printf %02d $k).folded"
	done
done
: >"$W/big.times"
for r in 1 2 3; do
	timed "$W/big.times" "$RTPROF" compare "$W/big/base" "$W/big/new" >/dev/null 2>&1
done
# the same as pprof files (rtprof export)
for f in "$W"/big/*/run-*.folded; do
	mkdir -p "$(dirname "$f")-pprof"
	"$RTPROF" export "$f" -o "$(dirname "$f")-pprof/$(basename "$f" .folded).pb.gz" 2>/dev/null
done
: >"$W/bigpp.times"
for r in 1 2 3; do
	timed "$W/bigpp.times" "$RTPROF" compare "$W/big/base-pprof" "$W/big/new-pprof" >/dev/null 2>&1
done
# median and max of column COL of FILE
median() { sort -g -k"$2" "$1" | awk -v c="$2" '{ v[NR] = $c } END { print v[int((NR + 1) / 2)] }'; }
max() { sort -g -k"$2" "$1" | tail -1 | awk -v c="$2" '{ print $c }'; }

echo
printf '%-66s %-12s %s\n' "" "rtprof" "goal"
printf '%-66s %-12s %s\n' "A/A: identical code, exit 0 (no false alarm)" "$aa_pass of $AA_REPS" ">= 19 of 20"
printf '%-66s %-12s %s\n' "A/B: work_e (6%) +$SLOW%, exit 7" "$ab_caught of $AB_REPS" ">= 9 of 10"
printf '%-66s %-12s %s\n' "A/B: ... and work_e named first" "$ab_first of $AB_REPS" ">= 9 of 10"
printf '%-66s %-12s %s\n' "compare of $((2 * RUNS)) real profiles: wall s, median (max)" \
	"$(median "$W/times" 1) ($(max "$W/times" 1))" "< 2 s"
printf '%-66s %-12s %s\n' "  CPU s (user + sys), median (max)" "$(median "$W/times" 2) ($(max "$W/times" 2))" ""
printf '%-66s %-12s %s\n' "compare of 16 synthetic profiles, $(du -m "$W/big/base/run-01.folded" | cut -f1) MB each: wall s, median of 3" \
	"$(median "$W/big.times" 1)" "< 2 s"
printf '%-66s %-12s %s\n' "  CPU s (user + sys), median of 3" "$(median "$W/big.times" 2)" ""
printf '%-66s %-12s %s\n' "the same 16 as pprof, $(du -k "$W/big/base-pprof/run-01.pb.gz" | cut -f1) kB each: wall s, median of 3" \
	"$(median "$W/bigpp.times" 1)" "< 2 s"
printf '%-66s %-12s %s\n' "  CPU s (user + sys), median of 3" "$(median "$W/bigpp.times" 2)" ""
echo "machine load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
