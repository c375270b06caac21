#!/bin/bash
# rtprof dump: every thread of a live process with its state and mixed stack, checked against what
# the target itself knows and against independent tools:
#  - C without frame pointers (build/targets/dump_threads): each parked thread's functions equal
#    eu-stack -p's (names without symbol versions or leading underscores; dump's inline frames
#    left out, eu-stack shows none); the system call each sleeps in equals
#    /proc/PID/task/TID/syscall's; the futex the waiter sleeps on is named ("held");
#  - -K: the sleeper's kernel frames above its clock_nanosleep; --sample: the busy clock thread's
#    stack from a sample taken while it ran (bpf/dump_sample.bpf.c), whole;
#  - the pause: the target's clock thread keeps the largest gap between two clock_gettime calls
#    while dump runs; it must be under half of dump's own run time (the target ran on while dump
#    read it); the text gives it with the gap of an idle window as long, and eu-stack's (which
#    stops each thread while it reads it);
#  - Python 3.11: each thread's Python frames (qualname, file, line, in order) equal what
#    sys._current_frames() says, with the native blocking call above them (clock_nanosleep;
#    futex in sem_wait; zlib's compress), also with --sample (the compressing thread sampled);
#  - Ruby 3.1: each thread's Ruby frames equal Thread#backtrace_locations (labels in order; path
#    and line of Ruby-level frames), with the native blocking call above them;
#  - JVM 17: every Java thread jstack lists is there, with the name the kernel keeps (jstack's
#    name cut to 15 bytes), found by jstack's nid;
#  - a process of another user (nobody's sleep), a program in a mount namespace of its own;
#  - usage, a missing process (exit 3), not root (exit 4).
source "$(dirname "$0")/../lib.sh"

is_root || { skip "dump: needs root"; exit 0; }
PY=/usr/bin/python3.11
RUBY=/usr/bin/ruby3.1
JAVA=/usr/lib/jvm/java-17-openjdk-amd64/bin/java
JSTACK=/usr/lib/jvm/java-17-openjdk-amd64/bin/jstack
C_TARGET=$TARGETS/dump_threads
for f in "$PY" "$RUBY" "$JAVA" "$JSTACK" "$C_TARGET" "$TARGETS/java/DumpTarget.class"; do
	[ -e "$f" ] || { fail "dump: $f missing (make deps targets)"; exit 0; }
done
command -v eu-stack >/dev/null || { fail "dump: eu-stack missing (make deps)"; exit 0; }

# ---- usage and exit codes ----
"$RTPROF" dump >/dev/null 2>&1
check "dump: no -p: exit 2 (got $?)" test $? = 2
/bin/true &
gone=$!
wait $gone
"$RTPROF" dump -p $gone >/dev/null 2>"$TMP/gone.err"
rc=$?
check "dump: no such process: exit 3 and one line (got $rc: $(cat "$TMP/gone.err"))" \
	test "$rc" = 3 -a "$(wc -l <"$TMP/gone.err")" = 1
setpriv --reuid=nobody --regid=nogroup --clear-groups "$RTPROF" dump -p $$ >/dev/null \
	2>"$TMP/nobody.err"
rc=$?
check "dump: not root: exit 4 and one line (got $rc: $(cat "$TMP/nobody.err"))" \
	test "$rc" = 4 -a "$(wc -l <"$TMP/nobody.err")" = 1

# ---- C without frame pointers, against eu-stack ----
bg "$C_TARGET" "$TMP/c.ready" "$TMP/c.gap"
CPID=$BG_PID
wait_for "$TMP/c.ready" 20 || { fail "dump: C target not ready"; exit 0; }
"$RTPROF" dump -p $CPID --json >"$TMP/c.json" 2>"$TMP/c.err"
check "dump: C: exit 0" test $? = 0
"$RTPROF" dump -p $CPID >"$TMP/c.txt" 2>>"$TMP/c.err"
for tid in $(awk '{print $2}' "$TMP/c.ready") $CPID; do
	cut -d' ' -f1 "/proc/$CPID/task/$tid/syscall" >"$TMP/c.sys.$tid"
done
"$RTPROF" dump -p $CPID -K >"$TMP/ck.txt" 2>>"$TMP/c.err"
# last: a thread eu-stack stopped sleeps on in restart_syscall
eu-stack -p $CPID >"$TMP/c.eu" 2>&1

cat >"$TMP/c_check.py" <<'PY'
import json, re, sys
ready, dump_json, eu, tmp, pid = sys.argv[1:6]
names = dict(l.split() for l in open(ready))  # name -> tid
tids = {int(t): n for n, t in names.items()}
tids[int(pid)] = "main"
dump = {d["tid"]: d for d in map(json.loads, open(dump_json))}

