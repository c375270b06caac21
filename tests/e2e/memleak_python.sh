#!/bin/bash
# rtprof memleak and locks on CPython: interpreter frames in the stack keys and the stacks.
#  - keep_f() and keep_g() retain N and M 1 MiB bytearrays through the same native path
#    (bytearray's constructor): with PYTHONMALLOC=malloc, memleak attributes exactly N and M
#    blocks to stacks that name keep_f and keep_g (a key of native return addresses alone would
#    merge them), on Debian's python3.11 and on pyenv's 3.12 when present;
#  - without PYTHONMALLOC=malloc, memleak says once that pymalloc hides small objects;
#  - locks: two threads spinning in Python wait for the GIL; the waiting stacks of the GIL's
#    condition variable name the Python function of each thread.
source "$(dirname "$0")/../lib.sh"

is_root || { skip "memleak_python: needs root"; exit 0; }
TARGET=$PWD/tests/targets/py_frames.py
PYENV_ROOT=${PYENV_ROOT:-$HOME/.pyenv}
N=30 M=12
pythons=(/usr/bin/python3.11)
for p in "$PYENV_ROOT"/versions/3.12.*/bin/python3.12; do [ -x "$p" ] && pythons+=("$p"); done

for py in "${pythons[@]}"; do
	PYTHONMALLOC=malloc "$RTPROF" memleak -o - --json -- "$py" "$TARGET" leak $N $M \
		>"$TMP/ml.json" 2>"$TMP/ml.err"
	check "memleak_python: $py: keep_f $N and keep_g $M blocks, exactly, with Python frames" \
		python3 - "$TMP/ml.json" $N $M <<'PY'
import json, sys
report = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")][-1]
n, m = int(sys.argv[2]), int(sys.argv[3])
got = {"keep_f": [0, 0], "keep_g": [0, 0]}
for st in report["stacks"]:
    names = [f.split(" (")[0] for f in st["stack"]]
    if st["bytes"] < st["count"] << 20:
        continue  # the bytearray objects themselves (malloc'd too): not the 1 MiB buffers
    for k in got:
        if k in names:
            assert "<module>" in names, st["stack"]
            got[k][0] += st["count"]
            got[k][1] += st["bytes"]
assert got["keep_f"][0] == n and got["keep_g"][0] == m, got
assert got["keep_f"][1] >= n << 20 and got["keep_g"][1] >= m << 20, got
print(got)
PY
done

"$RTPROF" memleak -o - --json -- /usr/bin/python3.11 "$TARGET" leak 1 1 >/dev/null 2>"$TMP/pm.err"
if [ "$(grep -c 'PYTHONMALLOC=malloc' "$TMP/pm.err")" = 1 ]; then
	ok "memleak_python: pymalloc noted once"
else
	fail "memleak_python: pymalloc note: $(cat "$TMP/pm.err" | tr '\n' ' ')"
fi

cat >"$TMP/gil.py" <<'EOF2'
import threading, time
STOP = [False]
def spin_one():
    x = 0
    while not STOP[0]: x += 1
def spin_two():
    x = 0
    while not STOP[0]: x += 1
a, b = threading.Thread(target=spin_one), threading.Thread(target=spin_two)
a.start(); b.start(); time.sleep(1.5); STOP[0] = True; a.join(); b.join()
EOF2
"$RTPROF" locks -o - --json --stacks 10 -- /usr/bin/python3.11 "$TMP/gil.py" >"$TMP/lk.json" 2>"$TMP/lk.err"
check "locks_python: the GIL's waiting stacks name each thread's Python function" \
	python3 - "$TMP/lk.json" <<'PY'
import json, sys
locks = [json.loads(l) for l in open(sys.argv[1]) if l.startswith('{"type":"lock"')]
cond = max((l for l in locks if l["kind"] == "cond"), key=lambda l: l["waits"])
seen, waits = {}, 0
for st in cond["stacks"]:
    py = [f for f in st["stack"] if f["kind"] == "python"]
    for f in py:
        if f["name"] == "[unknown python]":
            continue  # a code object freed before it was read (a module body): counted
        assert f["name"] == f'{f["function"]} ({f["file"]})' and f["line"] > 0, f
        if f["function"] in ("spin_one", "spin_two"):
            seen[f["function"]] = seen.get(f["function"], 0) + st["waits"]
assert set(seen) == {"spin_one", "spin_two"}, seen
# the rest: waits of the main thread (start, join) and of the interpreter's start
assert sum(seen.values()) >= 0.75 * cond["waits"], (seen, cond["waits"])
print(seen, "of", cond["waits"], "waits")
PY
