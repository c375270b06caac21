#!/bin/bash
# rtprof profile on a JVM without manual steps: rtprof asks the JVM for its perf map itself
# (the JVM's attach mechanism, as jcmd Compiler.perfmap does) half a second in, every second and
# at the end, so compiled methods are named. alpha, beta and gamma burn jittered 5/3/2 ms slices:
# each one's share of the samples that name one of them is within 5 pp of the thread's own
# ThreadMXBean CPU time accounting, launched and with -p. Frames in the interpreter read
# [java interpreted].
source "$(dirname "$0")/../lib.sh"

is_root || { skip "profile_jvm: needs root"; exit 0; }
JAVA=/usr/lib/jvm/java-17-openjdk-amd64/bin/java
CP=$TARGETS/java
[ -x "$JAVA" ] && [ -f "$CP/RtShares.class" ] || { fail "profile_jvm: java or RtShares.class missing (make deps targets)"; exit 0; }

cat >"$TMP/check.py" <<'PY'
import json, sys
truth = json.load(open(sys.argv[2]))
counts = {k: 0 for k in truth}
for line in open(sys.argv[1]):
    stack, count = line.rstrip("\n").rsplit(" ", 1)
    for k in counts:
        if "RtShares.%s(" % k in stack:
            counts[k] += int(count)
ours, want, msg = sum(counts.values()), sum(truth.values()), []
assert ours >= 200, counts
for k in sorted(truth):
    a, b = 100.0 * counts[k] / ours, 100.0 * truth[k] / want
    msg.append(f"{k} {a:.1f}% (truth {b:.1f}%)")
    assert abs(a - b) <= 5.0, ", ".join(msg)
print(", ".join(msg) + f" ({ours} samples name one)")
PY

"$RTPROF" profile -F 499 --folded "$TMP/l.folded" -- "$JAVA" -cp "$CP" RtShares "$TMP/l.json" 4 \
	2>"$TMP/l.err"
if grep -q 'asking the JVM for its perf map' "$TMP/l.err"; then
	ok "profile_jvm: the perf-map request is announced"
else
	fail "profile_jvm: no announcement: $(head -3 "$TMP/l.err" | tr '\n' ' ')"
fi
check "profile_jvm: launched: $(python3 "$TMP/check.py" "$TMP/l.folded" "$TMP/l.json" 2>&1 | tail -1)" \
	python3 "$TMP/check.py" "$TMP/l.folded" "$TMP/l.json"
if grep -q '\[java interpreted\]' "$TMP/l.folded"; then
	ok "profile_jvm: interpreted frames read [java interpreted]"
else
	fail "profile_jvm: no [java interpreted] frame"
fi

bg "$JAVA" -cp "$CP" RtShares "$TMP/p.json" 5
sleep 1
"$RTPROF" profile -F 499 -d 3 -p "$BG_PID" --folded "$TMP/p.folded" 2>"$TMP/p.err"
wait "$BG_PID"
check "profile_jvm: -p: $(python3 "$TMP/check.py" "$TMP/p.folded" "$TMP/p.json" 2>&1 | tail -1)" \
	python3 "$TMP/check.py" "$TMP/p.folded" "$TMP/p.json"

# a JDK launcher that embeds the JVM (javac, through libjli): found by the libjvm.so it maps
JAVAC=/usr/lib/jvm/java-17-openjdk-amd64/bin/javac
mkdir -p "$TMP/jc"
"$RTPROF" profile -F 499 --folded "$TMP/jc.folded" -- "$JAVAC" -d "$TMP/jc" \
	"$PWD/tests/targets/java/RtTarget.java" "$PWD/tests/targets/java/RtShares.java" 2>"$TMP/jc.err"
# compiled Java methods of the JDK (java.*, jdk.*, com.sun.*) named through the perf map: javac
# runs about a second, so which of its own methods are compiled by a request varies with load
n=$(grep -cE '[; ](java|jdk|com\.sun)\.[A-Za-z0-9_.$]+\(' "$TMP/jc.folded")
if grep -q 'asking the JVM for its perf map' "$TMP/jc.err" && [ "$n" -gt 0 ]; then
	ok "profile_jvm: javac: $n stacks name compiled Java methods"
else
	fail "profile_jvm: javac: $n stacks with compiled Java methods; $(head -2 "$TMP/jc.err" | tr '\n' ' ')"
fi
