#!/bin/bash
# How a launched command ended, said by every tracing command the same way: a command killed by
# SIGSEGV and one exiting with status 3, under flow, calls, gc (Python), objnew (Ruby), threads,
# locks, profile, memleak (sh) and queries (a USDT stand-in for a MySQL server). Each time: rtprof exits 0 (the
# trace ran, its results were written), stderr has exactly one line about the command's end,
# worded by lib/session.c, and no hint that contradicts it; the JSON summaries of threads, locks
# and queries carry "command": {exit_status, signal, core_dumped}. A command that exits 0 gets
# no such line.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/runtimes_lib.inc"
is_root || { skip "command_end: needs root (BPF)"; exit 0; }
ulimit -c 0 # no core files: the wording is then exactly "killed by SIGSEGV"

PY_SEGV=($PY -c 'import os, signal; os.kill(os.getpid(), signal.SIGSEGV)')
PY_EXIT3=($PY -c 'import sys; sys.exit(3)')
# Ruby turns SIGSEGV into "[BUG]" and abort(): put the default action back first
RB_SEGV=($RUBY -rfiddle -e 'Fiddle::Function.new(Fiddle::Handle::DEFAULT["signal"], [Fiddle::TYPE_INT, Fiddle::TYPE_VOIDP], Fiddle::TYPE_VOIDP).call(11, 0); Object.new; Process.kill(:SEGV, $$); sleep 5')
RB_EXIT3=($RUBY -e 'Object.new; exit 3')
SH_SEGV=(/bin/sh -c 'kill -SEGV $$')
SH_EXIT3=(/bin/sh -c 'exit 3')
QBIN=$TARGETS/queries_usdt

# expect NAME WANT JSONKIND -- RTPROF ARGS...: run, then check exit 0, the one line, the JSON
expect() {
	local name=$1 want=$2 json=$3 rc lines bad
	shift 4
	# -o -: the results on stdout, as asked (tests/e2e/output.sh checks the default)
	"$RTPROF" "$1" -o - "${@:2}" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	lines=$(grep -c 'the command \(was killed\|exited\)' "$TMP/err")
	bad=$(grep -E 'start the program under rtprof|no Ruby method|TracePoint' "$TMP/err" | grep -v RUBYOPT | head -1)
	if [ $rc != 0 ]; then
		fail "$name: rtprof exit $rc: $(tail -1 "$TMP/err")"
	elif [ "$lines" != 1 ] || ! grep -qx "rtprof: $1: $want" "$TMP/err"; then
		fail "$name: want one line '$want', got: $(grep -v '^ ' "$TMP/err" | tail -3 | tr '\n' '|')"
	elif [ -n "$bad" ]; then
		fail "$name: a hint that contradicts the command's end: $bad"
	elif [ "$json" != - ] && ! $PY - "$TMP/out" "$json" <<'PY'; then
import json, sys
s = [o for o in map(json.loads, open(sys.argv[1])) if o.get("type") == "summary"]
c = s[-1]["command"]
want = {"segv": (None, "SIGSEGV"), "exit3": (3, None)}[sys.argv[2]]
assert (c["exit_status"], c["signal"]) == want and c["core_dumped"] is False, c
PY
		fail "$name: JSON summary: $(tail -1 "$TMP/out")"
	else
		[ "$json" = - ] && json= || json=", JSON summary's command checked"
		ok "$name: exit 0, '$want'$json"
	fi
}

for cmd in flow calls gc; do
	expect "$cmd python SIGSEGV" "the command was killed by SIGSEGV" - -- "$cmd" -- "${PY_SEGV[@]}"
	expect "$cmd python exit 3" "the command exited with status 3" - -- "$cmd" -- "${PY_EXIT3[@]}"
done
expect "objnew ruby SIGSEGV" "the command was killed by SIGSEGV" - -- objnew -- "${RB_SEGV[@]}"
expect "objnew ruby exit 3" "the command exited with status 3" - -- objnew -- "${RB_EXIT3[@]}"
for cmd in threads locks; do
	expect "$cmd SIGSEGV" "the command was killed by SIGSEGV" segv -- "$cmd" --json -- "${SH_SEGV[@]}"
	expect "$cmd exit 3" "the command exited with status 3" exit3 -- "$cmd" --json -- "${SH_EXIT3[@]}"
done
for cmd in profile memleak; do
	expect "$cmd SIGSEGV" "the command was killed by SIGSEGV" - -- "$cmd" -- "${SH_SEGV[@]}"
	expect "$cmd exit 3" "the command exited with status 3" - -- "$cmd" -- "${SH_EXIT3[@]}"
done
if [ -x "$QBIN" ]; then
	QUERIES_USDT_END=signal:11 expect "queries SIGSEGV" "the command was killed by SIGSEGV" segv -- \
		queries --json -- "$QBIN" 0 "SELECT 1"
	QUERIES_USDT_END=exit:3 expect "queries exit 3" "the command exited with status 3" exit3 -- \
		queries --json -- "$QBIN" 0 "SELECT 1"
else
	fail "queries: $QBIN missing (make targets)"
fi

# a command that ends well: no line, and its summary says exit_status 0
"$RTPROF" threads -o - --json -- /bin/true >"$TMP/out" 2>"$TMP/err"
rc=$?
if [ $rc = 0 ] && ! grep -q 'the command' "$TMP/err" &&
	$PY -c 'import json,sys; c=[json.loads(l) for l in open(sys.argv[1])][-1]["command"]; assert c["exit_status"]==0 and c["signal"] is None, c' "$TMP/out"; then
	ok "a command that exits 0: no line, exit_status 0 in the summary"
else
	fail "a command that exits 0: exit $rc, $(tail -1 "$TMP/err")"
fi
