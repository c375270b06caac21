#!/bin/bash
# rtprof locks on a program whose contention is known: two threads fight over fight_lock (the
# waiter blocks about HOLD_MS each of ROUNDS rounds), a reader and a writer over rw_lock, and an
# uncontended quiet_lock. The program times each of its own lock calls with clock_gettime and
# prints the totals; rtprof's totals must agree within 5% (+1 ms), also for the condition
# variable ready_cond that another thread waits on; the ranking must be
# fight_lock, rw_lock, and the top waiting stack of fight_lock must be in waiter_loop.
source "$(dirname "$0")/../lib.sh"
is_root || { skip "locks_fight: needs root"; exit 0; }
BIN=$TARGETS/locks_fight
[ -x "$BIN" ] || { fail "locks_fight: $BIN missing (make targets)"; exit 0; }
ROUNDS=30 HOLD_MS=10

"$RTPROF" locks -o - --json -- "$BIN" $ROUNDS $HOLD_MS >"$TMP/l.out" 2>"$TMP/l.err"
rc=$?
[ $rc = 0 ] && ok "locks_fight: exit 0" || fail "locks_fight: exit $rc: $(tail -2 "$TMP/l.err" | tr '\n' ' ')"
check "locks_fight: ranking, wait totals against the program's own, waiting stack" \
	python3 - "$TMP/l.out" "$BIN" $ROUNDS <<'PY'
import json, subprocess, sys
path, binary, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
rows, truth = [], {}
for l in open(path):
    if l.startswith("{"):
        rows.append(json.loads(l))
    else:  # the program's own lines: NAME 0xADDR [wait_ns N] calls N
        f = l.split()
        truth[f[0]] = {"addr": int(f[1], 16), **{f[i]: int(f[i + 1]) for i in range(2, len(f), 2)}}
locks = [r for r in rows if r["type"] == "lock"]
by_addr = {r["address"]: r for r in locks}
fight, rw, quiet = (by_addr[truth[n]["addr"]] for n in ("fight_lock", "rw_lock", "quiet_lock"))
assert locks[0] is fight and locks[1] is rw, [(r["location"], r["wait_total_ns"]) for r in locks[:3]]
assert fight["kind"] == "mutex" and rw["kind"] == "rwlock", (fight["kind"], rw["kind"])
cond = by_addr[truth["ready_cond"]["addr"]]
assert cond["kind"] == "cond" and cond["location"] == "ready_cond", cond
for name, r in (("fight_lock", fight), ("rw_lock", rw), ("ready_cond", cond)):
    t = truth[name]
    assert r["waits"] == t["calls"], (name, r["waits"], t["calls"])
    diff = abs(r["wait_total_ns"] - t["wait_ns"])
    assert diff <= 0.05 * t["wait_ns"] + 1e6, (name, r["wait_total_ns"], t["wait_ns"])
    print(f"{name}: rtprof {r['wait_total_ns']/1e6:.2f} ms, program {t['wait_ns']/1e6:.2f} ms", file=sys.stderr)
assert fight["acquisitions"] == 2 * rounds and fight["holds"] == 2 * rounds, fight
assert quiet["acquisitions"] == 1000 and quiet["holds"] == 1000 and quiet["waits"] == 1000, quiet
# the waiter's HOLD_MS waits: half the calls, nearly all the time, in the 8-16 ms buckets
slow = sum(b["count"] for b in fight["wait_hist"] if b["low_ns"] >= 1 << 22)
assert slow == rounds, fight["wait_hist"]
top = fight["stacks"][0]
assert top["waits"] == rounds, top
def func(frame):
    """The frame's function, checked against eu-addr2line at the return address - 1."""
    assert frame["module"] == binary, frame
    out = subprocess.run(["eu-addr2line", "-f", "-e", binary, hex(frame["offset"] - 1)],
                         capture_output=True, text=True).stdout.split("\n")[0]
    assert out.rsplit(" in ", 1)[-1] == frame["function"], (out, frame)
    return frame["function"]
assert func(top["stack"][0]) == "waiter_loop", top["stack"]
assert func(rw["stacks"][0]["stack"][0]) == "reader_loop", rw["stacks"][0]
assert [f["function"] for f in top["stack"]][-1] == "start_thread", top["stack"]
assert func(cond["stacks"][0]["stack"][0]) == "cond_loop", cond["stacks"][0]
assert fight["location"] == "fight_lock" and rw["location"] == "rw_lock", (fight["location"], rw["location"])
s = [r for r in rows if r["type"] == "summary"][0]
assert s["dropped"] == 0, s
PY

# text report: the same lock first, with its histogram
"$RTPROF" locks -o - --top 2 -- "$BIN" $ROUNDS $HOLD_MS >"$TMP/t.out" 2>&1
addr=$(sed -n 's/^fight_lock \(0x[0-9a-f]*\) .*/\1/p' "$TMP/t.out")
if grep -q "^#1 mutex $addr (fight_lock)" "$TMP/t.out" && grep -q '^  wait time:' "$TMP/t.out" &&
	grep -q '^        waiter_loop locks_fight.c:[0-9]*$' "$TMP/t.out" &&
	! grep -q '^#3 ' "$TMP/t.out"; then
	ok "locks_fight: text report"
else
	fail "locks_fight: text report: $(grep '^#' "$TMP/t.out" | tr '\n' '|') want $addr"
fi

"$RTPROF" locks -o - -- /nonexistent/program >/dev/null 2>"$TMP/e.err"
rc=$?
[ $rc = 6 ] && [ "$(wc -l <"$TMP/e.err")" = 1 ] && ok "locks_fight: missing program (exit 6)" ||
	fail "locks_fight: missing program: exit $rc: $(cat "$TMP/e.err")"

"$RTPROF" locks -o - --no-cond --json -- "$BIN" 5 2 >"$TMP/n.out" 2>/dev/null
if [ "$(grep -c '"kind":"cond"' "$TMP/n.out")" = 0 ] && grep -q '"location":"fight_lock"' "$TMP/n.out"; then
	ok "locks_fight: --no-cond leaves condition waits out"
else
	fail "locks_fight: --no-cond: $(grep -o '"location":"[a-z_]*","kind":"[a-z]*"' "$TMP/n.out" | tr '\n' ' ')"
fi

# the same program built without frame pointers: the waiting stack still unwinds, through
# waiter_loop to the thread's start
NOFP=$TARGETS/locks_fight_nofp
"$RTPROF" locks -o - --json -- "$NOFP" 5 $HOLD_MS >"$TMP/f.out" 2>/dev/null
check "locks_fight: without frame pointers, the waiting stack reaches the thread start through waiter_loop" \
	python3 - "$TMP/f.out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
fight = [r for r in rows if r.get("location") == "fight_lock"][0]
funcs = [f["function"] for f in fight["stacks"][0]["stack"]]
assert funcs[0] == "waiter_loop" and funcs[-1] == "start_thread", funcs
PY
