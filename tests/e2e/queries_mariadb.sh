#!/bin/bash
# rtprof queries on a real MariaDB server started here: temporary data directory, a Unix socket,
# no TCP. A client runs known queries, among them SELECT SLEEP(0.2) K times; rtprof must report
# exactly those K with a latency of at least 200 ms and the other queries with their text.
source "$(dirname "$0")/../lib.sh"
K=3

is_root || { skip "queries_mariadb: needs root"; exit 0; }
MARIADBD=$(command -v mariadbd || echo /usr/sbin/mariadbd)
if [ ! -x "$MARIADBD" ] || ! command -v mariadb >/dev/null || ! command -v mariadb-install-db >/dev/null; then
	skip "queries_mariadb: mariadb-server and mariadb-client are not installed (make deps)"
	exit 0
fi

DB=$TMP/db SOCK=$TMP/mysqld.sock
export TMPDIR_ERR=$TMP/mysqld.stderr
if ! mariadb-install-db --no-defaults --datadir="$DB" --user=root --skip-test-db \
	--auth-root-authentication-method=normal >"$TMP/install.log" 2>&1; then
	fail "queries_mariadb: mariadb-install-db failed: $(tail -2 "$TMP/install.log" | tr '\n' ' ')"
	exit 0
fi
bg sh -c 'exec "$0" "$@" 2>>"$TMPDIR_ERR"' "$MARIADBD" --no-defaults --datadir="$DB" --socket="$SOCK" --skip-networking --user=root \
	--pid-file="$TMP/mysqld.pid" --log-error="$TMP/mysqld.err" --innodb-buffer-pool-size=16M
SERVER=$BG_PID
sql() { mariadb --no-defaults -S "$SOCK" -uroot "$@"; }
for ((i = 0; i < 300; i++)); do
	sql -e 'SELECT 1' >/dev/null 2>&1 && break
	sleep 0.1
done
if ! sql -e 'SELECT 1' >/dev/null 2>&1; then
	fail "queries_mariadb: server did not start: $(tail -2 "$TMP/mysqld.err" | tr '\n' ' ')"
	exit 0
fi

# rtprof in the background until the client is done; "tracing" on stderr means attached.
trace() { # OUT ERR ARGS...
	local out=$1 err=$2
	shift 2
	"$RTPROF" queries -p "$SERVER" "$@" >"$out" 2>"$err" &
	TRACER=$!
	for ((i = 0; i < 200; i++)); do
		grep -qs 'tracing, Ctrl-C' "$err" && return 0
		kill -0 $TRACER 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}
stop_trace() {
	kill -INT $TRACER
	wait $TRACER
}

QUERIES="CREATE DATABASE rt;
CREATE TABLE rt.t (id INT PRIMARY KEY, name VARCHAR(20));
INSERT INTO rt.t VALUES (1, 'one'), (2, 'two'), (3, 'three');
SELECT name FROM rt.t WHERE id IN (1, 3);
UPDATE rt.t SET name = 'deux' WHERE id = 2;"
for ((k = 0; k < K; k++)); do QUERIES+="
SELECT SLEEP(0.2);"; done

if ! trace "$TMP/q.json" "$TMP/q.err" --json; then
	fail "queries_mariadb: rtprof did not start: $(tail -2 "$TMP/q.err" | tr '\n' ' ')"
	exit 0
fi
sql -e "$QUERIES" >"$TMP/client.out" 2>&1 || fail "queries_mariadb: client failed: $(tail -1 "$TMP/client.out")"
stop_trace
rc=$?
[ $rc = 0 ] && ok "queries_mariadb: exit 0 after Ctrl-C" || fail "queries_mariadb: exit $rc: $(tail -2 "$TMP/q.err" | tr '\n' ' ')"

