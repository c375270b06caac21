#!/bin/bash
# rtprof flow --trace on Python 3.11: a checker of its own (tests/tools/check_trace.py) proves the
# Chrome Trace Event file well formed: one thread_name per thread, X events per thread in
# non-decreasing ts, each inside the one around it, no per-call args; and the calls per thread
# and method equal the call events flow --json printed in the same run. Single-threaded with a
# filter, unfiltered (the standard library's calls too), two threads; a JVM (signatures in names); the checker rejects an
# overlapping trace; a path that cannot be written is refused before the command starts.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/runtimes_lib.inc"
CHECK="$PY tests/tools/check_trace.py"

if ! is_root; then
	fail "flow_trace: needs root"
	exit 0
fi

# trace_check NAME FLOW-ARGS... -- CMD...: flow --json --trace, then the checker
trace_check() {
	local name=$1 out
	shift
	if ! "$RTPROF" flow -o - --json --trace "$TMP/$name.trace.json" "$@" >"$TMP/$name.jsonl" 2>"$TMP/$name.err"; then
		fail "$name: rtprof flow exited with $?: $(tail -2 "$TMP/$name.err" | tr '\n' ' ')"
		return
	fi
	if out=$($CHECK "$TMP/$name.trace.json" "$TMP/$name.jsonl" 2>&1); then
		ok "$name ($out; $(grep -c '"dir":"call"' "$TMP/$name.jsonl") calls in flow --json)"
	else
		fail "$name: $(printf '%s' "$out" | head -3 | tr '\n' ' ')"
	fi
}

trace_check flow_trace_filtered -m 't_*' -- $PY tests/targets/flow_py.py run 30
trace_check flow_trace_all -- $PY tests/targets/flow_py.py run 10

cat >"$TMP/threads.py" <<'PYEOF'
import sys, threading
sys.path.insert(0, sys.argv[1])
sys.argv = ["flow_py", "run", "0"]
import flow_py  # runs t_main(0): nothing


def work(n):
    for i in range(n):
        flow_py.t_mid(i)
        flow_py.t_rec(i % 3)


ts = [threading.Thread(target=work, args=(40 + 10 * k,), name="worker-%d" % k) for k in range(2)]
for t in ts:
    t.start()
for t in ts:
    t.join()
PYEOF
trace_check flow_trace_threads -m 't_*' -- $PY "$TMP/threads.py" "$PWD/tests/targets"
threads=$($PY -c 'import json,sys
d=json.load(open(sys.argv[1]))
print(len({e["tid"] for e in d["traceEvents"] if e["ph"]=="X"}))' "$TMP/flow_trace_threads.trace.json" 2>/dev/null)
if [ "${threads:-0}" -ge 2 ]; then
	ok "flow_trace_threads_tracks ($threads threads with calls)"
else
	fail "flow_trace_threads_tracks: ${threads:-no} threads with calls, expected 2"
fi

# the JVM: methods named with their signatures, as the text output names them
trace_check flow_trace_jvm -c RtTarget -- $JAVA -XX:+DTraceMethodProbes -cp "$TARGETS/java" RtTarget overloads 200 100
if grep -q '"name":"RtTarget.f(String)","ph":"X"' "$TMP/flow_trace_jvm.trace.json" &&
	[ "$(grep -c '"name":"RtTarget.f(int)","ph":"X"' "$TMP/flow_trace_jvm.trace.json")" = 200 ]; then
	ok "flow_trace_jvm_names (RtTarget.f(int) 200 times, RtTarget.f(String))"
else
	fail "flow_trace_jvm_names: $(grep -o '"name":"RtTarget[^"]*"' "$TMP/flow_trace_jvm.trace.json" | sort | uniq -c | tr '\n' ' ')"
fi

# the checker itself rejects a child that outlives its parent
printf '%s\n' '{"traceEvents":[' \
	'{"name":"thread_name","ph":"M","pid":1,"tid":1,"args":{"name":"t"}},' \
	'{"name":"a","ph":"X","pid":1,"tid":1,"ts":0,"dur":10},' \
	'{"name":"b","ph":"X","pid":1,"tid":1,"ts":5,"dur":10}]}' >"$TMP/bad.json"
if $CHECK "$TMP/bad.json" >/dev/null 2>&1; then
	fail "flow_trace_checker_rejects_overlap: an overlapping trace passed"
else
	ok "flow_trace_checker_rejects_overlap"
fi

"$RTPROF" flow -o - --trace /nonexistent-dir/x.json -- $PY -c 1 >/dev/null 2>"$TMP/err"
rc=$?
if [ $rc = 6 ] && grep -q 'flow --trace /nonexistent-dir/x.json: No such file' "$TMP/err"; then
	ok "flow_trace_bad_path (exit 6)"
else
	fail "flow_trace_bad_path: exit $rc: $(cat "$TMP/err")"
fi
