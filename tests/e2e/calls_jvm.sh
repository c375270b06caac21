#!/bin/bash
# rtprof on OpenJDK 17 (few JVM runs: startup is slow on shared cores).
#  - with -XX:+DTraceMethodProbes (from an @argfile): f and g called exactly N times show count N
#    (calls), and the overload f(String) called M times is a row of its own with count M
#  - without it: the exact flag is printed and rtprof exits 5 (before starting the JVM)
#  - javac (a launcher that loads libjvm.so through libjli, not named java): recognised without
#    -l, its -J-XX:+DTraceMethodProbes understood, and the cost warning given once
#  - several threads: flow has the events of every thread, each with its own correct depths
#  - System.gc() k times while traced: k full collections (gc), with memory pools before/after
#  - objnew with -XX:+DTraceAllocProbes: allocations of a class counted exactly
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/runtimes_lib.inc"
CP=$TARGETS/java
N=5000
M=3000

echo "-XX:+DTraceMethodProbes # from an argument file" >"$TMP/jvm.args"
if "$RTPROF" calls -o - --json -c RtTarget -- $JAVA @"$TMP/jvm.args" -cp "$CP" RtTarget overloads $N $M \
	>"$TMP/calls.json" 2>"$TMP/err"; then
	got=$($PY -c 'import json,sys
c={json.loads(l)["name"]:json.loads(l)["count"] for l in open(sys.argv[1]) if l[0]=="{"}
print(c.get("RtTarget.f(int)"), c.get("RtTarget.g(int)"), c.get("RtTarget.f(String)"))' "$TMP/calls.json")
	set -- $got
	[ "$1 $2" = "$N $N" ] && ok "calls_jvm_counts (f and g: $N each)" ||
		fail "calls_jvm_counts: f g = $1 $2, want $N $N"
	[ "$1 $3" = "$N $M" ] && grep -q '"sig":"(Ljava/lang/String;)I"' "$TMP/calls.json" &&
		ok "calls_jvm_overloads (f(int) $1, f(String) $3)" ||
		fail "calls_jvm_overloads: f(int) f(String) = $1 $3, want $N $M"
else
	fail "calls_jvm_counts: $(tail -2 "$TMP/err")"
fi

# javac: a JDK launcher found by the libjvm.so it loads; without the flag, the hint is in javac's
# own form (-J...), before anything starts
"$RTPROF" calls -o - -- $JAVA_HOME17/bin/javac -d "$TMP/javac" tests/targets/java/RtTarget.java \
	>/dev/null 2>"$TMP/err"
rc=$?
if [ $rc = 5 ] && grep -q -- 'javac takes JVM flags as -J-XX:+DTraceMethodProbes' "$TMP/err"; then
	ok "calls_javac_flag_hint (exit 5)"
else
	fail "calls_javac_flag_hint: exit $rc: $(cat "$TMP/err")"
fi
# with -J-XX:+DTraceMethodProbes: the methods of javac's JVM are counted; compiling one small
# file makes about 8 M calls, traced at 62,000-80,000 a CPU second (190x slower): rtprof says so
# once and names the alternative; -d 6 ends it (javac is stopped)
"$RTPROF" calls -o - -d 6 -- $JAVA_HOME17/bin/javac -J-XX:+DTraceMethodProbes -d "$TMP/javac" \
	tests/targets/java/RtTarget.java >"$TMP/javac.out" 2>"$TMP/err"
rc=$?
if [ $rc = 0 ] && grep -qE '^(com/sun/tools/javac|java/lang)/' "$TMP/javac.out" &&
	[ "$(grep -c 'rtprof profile -p' "$TMP/err")" = 1 ]; then
	ok "calls_javac_J_flag ($(grep -o '[0-9]* traced calls per second' "$TMP/err"))"
else
	fail "calls_javac_J_flag: exit $rc, $(grep -c . "$TMP/javac.out") lines: $(tr '\n' ' ' <"$TMP/err")"
fi

"$RTPROF" calls -o - -- $JAVA -cp "$CP" RtTarget calls 10 >/dev/null 2>"$TMP/err"
rc=$?
if [ $rc = 5 ] && grep -q -- '-XX:+DTraceMethodProbes' "$TMP/err" && grep -q 'JDK 17' "$TMP/err"; then
	ok "calls_jvm_flag_hint (exit 5)"
else
	fail "calls_jvm_flag_hint: exit $rc: $(cat "$TMP/err")"
fi
"$RTPROF" objnew -o - -- $JAVA -XX:+DTraceMethodProbes -cp "$CP" RtTarget calls 10 >/dev/null 2>"$TMP/err"
rc=$?
if [ $rc = 5 ] && grep -q -- '-XX:+DTraceAllocProbes' "$TMP/err"; then
	ok "objnew_jvm_flag_hint (exit 5)"
else
	fail "objnew_jvm_flag_hint: exit $rc: $(cat "$TMP/err")"
fi

T=4
M=50
if "$RTPROF" flow -o - --json -c RtTarget -- $JAVA -XX:+DTraceMethodProbes -cp "$CP" RtTarget threads $T $M \
	>"$TMP/flow.json" 2>"$TMP/err"; then
	check flow_jvm_threads $PY -c 'import json,sys
T,M=int(sys.argv[2]),int(sys.argv[3])
stacks={}; fcount={}
for l in open(sys.argv[1]):
    if l[0]!="{": continue  # the program prints too
    e=json.loads(l)
    st=stacks.setdefault(e["tid"],[])
    if e["dir"]=="call":
        assert e["depth"]-len(st)==stacks.setdefault(("base",e["tid"]),e["depth"]-len(st)), e
        st.append(e["method"])
        if e["method"]=="f": fcount[e["tid"]]=fcount.get(e["tid"],0)+1
    else:
        assert st and st[-1]==e["method"], (e, st[-3:])
        st.pop()
        assert e["depth"]-len(st)==stacks[("base",e["tid"])], e
assert all(not s for k,s in stacks.items() if not isinstance(k,tuple)), "unbalanced"
workers=[t for t,n in fcount.items() if n==M]
assert len(workers)==T, fcount' "$TMP/flow.json" $T $M
else
	fail "flow_jvm_threads: $(tail -2 "$TMP/err")"
fi

K=4
bg $JAVA -cp "$CP" RtTarget gc $K "$TMP/go" "$TMP/done"
if wait_for "$TMP/done.ready" 60; then
	pid=$(cat "$TMP/done.ready")
	# a running JVM without the flag: the hint says it must be restarted with it
	"$RTPROF" flow -p "$pid" >/dev/null 2>"$TMP/perr"
	rc=$?
	if [ $rc = 5 ] && grep -q -- '-XX:+DTraceMethodProbes' "$TMP/perr" && grep -q 'restart' "$TMP/perr" &&
		grep -q 'read from its memory' "$TMP/perr"; then
		ok "flow_jvm_pid_flag_hint (exit 5)"
	else
		fail "flow_jvm_pid_flag_hint: exit $rc: $(cat "$TMP/perr")"
	fi
	"$RTPROF" gc --json -p "$pid" >"$TMP/gc.json" 2>"$TMP/err" &
	rt=$!
	sleep 1
	touch "$TMP/go"
	wait_for "$TMP/done" 60
	sleep 0.3
	kill -INT $rt
	wait $rt
	check gc_jvm_system_gc $PY -c 'import json,sys
ev=[json.loads(l) for l in open(sys.argv[1])]
full=[e for e in ev if not e.get("summary") and e["kind"]=="full"]
assert len(full)==int(sys.argv[2]), (len(full), [e["kind"] for e in ev])
assert all(e["pools"] and any(p["name"]=="G1 Old Gen" for p in e["pools"]) for e in full), full[0]' "$TMP/gc.json" $K
else
	fail "gc_jvm_system_gc: the JVM did not start"
fi

# objnew with -XX:+DTraceAllocProbes: N objects of class RtTarget count N (the sizes JDK 17
# passes are 0 for most allocations, bpftrace shows the same: not checked)
N=20000
"$RTPROF" objnew -o - --json -- $JAVA -XX:+DTraceAllocProbes -cp "$CP" RtTarget alloc $N >"$TMP/obj.json" 2>"$TMP/err"
got=$($PY -c 'import json,sys
print([o["count"] for l in open(sys.argv[1]) if l[0]=="{" for o in [json.loads(l)] if o["type"]=="RtTarget"])' "$TMP/obj.json")
[ "$got" = "[$N]" ] && ok "objnew_jvm_class (RtTarget: $N)" || fail "objnew_jvm_class: got $got, want [$N]: $(tail -1 "$TMP/err")"
