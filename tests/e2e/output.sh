#!/bin/bash
# Where results go (README, "Where results go"): every command takes -o FILE; a launched command's
# stdout is its own, byte for byte. For each of flow, calls, gc (Python 3.11), objnew (Ruby),
# threads, locks (Python threads on the GIL), queries (the USDT stand-in), profile and memleak, a
# launched command writes 100,000 random bytes to its stdout, half before its work and half after:
#   - with -o FILE (--json where there is one): its stdout equals the bytes it writes without
#     rtprof (cmp), and FILE holds the results, checked against what the program knows (300 calls
#     of rt_work, gc.get_stats()'s gen2 count, 4 threads created, 3000 RtProbeObj, 2 queries...);
#   - with no -o: its stdout is still byte-identical, and the results are on stderr;
#   - with -o -: the results are on stdout, as asked.
# flow -d and flow stopped by Ctrl-C leave a complete file (every line JSON, as many as the
# events counted). probes and symbolize -o FILE: results in FILE, nothing on stdout. -o into a
# missing directory: exit 6, one line on stderr, and the command is never started.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/runtimes_lib.inc"
is_root || { skip "output: needs root"; exit 0; }
QBIN=$TARGETS/queries_usdt
[ -x "$QBIN" ] || { fail "output: $QBIN missing (make targets)"; exit 0; }

DATA=$TMP/data.bin
head -c 100000 /dev/urandom >"$DATA"

cat >"$TMP/prog.py" <<'EOF'
import gc, os, sys, threading, time
mode, data, truth = sys.argv[1], open(sys.argv[2], "rb").read(), sys.argv[3]
out = sys.stdout.buffer
def rt_work(i):
    return i * 2
def spin(stop):
    x = 0
    while not stop[0]:
        x += 1
out.write(data[:50000]); out.flush()
n = 0
if mode == "calls":
    for i in range(300):
        rt_work(i)
    n = 300
elif mode == "gc":
    gc.disable()
    for i in range(5):
        gc.collect()
    n = gc.get_stats()[2]["collections"]
elif mode == "threads":
    ts = [threading.Thread(target=rt_work, args=(i,)) for i in range(4)]
    for t in ts: t.start()
    for t in ts: t.join()
    n = 4
elif mode == "locks":
    stop = [False]
    ts = [threading.Thread(target=spin, args=(stop,)) for i in range(2)]
    for t in ts: t.start()
    time.sleep(0.5); stop[0] = True
    for t in ts: t.join()
elif mode == "loop":  # flow -d / Ctrl-C: runs until killed
    while True:
        rt_work(1); time.sleep(0.001)
out.write(data[50000:]); out.flush()
open(truth, "w").write(str(n))
if mode == "gc":
    os._exit(0)  # no collections at the interpreter's end: the count stays exact
EOF
RB_PROG='STDOUT.binmode; d = File.binread(ARGV[0]); STDOUT.write(d[0, 50000]); STDOUT.flush
class RtProbeObj; end; 3000.times { RtProbeObj.new }
STDOUT.write(d[50000..]); STDOUT.flush'

