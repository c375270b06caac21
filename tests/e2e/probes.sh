#!/bin/bash
# rtprof probes: listing against readelf -n and gdb, runtime addresses, runtimes as shipped, bad input.
source "$(dirname "$0")/../lib.sh"
T=tests/tools

# one_line_error NAME EXPECTED_EXIT CMD...: exit code as documented, exactly one line on stderr
one_line_error() {
	local name=$1 want=$2 rc
	shift 2
	"$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if [ $rc -ne "$want" ]; then
		fail "$name: exit $rc, want $want: $(head -c 300 "$TMP/err")"
	elif [ "$(wc -l <"$TMP/err")" -ne 1 ]; then
		fail "$name: want one line on stderr, got $(wc -l <"$TMP/err"): $(head -c 300 "$TMP/err")"
	else
		ok "$name ($(cat "$TMP/err"))"
	fi
}

# start_target BIN: run BIN with the plugin, dlopen it, wait until mapped; PID in $BG_PID
start_target() {
	bg "$1" "$TARGETS/libusdt_plugin.so" >"$TMP/target.out"
	wait_for "$TMP/target.out" 5
	kill -USR1 "$BG_PID"
	for _ in $(seq 100); do
		grep -q libusdt_plugin "/proc/$BG_PID/maps" && return 0
		sleep 0.05
	done
	return 1
}