def norm(name):
    name = name.split("@")[0].lstrip("_")
    if name.startswith("GI_"):
        name = name[3:].lstrip("_")
    return name

eu_frames, cur = {}, None
for line in open(eu):
    m = re.match(r"TID (\d+):", line)
    if m:
        cur = eu_frames.setdefault(int(m.group(1)), [])
        continue
    m = re.match(r"#\d+\s+0x[0-9a-f]+\s*(\S*)", line)
    if m and cur is not None:
        cur.append(norm(m.group(1)) if m.group(1) else "?")
msg = []
for tid, name in sorted(tids.items()):
    d = dump.get(tid)
    assert d, f"thread {name} ({tid}) missing from dump"
    if name == "clock":  # runs all the time: its frames move
        continue
    ours = [norm(f["function"]) for f in d["frames"] if not f["inlined"]]
    theirs = eu_frames.get(tid)
    assert ours == theirs, f"{name}: dump {ours} != eu-stack {theirs}"
    want = int(open(f"{tmp}/c.sys.{tid}").read())
    assert d["state"] == "sleeping" and d["syscall_nr"] == want, \
        f"{name}: {d['state']} in {d['syscall_nr']}, /proc says {want}"
    msg.append(f"{name} {len(ours)} frames in {d['syscall']}")
want = {"sleeper": ["sleeper_inner", "sleeper_outer", "sleeper"],
        "waiter": ["waiter_lock", "waiter"], "reader": ["reader_read", "reader"]}
for name, fns in want.items():
    got = [f["function"] for f in dump[int(names[name])]["frames"]]
    assert all(f in got for f in fns), f"{name}: {fns} not all in {got}"
print(", ".join(msg))
PY
check "dump: C (no frame pointers) = eu-stack: $($PY "$TMP/c_check.py" "$TMP/c.ready" \
	"$TMP/c.json" "$TMP/c.eu" "$TMP" $CPID 2>&1 | tail -1)" \
	$PY "$TMP/c_check.py" "$TMP/c.ready" "$TMP/c.json" "$TMP/c.eu" "$TMP" $CPID
check "dump: C: the waiter's futex is the mutex 'held'" \
	grep -Eq '^[0-9]+ waiter sleeping in futex, waiting on futex 0x[0-9a-f]+ \(held\)$' "$TMP/c.txt"

check "dump: -K: the sleeper's kernel stack (hrtimer_nanosleep_[k] ... do_syscall_64_[k]) above clock_nanosleep" \
	bash -c "sed -n '/ sleeper /,/^\$/p' '$TMP/ck.txt' | tr -s ' ' | cut -d' ' -f3 | tr '\n' ' ' | \
grep -q 'hrtimer_nanosleep_\[k\] .*do_syscall_64_\[k\] .*clock_nanosleep '"

# --sample: the clock thread (always busy) gets its stack from a sample taken while it ran, whole
"$RTPROF" dump -p $CPID --sample --json >"$TMP/cs.json" 2>>"$TMP/c.err"
check "dump: --sample: the busy clock thread's stack from a sample: clock_loop, start_thread, clone3" \
	$PY -c "import json,sys; t=int(open('$TMP/c.ready').read().split()[-1]); \
d=[d for d in map(json.loads, open('$TMP/cs.json')) if d['tid']==t][0]; \
f=[f['function'] for f in d['frames']]; print(d['state'], d['sampled'], f); \
sys.exit(not (d['sampled'] and f[-3:] == ['clock_loop', 'start_thread', 'clone3']))"

# The pause: the clock thread's largest gap while dump runs, against dump's run time; an idle
# window as long (the machine's own noise) and eu-stack, measured the same way, for comparison.
window() { # COMMAND...: prints "GAP_NS RUN_NS"
	local t0 t1
	rm -f "$TMP/c.gap"
	kill -USR1 $CPID
	sleep 0.05
	t0=$(date +%s%N)
	"$@" >/dev/null 2>&1
	t1=$(date +%s%N)
	kill -USR2 $CPID
	wait_for "$TMP/c.gap" 5
	echo "$(cut -d' ' -f1 "$TMP/c.gap") $((t1 - t0))"
}
best=""
for i in 1 2 3; do
	read -r gap run < <(window "$RTPROF" dump -p $CPID)
	# keep the run with the smallest share of dump's time the target lost
	if [ -z "$best" ] || [ $((gap * 1000 / run)) -lt $((bgap * 1000 / brun)) ]; then
		best=1 bgap=$gap brun=$run
	fi
