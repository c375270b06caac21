#!/bin/bash
# rtprof profile on CPython: Python frames read in BPF and merged into the native stacks, checked
# against what the target itself knows, on Debian's /usr/bin/python3.11 and on every CPython
# 3.8-3.13 that pyenv keeps here (shared libpython, load bias):
#  - snapshot: while two threads spin at known stacks, the target writes sys._current_frames();
#    each thread's most frequent stack in rtprof's profile has exactly those Python frames
#    (qualified names, files, lines, order), and C frames where C called back into Python
#    (builtin_sorted between the key function and its caller, the generator's resume);
#  - shares: func_a, func_b (called by C: sorted's key) and func_c (a generator) burn CPU in
#    jittered 5/3/2 ms slices; each one's share of rtprof's samples is within 5 pp of its share
#    of the target's own time.thread_time(), launched and with -p; >= 95% of the samples taken
#    while it runs the program (below pymain_run_python) carry a Python frame;
#  - gil: a thread hashing 16 MiB buffers (GIL released) keeps its Python caller in >= 90% of
#    its samples while another thread spins in Python;
#  - --native-only: no Python frame, _PyEval_EvalFrameDefault instead;
#  - CPython 3.6 and 3.7 (unsupported): native stacks and one warning.
source "$(dirname "$0")/../lib.sh"

is_root || { skip "profile_python: needs root"; exit 0; }
TARGET=$PWD/tests/targets/py_frames.py
PYENV_ROOT=${PYENV_ROOT:-$HOME/.pyenv}
pythons=(/usr/bin/python3.11)
for v in 8 9 10 11 12 13; do
	for p in "$PYENV_ROOT"/versions/3.$v.*/bin/python3.$v; do
		[ -x "$p" ] && pythons+=("$p")
	done
done
echo "pythons: ${pythons[*]}"

cat >"$TMP/check_snapshot.py" <<'EOF'
# check_snapshot.py FOLDED TRUTH.json: each thread's most frequent stack (root "comm-TID") has
# exactly the thread's own frames (innermost first in the truth; root first in folded stacks)
import json, re, sys
folded, truth = sys.argv[1], json.load(open(sys.argv[2]))
PY = re.compile(r"^(.*) \((.*):(\d+)\)$")
best = {}
for line in open(folded):
    stack, count = line.rstrip("\n").rsplit(" ", 1)
    frames = stack.split(";")
    tid = int(frames[0].rsplit("-", 1)[1])
    if int(count) > best.get(tid, (0, None))[0]:
        best[tid] = (int(count), frames[1:])
for t in truth:
    count, frames = best[t["tid"]]
    py = [list(PY.match(f).groups()) for f in frames if PY.match(f)]
    py = [[q, f, int(l)] for q, f, l in py]
    want = list(reversed(t["frames"]))
    assert py == want, f"thread {t['tid']}:\n rtprof {py}\n truth  {want}"
    names = [f.split(" (")[0] for f in frames]
    if any(f[0].endswith("<lambda>") for f in want):  # C called back into Python
        i, j = names.index("snapshot"), [n.endswith("<lambda>") for n in names].index(True)
        assert "builtin_sorted" in names[i:j], names[i:j]
    print(f"thread {t['tid']}: {len(py)} Python frames equal ({count} samples)")
EOF

cat >"$TMP/check_shares.py" <<'EOF'
# check_shares.py FOLDED TRUTH.json: shares of func_a/b/c within 5 pp; >= 95% Python samples
import json, sys
folded, truth = sys.argv[1], json.load(open(sys.argv[2]))
counts = {k: 0 for k in truth}
total = python = 0
for line in open(folded):
    stack, count = line.rstrip("\n").rsplit(" ", 1)
    n = int(count)
    frames = stack.split(";")
    names = [f.split(" (")[0] for f in frames if f.endswith(")") and " (" in f]
    # samples of the program running (not of the interpreter's start or end) must have frames
    if any(f.startswith("pymain_run_python") for f in frames):  # .constprop.0 in 3.12
        total += n
        if names:
            python += n
    for k in counts:
        if k in names:
            counts[k] += n
