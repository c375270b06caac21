#!/bin/bash
# rtprof profile and memleak on Ruby 3.1 (Debian's libruby-3.1, stripped): Ruby frames read in BPF
# and merged into the native stacks, checked against what the target itself knows:
#  - snapshot: while two threads spin at known stacks, the target writes their
#    Thread#backtrace_locations and native thread ids; each thread's most frequent sequence of
#    Ruby frames in rtprof's profile equals it (labels, paths, lines, order; C methods such as
#    `Array#each` by name, their path and line being their caller's in Ruby's view). Labels are
#    qualified with their method's class as Ruby 3.4 does (`Object#leaf_spin`,
#    `block in Object#top`, `Outer::Inner.start`, `block (2 levels) in Mixin#mixed`, plain for an
#    anonymous class and a plain object's singleton method), the owners told by Ruby itself (a
#    TracePoint, Method#owner);
#  - shares: Object#work_a, Burner.work_b (a class method) and Object#work_c (in a block given to
#    Array#each) burn CPU in jittered 5/3/2 ms slices; each share within 5 pp of the target's own
#    CLOCK_THREAD_CPUTIME_ID accounting, launched and with -p; >= 95% of the samples taken while
#    the program runs (below ruby_run_node) carry a Ruby frame;
#  - memleak: Object#keep_f and Object#keep_g retain N and M 1 MiB strings: attributed exactly,
#    with Ruby frames;
#  - an unknown Ruby version (a copy of libruby whose ruby_version says 3.9.9) gives native
#    stacks and one warning.
source "$(dirname "$0")/../lib.sh"

is_root || { skip "profile_ruby: needs root"; exit 0; }
TARGET=$PWD/tests/targets/rb_frames.rb
RUBY=/usr/bin/ruby3.1
[ -x "$RUBY" ] || { fail "profile_ruby: $RUBY missing (make deps)"; exit 0; }

cat >"$TMP/ruby_frames.py" <<'EOF2'
# frames of a folded stack that are Ruby frames: "label (path:line)" or a C method's name
import re
RB = re.compile(r"^(.*) \((.*):(\d+)\)$")
CMETHOD = re.compile(r"^[A-Z][A-Za-z0-9_]*(::[A-Z][A-Za-z0-9_]*)*[#.][a-z_][A-Za-z0-9_]*[?!=]?$")
def ruby_frames(frames):
    out = []
    seen_ruby = False
    for f in frames:
        m = RB.match(f)
        if m:
            out.append([m.group(1), m.group(2), int(m.group(3))])
            seen_ruby = True
        elif seen_ruby and (CMETHOD.match(f) or (re.match(r"^[a-z_][A-Za-z0-9_]*[?!=]?$", f)
                                                  and "_" not in f[:3])):
            out.append([f, None, None])  # a C method (Array#each): between Ruby frames
    return out
EOF2

# snapshot
"$RTPROF" profile -F 199 -T --lines --folded "$TMP/snap.folded" -- \
	"$RUBY" "$TARGET" snapshot "$TMP/snap.json" 1.5 2>"$TMP/snap.err"
check "profile_ruby: snapshot: Ruby frames equal Thread#backtrace_locations, labels qualified with their class" \
	python3 - "$TMP/snap.folded" "$TMP/snap.json" "$TMP" <<'EOF2'
import collections, json, sys
sys.path.insert(0, sys.argv[3])
from ruby_frames import ruby_frames
truth = json.load(open(sys.argv[2]))
seqs = collections.defaultdict(collections.Counter)
for line in open(sys.argv[1]):
    stack, count = line.rstrip("\n").rsplit(" ", 1)
    frames = stack.split(";")
    tid = int(frames[0].rsplit("-", 1)[1])
    seqs[tid][json.dumps(ruby_frames(frames[1:]))] += int(count)
for t in truth:
    best, n = seqs[t["tid"]].most_common(1)[0]
    got = list(reversed(json.loads(best)))
    want = t["frames"]
    assert len(got) == len(want), f"thread {t['tid']}:\n rtprof {got}\n truth  {want}"
    for g, w in zip(got, want):
        if g[1] is None:  # a C method: Ruby reports its caller's path and line
            assert g[0] == w[0], (g, w)
        else:
            assert g == w, f"thread {t['tid']}: {g} != {w}\n rtprof {got}\n truth  {want}"
    print(f"thread {t['tid']}: {len(got)} Ruby frames equal ({n} samples): "
          + "; ".join(g[0] for g in got))
EOF2
# every class read, but for the frames of the process's last samples or two (the VM tearing
# down, or gone before the reader came to them: counted): at most 2 in 1000 frames named (clean-
# clone CI runs gave 0 to 5 of 1003 to 4167 frames: 5 is the frames of one or two samples)
line=$(grep 'ruby frames:' "$TMP/snap.err")
named=$(sed -n 's/.* \([0-9]*\) frames named.*/\1/p' <<<"$line")
noclass=$(sed -n 's/.* \([0-9]*\) without their class.*/\1/p' <<<"$line")
check "profile_ruby: snapshot: every class named but ${noclass:-?} of ${named:-?} frames ($line)" \
	test -n "$named" -a -n "$noclass" -a "$((${noclass:-1} * 500))" -le "${named:-0}"

cat >"$TMP/check_shares.py" <<'EOF2'
import json, sys
folded, truth = sys.argv[1], json.load(open(sys.argv[2]))
counts = {k: 0 for k in truth}
total = ruby = 0
for line in open(folded):
    stack, count = line.rstrip("\n").rsplit(" ", 1)
    n = int(count)
    frames = stack.split(";")
    names = [f.split(" (")[0] for f in frames if f.endswith(")") and " (" in f]
    if "ruby_run_node" in frames:
        total += n
        if names:
            ruby += n
    for k in counts:
        if k in names:
            counts[k] += n