for bin in usdt_target usdt_target_nopie; do
	if ! start_target "$TARGETS/$bin"; then
		fail "$bin: target did not load its plugin"
		continue
	fi
	pid=$BG_PID
	"$RTPROF" probes -p "$pid" --json >"$TMP/$bin.json" 2>"$TMP/err"
	check "$bin: every mapped object equals readelf -n (dlopened plugin included)" \
		python3 $T/probes_vs_readelf.py "$TMP/$bin.json" --pid "$pid"
	check "$bin: the dlopened plugin is listed" grep -q '"object":"[^"]*libusdt_plugin.so"' "$TMP/$bin.json"
	check "$bin: probe with two sites listed twice" \
		test "$(grep -c '"name":"inlined"' "$TMP/$bin.json")" -eq 2
	# gdb is an independent view of the runtime addresses
	gdb -p "$pid" -batch -ex 'info probes' 2>/dev/null |
		awk '$1 == "stap" { print $2 ":" $3 " " $4 }' | sort >"$TMP/gdb.txt"
	python3 -c '
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    print("%s:%s 0x%016x" % (r["provider"], r["name"], r["runtime_address"]))' "$TMP/$bin.json" |
		sort >"$TMP/rt.txt"
	if [ -s "$TMP/gdb.txt" ] && diff -q "$TMP/gdb.txt" "$TMP/rt.txt" >/dev/null; then
		ok "$bin: runtime addresses equal gdb's 'info probes' ($(wc -l <"$TMP/rt.txt") sites)"
	else
		fail "$bin: runtime addresses differ from gdb: $(diff "$TMP/gdb.txt" "$TMP/rt.txt" | head -4 | tr '\n' ' ')"
	fi
	# every site is a nop instruction at its runtime address
	bad=0
	while read -r a; do
		[ "$(python3 $T/peek.py "$pid" "$a" 1)" = 144 ] || bad=$((bad + 1))
	done < <(python3 -c '
import json, sys
for l in open(sys.argv[1]): print(json.loads(l)["runtime_address"])' "$TMP/$bin.json")
	check "$bin: a nop (0x90) at every runtime address" test $bad -eq 0
	kill "$pid"
	wait "$pid" 2>/dev/null
done

# the table names the runtime of each object
"$RTPROF" probes "$TARGETS/usdt_target" >"$TMP/table" 2>/dev/null
check "table lists the guarded probe with its semaphore" \
	grep -qE 'rtprof_test:guarded +0x[0-9a-f]+ +0x[0-9a-f]+ +s32 %' "$TMP/table"

# runtimes as shipped: the same probes and sites as readelf
for obj in /usr/bin/python3.11 /usr/lib/x86_64-linux-gnu/libruby-3.1.so.3.1 \
	/usr/lib/jvm/java-17-openjdk-amd64/lib/server/libjvm.so; do
	if [ ! -e "$obj" ]; then
		fail "$obj: not installed (make deps installs it)"
		continue
	fi
	"$RTPROF" probes --json "$obj" >"$TMP/obj.json" 2>/dev/null
	check "$(basename "$obj"): same probes and sites as readelf ($(wc -l <"$TMP/obj.json") sites)" \
		python3 $T/probes_vs_readelf.py "$TMP/obj.json" --file "$obj"
done
check "python3.11 labelled python" grep -q '"runtime":"python"' <("$RTPROF" probes --json /usr/bin/python3.11)
check "libjvm.so labelled jvm" grep -q '"runtime":"jvm"' \
	<("$RTPROF" probes --json /usr/lib/jvm/java-17-openjdk-amd64/lib/server/libjvm.so)

# a live python: found through /proc/PID/root, labelled
bg /usr/bin/python3.11 -c 'import time; time.sleep(60)'
sleep 0.3
"$RTPROF" probes -p "$BG_PID" --json >"$TMP/py.json" 2>/dev/null
check "live python3.11: 8 sites labelled python" \
	test "$(grep -c '"object":"/usr/bin/python3.11","runtime":"python"' "$TMP/py.json")" -eq 8
kill "$BG_PID"

# bad input: one line on stderr and the documented exit code
one_line_error "no such PID -> exit 3" 3 "$RTPROF" probes -p 999999999
bash -c 'exec sleep 0.01' &
zombie=$!
sleep 0.2 # exited, not reaped yet: /proc/PID exists, its maps are empty
one_line_error "process that exited (zombie) -> exit 3" 3 "$RTPROF" probes -p $zombie
wait $zombie
crashed=0
for _ in $(seq 20); do
	sleep 0.0$((RANDOM % 9)) &
	"$RTPROF" probes -p $! >/dev/null 2>&1
	rc=$?
	[ $rc -eq 0 ] || [ $rc -eq 3 ] || [ $rc -eq 5 ] || crashed=$((crashed + 1))
	wait
done
check "PIDs exiting during the scan: exit 0, 3 or 5, never a crash" test $crashed -eq 0
printf 'not an ELF file\n' >"$TMP/text"
one_line_error "non-ELF file -> exit 6" 6 "$RTPROF" probes "$TMP/text"
one_line_error "missing file -> exit 6" 6 "$RTPROF" probes "$TMP/does-not-exist"
head -c 3000 "$TARGETS/usdt_target" >"$TMP/truncated"
one_line_error "truncated ELF -> exit 6" 6 "$RTPROF" probes "$TMP/truncated"
cp "$TARGETS/usdt_target" "$TMP/corrupt"
off=$(readelf -S -W "$TMP/corrupt" | awk '$2 == ".note.stapsdt" { print $5 }')
python3 - "$TMP/corrupt" "$off" <<'PY'
import sys
path, off = sys.argv[1], int(sys.argv[2], 16)
with open(path, "r+b") as f:
    f.seek(off + 4)  # n_descsz of the first note
    f.write((0xfffffff0).to_bytes(4, "little"))
PY
one_line_error "ELF with corrupt note sizes -> exit 6" 6 "$RTPROF" probes "$TMP/corrupt"
one_line_error "ELF without probes -> exit 5" 5 "$RTPROF" probes /bin/true
one_line_error "invalid PID -> exit 2" 2 "$RTPROF" probes -p abc
one_line_error "both PID and PATH -> exit 2" 2 "$RTPROF" probes -p 1 /bin/true
one_line_error "unknown command -> exit 2" 2 "$RTPROF" nosuchcommand
check "--help shows examples" grep -q '^examples:' <("$RTPROF" probes --help)
check "--version" grep -q '^rtprof ' <("$RTPROF" --version)
