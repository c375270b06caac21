#!/bin/bash
# rtprof threads on a program that creates N named threads: exactly N creations by the main
# thread, each with its name (pthread_setname_np), start routine and creating stack; exits; and
# the live threads at the end. Start routines and stack frames are checked with eu-addr2line.
# The same program built without frame pointers (threads_named_nofp) must show the whole creating
# stack too: pthread_create, spawn_workers, main, down to _start; and so must threads created
# from a library loaded with dlopen 0.4 s after the start (threads_dlopen, libthreads_plugin.so).
source "$(dirname "$0")/../lib.sh"
is_root || { skip "threads_named: needs root"; exit 0; }
BIN=$TARGETS/threads_named
NOFP=$TARGETS/threads_named_nofp
DLOPEN=$TARGETS/threads_dlopen
PLUGIN=$TARGETS/libthreads_plugin.so
for b in "$BIN" "$NOFP" "$DLOPEN" "$PLUGIN"; do
	[ -x "$b" ] || { fail "threads_named: $b missing (make targets)"; exit 0; }
done

# A frame {"function","module","offset"} against eu-addr2line on the same ELF address: the
# function (outermost of an inline chain) must agree. ret: a return address (look at offset - 1).
cat >"$TMP/resolve.py" <<'PY'
import subprocess
def addr2line(module, offset):
    out = subprocess.run(["eu-addr2line", "-f", "-e", module, hex(offset)],
                         capture_output=True, text=True).stdout.split("\n")[0]
    return out.rsplit(" in ", 1)[-1]
def check_frame(frame, ret=True):
    want = addr2line(frame["module"], frame["offset"] - (1 if ret else 0))
    assert want == frame["function"], (frame, want)
    return frame["function"]
PY

N=50
for B in "$BIN" "$NOFP"; do
tag=$(basename "$B")
"$RTPROF" threads -o - --json -- "$B" $N >"$TMP/t.json" 2>"$TMP/t.err"
rc=$?
[ $rc = 0 ] && ok "$tag: launched, exit 0" || fail "$tag: exit $rc: $(tail -2 "$TMP/t.err" | tr '\n' ' ')"
check "$tag: $N creations with names, start routine and the whole creating stack" python3 - "$TMP/t.json" "$N" "$B" "$TMP" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[4])
from resolve import check_frame
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
assert routines == {"worker_main"}, routines
for c in creates:
    st = [f for f in c["stack"] if not f["inlined"]]
    assert all(f["kind"] == "native" for f in c["stack"]), c["stack"]  # no marker: unwound whole
    assert st[0]["function"] == "pthread_create" and st[0]["module"].endswith("/libc.so.6"), st[0]
    fns = [check_frame(f) for f in st[1:3]]
    assert fns == ["spawn_workers", "main"], (c["stack"], fns)
    assert st[1]["module"] == binary and st[2]["module"] == binary, st[1:3]
    # main's callers: the C library's start code, then the program's _start
    assert all(f["module"].endswith("/libc.so.6") for f in st[3:-1]) and len(st) > 4, st
    assert st[-1]["function"] == "_start" and st[-1]["module"] == binary, st[-1]
s = [r for r in rows if r["type"] == "summary"][0]
assert s["created"] == n and s["exited"] == n + 1 and s["live"] == 0 and s["lost"] == 0, s
assert not [r for r in rows if r["type"] == "live"]
cs = [r for r in rows if r["type"] == "creating_stack"]
assert len(cs) == 1 and cs[0]["threads"] == n, cs
assert cs[0]["stack"] == creates[0]["stack"], cs
PY
done

# -p: attach first, then let the program create 3 workers and 2 idle threads that stay.
bg sh -c 'exec "$0" "$@" >/dev/null' "$BIN" 3 "$TMP/go" "$TMP/ready"
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

# threads created from a library loaded after the start: its code sits where the dynamic
# loader's mapping of /etc/ld.so.cache was when rtprof first looked at the process
"$RTPROF" threads -o - --json -- "$DLOPEN" "$PLUGIN" 3 >"$TMP/d.json" 2>"$TMP/d.err"
check "threads_named: threads created by a library loaded with dlopen: whole stacks" \
	python3 - "$TMP/d.json" "$DLOPEN" "$PLUGIN" "$TMP" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[4])
from resolve import check_frame
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
binary, plugin = sys.argv[2], sys.argv[3]
creates = [r for r in rows if r["type"] == "create"]
assert len(creates) == 3, len(creates)
for c in creates:
    st = [f for f in c["stack"] if not f["inlined"]]
    assert all(f["kind"] == "native" for f in c["stack"]), c["stack"]
    assert st[0]["function"] == "pthread_create", st[0]
    assert [check_frame(f) for f in st[1:3]] == ["plugin_spawn", "main"], st
    assert st[1]["module"] == plugin and st[2]["module"] == binary, st[1:3]
    assert st[-1]["function"] == "_start" and st[-1]["module"] == binary, st[-1]
    assert c["start_routine"] == "plugin_worker", c["start_routine"]
PY

# text output: the table lists every worker by name; the creating stack reads pthread_create,
# spawn_workers, main, one frame a line
"$RTPROF" threads -o - -- "$NOFP" 4 >"$TMP/t.txt" 2>&1
if [ "$(grep -cE '^[0-9]+ +worker-[0-3] +[0-9]+ ' "$TMP/t.txt")" = 4 ] && grep -q '^4 threads created, 5 exited, 0 live' "$TMP/t.txt" &&
	grep -q '^  4 threads created from:$' "$TMP/t.txt" &&
	[ "$(grep -A3 '^  4 threads created from:$' "$TMP/t.txt" | tail -3 | awk '{printf "%s ", $1}')" = \
		"pthread_create spawn_workers main " ] &&
	grep -q '^      spawn_workers threads_named.c:[0-9]*$' "$TMP/t.txt" &&
	grep -qE '^[0-9.]+ +create +[0-9]+ +threads_named_n +by [0-9]+, start worker_main$' "$TMP/t.txt"; then
	ok "threads_named: text report"
else
	fail "threads_named: text report: $(grep -E -A3 'created|worker' "$TMP/t.txt" | head -8 | tr '\n' '|')"
fi

expect_rc() { local want=$1; shift; "$@" >/dev/null 2>"$TMP/e.err"; local rc=$?; [ $rc = "$want" ] && [ "$(wc -l <"$TMP/e.err")" = 1 ]; }
check "threads_named: no such process (exit 3)" expect_rc 3 "$RTPROF" threads -p 999999999
check "threads_named: usage (exit 2)" expect_rc 2 "$RTPROF" threads
