#!/bin/bash
# rtprof never harms a Ruby program: flow and calls on a gems-enabled Ruby 3.1 program, run
# RTPROF_RUBY_RUNS times each (10 here; bench/ruby_gems.sh runs 50 of each, about 2 minutes),
# with 0 crashes and the program's method counted every time; the program that aliases a
# method right after a collection (every run crashed when rtprof enabled Ruby's C-method probes,
# see runtimes/ruby.c) runs to its end; `rtprof probes --count` on a Ruby process that keeps
# aliasing after collections leaves it alive (it counts the C-method sites with their
# semaphores down).
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/runtimes_lib.inc"
is_root || { skip "ruby_gems_safe: needs root (BPF)"; exit 0; }
ulimit -c 0
PROG=tests/targets/gems_rb.rb
RUNS=${RTPROF_RUBY_RUNS:-10}

for cmd in calls flow; do
	crashes=0 wrong=0 first=
	for ((i = 0; i < RUNS; i++)); do
		"$RTPROF" "$cmd" -o - --json -m hello -- $RUBY $PROG >"$TMP/out" 2>"$TMP/err"
		rc=$?
		if [ $rc != 0 ] || grep -q '\[BUG\]\|the command was killed\|the command exited' "$TMP/err"; then
			crashes=$((crashes + 1))
			first=${first:-"exit $rc: $(grep -m1 'BUG\|the command' "$TMP/err")"}
			continue
		fi
		case $cmd in
		calls) n=$($PY -c 'import json,sys; print(sum(o["count"] for l in open(sys.argv[1]) if l[0]=="{" for o in [json.loads(l)] if o["method"]=="hello"))' "$TMP/out") ;;
		flow) n=$(grep -c '"dir":"call".*"method":"hello"' "$TMP/out") ;;
		esac
		[ "$n" = 1000 ] || { wrong=$((wrong + 1)); first=${first:-"hello counted $n times, not 1000"}; }
	done
	if [ $crashes = 0 ] && [ $wrong = 0 ]; then
		ok "$cmd on a gems-enabled Ruby: $RUNS runs, 0 crashes, Greeter#hello x1000 each"
	else
		fail "$cmd on a gems-enabled Ruby: $crashes crashes, $wrong wrong counts in $RUNS runs ($first)"
	fi
	"$RTPROF" -v "$cmd" -o - -- $RUBY $PROG alias-after-gc >/dev/null 2>"$TMP/err"
	rc=$?
	if [ $rc = 0 ] && ! grep -q '\[BUG\]\|the command\|cmethod' "$TMP/err"; then
		ok "$cmd: alias after GC runs to its end, no C-method probe attached"
	else
		fail "$cmd: alias after GC: exit $rc: $(grep -m1 'BUG\|the command\|cmethod' "$TMP/err")"
	fi
done

bg $RUBY -e 'File.write(ARGV[0], Process.pid.to_s)
loop { GC.start; junk = Array.new(20000) { |i| [i] }; Class.new { def x; end; alias y x }; sleep 0.05 }' "$TMP/rpid"
wait_for "$TMP/rpid"
pid=$(cat "$TMP/rpid")
"$RTPROF" probes -p "$pid" --count 2 >"$TMP/out" 2>"$TMP/err"
rc=$?
sleep 0.3
if [ $rc = 0 ] && kill -0 "$pid" 2>/dev/null && grep -q 'ruby:cmethod__entry, ruby:cmethod__return: semaphores kept down' "$TMP/err"; then
	ok "probes --count on an aliasing Ruby: the process lives, C-method semaphores kept down"
else
	fail "probes --count on an aliasing Ruby: exit $rc, alive: $(kill -0 "$pid" 2>/dev/null && echo yes || echo no): $(head -2 "$TMP/err" | tr '\n' '|')"
fi
