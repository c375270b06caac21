#!/bin/bash
# rtprof locks through libc:mutex_entry/mutex_acquired/mutex_release SDT probes (Debian's glibc
# has none; this program fires them around its own mutex calls, as Fedora's glibc does inside
# pthread_mutex_lock/unlock). Wait totals must agree with the program's own timing (5% + 1 ms).
source "$(dirname "$0")/../lib.sh"
is_root || { skip "locks_sdt: needs root"; exit 0; }
BIN=$TARGETS/locks_sdt
[ -x "$BIN" ] || { fail "locks_sdt: $BIN missing (make targets)"; exit 0; }
ROUNDS=20

"$RTPROF" locks -o - --json -- "$BIN" $ROUNDS 10 >"$TMP/l.out" 2>"$TMP/l.err"
rc=$?
[ $rc = 0 ] && ok "locks_sdt: exit 0" || fail "locks_sdt: exit $rc: $(tail -2 "$TMP/l.err" | tr '\n' ' ')"
check "locks_sdt: attached to the SDT probes" grep -q 'mutexes through the SDT probes libc:mutex_entry/mutex_acquired/mutex_release' "$TMP/l.err"
check "locks_sdt: waits, totals and waiting stack" python3 - "$TMP/l.out" $ROUNDS <<'PY'
import json, sys
rows, truth = [], None
for l in open(sys.argv[1]):
    if l.startswith("{"):
        rows.append(json.loads(l))
    else:
        f = l.split()
        truth = {"addr": int(f[1], 16), "wait_ns": int(f[3]), "calls": int(f[5])}
rounds = int(sys.argv[2])
locks = [r for r in rows if r["type"] == "lock"]
top = locks[0]
assert top["address"] == truth["addr"] and top["location"] == "sdt_lock", top
assert top["waits"] == truth["calls"] == 2 * rounds, (top["waits"], truth)
assert top["acquisitions"] == top["holds"] == 2 * rounds, top
assert abs(top["wait_total_ns"] - truth["wait_ns"]) <= 0.05 * truth["wait_ns"] + 1e6, (top, truth)
st = top["stacks"][0]
assert st["waits"] == rounds and "sdt_waiter" in [f["function"] for f in st["stack"]], st
PY