# The launched command of each case, and the check of its -o FILE (a Python snippet reading
# sys.argv[1], the results, and sys.argv[2], the number the program wrote).
declare -A ARGS CHECK
ARGS[flow]="flow --json -m rt_work -- $PY $TMP/prog.py calls $DATA $TMP/truth"
CHECK[flow]='ev = [json.loads(l) for l in open(sys.argv[1])]
calls = [e for e in ev if e["dir"] == "call" and e["method"] == "rt_work"]
assert len(calls) == int(open(sys.argv[2]).read()) == 300, len(calls)'
ARGS[calls]="calls --json -m rt_work -- $PY $TMP/prog.py calls $DATA $TMP/truth"
CHECK[calls]='rows = [json.loads(l) for l in open(sys.argv[1])]
r = [r for r in rows if r["method"] == "rt_work"]
assert len(r) == 1 and r[0]["count"] == 300, rows'
ARGS[gc]="gc --json -- $PY $TMP/prog.py gc $DATA $TMP/truth"
CHECK[gc]='ev = [json.loads(l) for l in open(sys.argv[1])]
g2 = [e for e in ev if e.get("kind") == "gen2" and not e.get("summary")]
assert len(g2) == int(open(sys.argv[2]).read()) >= 5, (len(g2), open(sys.argv[2]).read())'
ARGS[objnew]="objnew --json -- $RUBY -e $(printf %q "$RB_PROG") $DATA"
CHECK[objnew]='rows = [json.loads(l) for l in open(sys.argv[1])]
assert [r["count"] for r in rows if r["type"] == "RtProbeObj"] == [3000], rows'
ARGS[threads]="threads --json -- $PY $TMP/prog.py threads $DATA $TMP/truth"
CHECK[threads]='ev = [json.loads(l) for l in open(sys.argv[1])]
cr = [e for e in ev if e["type"] == "create"]
assert len(cr) == int(open(sys.argv[2]).read()) == 4, len(cr)
assert ev[-1]["type"] == "summary" and ev[-1]["created"] == 4, ev[-1]'
ARGS[locks]="locks --json -- $PY $TMP/prog.py locks $DATA $TMP/truth"
CHECK[locks]='ev = [json.loads(l) for l in open(sys.argv[1])]
locks = [e for e in ev if e["type"] == "lock"]
assert ev[-1]["type"] == "summary" and ev[-1]["locks"] >= 1, ev[-1]
assert any(l["waits"] > 0 for l in locks), locks'
ARGS[queries]="queries --json -- $QBIN 20 SELECT_ONE 30 SELECT_TWO"
CHECK[queries]='ev = [json.loads(l) for l in open(sys.argv[1])]
assert [e["query"] for e in ev if e["type"] == "query"] == ["SELECT_ONE", "SELECT_TWO"], ev
assert [e["queries"] for e in ev if e["type"] == "summary"] == [2], ev'
ARGS[profile]="profile -F 999 -- $PY $TMP/prog.py locks $DATA $TMP/truth"
CHECK[profile]='rows = [l.rsplit(" ", 1) for l in open(sys.argv[1])]
assert rows and all(int(n) > 0 for s, n in rows), rows[:3]
assert any("spin" in s for s, n in rows), [s for s, n in rows][:5]'
ARGS[memleak]="memleak -- $PY $TMP/prog.py calls $DATA $TMP/truth"
CHECK[memleak]='rows = [l.rsplit(" ", 1) for l in open(sys.argv[1])]
assert rows and all(int(n) > 0 for s, n in rows), rows[:3]
assert any("malloc" in s or "alloc" in s for s, n in rows), [s for s, n in rows][:5]'

# run NAME OUT ERR RTPROF_OPTS...: the case's command under rtprof with extra options
run() {
	local name=$1 out=$2 err=$3 sub rest
	shift 3
	read -r sub rest <<<"${ARGS[$name]}"
	rm -f "$TMP/truth"
	env ${QENV[$name]} bash -c "exec \"\$0\" $sub $* $rest" "$RTPROF" >"$out" 2>"$err"
}
declare -A QENV
QENV[queries]="QUERIES_USDT_CAT=$DATA"
QENV[memleak]="PYTHONMALLOC=malloc"

for name in flow calls gc objnew threads locks queries profile memleak; do
	# what the command writes without rtprof
	read -r sub rest <<<"${ARGS[$name]}"
	rest=${rest#*-- }
	env ${QENV[$name]} bash -c "exec $rest" >"$TMP/alone.bin" 2>/dev/null
	if ! cmp -s "$TMP/alone.bin" "$DATA"; then
		fail "output $name: the command alone does not write the data ($(stat -c %s "$TMP/alone.bin") bytes)"
		continue
	fi
	case $name in
	profile | memleak) res=$TMP/$name.folded ;;
	*) res=$TMP/$name.json ;;
	esac
	# -o FILE
	run $name "$TMP/o.bin" "$TMP/o.err" -o "$res"
	rc=$?
	if [ $rc != 0 ]; then
		fail "output $name -o FILE: exit $rc: $(tail -2 "$TMP/o.err" | tr '\n' ' ')"
	elif ! cmp -s "$TMP/o.bin" "$DATA"; then
		fail "output $name -o FILE: the command's stdout changed ($(stat -c %s "$TMP/o.bin") bytes, want 100000)"
	elif ! $PY -c "import json, sys
