#!/bin/bash
# rtprof gc on Node 20 (no USDT: uprobes on V8's Heap::PerformGarbageCollection and its return):
# global.gc() k times plus allocation -> the mark-compact and scavenge counts equal the
# collections V8 itself reports to perf_hooks (major, minor); flow says why it is unavailable.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/runtimes_lib.inc"
K=4

if "$RTPROF" gc -o - --json -- $NODE --expose-gc tests/targets/gc_node.js $K "$TMP/truth.json" \
	>"$TMP/gc.json" 2>"$TMP/err"; then
	check gc_node_global_gc $PY -c 'import json,sys,collections
c=collections.Counter(o["kind"] for l in open(sys.argv[1]) if l[0]=="{" for o in [json.loads(l)] if not o.get("summary"))
t=json.load(open(sys.argv[2]))
k=int(sys.argv[3])
assert c["mark-compact"]==t["major"]>=k and c["scavenge"]==t["minor"], (dict(c), t)' "$TMP/gc.json" "$TMP/truth.json" $K
else
	fail "gc_node_global_gc: $(tail -2 "$TMP/err")"
fi

"$RTPROF" flow -o - -- $NODE -e 0 >/dev/null 2>"$TMP/err"
rc=$?
if [ $rc = 5 ] && grep -q 'no USDT' "$TMP/err" && grep -q 'rtprof profile' "$TMP/err"; then
	ok "flow_node_unavailable (exit 5)"
else
	fail "flow_node_unavailable: exit $rc: $(cat "$TMP/err")"
fi
