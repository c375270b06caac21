#!/bin/bash
# rtprof on Ruby 3.1 as shipped, with rubygems on.
#  - launched command: flow's (event, method, depth) sequence equals a TracePoint recording made
#    in a separate run (method__* fire thanks to the empty TracePoint rtprof enables through
#    RUBYOPT; depths count Ruby methods: C methods are never traced, their probes crash Ruby)
#  - calls: counts equal the TracePoint's
#  - -p on a program without a TracePoint: exit 5 before tracing, saying why (bug 14582) and
#    what to do; with a TracePoint in the program: its methods are traced
#  - gc: GC.start k times -> k mark phases more than without; GC.count agrees
#  - objnew: Object.new n times of a class -> count n
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/runtimes_lib.inc"
PROG=tests/targets/flow_rb.rb

$RUBY $PROG --record 30 >"$TMP/truth"
if "$RTPROF" flow -o - --json -m 't_*' -- $RUBY $PROG run 30 >"$TMP/flow.json" 2>"$TMP/err"; then
	$PY -c 'import json,sys
ev=[json.loads(l) for l in open(sys.argv[1]) if l[0]=="{"]
base=min(e["depth"] for e in ev)
for e in ev: print(e["dir"], e["method"], e["depth"]-base)' "$TMP/flow.json" >"$TMP/got"
	$PY -c 'import sys
l=[x.split() for x in open(sys.argv[1])]
base=min(int(x[2]) for x in l)
for x in l: print(x[0], x[1], int(x[2])-base)' "$TMP/truth" >"$TMP/truth.n"
	n=$(wc -l <"$TMP/truth.n")
	if [ "$n" -gt 100 ] && cmp -s "$TMP/truth.n" "$TMP/got"; then
		ok "flow_ruby_tracepoint ($n events equal)"
	else
		fail "flow_ruby_tracepoint: $(diff "$TMP/truth.n" "$TMP/got" | head -3 | tr '\n' ' ') (truth $n, got $(wc -l <"$TMP/got"))"
	fi
else
	fail "flow_ruby_tracepoint: $(tail -2 "$TMP/err")"
fi

awk '$1 == "call" { n[$2]++ } END { for (f in n) print f, n[f] }' "$TMP/truth" | sort >"$TMP/ctruth"
if "$RTPROF" calls -o - --json -m 't_*' -- $RUBY $PROG run 30 >"$TMP/calls.json" 2>"$TMP/err"; then
	$PY -c 'import json,sys
for l in open(sys.argv[1]):
    if l[0]=="{": o=json.loads(l); print(o["method"], o["count"])' "$TMP/calls.json" | sort >"$TMP/cgot"
	cmp -s "$TMP/ctruth" "$TMP/cgot" && ok "calls_ruby_counts ($(tr '\n' ' ' <"$TMP/cgot"))" ||
		fail "calls_ruby_counts: truth $(tr '\n' ' ' <"$TMP/ctruth") got $(tr '\n' ' ' <"$TMP/cgot")"
else
	fail "calls_ruby_counts: $(tail -2 "$TMP/err")"
fi

# -p without a TracePoint: exit 5 at once, with the reason; nothing was attached
bg $RUBY -e 'File.write(ARGV[0], Process.pid.to_s); def t_x(a) = a.to_s; loop { t_x(1); sleep 0.01 }' "$TMP/rpid"
wait_for "$TMP/rpid"
"$RTPROF" flow -d 1.5 -p "$(cat "$TMP/rpid")" >"$TMP/p.out" 2>"$TMP/p.err"
rc=$?
if [ $rc = 5 ] && [ ! -s "$TMP/p.out" ] && [ "$(wc -l <"$TMP/p.err")" = 1 ] &&
	grep -q 'TracePoint' "$TMP/p.err" && grep -q '14582' "$TMP/p.err" &&
	grep -q 'rtprof profile' "$TMP/p.err" && kill -0 "$(cat "$TMP/rpid")"; then
	ok "flow_ruby_pid_silent_refused (exit 5, one line, target untouched)"
else
	fail "flow_ruby_pid_silent_refused: exit $rc: $(tail -1 "$TMP/p.err")"
fi
# -p with a TracePoint enabled by the program: its Ruby methods, no C method
bg $RUBY -e 'TracePoint.new(:call, :return) {}.enable; File.write(ARGV[0], Process.pid.to_s); def t_x(a) = a.to_s; loop { t_x(1); sleep 0.01 }' "$TMP/rpid2"
wait_for "$TMP/rpid2"
"$RTPROF" flow -d 1 -p "$(cat "$TMP/rpid2")" >"$TMP/p2.out" 2>"$TMP/p2.err"
rc=$?
if [ $rc = 0 ] && grep -q -- '-> Object#t_x' "$TMP/p2.out" && ! grep -q 'Integer#to_s' "$TMP/p2.out"; then
	ok "flow_ruby_pid_tracepoint ($(grep -c -- '-> Object#t_x' "$TMP/p2.out") calls of t_x)"
else
	fail "flow_ruby_pid_tracepoint: exit $rc: $(tail -1 "$TMP/p2.err")"
fi
"$RTPROF" gc -l python -p "$(cat "$TMP/rpid")" >/dev/null 2>"$TMP/err"
rc=$?
[ $rc = 5 ] && grep -q 'ruby process, not python' "$TMP/err" && ok "gc_ruby_wrong_lang (exit 5)" ||
	fail "gc_ruby_wrong_lang: exit $rc: $(cat "$TMP/err")"

# gc: GC.start k times; every collection has one mark phase: marks seen = GC.count (the trace
# starts at exec, so collections of the start-up count too) and at least k
K=6
"$RTPROF" gc -o - --json -- $RUBY -e "$K.times { GC.start }; File.write(ARGV[0], GC.count.to_s)" "$TMP/gccount" \
	>"$TMP/gc.json" 2>"$TMP/err"
marks=$($PY -c 'import json,sys
print(sum(1 for l in open(sys.argv[1]) if l[0]=="{" and (o:=json.loads(l)).get("kind")=="mark" and not o.get("summary")))' "$TMP/gc.json")
count=$(cat "$TMP/gccount" 2>/dev/null)
if [ -n "$count" ] && [ "$marks" = "$count" ] && [ "$count" -ge $K ]; then
	ok "gc_ruby_start (GC.start x$K: $marks mark phases = GC.count $count)"
else
	fail "gc_ruby_start: $marks mark phases, GC.count $count, k=$K: $(tail -1 "$TMP/err")"
fi

# objnew: Object.new of a class exactly N times
N=3000
"$RTPROF" objnew -o - --json -- $RUBY -e "class RtProbeObj; end; $N.times { RtProbeObj.new }" \
	>"$TMP/obj.json" 2>"$TMP/err"
got=$($PY -c 'import json,sys
print([o["count"] for l in open(sys.argv[1]) if l[0]=="{" for o in [json.loads(l)] if o["type"]=="RtProbeObj"])' "$TMP/obj.json")
[ "$got" = "[$N]" ] && ok "objnew_ruby_class (RtProbeObj: $N)" || fail "objnew_ruby_class: got $got, want [$N]"
