#!/bin/bash
# bench/flamegraph.sh: rtprof flamegraph against flamegraph.pl on synthetic folded stacks
# (bench/gen_folded.py: deterministic, depth 10-60, C++/Java/Python/Go/kernel-like names).
#
# Usage: bench/flamegraph.sh [STACKS]        default 200000 stacks (about 300 MB)
# Wall and CPU time (user + system) of both; on a busy machine the CPU ratio is the steadier.
#   RUNS=5             rtprof runs on the STACKS file (median wall time, largest peak RSS)
#   PL_STACKS="20000 200000"
#                      input sizes (29 MB and 300 MB) of the side-by-side runs with
#                      flamegraph.pl, alternated (flamegraph.pl takes about a minute and 2 GB
#                      on 200000 stacks)
#   PL_PAIRS=3         rtprof/flamegraph.pl pairs on each PL_STACKS file
#   FLAMEGRAPH_PL=PATH flamegraph.pl to run (default: the one on PATH; none: anchors only)
#   RTPROF=PATH        the rtprof binary (default build/rtprof)
# The inputs are cached in build/bench/. Prints figures next to the anchors of
# shared/docs/benchmarks.md and, when flamegraph.pl ran, whether both drew the same frames.
set -u
cd "$(dirname "$0")/.." || exit 1
stacks=${1:-200000}
runs=${RUNS:-5}
pl_sizes=${PL_STACKS:-20000 200000}
pairs=${PL_PAIRS:-3}
rtprof=${RTPROF:-$PWD/build/rtprof}
pl=${FLAMEGRAPH_PL:-$(command -v flamegraph.pl || true)}
dir=build/bench
mkdir -p "$dir"
[ -x "$rtprof" ] || { echo "bench: build rtprof first (make)" >&2; exit 1; }

input() { # STACKS: path of the cached input, generated if needed
	local f=$dir/fg-$1.folded
	if [ ! -s "$f" ]; then
		echo "generating $f ..." >&2
		PYTHONHASHSEED=0 python3 bench/gen_folded.py "$1" >"$f.tmp" && mv "$f.tmp" "$f"
	fi
	echo "$f"
}

# measure OUT CMD...: runs CMD > OUT, prints "wall_s rss_kb cpu_s" (cpu: user + system)
measure() {
	local out=$1 t
	shift
	t=$(mktemp)
	/usr/bin/time -f '%e %M %U %S' -o "$t" "$@" >"$out" 2>/dev/null
	tail -1 "$t" | awk '{ printf "%s %s %.2f\n", $1, $2, $3 + $4 }'
	rm -f "$t"
}

median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
max() { sort -g | tail -1; }
mb() { awk -v k="$1" 'BEGIN { printf "%.0f MB", k / 1024 }'; }

big=$(input "$stacks")
size=$(stat -c %s "$big")
cat "$big" >/dev/null # warm the page cache
walls=() rsss=()
for ((i = 0; i < runs; i++)); do
	read -r w r _ < <(measure "$dir/rtprof-$stacks.svg" "$rtprof" flamegraph "$big")
	walls+=("$w")
	rsss+=("$r")
done
rt_wall=$(printf '%s\n' "${walls[@]}" | median)
rt_rss=$(printf '%s\n' "${rsss[@]}" | max)
frames=$(grep -c 'class="f"' "$dir/rtprof-$stacks.svg")

printf '\ninput: %d unique stacks, %d MB (%s), rtprof drew %d frames\n' "$stacks" \
	$((size / 1000000)) "$big" "$frames"
printf '%-34s %14s %12s\n' "" "wall (median)" "peak RSS"
printf '%-34s %12s s %12s\n' "rtprof flamegraph ($runs runs)" "$rt_wall" "$(mb "$rt_rss")"
if [ "$stacks" = 200000 ]; then
	printf '%-34s %12s s %12s\n' "flamegraph.pl (anchor, 200000)" 58.6 "2.54 GB"
	printf '%-34s %12s s %12s\n' "goal" "<= 1.5" "<= 250 MB"
fi

if [ -z "$pl" ]; then
	printf '\nflamegraph.pl not found (set FLAMEGRAPH_PL=PATH): anchors from benchmarks.md:\n'
	printf '  200000 stacks (298 MB): 58.6 s, 2.54 GB;  20000 stacks (29 MB): 8.3 s, 292 MB\n'
	exit 0
fi

