#!/bin/bash
# rtprof threads on CPython (Debian's /usr/bin/python3.11; python3.11 on PATH may be a pyenv
# shim): a program starts N threads from spawn_them(), called from the module body. Each
# creation's stack starts at pthread_create and carries the Python frames Thread.start,
# spawn_them (FILE) and <module> (FILE), at the lines the program itself reports, in that order;
# launched and with -p. --native-only leaves the Python frames out.
source "$(dirname "$0")/../lib.sh"
is_root || { skip "threads_python: needs root"; exit 0; }
PY=/usr/bin/python3.11
[ -x "$PY" ] || { skip "threads_python: $PY missing"; exit 0; }
TARGET=$PWD/tests/targets/threads_py.py
N=8

cat >"$TMP/check.py" <<'PY'
import json, sys
path, n, script, native_only = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4] == "1"
rows, truth = [], {}
for l in open(path):
    if l.startswith("{"):
        rows.append(json.loads(l))
    elif l.strip():  # the program's own lines: FUNCTION LINE
        f, line = l.split()
        truth[f] = int(line)
assert set(truth) == {"spawn_them", "<module>"}, truth
creates = [r for r in rows if r["type"] == "create"]
assert len(creates) == n, f"{len(creates)} creations, want {n}"
for c in creates:
    st = c["stack"]
    assert st and st[0]["function"] == "pthread_create", st[:1]
    assert not [f for f in st if f["kind"] == "marker"], st
    py = [f for f in st if f["kind"] == "python"]
    if native_only:
        assert not py, py
        assert "_PyEval_EvalFrameDefault" in [f["function"] for f in st], st
        continue
    for f in py:
        assert f["name"] == f'{f["function"]} ({f["file"]})' and f["line"] > 0, f
    got = [(f["function"], f["file"], f["line"]) for f in py]
    want = [("spawn_them", script, truth["spawn_them"]), ("<module>", script, truth["<module>"])]
    assert [g[0] for g in got] == ["Thread.start", "spawn_them", "<module>"], got
    assert got[1:] == want, (got, want)
    assert got[0][1].endswith("/threading.py"), got[0]
cs = [r for r in rows if r["type"] == "creating_stack"]
assert len(cs) == 1 and cs[0]["threads"] == n, [(r["threads"], r["stack"][:3]) for r in cs]
s = [r for r in rows if r["type"] == "summary"][0]
assert s["created"] == n and s["lost"] == 0, s
print(f"{n} creations:", " <- ".join(f["name"] for f in creates[0]["stack"] if f["kind"] == "python"))
PY

"$RTPROF" threads -o - --json -- "$PY" "$TARGET" $N >"$TMP/t.json" 2>"$TMP/t.err"
rc=$?
[ $rc = 0 ] && ok "threads_python: launched, exit 0" || fail "threads_python: exit $rc: $(tail -2 "$TMP/t.err" | tr '\n' ' ')"
check "threads_python: $N creations from spawn_them (file) and <module> (file), lines" \
	python3 "$TMP/check.py" "$TMP/t.json" $N "$TARGET" 0
if grep -q 'creations without their creating stack' "$TMP/t.err"; then
	fail "threads_python: $(grep 'creations without' "$TMP/t.err")"
fi

"$RTPROF" threads -o - --json --native-only -- "$PY" "$TARGET" $N >"$TMP/n.json" 2>"$TMP/n.err"
check "threads_python: --native-only: no Python frames, the eval loop instead" \
	python3 "$TMP/check.py" "$TMP/n.json" $N "$TARGET" 1

# -p: attach to the running interpreter, then let it create the threads
bg "$PY" "$TARGET" $N "$TMP/go" >"$TMP/p.out"
TPID=$BG_PID
"$RTPROF" threads -p "$TPID" --json >"$TMP/p.json" 2>"$TMP/p.err" &
RPID=$!
for ((i = 0; i < 200; i++)); do grep -qs 'tracing, Ctrl-C' "$TMP/p.err" && break; sleep 0.05; done
touch "$TMP/go"
wait $RPID
rc=$?
cat "$TMP/p.out" >>"$TMP/p.json"
[ $rc = 0 ] && ok "threads_python: -p, exit 0 when the process ends" || fail "threads_python: -p exit $rc: $(tail -2 "$TMP/p.err" | tr '\n' ' ')"
check "threads_python: -p: the same Python frames" \
	python3 "$TMP/check.py" "$TMP/p.json" $N "$TARGET" 0
