#!/bin/bash
# rtprof gc on Python 3.11: gc.collect() k times while traced -> exactly k generation-2
# collections, equal to the count Python keeps itself (gc.get_stats); automatic collections are
# off in the target (gc.disable) so the window holds only the explicit ones.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/runtimes_lib.inc"
K=7

bg $PY tests/targets/gc_py.py $K "$TMP/go" "$TMP/done"
wait_for "$TMP/done.ready"
pid=$(cat "$TMP/done.ready")
"$RTPROF" -v gc --json -p "$pid" >"$TMP/gc.json" 2>"$TMP/err" &
rt=$!
# go once both probes are attached (-v says so), however loaded the machine is
for ((i = 0; i < 400; i++)); do
	grep -q 'attached python:gc__done' "$TMP/err" 2>/dev/null && break
	sleep 0.05
done
touch "$TMP/go"
wait_for "$TMP/done"
sleep 0.3
kill -INT $rt
wait $rt
rc=$?
truth=$(cat "$TMP/done")
got=$($PY -c 'import json,sys
print(sum(1 for l in open(sys.argv[1]) if (o:=json.loads(l)).get("kind")=="gen2" and not o.get("summary")))' "$TMP/gc.json")
if [ $rc = 0 ] && [ "$truth" = $K ] && [ "$got" = $K ]; then
	ok "gc_python_collect (k=$K gen2 collections, python counted $truth)"
else
	fail "gc_python_collect: exit $rc, rtprof saw $got gen2, python counted $truth, k=$K: $(tail -1 "$TMP/err")"
fi
check gc_python_fields $PY -c 'import json,sys
ev=[json.loads(l) for l in open(sys.argv[1])]
c=[e for e in ev if not e.get("summary")]
assert c and all(e["runtime"]=="python" and e["dur_ns"]>0 and e["collected"]>=0 and e["generation"]==int(e["kind"][3:]) for e in c), c[:2]
s=[e for e in ev if e.get("summary") and e["kind"]=="gen2"]
assert s and s[0]["count"]==len([e for e in c if e["kind"]=="gen2"]) and sum(s[0]["hist"])==s[0]["count"]' "$TMP/gc.json"

# --min filters in BPF: nothing below 10 s
"$RTPROF" gc -o - --min 10000 -- $PY -c 'import gc; gc.collect()' >"$TMP/min.out" 2>"$TMP/min.err"
if grep -q '^gc: 0 collections, 0 lost, [1-9][0-9]* shorter than --min' "$TMP/min.err"; then
	ok "gc_python_min"
else
	fail "gc_python_min: $(tail -1 "$TMP/min.err")"
fi