ours = sum(counts.values())
want = sum(truth.values())
msg = []
for k in sorted(truth):
    a, b = 100.0 * counts[k] / ours, 100.0 * truth[k] / want
    msg.append(f"{k} {a:.1f}% (truth {b:.1f}%)")
    assert abs(a - b) <= 5.0, ", ".join(msg)
assert total > 0 and python >= 0.95 * total, f"{python} of {total} samples have Python frames"
print(", ".join(msg) + f"; {python}/{total} samples with Python frames")
EOF

for py in "${pythons[@]}"; do
	v=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
	tag="$v ($py)"
	# snapshot
	"$RTPROF" profile -F 199 -T --lines --folded "$TMP/snap.folded" -- \
		"$py" "$TARGET" snapshot "$TMP/snap.json" 1.5 2>"$TMP/snap.err"
	rc=$?
	if [ $rc != 0 ]; then
		fail "profile_python: snapshot $tag: exit $rc: $(tail -2 "$TMP/snap.err" | tr '\n' ' ')"
	else
		check "profile_python: snapshot $tag: Python frames equal sys._current_frames()" \
			python3 "$TMP/check_snapshot.py" "$TMP/snap.folded" "$TMP/snap.json"
	fi
	# shares, launched
	"$RTPROF" profile -F 499 --folded "$TMP/sh.folded" -- \
		"$py" "$TARGET" shares "$TMP/sh.json" 3 2>"$TMP/sh.err"
	check "profile_python: shares launched $tag: $(python3 "$TMP/check_shares.py" \
		"$TMP/sh.folded" "$TMP/sh.json" 2>&1 | tail -1)" \
		python3 "$TMP/check_shares.py" "$TMP/sh.folded" "$TMP/sh.json"
	# shares, -p
	bg "$py" "$TARGET" shares "$TMP/shp.json" 4
	sleep 0.5
	"$RTPROF" profile -F 499 -d 3 -p "$BG_PID" --folded "$TMP/shp.folded" 2>"$TMP/shp.err"
	wait "$BG_PID"
	check "profile_python: shares -p $tag: $(python3 "$TMP/check_shares.py" \
		"$TMP/shp.folded" "$TMP/shp.json" 2>&1 | tail -1)" \
		python3 "$TMP/check_shares.py" "$TMP/shp.folded" "$TMP/shp.json"
done

# the GIL released: the hashing thread keeps its Python caller
"$RTPROF" profile -F 499 -T --folded "$TMP/gil.folded" -- \
	/usr/bin/python3.11 "$TARGET" gil "$TMP/gil.json" 2 2>"$TMP/gil.err"
check "profile_python: GIL released: the hashing thread's samples keep hasher()" \
	python3 - "$TMP/gil.folded" "$TMP/gil.json" <<'EOF'
import json, sys
tid = json.load(open(sys.argv[2]))["hasher_tid"]
total = with_py = 0
for line in open(sys.argv[1]):
    stack, count = line.rstrip("\n").rsplit(" ", 1)
    frames = stack.split(";")
    if int(frames[0].rsplit("-", 1)[1]) != tid:
        continue
    total += int(count)
    if any(f.startswith("hasher (") for f in frames):
        with_py += int(count)
assert total >= 100, f"only {total} samples of the hashing thread"
assert with_py >= 0.9 * total, f"{with_py} of {total} samples have hasher()"
print(f"{with_py} of {total} samples of the hashing thread have hasher()")
EOF

# --native-only: the interpreter's C functions, no Python frame
"$RTPROF" profile -F 199 --native-only --folded "$TMP/n.folded" -- \
	/usr/bin/python3.11 "$TARGET" shares "$TMP/n.json" 1 2>"$TMP/n.err"
if grep -q '_PyEval_EvalFrameDefault' "$TMP/n.folded" && ! grep -q 'func_a (' "$TMP/n.folded"; then
	ok "profile_python: --native-only shows _PyEval_EvalFrameDefault, no Python frame"
else
	fail "profile_python: --native-only: $(head -c 300 "$TMP/n.folded")"