done
read -r egap erun < <(window eu-stack -p $CPID)
read -r igap irun < <(window sleep "$(printf '%d.%09d' $((brun / 1000000000)) $((brun % 1000000000)))")
check "dump: pause: the target's clock stalled at most $((bgap / 1000)) us while dump ran \
$((brun / 1000000)) ms (idle window as long: $((igap / 1000)) us; eu-stack: $((egap / 1000)) us \
of $((erun / 1000000)) ms)" \
	test $((bgap * 2)) -lt "$brun"

# ---- a process of another user; a process in a mount namespace of its own (a container's view:
# its program is at a path that does not exist outside) ----
bg setpriv --reuid=nobody --regid=nogroup --clear-groups sleep 3600
NPID=$BG_PID
sleep 0.3
"$RTPROF" dump -p $NPID --json >"$TMP/n.json" 2>"$TMP/n.err"
check "dump: another user's process (nobody's sleep): in clock_nanosleep, frames named" \
	$PY -c "import json,sys; d=json.loads(open('$TMP/n.json').readline()); \
sys.exit(not (d['syscall'] == 'clock_nanosleep' and 'clock_nanosleep' in d['frames'][0]['function']))"
mkdir -p "$TMP/ns"
bg unshare --mount --propagation private -- sh -c "mount -t tmpfs rtprof-ns '$TMP/ns' && \
cp '$C_TARGET' '$TMP/ns/' && exec '$TMP/ns/dump_threads' '$TMP/ns.ready' '$TMP/ns.gap'"
MPID=$BG_PID
wait_for "$TMP/ns.ready" 20 || { fail "dump: mount-namespace target not ready"; exit 0; }
"$RTPROF" dump -p $MPID >"$TMP/ns.txt" 2>"$TMP/ns.err"
check "dump: mount namespace: its program ($TMP/ns/dump_threads, absent here) read through it" \
	bash -c "[ ! -e '$TMP/ns/dump_threads' ] && grep -q 'sleeper_inner (dump_threads)' '$TMP/ns.txt' \
&& grep -q 'waiter_lock (dump_threads)' '$TMP/ns.txt' && grep -q 'reader_read (dump_threads)' '$TMP/ns.txt'"

# ---- Python 3.11 against sys._current_frames() ----
bg "$PY" tests/targets/dump_py.py "$TMP/py.truth"
PPID_=$BG_PID
wait_for "$TMP/py.truth" 30 || { fail "dump: Python target not ready"; exit 0; }
"$RTPROF" dump -p $PPID_ --json >"$TMP/py.json" 2>"$TMP/py.err"
cat >"$TMP/py_check.py" <<'PY'
import json, sys
truth = json.load(open(sys.argv[1]))["threads"]
dump = {d["tid"]: d for d in map(json.loads, open(sys.argv[2]))}
kind = sys.argv[3]
# the native call each thread blocks in, above its innermost interpreter frame
native = {"python": {"sleeper": "clock_nanosleep", "locker": "__new_sem_wait_slow64",
                     "zipper": "zlib_compress"},
          "ruby": {"sleeper": "pthread_cond_wait", "locker": "pthread_cond_wait",
                   "reader": "rb_thread_io_blocking_region"}}[kind]
syscalls = {"python": {"sleeper": "clock_nanosleep", "locker": "futex"},
            "ruby": {"sleeper": "futex", "locker": "futex", "reader": "poll"}}[kind]
msg = []
for name, t in sorted(truth.items()):
    d = dump.get(t["tid"])
    assert d, f"{name} ({t['tid']}) missing from dump"
    frames = d["frames"]
    first = next(i for i, f in enumerate(frames) if f["kind"] == kind)
    ours = [f for f in frames if f["kind"] == kind]
    want = t["frames"]
    assert len(ours) == len(want), f"{name}: {[f['function'] for f in ours]} != {want}"
    for f, (fn, path, line) in zip(ours, want):
        assert f["function"] == fn, f"{name}: {f['function']} != {fn}"
        # a Ruby C method has no file of its own (Ruby shows its caller's)
        if kind == "python" or f["file"]:
            assert (f["file"], f["line"]) == (path, line), \
                f"{name}: {fn} at {f['file']}:{f['line']}, the program says {path}:{line}"
    above = [f["function"] for f in frames[:first]]
    # a thread on a CPU has stale registers, unless its stack is from a sample
    if d["state"] != "running" or d["sampled"]:
        assert native[name] in above, f"{name}: no {native[name]} above: {above}"
    if name in syscalls:
        assert d["state"] == "sleeping" and d["syscall"] == syscalls[name], \
            f"{name}: {d['state']} in {d['syscall']}"
    msg.append(f"{name} {len(ours)} {kind} frames under {len(above)} native ({d['state']})")
