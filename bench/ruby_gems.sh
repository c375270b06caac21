#!/bin/bash
# Ruby safety under rtprof: a gems-enabled Ruby 3.1 program (tests/targets/gems_rb.rb: rubygems
# on, a library required, `alias` and `undef` after collections) run N times under rtprof calls
# and rtprof flow, side by side with the anchor, the same program without rtprof. Prints, per
# row, the runs, how many crashed (a "[BUG]" report, or a signal or a non-zero status), how many
# counted Greeter#hello other than 1000 times, and the median wall time of a run.
# Before rtprof stopped enabling Ruby's C-method probes (runtimes/ruby.c) this machine gave
# 18/50 (calls) and 21/50 (flow) crashes on a program of this kind.
#
# usage: bench/ruby_gems.sh [RUNS]     (root; default 50, about 2 minutes)
cd "$(dirname "$0")/.." || exit 1
RUNS=${1:-50}
RTPROF=$PWD/build/rtprof
RUBY=/usr/bin/ruby3.1
PY=/usr/bin/python3.11
PROG=tests/targets/gems_rb.rb
TMP=$(mktemp -d /tmp/rtprof-bench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
ulimit -c 0

# row NAME CMD...: run CMD RUNS times (its stdout to $TMP/out, stderr to $TMP/err)
row() {
	local name=$1 i rc crashes=0 wrong=0 n t0 t1
	shift
	: >"$TMP/times"
	for ((i = 0; i < RUNS; i++)); do
		t0=$(date +%s.%N)
		"$@" >"$TMP/out" 2>"$TMP/err"
		rc=$?
		t1=$(date +%s.%N)
		echo "$t1 - $t0" | bc >>"$TMP/times"
		if [ $rc != 0 ] || grep -q '\[BUG\]\|the command was killed\|the command exited' "$TMP/err"; then
			crashes=$((crashes + 1))
			continue
		fi
		case $name in
		calls*) n=$($PY -c 'import json,sys; print(sum(o["count"] for l in open(sys.argv[1]) if l[0]=="{" for o in [json.loads(l)] if o["method"]=="hello"))' "$TMP/out") ;;
		flow*) n=$(grep -c '"dir":"call".*"method":"hello"' "$TMP/out") ;;
		*) n=1000 ;;
		esac
		[ "$n" = 1000 ] || wrong=$((wrong + 1))
	done
	printf '%-28s %6d %8d %12d %10.2f\n' "$name" "$RUNS" "$crashes" "$wrong" \
		"$(sort -n "$TMP/times" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')"
}

printf '%-28s %6s %8s %12s %10s\n' "" runs crashes wrong-count median-s
row "ruby alone (anchor)" $RUBY $PROG
row "calls --json -m hello" "$RTPROF" calls -o - --json -m hello -- $RUBY $PROG
row "flow --json -m hello" "$RTPROF" flow -o - --json -m hello -- $RUBY $PROG