# side by side with flamegraph.pl, same input, alternated; then a line per size
summary=()
side_by_side() { # STACKS
	local pl_stacks=$1 small ratios=() cratios=() rw=() pw=() rr=() pr=() rc=() pc=() i
	local w1 r1 c1 w2 r2 c2 ratio cratio
	small=$(input "$pl_stacks")
	cat "$small" >/dev/null
	for ((i = 0; i < pairs; i++)); do
		read -r w1 r1 c1 < <(measure "$dir/rtprof-$pl_stacks.svg" "$rtprof" flamegraph "$small")
		read -r w2 r2 c2 < <(measure "$dir/pl-$pl_stacks.svg" perl "$pl" "$small")
		rw+=("$w1") rr+=("$r1") rc+=("$c1") pw+=("$w2") pr+=("$r2") pc+=("$c2")
		ratios+=("$(awk -v a="$w2" -v b="$w1" 'BEGIN { printf "%.1f", a / (b > 0 ? b : 0.01) }')")
		cratios+=("$(awk -v a="$c2" -v b="$c1" 'BEGIN { printf "%.1f", a / (b > 0 ? b : 0.01) }')")
	done
	ratio=$(printf '%s\n' "${ratios[@]}" | median)
	cratio=$(printf '%s\n' "${cratios[@]}" | median)
	printf '\nsame run, %d stacks (%d MB), %d alternated pairs:\n' "$pl_stacks" \
		$(($(stat -c %s "$small") / 1000000)) "$pairs"
	printf '%-34s %14s %12s %12s\n' "" "wall (median)" "peak RSS" "CPU (median)"
	printf '%-34s %12s s %12s %10s s\n' "rtprof flamegraph" \
		"$(printf '%s\n' "${rw[@]}" | median)" "$(mb "$(printf '%s\n' "${rr[@]}" | max)")" \
		"$(printf '%s\n' "${rc[@]}" | median)"
	printf '%-34s %12s s %12s %10s s\n' "flamegraph.pl" "$(printf '%s\n' "${pw[@]}" | median)" \
		"$(mb "$(printf '%s\n' "${pr[@]}" | max)")" "$(printf '%s\n' "${pc[@]}" | median)"
	printf '%-34s %12sx   (pairs: %s)\n' "speed-up, wall (median of pairs)" "$ratio" \
		"${ratios[*]}"
	printf '%-34s %12sx   (pairs: %s)\n' "speed-up, CPU (median of pairs)" "$cratio" \
		"${cratios[*]}"
	case $pl_stacks in
	20000) printf '%-34s %12s s %12s\n' "flamegraph.pl (anchor, 20000)" 8.3 "292 MB" ;;
	200000) printf '%-34s %12s s %12s\n' "flamegraph.pl (anchor, 200000)" 58.6 "2.54 GB" ;;
	esac
	summary+=("$(printf '%7d stacks, %4d MB: %5sx faster in wall time, %5sx in CPU time (goal: 40x)' \
		"$pl_stacks" $(($(stat -c %s "$small") / 1000000)) "$ratio" "$cratio")")

	# same frames: names and counts of every frame (older flamegraph.pl turned < > into ( ) at
	# input, newer ones keep them: both sides compared with ( ); flamegraph.pl does not show the
	# _[k] _[j] _[i] _[w] annotations, rtprof does: compared without them)
	python3 - "$dir/rtprof-$pl_stacks.svg" "$dir/pl-$pl_stacks.svg" <<'EOF'
import collections, html, re, sys

def frames(path, is_pl):
    c = collections.Counter()
    for t in re.findall(r"<title>(.*?)</title>", open(path, encoding="utf-8").read()):
        t = html.unescape(t)
        k = t.rindex(" (")
        name, n = t[:k], t[k + 2:].split(" ")[0].replace(",", "")
        name = re.sub(r"_\[[kwij]\]$", "", name.replace("<", "(").replace(">", ")"))
        c[(name, n)] += 1
    return c

a, b = frames(sys.argv[1], False), frames(sys.argv[2], True)
if a == b:
    print("frames: the same in both (%d frames: names and counts)" % sum(a.values()))
else:
    print("frames DIFFER: %d only in rtprof, %d only in flamegraph.pl, e.g. %s" % (
        sum((a - b).values()), sum((b - a).values()), list((a - b) or (b - a))[:2]))
EOF
}
for s in $pl_sizes; do
	side_by_side "$s"
done
printf '\nfolded -> SVG, rtprof against flamegraph.pl in this run:\n'
printf '  %s\n' "${summary[@]}"
