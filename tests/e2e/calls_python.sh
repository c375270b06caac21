#!/bin/bash
# rtprof calls on Python 3.11: per-function counts equal those sys.setprofile records (recursive
# t_rec included), times are consistent (mean*count = total, max <= total), -L adds a histogram
# whose buckets sum to the count.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/runtimes_lib.inc"
PROG=tests/targets/flow_py.py

$PY $PROG --record 200 | awk '$1 == "call" { n[$2]++ } END { for (f in n) print f, n[f] }' |
	sort >"$TMP/truth"
if "$RTPROF" calls --json -L -m 't_*' -- $PY $PROG run 200 >"$TMP/calls.json" 2>"$TMP/err"; then
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

# node has no method probes: the reason, and exit 5
"$RTPROF" calls -- $NODE -e 0 >/dev/null 2>"$TMP/err"
rc=$?
if [ $rc = 5 ] && grep -q 'perf-basic-prof' "$TMP/err"; then
	ok "calls_node_unavailable (exit 5)"
else
	fail "calls_node_unavailable: exit $rc: $(cat "$TMP/err")"
fi
