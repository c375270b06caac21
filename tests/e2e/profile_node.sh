#!/bin/bash
# rtprof profile on Node.js without any flag from the user: a launched node gets
# --perf-basic-prof through NODE_OPTIONS (announced), so its JavaScript functions have names:
# funcA, funcB and funcC burning jittered 5/3/2 ms slices each get their share of the samples
# within 5 pp of the process's own process.cpuUsage() accounting. A running node without a perf
# map gets one line saying what to add.
source "$(dirname "$0")/../lib.sh"

is_root || { skip "profile_node: needs root"; exit 0; }
command -v node >/dev/null || { fail "profile_node: node missing (make deps)"; exit 0; }
TARGET=$PWD/tests/targets/node_shares.js

(cd "$TMP" && env -u NODE_OPTIONS "$RTPROF" profile -F 499 --folded "$TMP/n.folded" -- \
	node "$TARGET" "$TMP/n.json" 3 2>"$TMP/n.err")
if ls "$TMP"/isolate-*-v8.log >/dev/null 2>&1; then
	fail "profile_node: V8 wrote isolate-*-v8.log into the working directory"
else
	ok "profile_node: nothing written into the working directory"
fi
if grep -q 'adding --perf-basic-prof-only-functions through NODE_OPTIONS' "$TMP/n.err"; then
	ok "profile_node: NODE_OPTIONS announced"
else
	fail "profile_node: no announcement: $(head -3 "$TMP/n.err" | tr '\n' ' ')"
fi
check "profile_node: shares of funcA/B/C within 5 pp of process.cpuUsage()" \
	python3 - "$TMP/n.folded" "$TMP/n.json" <<'PY'
import json, re, sys
truth = json.load(open(sys.argv[2]))
counts = {k: 0 for k in truth}
for line in open(sys.argv[1]):
    stack, count = line.rstrip("\n").rsplit(" ", 1)
    for k in counts:
        if re.search(r"(^|;)JS:[*~^+]?%s " % k, stack):
            counts[k] += int(count)
ours, want, msg = sum(counts.values()), sum(truth.values()), []
assert ours > 100, counts
for k in sorted(truth):
    a, b = 100.0 * counts[k] / ours, 100.0 * truth[k] / want
    msg.append(f"{k} {a:.1f}% (truth {b:.1f}%)")
    assert abs(a - b) <= 5.0, ", ".join(msg)
print(", ".join(msg))
PY

bg env -u NODE_OPTIONS node "$TARGET" "$TMP/p.json" 3
sleep 0.5
"$RTPROF" profile -F 99 -d 0.5 -p "$BG_PID" --folded /dev/null 2>"$TMP/p.err"
if grep -q "writes no /tmp/perf-$BG_PID.map.*--perf-basic-prof" "$TMP/p.err"; then
	ok "profile_node: -p on a node without a perf map says what to add"
else
	fail "profile_node: -p: $(cat "$TMP/p.err" | tr '\n' ' ')"
fi
