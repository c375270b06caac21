#!/bin/bash
# rtprof probes --count: real uprobes on every site of a live process. Exact hit counts against
# what the target fired; semaphores raised while attached and back to 0 after Ctrl-C and after
# kill -9 of rtprof; the target keeps running.
source "$(dirname "$0")/../lib.sh"
T=tests/tools
if ! is_root; then
	skip "probes --count: needs root (BPF)"
	exit 0
fi

bg "$TARGETS/usdt_target" "$TARGETS/libusdt_plugin.so" >"$TMP/target.out"
target=$BG_PID
wait_for "$TMP/target.out" 5
sema=$("$RTPROF" probes -p $target --json 2>/dev/null |
	python3 -c 'import json,sys
for l in sys.stdin:
    r = json.loads(l)
    if r["name"] == "guarded": print(r["runtime_semaphore"])')

# hits: 1000 bursts fired while attached
"$RTPROF" probes -p $target --count 30 --json >"$TMP/count.json" 2>"$TMP/count.err" &
rtprof=$!
for _ in $(seq 100); do grep -q 'counting hits' "$TMP/count.err" && break; sleep 0.05; done
raised=$(python3 $T/peek.py $target "$sema" 2)
kill -USR2 $target
sleep 0.5
kill -INT $rtprof
wait $rtprof
rc=$?
check "Ctrl-C ends the count cleanly (exit 0)" test $rc -eq 0
check "semaphore raised while attached" test "$raised" = 1
hits() { python3 -c 'import json,sys
n = 0
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["name"] == sys.argv[2]: n += r["hits"]
print(n)' "$TMP/count.json" "$1"; }
check "burst: exactly 1000 hits (got $(hits burst))" test "$(hits burst)" = 1000
check "guarded (semaphore): exactly 1000 hits (got $(hits guarded))" test "$(hits guarded)" = 1000
check "tick fired while counting (got $(hits tick))" test "$(hits tick)" -gt 0
sites_hit=$(python3 -c 'import json,sys
print(sum(1 for l in open(sys.argv[1]) if json.loads(l)["name"] == "inlined" and json.loads(l)["hits"] > 0))' "$TMP/count.json")
check "inlined: each of its two sites counted on its own" test "$sites_hit" = 2
check "semaphore back to 0 after Ctrl-C" test "$(python3 $T/peek.py $target "$sema" 2)" = 0

# kill -9 while attached: the kernel drops the probes and the semaphore
"$RTPROF" probes -p $target --count 60 >/dev/null 2>"$TMP/count.err" &
rtprof=$!
for _ in $(seq 100); do grep -q 'counting hits' "$TMP/count.err" && break; sleep 0.05; done
before=$(python3 $T/peek.py $target "$sema" 2)
kill -9 $rtprof
wait $rtprof 2>/dev/null
sleep 0.2
check "semaphore raised before kill -9 (got $before)" test "$before" = 1
check "semaphore back to 0 after kill -9 of rtprof" test "$(python3 $T/peek.py $target "$sema" 2)" = 0
kill -USR2 $target # a burst with no tracer: guarded must not fire
sleep 0.3
check "target still running after rtprof was killed" kill -0 $target
kill -TERM $target
wait $target
check "target counted 1000 guarded firings in all, and its semaphore is 0 at exit" \
	grep -q '^guarded=1000 semaphore=0$' "$TMP/target.out"