ours, want, msg = sum(counts.values()), sum(truth.values()), []
assert ours > 0, f"none of {total} samples has {', '.join(sorted(truth))}"
for k in sorted(truth):
    a, b = 100.0 * counts[k] / ours, 100.0 * truth[k] / want
    msg.append(f"{k} {a:.1f}% (truth {b:.1f}%)")
    assert abs(a - b) <= 5.0, ", ".join(msg)
assert total > 0 and ruby >= 0.95 * total, f"{ruby} of {total} samples have Ruby frames"
print(", ".join(msg) + f"; {ruby}/{total} samples with Ruby frames")
EOF2
"$RTPROF" profile -F 499 --folded "$TMP/sh.folded" -- "$RUBY" "$TARGET" shares "$TMP/sh.json" 3 \
	2>"$TMP/sh.err"
check "profile_ruby: shares launched: $(python3 "$TMP/check_shares.py" "$TMP/sh.folded" \
	"$TMP/sh.json" 2>&1 | tail -1)" python3 "$TMP/check_shares.py" "$TMP/sh.folded" "$TMP/sh.json"
# the interpreter is looked for at the first sample, maybe before libruby is mapped: a launched
# run must find it later all the same (a CI run once found no Ruby frame at all; a race, seen
# here 1 in 6 runs under load, not reproduced on a quiet machine: this check may miss it)
n_ok=0
for i in 1 2 3 4 5 6 7 8; do
	"$RTPROF" profile -F 499 --folded "$TMP/l$i.folded" -- "$RUBY" -e \
		't = Process.clock_gettime(Process::CLOCK_MONOTONIC); def spin_here; x = 0; 10_000.times { x += 1 }; end; spin_here while Process.clock_gettime(Process::CLOCK_MONOTONIC) - t < 0.4' \
		2>"$TMP/l$i.err"
	grep -q "Object#spin_here (" "$TMP/l$i.folded" && n_ok=$((n_ok + 1))
done
check "profile_ruby: 8 launched 0.4 s runs: Ruby frames in $n_ok of 8" [ "$n_ok" = 8 ]
bg "$RUBY" "$TARGET" shares "$TMP/shp.json" 4
sleep 0.5
"$RTPROF" profile -F 499 -d 3 -p "$BG_PID" --folded "$TMP/shp.folded" 2>"$TMP/shp.err"
wait "$BG_PID"
check "profile_ruby: shares -p: $(python3 "$TMP/check_shares.py" "$TMP/shp.folded" \
	"$TMP/shp.json" 2>&1 | tail -1)" python3 "$TMP/check_shares.py" "$TMP/shp.folded" "$TMP/shp.json"

# memleak: N and M strings
"$RTPROF" memleak -o - --json -- "$RUBY" "$TARGET" leak 30 12 "$TMP/ml_names.json" \
	>"$TMP/ml.json" 2>"$TMP/ml.err"
check "profile_ruby: memleak: keep_f 30 and keep_g 12 strings, exactly, with Ruby frames" \
	python3 - "$TMP/ml.json" "$TMP/ml_names.json" <<'EOF2'
import json, sys
report = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")][-1]
names_of = json.load(open(sys.argv[2]))  # {"keep_f": "Object#keep_f", ...}: Ruby's owners
got = {names_of["keep_f"]: 0, names_of["keep_g"]: 0}
for st in report["stacks"]:
    if st["bytes"] < st["count"] << 20:
        continue
    names = [f.split(" (")[0] for f in st["stack"]]
    for k in got:
        if k in names:
            got[k] += st["count"]
assert got == {names_of["keep_f"]: 30, names_of["keep_g"]: 12}, got
print(got)
EOF2

# an unknown version: a copy of libruby whose ruby_version string says 3.9.9
LIB=/lib/x86_64-linux-gnu/libruby-3.1.so.3.1
mkdir -p "$TMP/lib"
python3 - "$LIB" "$TMP/lib/libruby-3.1.so.3.1" <<'EOF2'
import subprocess, sys
src, dst = sys.argv[1], sys.argv[2]
data = bytearray(open(src, "rb").read())
sym = [l.split() for l in subprocess.run(["readelf", "-W", "--dyn-syms", src],
       capture_output=True, text=True).stdout.splitlines() if l.endswith(" ruby_version")][0]
vaddr = int(sym[1], 16)
for l in subprocess.run(["readelf", "-W", "-l", src], capture_output=True, text=True).stdout.splitlines():
    f = l.split()
    if f and f[0] == "LOAD":
        off, va, size = int(f[1], 16), int(f[2], 16), int(f[4], 16)
        if va <= vaddr < va + size:
            pos = off + vaddr - va
assert data[pos:pos + 5] == b"3.1.2", data[pos:pos + 8]
data[pos:pos + 5] = b"3.9.9"
open(dst, "wb").write(data)
EOF2
LD_LIBRARY_PATH=$TMP/lib "$RTPROF" profile -F 199 --folded "$TMP/u.folded" -- "$RUBY" -e \
	't = Time.now; 1 while Time.now - t < 0.5' 2>"$TMP/u.err"
nwarn=$(grep -c 'not supported' "$TMP/u.err")
if [ "$nwarn" = 1 ] && grep -q 'rb_vm_exec' "$TMP/u.folded" && ! grep -q ' (-e' "$TMP/u.folded"; then
	ok "profile_ruby: Ruby 3.9.9: native stacks and one warning ($(grep 'not supported' "$TMP/u.err"))"
else
	fail "profile_ruby: Ruby 3.9.9: $nwarn warnings; $(head -c 300 "$TMP/u.folded")"
fi
