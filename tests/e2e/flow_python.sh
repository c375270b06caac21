#!/bin/bash
# rtprof flow on Python 3.11 as shipped: the (event, function, depth) sequence equals the one
# sys.setprofile records; the `line` semaphore rtprof raises is back to its old value after
# Ctrl-C and after kill -9 of rtprof; bad input and a target that exits during the trace.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/runtimes_lib.inc"
PROG=tests/targets/flow_py.py
LOOP=tests/targets/flow_py_loop.py

# 1. ground truth: sys.setprofile in a separate run
$PY $PROG --record 30 >"$TMP/truth"
if "$RTPROF" flow -o - --json -m 't_*' -- $PY $PROG run 30 >"$TMP/flow.json" 2>"$TMP/flow.err"; then
	$PY -c 'import json,sys
ev=[json.loads(l) for l in open(sys.argv[1])]
base=min(e["depth"] for e in ev)
for e in ev: print(e["dir"], e["method"], e["depth"]-base)' "$TMP/flow.json" >"$TMP/got"
	n=$(wc -l <"$TMP/truth")
	if [ "$n" -gt 100 ] && cmp -s "$TMP/truth" "$TMP/got"; then
		ok "flow_python_setprofile ($n events equal)"
	else
		fail "flow_python_setprofile: $(diff "$TMP/truth" "$TMP/got" | head -3 | tr '\n' ' ') (truth $n lines, got $(wc -l <"$TMP/got"))"
	fi
	if grep -q "^flow: $(wc -l <"$TMP/flow.json") events, 0 lost" "$TMP/flow.err"; then
		ok "flow_python_counts"
	else
		fail "flow_python_counts: $(tail -1 "$TMP/flow.err")"
	fi
else
	fail "flow_python_setprofile: rtprof flow failed: $(tail -2 "$TMP/flow.err")"
fi

# 2. the line semaphore goes back after Ctrl-C and after kill -9
bg $PY $LOOP "$TMP/pid"
wait_for "$TMP/pid"
pid=$(cat "$TMP/pid")
addr=$(sema_addr "$pid" python line)
if [ -z "$addr" ] || [ "$addr" = 0 ]; then
	fail "flow_python_semaphore: no runtime address for python:line"
else
	old=$(sema_value "$pid" "$addr")
	for sig in INT KILL; do
		"$RTPROF" flow -p "$pid" -m t_leaf >"$TMP/out.$sig" 2>&1 &
		rt=$!
		if ! wait_sema "$pid" "$addr" $((old + 1)); then
			fail "flow_python_semaphore_$sig: semaphore not raised ($(sema_value "$pid" "$addr"), was $old)"
			kill -9 $rt 2>/dev/null
			wait $rt 2>/dev/null
			continue
		fi
		# the held semaphore makes Python-to-Python entries fire: wait for some
		for ((i = 0; i < 100; i++)); do
			grep -q -- '-> t_leaf' "$TMP/out.$sig" && break
			sleep 0.05
		done
		kill -$sig $rt
		wait $rt 2>/dev/null
		if wait_sema "$pid" "$addr" "$old"; then
			if grep -q -- '-> t_leaf' "$TMP/out.$sig"; then
				ok "flow_python_semaphore_$sig (raised to $((old + 1)), back to $old)"
			else
				fail "flow_python_semaphore_$sig: no entry of t_leaf was seen"
			fi
		else
			fail "flow_python_semaphore_$sig: semaphore is $(sema_value "$pid" "$addr") after SIG$sig, was $old"
		fi
	done
fi

# 3. bad input
"$RTPROF" flow -l ruby -p "$pid" >/dev/null 2>"$TMP/err"
rc=$?
if [ $rc = 5 ] && grep -q 'python process, not ruby' "$TMP/err"; then
	ok "flow_python_wrong_lang (exit 5)"
else
	fail "flow_python_wrong_lang: exit $rc: $(cat "$TMP/err")"
fi
"$RTPROF" flow -o - -- /bin/true >/dev/null 2>"$TMP/err"
rc=$?
if [ $rc = 5 ] && grep -q 'not a runtime' "$TMP/err"; then
	ok "flow_no_runtime (exit 5)"
else
	fail "flow_no_runtime: exit $rc: $(cat "$TMP/err")"
fi
# a runtime without probes: python3.11 with its SDT notes removed (it still runs)
mkdir -p "$TMP/np"
if objcopy --remove-section .note.stapsdt $PY "$TMP/np/python3.11"; then
	"$RTPROF" flow -o - -- "$TMP/np/python3.11" -c 1 >/dev/null 2>"$TMP/err"
	rc=$?
	if [ $rc = 5 ] && grep -q 'has no python USDT probes: this Python was built without --with-dtrace' "$TMP/err"; then
		ok "flow_python_without_probes (exit 5)"
	else
		fail "flow_python_without_probes: exit $rc: $(cat "$TMP/err")"
	fi
else
	fail "flow_python_without_probes: objcopy failed"