${CHECK[$name]}" "$res" "$TMP/truth" 2>"$TMP/chk.err"; then
		fail "output $name -o FILE: results: $(tail -1 "$TMP/chk.err" | cut -c1-300)"
	else
		ok "output $name -o FILE: stdout byte-identical, results in the file"
	fi
	# no -o: results on stderr, stdout still the command's own
	run $name "$TMP/d.bin" "$TMP/d.err"
	rc=$?
	if [ $rc != 0 ]; then
		fail "output $name default: exit $rc: $(tail -2 "$TMP/d.err" | tr '\n' ' ')"
	elif ! cmp -s "$TMP/d.bin" "$DATA"; then
		fail "output $name default: the command's stdout changed ($(stat -c %s "$TMP/d.bin") bytes)"
	else
		# stderr holds the results among rtprof's status lines and the program's own
		if [ $name = profile ] || [ $name = memleak ]; then
			grep -E '^[^ ].* [0-9]+$' "$TMP/d.err" | grep -v '^rtprof' >"$TMP/d.res"
		else
			grep '^{' "$TMP/d.err" >"$TMP/d.res"
		fi
		if [ $name = memleak ]; then
			# the default report is text: look for its header and a stack
			grep -q 'bytes in .* allocations' "$TMP/d.err" && ok "output $name default: stdout byte-identical, report on stderr" ||
				fail "output $name default: no report on stderr: $(tail -2 "$TMP/d.err" | tr '\n' ' ')"
		elif $PY -c "import json, sys
${CHECK[$name]}" "$TMP/d.res" "$TMP/truth" 2>"$TMP/chk.err"; then
			ok "output $name default: stdout byte-identical, results on stderr"
		else
			fail "output $name default: results on stderr: $(tail -1 "$TMP/chk.err" | cut -c1-300)"
		fi
	fi
done

# -o -: the user asks for the results on stdout, beside the command's bytes
run calls "$TMP/m.bin" "$TMP/m.err" -o -
if grep -aq '"method":"rt_work","file"' "$TMP/m.bin" && [ "$(stat -c %s "$TMP/m.bin")" -gt 100000 ]; then
	ok "output calls -o -: results on stdout with the command's bytes"
else
	fail "output calls -o -: $(stat -c %s "$TMP/m.bin") bytes on stdout"
fi

# -o FILE leaves a complete file when -d or Ctrl-C ends a running flow: every line is JSON and
# there are as many as the events counted on stderr
flow_complete() {
	local name=$1
	shift
	if $PY - "$TMP/f.json" "$TMP/f.err" <<'PY' 2>"$TMP/chk.err"; then
import json, re, sys
lines = open(sys.argv[1]).read().split("\n")
assert lines[-1] == "", "the last line is cut"
ev = [json.loads(l) for l in lines[:-1]]
m = re.search(r"flow: (\d+) events, (\d+) lost", open(sys.argv[2]).read())
assert m and int(m.group(1)) == len(ev) > 0, (m and m.group(0), len(ev))
assert all(e["method"] == "rt_work" for e in ev)
PY
		ok "output flow $name: -o file complete ($(grep -c . "$TMP/f.json") events, as counted)"
	else
		fail "output flow $name: $(tail -1 "$TMP/chk.err" | cut -c1-300)"
	fi
}
"$RTPROF" flow -d 1.5 --json -m rt_work -o "$TMP/f.json" -- $PY "$TMP/prog.py" loop "$DATA" "$TMP/truth" \
	>"$TMP/f.bin" 2>"$TMP/f.err"
flow_complete "-d 1.5"
rm -f "$TMP/f.json" # then wait for this run's first events
"$RTPROF" -v flow --json -m rt_work -o "$TMP/f.json" -- $PY "$TMP/prog.py" loop "$DATA" "$TMP/truth" \
	>"$TMP/f.bin" 2>"$TMP/f.err" &
rt=$!
for ((i = 0; i < 400; i++)); do
	[ -s "$TMP/f.json" ] && break
	sleep 0.05
done
sleep 0.5
kill -INT $rt
wait $rt
flow_complete "Ctrl-C"
cmp -s <(head -c 50000 "$DATA") "$TMP/f.bin" && ok "output flow Ctrl-C: the command's stdout is its own" ||
	fail "output flow Ctrl-C: the command's stdout changed ($(stat -c %s "$TMP/f.bin") bytes)"

# memleak -d (the shared -d): a command that would run for ever is ended, the final report is in
# the -o file, its stdout is its own
PYTHONMALLOC=malloc "$RTPROF" memleak -d 1 -o "$TMP/d.folded" -- $PY "$TMP/prog.py" loop "$DATA" "$TMP/truth" \
	>"$TMP/md.bin" 2>"$TMP/md.err"
