#!/bin/bash
# rtprof profile on a JVM without manual steps: rtprof asks the JVM for its perf map itself
# (the JVM's attach mechanism, as jcmd Compiler.perfmap does) half a second in, every second and
# at the end, so compiled methods are named. alpha, beta and gamma burn jittered 5/3/2 ms slices:
# each one's share of the samples that name one of them is within 5 pp of the thread's own
# ThreadMXBean CPU time accounting, launched and with -p. Frames in the interpreter read
# [java interpreted]. --jvm-frame-pointers: the launched JVM receives -XX:+PreserveFramePointer
# appended to the JAVA_TOOL_OPTIONS it had (the JVM's own "Picked up JAVA_TOOL_OPTIONS" line
# shows both), and the stacks of RtDeep.hot (compiled, called from the compiled RtDeep.middle)
# reach the launcher's JavaMain in at least 90% of its samples; the same run without the option
# reaches it in fewer than half (the option is what makes the difference).
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

# --jvm-frame-pointers: complete stacks through compiled Java code
cat >"$TMP/deep.py" <<'PY'
# TOTAL: samples in RtDeep.hot; WHOLE: ... whose stack reaches JavaMain; THROUGH: ... with the
# compiled RtDeep.middle as hot's caller (named, or [unknown]: a version compiled after the last
# perf map the JVM wrote; an interpreted caller reads [java interpreted])
import re, sys
total = whole = through = 0
for line in open(sys.argv[1]):
    stack, count = line.rstrip("\n").rsplit(" ", 1)
    frames, n = stack.split(";"), int(count)
    hot = [i for i, f in enumerate(frames) if re.search(r"RtDeep\.hot\(", f)]
    if not hot:
        continue
    total += n
    if "JavaMain" in frames:
        whole += n
        caller = frames[hot[0] - 1]
        if re.search(r"RtDeep\.middle\(", caller) or caller == "[unknown]":
            through += n
print(total, whole, through)
PY
deep() { # OUT [OPTION]: profile RtDeep for 3 s; prints "TOTAL REACHING_MAIN THROUGH_MIDDLE"
	local out=$1
	shift
	JAVA_TOOL_OPTIONS=-Xss2m "$RTPROF" profile -F 499 "$@" --folded "$TMP/$out.folded" -- \
		"$JAVA" '-XX:CompileCommand=dontinline,RtDeep::*' -cp "$CP" RtDeep 3 \
		2>"$TMP/$out.err" >/dev/null
	python3 "$TMP/deep.py" "$TMP/$out.folded"
}
read -r t1 w1 m1 <<<"$(deep fp --jvm-frame-pointers)"
read -r t0 w0 m0 <<<"$(deep nofp)"
picked=$(grep '^Picked up JAVA_TOOL_OPTIONS' "$TMP/fp.err")
if grep -q 'adding -XX:+PreserveFramePointer through JAVA_TOOL_OPTIONS' "$TMP/fp.err" &&
	[ "$picked" = "Picked up JAVA_TOOL_OPTIONS: -Xss2m -XX:+PreserveFramePointer" ]; then
	ok "profile_jvm: --jvm-frame-pointers announced, and the JVM received it ($picked)"
else
	fail "profile_jvm: --jvm-frame-pointers: '$picked'; $(grep -i 'java' "$TMP/fp.err" | head -3 | tr '\n' ' ')"
fi
if [ "${t1:-0}" -ge 50 ] && [ $((m1 * 100)) -ge $((t1 * 90)) ] && [ "${t0:-0}" -ge 50 ] &&
	[ $((w0 * 2)) -lt "$t0" ]; then
	ok "profile_jvm: --jvm-frame-pointers: $m1 of $t1 RtDeep.hot samples reach JavaMain through the compiled RtDeep.middle (folded stacks naming it: $(grep -c "RtDeep.middle(long);long RtDeep.hot" "$TMP/fp.folded"); without the option: $w0 of $t0 reach JavaMain)"
else
	fail "profile_jvm: --jvm-frame-pointers: $m1 of $t1 RtDeep.hot samples reach JavaMain through RtDeep.middle (want >= 90%); without the option $w0 of $t0 (want < 50%)"
fi
if ! grep -q '^Picked up JAVA_TOOL_OPTIONS: -Xss2m$' "$TMP/nofp.err"; then
	fail "profile_jvm: without --jvm-frame-pointers JAVA_TOOL_OPTIONS changed: $(grep 'Picked up' "$TMP/nofp.err")"
fi
# a command that is no JVM: one line, nothing added
"$RTPROF" profile --jvm-frame-pointers --folded /dev/null -- /bin/true 2>"$TMP/nj.err"
check "profile_jvm: --jvm-frame-pointers on /bin/true: one line, nothing added" \
	grep -q 'is not a JVM launcher' "$TMP/nj.err"
