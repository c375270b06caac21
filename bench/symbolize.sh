#!/bin/bash
# bench/symbolize.sh: rtprof symbolize against llvm-symbolizer and eu-addr2line -f -i, all in batch
# mode (addresses on stdin), on N text addresses spread evenly over .text (deterministic) of
# python3.11 (with python3.11-dbg) and OpenJDK 17's libjvm.so. Prints wall time and peak memory
# (/usr/bin/time: wall, user+sys CPU, peak RSS), medians of RUNS alternated runs, the median of the per-pair time
# ratios to llvm-symbolizer (vs_llvm; eu-addr2line's is against the median), and
# how many addresses both print identically (function, file:line:column, inline chain).
# eu-addr2line is slow: it runs once on the first N/10 addresses, and its time is scaled by 10.
# Usage: bench/symbolize.sh   (N=100000 RUNS=5 by default; build first with make)
set -u
cd "$(dirname "$0")/.." || exit 1
N=${N:-100000}
RUNS=${RUNS:-5}
RTPROF=$PWD/build/rtprof
LLVM=$(command -v llvm-symbolizer-14 || command -v llvm-symbolizer)
TMP=$(mktemp -d /tmp/rtprof-bench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
OBJS=(/usr/bin/python3.11 /usr/lib/jvm/java-17-openjdk-amd64/lib/server/libjvm.so)

cat >"$TMP/cmp.py" <<'PYEOF'
import json, sys
def llvm(path):
    out, cur = [], []
    for line in open(path, errors='replace'):
        line = line.rstrip('\n')
        if line: cur.append(line)
        else: out.append(cur); cur = []
    res = []
    for b in out:
        fr = []
        for i in range(0, len(b) - 1, 2):
            loc = b[i + 1]
            loc = '??:0' if loc == '??:0:0' else (loc[:-2] if loc.endswith(':0') else loc)
            fr.append((b[i], loc))
        res.append(fr)
    return res
def rt(path):
    res = []
    for line in open(path, errors='replace'):
        fr = []
        for f in json.loads(line)['frames']:
            fn = f['function']
            if f['module'] and fn.startswith(f['module'].rsplit('/', 1)[-1] + '+0x'): fn = '??'
            loc = '??:0' if f['file'] is None else ('%s:%d:%d' % (f['file'], f['line'], f['column']) if f['column'] else '%s:%d' % (f['file'], f['line']))
            fr.append((fn, loc))
        res.append(fr)
    return res
a, b = llvm(sys.argv[1]), rt(sys.argv[2])
print(sum(1 for x, y in zip(a, b) if x == y), len(b))
PYEOF

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# run NAME CMD...: one timed run, appends "wall maxrss_kb user sys" to $TMP/NAME.times
run() {
	local name=$1
	shift
	/usr/bin/time -f '%e %M %U %S' -o "$TMP/t" "$@" <"$TMP/addrs" >"$TMP/$name.out" 2>/dev/null
	tail -1 "$TMP/t" >>"$TMP/$name.times"
}

printf '%-12s %-18s %10s %10s %12s %10s\n' object tool "time_s" "cpu_s" "peak_MB" "vs_llvm"
for obj in "${OBJS[@]}"; do
	[ -f "$obj" ] || { echo "$obj: missing, skipped"; continue; }
	read -r size addr <<<"$(readelf -SW "$obj" | awk '$2 == ".text" { print $6, $4 }')"
	python3 -c "
s, a, n = 0x$size, 0x$addr, $N
for i in range(n): print(hex(a + i * s // n + (i * 7) % 16))" >"$TMP/addrs"
	rm -f "$TMP"/*.times
	run rtprof "$RTPROF" symbolize -e "$obj" # warm-up (page cache)
	run llvm "$LLVM" --obj="$obj" --inlining
	rm -f "$TMP"/*.times
	for ((r = 0; r < RUNS; r++)); do
		run rtprof "$RTPROF" symbolize -e "$obj"
		run llvm "$LLVM" --obj="$obj" --inlining
	done
	head -n $((N / 10)) "$TMP/addrs" >"$TMP/addrs10"
	/usr/bin/time -f '%e %M %U %S' -o "$TMP/t" eu-addr2line -f -i -e "$obj" <"$TMP/addrs10" >/dev/null 2>&1
	read -r eu_t eu_m eu_u eu_s <<<"$(tail -1 "$TMP/t")"
	lt=$(cut -d' ' -f1 "$TMP/llvm.times" | median)
	lm=$(cut -d' ' -f2 "$TMP/llvm.times" | median)
	rtt=$(cut -d' ' -f1 "$TMP/rtprof.times" | median)
	rtm=$(cut -d' ' -f2 "$TMP/rtprof.times" | median)
	# median of the per-pair ratios (run r of rtprof against run r of llvm-symbolizer)
	ratio=$(paste -d' ' "$TMP/rtprof.times" "$TMP/llvm.times" | awk '{ print $1 / $5 }' | median)
	lc=$(awk '{ print $3 + $4 }' "$TMP/llvm.times" | median)
	rtc=$(awk '{ print $3 + $4 }' "$TMP/rtprof.times" | median)
	base=$(basename "$obj")
	printf '%-12s %-18s %10.2f %10.2f %12.1f %10.2f\n' "$base" "rtprof" "$rtt" "$rtc" \
		"$(echo "$rtm / 1024" | bc -l)" "$ratio"
	printf '%-12s %-18s %10.2f %10.2f %12.1f %10.2f\n' "$base" "llvm-symbolizer" "$lt" "$lc" \
		"$(echo "$lm / 1024" | bc -l)" 1
	printf '%-12s %-18s %10.2f %10.2f %12.1f %10.2f   (%d addresses x10)\n' "$base" \
		"eu-addr2line -f -i" "$(echo "$eu_t * 10" | bc -l)" "$(echo "($eu_u + $eu_s) * 10" | bc -l)" \
		"$(echo "$eu_m / 1024" | bc -l)" "$(echo "$eu_t * 10 / $lt" | bc -l)" $((N / 10))
	"$RTPROF" symbolize -e "$obj" --json <"$TMP/addrs" >"$TMP/rt.json" 2>/dev/null
	read -r same total <<<"$(python3 "$TMP/cmp.py" "$TMP/llvm.out" "$TMP/rt.json")"
	echo "$base: $same of $total addresses identical to llvm-symbolizer (median of $RUNS runs each)"
done