# Ground truth: the client's statements, one COM_QUERY each.
check "queries_mariadb: json" python3 - "$TMP/q.json" "$K" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
k = int(sys.argv[2])
qs = [r for r in rows if r["type"] == "query"]
sleeps = [r for r in qs if r["query"] == "SELECT SLEEP(0.2)"]
assert len(sleeps) == k, f"{len(sleeps)} SLEEP(0.2) queries, want {k}"
slow = [r["latency_ns"] for r in sleeps if r["latency_ns"] >= 200_000_000]
assert len(slow) == k, f"SLEEP latencies {[r['latency_ns'] for r in sleeps]}"
assert all(r["latency_ns"] < 2_000_000_000 for r in sleeps), "implausible SLEEP latency"
want = ["CREATE DATABASE rt",
        "CREATE TABLE rt.t (id INT PRIMARY KEY, name VARCHAR(20))",
        "INSERT INTO rt.t VALUES (1, 'one'), (2, 'two'), (3, 'three')",
        "SELECT name FROM rt.t WHERE id IN (1, 3)",
        "UPDATE rt.t SET name = 'deux' WHERE id = 2"]
texts = [r["query"] for r in qs]
for w in want:
    assert texts.count(w) == 1, f"{w!r} seen {texts.count(w)} times in {texts}"
others = [r for r in qs if r["query"] in want]
assert all(0 < r["latency_ns"] < 200_000_000 for r in others), "fast queries reported slow"
summ = [r for r in rows if r["type"] == "summary"]
assert len(summ) == 1 and summ[0]["lost"] == 0, summ
assert summ[0]["queries"] == len(qs), (summ[0]["queries"], len(qs))
hist = sum(b["count"] for b in summ[0]["histogram"])
assert hist == len(qs), (hist, len(qs))
hi = sum(b["count"] for b in summ[0]["histogram"] if b["low_ns"] >= 1 << 27)
assert hi == k, f"{hi} queries in the >= 134 ms buckets, want {k}"
top = {r["query"]: r for r in rows if r["type"] == "top"}
assert top["SELECT SLEEP(?)"]["count"] == k, top.keys()
assert "SELECT name FROM rt.t WHERE id IN (?)" in top, top.keys()
assert "INSERT INTO rt.t VALUES (?, ?), (?, ?), (?, ?)" in top, top.keys()
PY

# -m: only the slow ones travel, the histogram still counts all; --max-len truncates.
sql -e 'DROP DATABASE rt'
if trace "$TMP/m.json" "$TMP/m.err" --json -m 150 --max-len 12; then
	sql -e "$QUERIES" >/dev/null 2>&1
	stop_trace
	check "queries_mariadb: -m 150 shows only the $K sleeps, --max-len 12 truncates" python3 - "$TMP/m.json" "$K" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
k = int(sys.argv[2])
qs = [r for r in rows if r["type"] == "query"]
assert len(qs) == k, [r["query"] for r in qs]
assert all(r["query"] == "SELECT SLEEP" and r["truncated"] and r["len"] == 17 for r in qs), qs
assert all(r["latency_ns"] >= 200_000_000 for r in qs)
s = [r for r in rows if r["type"] == "summary"][0]
assert s["shown"] == k and s["queries"] >= k + 5, s
PY
else
	fail "queries_mariadb: rtprof -m did not start: $(tail -2 "$TMP/m.err" | tr '\n' ' ')"
fi

# The text report: the slow queries with their latency, then the normalized top list.
sql -e 'DROP DATABASE rt'
if trace "$TMP/t.out" "$TMP/t.err" -m 150; then
	sql -e "$QUERIES" >/dev/null 2>&1
	stop_trace
	n=$(grep -cE '^[0-9.]+ +[0-9]+ +2[0-9][0-9]\.[0-9]{3}  SELECT SLEEP\(0\.2\)$' "$TMP/t.out")
	if [ "$n" = "$K" ] && grep -qE "^ +$K +[0-9.]+ +2[0-9][0-9]\.[0-9]+ +[0-9.]+  SELECT SLEEP\(\?\)$" "$TMP/t.out"; then
		ok "queries_mariadb: text report"
	else
		fail "queries_mariadb: text report: $n sleep lines: $(head -5 "$TMP/t.out" | tr '\n' '|')"
	fi
else
	fail "queries_mariadb: rtprof (text) did not start"
fi

mariadb-admin --no-defaults -S "$SOCK" -uroot shutdown >/dev/null 2>&1
wait $SERVER 2>/dev/null