fi

# unsupported versions: native stacks and exactly one warning
for v in 6 7; do
	for py in "$PYENV_ROOT"/versions/3.$v.*/bin/python3.$v; do
		[ -x "$py" ] || continue
		"$RTPROF" profile -F 199 --folded "$TMP/u.folded" -- "$py" -c \
			'import time
e = time.time() + 0.5
while time.time() < e: pass' 2>"$TMP/u.err"
		nwarn=$(grep -c 'not supported' "$TMP/u.err")
		if [ "$nwarn" = 1 ] && grep -q '_PyEval_EvalFrameDefault' "$TMP/u.folded" &&
			! grep -q ' (' "$TMP/u.folded"; then
			ok "profile_python: CPython 3.$v: native stacks and one warning ($(grep 'not supported' "$TMP/u.err"))"
		else
			fail "profile_python: CPython 3.$v: $nwarn warnings; $(head -c 200 "$TMP/u.folded")"
		fi
	done
done

# a short-lived process still gets names: code objects are read as samples arrive, not after
# the pipeline caught up (the first samples load the modules' debug information)
"$RTPROF" profile -F 499 --folded "$TMP/short.folded" -- \
	/usr/bin/python3.11 "$TARGET" shares "$TMP/short.json" 0.3 2>"$TMP/short.err"
line=$(grep 'python frames:' "$TMP/short.err")
named=$(sed -n 's/.* \([0-9]*\) frames named, \([0-9]*\) unnamed.*/\1/p' <<<"$line")
unnamed=$(sed -n 's/.* \([0-9]*\) frames named, \([0-9]*\) unnamed.*/\2/p' <<<"$line")
if [ -n "$named" ] && [ "$named" -gt 0 ] && [ $((unnamed * 10)) -le "$named" ]; then
	ok "profile_python: a 0.3 s process: $named frames named, $unnamed unnamed"
else
	fail "profile_python: a 0.3 s process: ${line:-no python frames line}"
fi

# Code objects freed and made again at the same addresses under other names (exec'd functions
# alpha and omega, 3:1 in CPU): BPF reads each frame's code identity, so a sample key or a cached
# name of one never stands for the other. alpha's share of the samples of both is within 3 pp of
# its share of their thread CPU time (without the identity, 3.11 gave 70% against 75%).
REUSE=$PWD/tests/targets/py_reuse.py
for py in /usr/bin/python3.11 "$PYENV_ROOT"/versions/3.10.*/bin/python3.10; do
	[ -x "$py" ] || continue
	tag=$("$py" -c 'import platform; print(platform.python_version())')
	"$RTPROF" profile -v -F 499 --folded "$TMP/reuse.folded" -- "$py" "$REUSE" 6 \
		"$TMP/reuse.json" 2>"$TMP/reuse.err"
	msg=$(python3 - "$TMP/reuse.folded" "$TMP/reuse.json" "$TMP/reuse.err" <<'PY'
import json, re, sys
folded, truth, err = sys.argv[1:4]
t = json.load(open(truth))
want = t["spent"]["alpha"] / (t["spent"]["alpha"] + t["spent"]["omega"])
n = {"alpha": 0, "omega": 0}
for line in open(folded):
    stack, count = line.rsplit(" ", 1)
    for name in n:
        if f";{name} (<generated>)" in stack:
            n[name] += int(count)
got = n["alpha"] / max(1, n["alpha"] + n["omega"])
counted = int(re.search(r"(\d+) counted by key", open(err).read()).group(1))
ok = abs(got - want) <= 0.03 and t["shared"] >= 10 and counted > 0 and min(n.values()) > 0
print(f"{'ok' if ok else 'FAIL'} alpha {100 * got:.1f}% of {sum(n.values())} samples, "
      f"truth {100 * want:.1f}%; {t['shared']} addresses both had; {counted} samples counted by key")
PY
)
	if [[ $msg == ok* ]]; then
		ok "profile_python: reused code addresses $tag: ${msg#ok }"
	else
		fail "profile_python: reused code addresses $tag: $msg"
	fi
done