rc=$?
if [ $rc = 0 ] && grep -q 'stopping the launched command' "$TMP/md.err" && grep -qE ' [0-9]+$' "$TMP/d.folded" &&
	cmp -s <(head -c 50000 "$DATA") "$TMP/md.bin"; then
	ok "output memleak -d 1: the command ended, final report in the -o file, its stdout its own"
else
	fail "output memleak -d 1: exit $rc, $(grep -c . "$TMP/d.folded") rows: $(tail -2 "$TMP/md.err" | tr '\n' '|')"
fi

# probes and symbolize: -o FILE, nothing on stdout
"$RTPROF" probes --json -o "$TMP/p.json" /usr/bin/python3.11 >"$TMP/p.out" 2>"$TMP/p.err"
if [ ! -s "$TMP/p.out" ] && $PY -c 'import json, sys
p = [json.loads(l) for l in open(sys.argv[1])]
assert any(o["provider"] == "python" and o["name"] == "function__entry" for o in p)' "$TMP/p.json"; then
	ok "output probes -o FILE: the probes in the file, stdout empty"
else
	fail "output probes -o FILE: $(head -c 200 "$TMP/p.out") $(tail -1 "$TMP/p.err")"
fi
addr=$(nm "$TARGETS/queries_usdt" | awk '$3 == "main" { print $1 }')
"$RTPROF" symbolize -e "$TARGETS/queries_usdt" -o "$TMP/s.txt" "0x$addr" >"$TMP/s.out" 2>"$TMP/s.err"
if [ -n "$addr" ] && [ ! -s "$TMP/s.out" ] && [ "$(head -1 "$TMP/s.txt")" = main ]; then
	ok "output symbolize -o FILE: main in the file, stdout empty"
else
	fail "output symbolize -o FILE: addr '$addr', file: $(head -2 "$TMP/s.txt" | tr '\n' ' '), stdout $(stat -c %s "$TMP/s.out") bytes"
fi

# -o into a missing directory: exit 6, one line on stderr, and the command never runs
for sub in flow calls gc objnew threads locks queries profile memleak; do
	out=/nonexistent/dir/x
	case $sub in profile | memleak) out=$out.folded ;; esac
	rm -f "$TMP/ran"
	"$RTPROF" $sub -o $out -- /bin/sh -c "touch $TMP/ran" >"$TMP/b.out" 2>"$TMP/b.err"
	rc=$?
	if [ $rc = 6 ] && [ "$(wc -l <"$TMP/b.err")" = 1 ] && grep -q "rtprof $sub: .*$out: No such file or directory" "$TMP/b.err" &&
		[ ! -e "$TMP/ran" ] && [ ! -s "$TMP/b.out" ]; then
		ok "output $sub -o /nonexistent/dir: exit 6, one line, the command not started"
	else
		fail "output $sub -o /nonexistent/dir: exit $rc, ran: $([ -e "$TMP/ran" ] && echo yes || echo no), stderr: $(head -3 "$TMP/b.err" | tr '\n' '|')"
	fi
done
for sub in probes symbolize; do
	case $sub in probes) a=(/usr/bin/python3.11) ;; symbolize) a=(-e "$TARGETS/queries_usdt" 0x0) ;; esac
	"$RTPROF" $sub -o /nonexistent/dir/x "${a[@]}" >"$TMP/b.out" 2>"$TMP/b.err"
	rc=$?
	[ $rc = 6 ] && [ "$(wc -l <"$TMP/b.err")" = 1 ] && [ ! -s "$TMP/b.out" ] &&
		ok "output $sub -o /nonexistent/dir: exit 6, one line" ||
		fail "output $sub -o /nonexistent/dir: exit $rc: $(head -3 "$TMP/b.err" | tr '\n' '|')"
done

# a write that fails (a full disk) is said, not lost: one line naming the file, exit 1
"$RTPROF" probes --json -o /dev/full /usr/bin/python3.11 >"$TMP/b.out" 2>"$TMP/b.err"
rc=$?
[ $rc = 1 ] && grep -q 'rtprof probes: -o /dev/full: No space left on device' "$TMP/b.err" && [ ! -s "$TMP/b.out" ] &&
	ok "output probes -o /dev/full: exit 1, 'No space left on device'" ||
	fail "output probes -o /dev/full: exit $rc: $(tail -2 "$TMP/b.err" | tr '\n' '|')"
