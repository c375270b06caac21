#!/bin/bash
# rtprof threads on a program that creates N named threads: exactly N creations by the main
# thread, each with its name (pthread_setname_np), start routine and creating stack; exits; and
# the live threads at the end. Start routines and stack frames are checked with eu-addr2line.
source "$(dirname "$0")/../lib.sh"
is_root || { skip "threads_named: needs root"; exit 0; }
BIN=$TARGETS/threads_named
[ -x "$BIN" ] || { fail "threads_named: $BIN missing (make targets)"; exit 0; }

# module+0xFILEOFFSET -> function, through the program headers and eu-addr2line
cat >"$TMP/resolve.py" <<'PY'
import subprocess, sys
def resolve(binary, frame):
    mod, off = frame.rsplit("+", 1)
    off = int(off, 16)
    if mod != binary.rsplit("/", 1)[-1]:
        return None
    for l in subprocess.run(["readelf", "-lW", binary], capture_output=True, text=True).stdout.splitlines():
        f = l.split()
        if f and f[0] == "LOAD":
            o, v, sz = int(f[1], 16), int(f[2], 16), int(f[4], 16)
            if o <= off < o + sz:
                a = off - o + v
                out = subprocess.run(["eu-addr2line", "-f", "-e", binary, hex(a)], capture_output=True, text=True).stdout
                return out.split("\n")[0]
    return None
PY

N=50
"$RTPROF" threads --json -- "$BIN" $N >"$TMP/t.json" 2>"$TMP/t.err"
rc=$?
[ $rc = 0 ] && ok "threads_named: launched, exit 0" || fail "threads_named: exit $rc: $(tail -2 "$TMP/t.err" | tr '\n' ' ')"
check "threads_named: $N creations with names, start routine and stack" python3 - "$TMP/t.json" "$N" "$BIN" "$TMP" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[4])
from resolve import resolve
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]  # the program writes too
n, binary = int(sys.argv[2]), sys.argv[3]
creates = [r for r in rows if r["type"] == "create"]
assert len(creates) == n, f"{len(creates)} creations, want {n}"
main_tids = {r["creator_tid"] for r in creates}
assert len(main_tids) == 1, main_tids
renames = {}
for r in rows:
    if r["type"] == "rename":
        renames[r["tid"]] = r["name"]
names = sorted(renames[c["tid"]] for c in creates)
assert names == sorted(f"worker-{i}" for i in range(n)), names
exits = {r["tid"]: r["name"] for r in rows if r["type"] == "exit"}
assert all(exits.get(c["tid"], "").startswith("worker-") for c in creates), "worker exits"
assert main_tids.pop() in exits, "main thread exit"
assert len(exits) == n + 1, len(exits)
starts = {r["tid"] for r in rows if r["type"] == "start"}
assert all(c["tid"] in starts for c in creates), "start events"
routines = {c["start_routine"] for c in creates}
assert len(routines) == 1, routines
assert resolve(binary, routines.pop()) == "worker_main"
for c in creates:
    fns = [resolve(binary, f) for f in c["stack"][1:]]
    assert fns[:2] == ["spawn_workers", "main"], (c["stack"], fns)
    assert c["stack"][0].startswith("libc.so.6+"), c["stack"]
s = [r for r in rows if r["type"] == "summary"][0]
assert s["created"] == n and s["exited"] == n + 1 and s["live"] == 0 and s["lost"] == 0, s
assert not [r for r in rows if r["type"] == "live"]
cs = [r for r in rows if r["type"] == "creating_stack"]
assert len(cs) == 1 and cs[0]["threads"] == n, cs
PY

# -p: attach first, then let the program create 3 workers and 2 idle threads that stay.
bg "$BIN" 3 "$TMP/go" "$TMP/ready"
TPID=$BG_PID
"$RTPROF" threads -p "$TPID" --json >"$TMP/p.json" 2>"$TMP/p.err" &
RPID=$!
for ((i = 0; i < 200; i++)); do grep -qs 'tracing, Ctrl-C' "$TMP/p.err" && break; sleep 0.05; done
touch "$TMP/go"
wait_for "$TMP/ready" 30 || true
kill -INT $RPID
wait $RPID
rc=$?
[ $rc = 0 ] && ok "threads_named: -p, exit 0 after Ctrl-C" || fail "threads_named: -p exit $rc: $(tail -2 "$TMP/p.err" | tr '\n' ' ')"
check "threads_named: -p live threads at the end" python3 - "$TMP/p.json" "$TPID" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]  # the program writes too
pid = int(sys.argv[2])
live = sorted((r["tid"] == pid, r["name"]) for r in rows if r["type"] == "live")
assert live == [(False, "idle-0"), (False, "idle-1"), (True, "threads_named")], live
s = [r for r in rows if r["type"] == "summary"][0]
assert s["created"] == 5 and s["exited"] == 3 and s["live"] == 3 and s["process_alive"], s
assert all(r["creator_tid"] == pid for r in rows if r["type"] == "create")
PY

# text output: the table lists every worker by name
"$RTPROF" threads -- "$BIN" 4 >"$TMP/t.txt" 2>&1
if [ "$(grep -cE '^[0-9]+ +worker-[0-3] +[0-9]+ ' "$TMP/t.txt")" = 4 ] && grep -q '^4 threads created, 5 exited, 0 live' "$TMP/t.txt"; then
	ok "threads_named: text report"
else
	fail "threads_named: text report: $(grep -E 'created|worker' "$TMP/t.txt" | head -3 | tr '\n' '|')"
fi

expect_rc() { local want=$1; shift; "$@" >/dev/null 2>"$TMP/e.err"; local rc=$?; [ $rc = "$want" ] && [ "$(wc -l <"$TMP/e.err")" = 1 ]; }
check "threads_named: no such process (exit 3)" expect_rc 3 "$RTPROF" threads -p 999999999
check "threads_named: usage (exit 2)" expect_rc 2 "$RTPROF" threads