fi
# a command file that cannot be executed is bad input (exit 6), not a permission of rtprof's
# (exit 4, "Permission denied"): with -l for every tracing command, and a directory
cp $PY "$TMP/np/noexec" && chmod -x "$TMP/np/noexec"
for c in "flow -l python" "calls -l python" "gc -l python" "objnew -l ruby"; do
	"$RTPROF" $c -o - -- "$TMP/np/noexec" -c 1 >/dev/null 2>"$TMP/err"
	rc=$?
	if [ $rc = 6 ] && grep -q 'not an executable file' "$TMP/err" &&
		! grep -qiE 'permi|root' "$TMP/err"; then
		ok "${c%% *}_not_executable (exit 6)"
	else
		fail "${c%% *}_not_executable: exit $rc: $(cat "$TMP/err")"
	fi
done
"$RTPROF" calls -o - -l python -- "$TMP/np" >/dev/null 2>"$TMP/err"
rc=$?
[ $rc = 6 ] && ok "calls_directory_command (exit 6)" || fail "calls_directory_command: exit $rc: $(cat "$TMP/err")"
"$RTPROF" flow -p 999999999 >/dev/null 2>&1
rc=$?
[ $rc = 3 ] && ok "flow_no_process (exit 3)" || fail "flow_no_process: exit $rc"

# 3b. nothing is dropped silently: a ring buffer of one page fills up; every event is then
# either printed or counted as lost, and together they are exactly the calls sys.setprofile saw
R=3000
$PY $PROG --record $R | wc -l >"$TMP/nrec"
"$RTPROF" flow -o - --buffer 4 -m 't_*' -- $PY $PROG run $R 2>"$TMP/small.err" | (sleep 1; wc -l) >"$TMP/nprinted"
read -r shown lost < <(sed -n 's/^flow: \([0-9]*\) events, \([0-9]*\) lost.*/\1 \2/p' "$TMP/small.err")
if [ -n "$lost" ] && [ "$lost" -gt 0 ] && [ "$shown" = "$(cat "$TMP/nprinted")" ] &&
	[ $((shown + lost)) = "$(cat "$TMP/nrec")" ]; then
	ok "flow_python_lost_counted ($shown printed + $lost lost = $(cat "$TMP/nrec"))"
else
	fail "flow_python_lost_counted: printed $(cat "$TMP/nprinted"), summary '$shown $lost', want a sum of $(cat "$TMP/nrec") with some lost"
fi

# 3c. -p on a process that calls all the time: times count from the moment the probes are
# placed, so they are never negative, also for the events that come while rtprof is attaching
bg $PY $LOOP "$TMP/pid3" 0 0
wait_for "$TMP/pid3"
"$RTPROF" flow -p "$(cat "$TMP/pid3")" -d 0.5 -m 't_*' >"$TMP/busy.out" 2>"$TMP/busy.err"
rc=$?
printed=$(grep -cE -- '(->|<-) ' "$TMP/busy.out")
neg=$(awk '$1 < 0' "$TMP/busy.out" | wc -l)
first=$(sort -g "$TMP/busy.out" | head -1 | awk '{ print $1 }')
if [ $rc = 0 ] && [ "$printed" -gt 0 ] && [ "$neg" = 0 ]; then
	ok "flow_python_pid_times_not_negative ($printed events, first at ${first} s)"
else
	fail "flow_python_pid_times_not_negative: exit $rc, $neg of $printed negative (first $first): $(tail -1 "$TMP/busy.err")"
fi
# 3d. the same with a one-page buffer and a slow reader (100 KB/s) on stdout: rtprof still stops
# after -d, and its summary agrees with what it printed although the target goes on calling
# while the last events are written (the probes are removed before the last read)
timeout -k 5 20 "$RTPROF" flow -p "$(cat "$TMP/pid3")" -d 1 --buffer 4 -m 't_*' 2>"$TMP/slow.err" |
	$PY -c 'import sys,time
out=open(sys.argv[1],"wb")
while b:=sys.stdin.buffer.read1(2048):
    out.write(b); time.sleep(0.02)' "$TMP/slow.out"
rc=${PIPESTATUS[0]}
read -r shown lost < <(sed -n 's/^flow: \([0-9]*\) events, \([0-9]*\) lost.*/\1 \2/p' "$TMP/slow.err")
printed=$(grep -cE -- '(->|<-) ' "$TMP/slow.out")
if [ $rc = 0 ] && [ -n "$lost" ] && [ "$lost" -gt 0 ] && [ "$shown" = "$printed" ] &&
	! grep -q 'sent but' "$TMP/slow.err"; then
	ok "flow_python_pid_lost_consistent ($shown printed + $lost lost)"
else
	fail "flow_python_pid_lost_consistent: exit $rc, printed $printed, summary '$shown $lost': $(tr '\n' ' ' <"$TMP/slow.err")"
fi

# 4. the target exits during the trace: rtprof ends by itself with its summary
bg $PY $LOOP "$TMP/pid2" 1.5
wait_for "$TMP/pid2"
"$RTPROF" flow -p "$(cat "$TMP/pid2")" -m t_leaf >"$TMP/exit.out" 2>"$TMP/exit.err"
rc=$?
if [ $rc = 0 ] && grep -q 'exited' "$TMP/exit.err" && grep -q '^flow: [1-9][0-9]* events, 0 lost' "$TMP/exit.err"; then
	ok "flow_python_target_exits"
else
	fail "flow_python_target_exits: exit $rc: $(tail -2 "$TMP/exit.err" | tr '\n' ' ')"
fi