print(", ".join(msg))
PY
check "dump: Python = sys._current_frames(): $($PY "$TMP/py_check.py" "$TMP/py.truth" \
	"$TMP/py.json" python 2>&1 | tail -1)" \
	$PY "$TMP/py_check.py" "$TMP/py.truth" "$TMP/py.json" python
"$RTPROF" dump -p $PPID_ --json --sample >"$TMP/pys.json" 2>"$TMP/pys.err"
check "dump: Python --sample: $($PY "$TMP/py_check.py" "$TMP/py.truth" "$TMP/pys.json" python 2>&1 \
	| tail -1)" \
	bash -c "$PY '$TMP/py_check.py' '$TMP/py.truth' '$TMP/pys.json' python && \
grep -q '\"sampled\":true' '$TMP/pys.json'"
"$RTPROF" dump -p $PPID_ --lines >"$TMP/py.txt" 2>&1
check "dump: Python --lines: 'inner_sleep (…dump_py.py:21)' under clock_nanosleep at its line" \
	grep -q 'inner_sleep (.*dump_py.py:21)' "$TMP/py.txt"
"$RTPROF" dump -p $PPID_ --native-only --json >"$TMP/pyn.json" 2>&1
check "dump: Python --native-only: no Python frame, the eval loop instead" \
	bash -c "! grep -q '\"kind\":\"python\"' '$TMP/pyn.json' && grep -q _PyEval_EvalFrameDefault '$TMP/pyn.json'"

# ---- Ruby 3.1 against Thread#backtrace_locations ----
bg "$RUBY" tests/targets/dump_rb.rb "$TMP/rb.truth"
RPID=$BG_PID
wait_for "$TMP/rb.truth" 30 || { fail "dump: Ruby target not ready"; exit 0; }
"$RTPROF" dump -p $RPID --json >"$TMP/rb.json" 2>"$TMP/rb.err"
check "dump: Ruby = Thread#backtrace_locations: $($PY "$TMP/py_check.py" "$TMP/rb.truth" \
	"$TMP/rb.json" ruby 2>&1 | tail -1)" \
	$PY "$TMP/py_check.py" "$TMP/rb.truth" "$TMP/rb.json" ruby
check "dump: Ruby: threads named as the program named them" \
	$PY -c "import json,sys; n={json.loads(l)['name'] for l in open('$TMP/rb.json')}; \
sys.exit(not {'sleeper','locker','reader'} <= n)"

# ---- JVM: thread names against jstack ----
bg "$JAVA" -cp "$TARGETS/java" DumpTarget "$TMP/j.ready"
JPID=$BG_PID
wait_for "$TMP/j.ready" 60 || { fail "dump: JVM target not ready"; exit 0; }
# dump before and after jstack: HotSpot starts and ends compiler threads as it likes
"$RTPROF" dump -p $JPID --json >"$TMP/j.json" 2>"$TMP/j.err"
"$JSTACK" $JPID >"$TMP/j.jstack" 2>&1
"$RTPROF" dump -p $JPID --json >>"$TMP/j.json" 2>>"$TMP/j.err"
cat >"$TMP/j_check.py" <<'PY'
import json, re, sys
dump = {d["tid"]: d for d in map(json.loads, open(sys.argv[1]))}
pid = int(sys.argv[3])
java, n = 0, 0
for line in open(sys.argv[2]):
    m = re.match(r'"(.*)" (#\d+ )?.*nid=0x([0-9a-f]+)', line)
    if not m:
        continue
    name, tid = m.group(1), int(m.group(3), 16)
    d = dump.get(tid)
    assert d, f'jstack\'s "{name}" (nid {tid}) missing from dump'
    # HotSpot names every thread it starts (the kernel keeps 15 bytes); the thread the launcher
    # made "main" keeps the launcher's name
    want = "java" if name == "main" else name.encode()[:15].decode(errors="ignore")
    assert d["name"] == want, f'nid {tid}: dump "{d["name"]}", jstack "{name}"'
    n += 1
    java += bool(m.group(2))
for name in ("sleeper", "locker", "waiter"):
    assert any(d["name"] == name for d in dump.values()), f"{name} missing"
print(f"{n} threads of jstack ({java} Java threads) found by nid with their names")
PY
check "dump: JVM: $($PY "$TMP/j_check.py" "$TMP/j.json" "$TMP/j.jstack" $JPID 2>&1 | tail -1)" \
	$PY "$TMP/j_check.py" "$TMP/j.json" "$TMP/j.jstack" $JPID
