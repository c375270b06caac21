#!/bin/bash
# rtprof queries through the mysql:query__start/query__done USDT probes (as MySQL 5.x DTrace
# builds have them), on a stand-in program that "runs" given queries for given times.
source "$(dirname "$0")/../lib.sh"
is_root || { skip "queries_usdt: needs root"; exit 0; }
BIN=$TARGETS/queries_usdt
[ -x "$BIN" ] || { fail "queries_usdt: $BIN missing (make targets)"; exit 0; }

"$RTPROF" queries -o - --json --max-len 30 -- "$BIN" 50 "SELECT a FROM t WHERE id = 1" 0 "SELECT a FROM t WHERE id = 2" \
	120 "UPDATE t SET x = 'y'" 0 "SELECT 'a much longer query text than twenty bytes'" >"$TMP/q.json" 2>"$TMP/q.err"
rc=$?
[ $rc = 0 ] && ok "queries_usdt: exit 0" || fail "queries_usdt: exit $rc: $(tail -2 "$TMP/q.err" | tr '\n' ' ')"
check "queries_usdt: attached to the USDT probes" grep -q 'tracing USDT mysql:query__start/query__done' "$TMP/q.err"
check "queries_usdt: queries, latencies, truncation, top" python3 - "$TMP/q.json" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
qs = [r for r in rows if r["type"] == "query"]
assert [r["query"] for r in qs] == ["SELECT a FROM t WHERE id = 1", "SELECT a FROM t WHERE id = 2",
                                    "UPDATE t SET x = 'y'", "SELECT 'a much longer query te"], qs
assert qs[0]["latency_ns"] >= 50_000_000 and qs[2]["latency_ns"] >= 120_000_000, qs
assert qs[1]["latency_ns"] < 50_000_000 and qs[3]["latency_ns"] < 50_000_000, qs
assert [r["truncated"] for r in qs] == [False, False, False, True], qs
top = {r["query"]: r["count"] for r in rows if r["type"] == "top"}
assert top == {"SELECT a FROM t WHERE id = ?": 2, "UPDATE t SET x = ?": 1, "SELECT ?": 1}, top
s = [r for r in rows if r["type"] == "summary"][0]
assert s["queries"] == 4 and s["lost"] == 0, s
PY
