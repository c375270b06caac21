#!/bin/bash
# rtprof calls on Python 3.11: per-function counts equal those sys.setprofile records (recursive
# t_rec included), times are consistent (mean*count = total, max <= total), -L adds a histogram
# whose buckets sum to the count; functions of one name in different files or classes are
# different rows.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/runtimes_lib.inc"
PROG=tests/targets/flow_py.py

$PY $PROG --record 200 | awk '$1 == "call" { n[$2]++ } END { for (f in n) print f, n[f] }' |
	sort >"$TMP/truth"
if "$RTPROF" calls -o - --json -L -m 't_*' -- $PY $PROG run 200 >"$TMP/calls.json" 2>"$TMP/err"; then
	$PY -c 'import json,sys
for l in open(sys.argv[1]):
    o=json.loads(l)
    print(o["method"], o["count"])' "$TMP/calls.json" | sort >"$TMP/got"
	if [ -s "$TMP/truth" ] && cmp -s "$TMP/truth" "$TMP/got"; then
		ok "calls_python_counts ($(tr '\n' ' ' <"$TMP/got"))"
	else
		fail "calls_python_counts: truth $(tr '\n' ' ' <"$TMP/truth") got $(tr '\n' ' ' <"$TMP/got")"
	fi
	check calls_python_times $PY -c 'import json,sys
for l in open(sys.argv[1]):
    o=json.loads(l)
    assert o["count"] > 0 and 0 < o["max_ns"] <= o["total_ns"], o
    assert abs(o["mean_ns"] * o["count"] - o["total_ns"]) <= o["count"], o
    assert sum(o["hist"]) == o["count"], o' "$TMP/calls.json"
else
	fail "calls_python_counts: rtprof calls failed: $(tail -2 "$TMP/err")"
fi

# functions of one name stay apart: parse in two modules (by file) and in two classes of one
# file (by the line their calls enter at, the def line); the table shows FILE:LINE
P=tests/targets/calls_py/parse_main.py
if "$RTPROF" calls -o - --json -m parse -- $PY $P 5 6 7 8 >"$TMP/parse.json" 2>"$TMP/err" &&
	"$RTPROF" calls -o - -m parse -- $PY $P 5 6 7 8 >"$TMP/parse.txt" 2>>"$TMP/err"; then
	got=$($PY -c 'import json,sys,os
print(" ".join(sorted("%s:%s=%s" % (os.path.basename(o["file"]), o.get("line"), o["count"])
    for o in map(json.loads, (l for l in open(sys.argv[1]) if l[0] == "{")))))' "$TMP/parse.json")
	want="parse_a.py:2=5 parse_b.py:2=6 parse_main.py:11=7 parse_main.py:16=8"
	if [ "$got" = "$want" ] && grep -q 'FILE:LINE' "$TMP/parse.txt" &&
		grep -q '^parse .* 6 .*calls_py/parse_b.py:2$' "$TMP/parse.txt"; then
		ok "calls_python_same_names ($got)"
	else
		fail "calls_python_same_names: got '$got', want '$want': $(head -3 "$TMP/parse.txt" | tr '\n' ' ')"
	fi
else
	fail "calls_python_same_names: $(tail -2 "$TMP/err")"
fi

# the cost warning: a process that does little but calls (traced at ~85,000 calls per CPU
# second, the probes take ~95% of its CPU time) gets it once, with the alternative; one whose
# own work dominates (20 calls a second) does not
# (such a loop is traced at only 1.1 to 1.5 times the threshold rate, and the uprobe cost measured
# at the start varies by a third from run to run: up to 3 tries, each must say it at most once)
bg $PY tests/targets/flow_py_loop.py "$TMP/busy.pid" 0 0
wait_for "$TMP/busy.pid"
for try in 1 2 3; do
	"$RTPROF" calls -p "$(cat "$TMP/busy.pid")" -d 3 >/dev/null 2>"$TMP/busy.err"
	n=$(grep -c "rtprof profile -p $(cat "$TMP/busy.pid")" "$TMP/busy.err")
	[ "$n" = 0 ] || break
done
if [ "$n" = 1 ] && grep -q 'more than 10x slower' "$TMP/busy.err"; then
	ok "calls_python_cost_warning ($(grep -o '[0-9]* traced calls per second' "$TMP/busy.err"))"
else
	fail "calls_python_cost_warning: $n warnings: $(tr '\n' ' ' <"$TMP/busy.err")"
fi
"$RTPROF" calls -o - -m work -- $PY -c 'def work():
    return sum(range(1000000))
for i in range(50):
    work()' >"$TMP/quiet.out" 2>"$TMP/quiet.err"
if grep -q '^work .* 50 ' "$TMP/quiet.out" && ! grep -q 'rtprof profile' "$TMP/quiet.err"; then
	ok "calls_python_no_cost_warning"
else
	fail "calls_python_no_cost_warning: $(tr '\n' ' ' <"$TMP/quiet.out") $(tr '\n' ' ' <"$TMP/quiet.err")"
fi

# node has no method probes: the reason, and exit 5
"$RTPROF" calls -o - -- $NODE -e 0 >/dev/null 2>"$TMP/err"
rc=$?
if [ $rc = 5 ] && grep -q 'perf-basic-prof' "$TMP/err"; then
	ok "calls_node_unavailable (exit 5)"
else
	fail "calls_node_unavailable: exit $rc: $(cat "$TMP/err")"
fi
