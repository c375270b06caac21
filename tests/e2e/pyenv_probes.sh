#!/bin/bash
# The traced object is the one the process really maps or will load (runtimes/ldso.c).
#  - pyenv's python3.11 loads its own libpython3.11.so.1.0 through its RUNPATH, a build without
#    USDT probes: flow, calls and gc exit 5 before starting the program, in one line naming that
#    library and the reason; with -p on the same Python, the same (the process untouched)
#  - with LD_LIBRARY_PATH=/lib/x86_64-linux-gnu the same executable loads Debian's libpython
#    (LD_LIBRARY_PATH comes before RUNPATH): rtprof follows, and counts f's 7 calls
#  - Debian's /usr/bin/python3.11 (libpython linked in) is traced as before
# Names binaries explicitly: python3.11 on PATH is a pyenv shim (a bash script).
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/runtimes_lib.inc"
is_root || { skip "pyenv_probes: needs root (BPF)"; exit 0; }
PYENV_ROOT=$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")
PYENV_PY=$PYENV_ROOT/versions/3.11.7/bin/python3.11
PYENV_LIB=$PYENV_ROOT/versions/3.11.7/lib/libpython3.11.so.1.0
if [ ! -x "$PYENV_PY" ]; then
	fail "pyenv_probes: $PYENV_PY missing (CI machines have pyenv's CPython 3.11.7)"
	exit 0
fi
REASON='this Python was built without --with-dtrace; `rtprof profile` still shows its frames'
PROG='import sys
def f(): pass
for i in range(7): f()
open(sys.argv[1], "w").write("ran")'

for cmd in flow calls gc; do
	rm -f "$TMP/ran"
	"$RTPROF" "$cmd" -o - -- "$PYENV_PY" -c "$PROG" "$TMP/ran" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	want="rtprof: $cmd: $PYENV_LIB has no python USDT probes: $REASON"
	if [ $rc = 5 ] && [ "$(cat "$TMP/err")" = "$want" ] && [ ! -e "$TMP/ran" ] && [ ! -s "$TMP/out" ]; then
		ok "pyenv 3.11.7 $cmd: exit 5 before starting, one line naming its own libpython"
	else
		fail "pyenv 3.11.7 $cmd: exit $rc, ran: $([ -e "$TMP/ran" ] && echo yes || echo no), stderr: $(tr '\n' '|' <"$TMP/err")"
	fi
done

bg "$PYENV_PY" -c 'import os, sys, time
open(sys.argv[1], "w").write(str(os.getpid()))
time.sleep(60)' "$TMP/pypid"
wait_for "$TMP/pypid"
pid=$(cat "$TMP/pypid")
for cmd in flow calls gc; do
	"$RTPROF" "$cmd" -d 2 -p "$pid" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	want="rtprof: $cmd: $PYENV_LIB has no python USDT probes: $REASON"
	if [ $rc = 5 ] && [ "$(cat "$TMP/err")" = "$want" ] && kill -0 "$pid"; then
		ok "pyenv 3.11.7 $cmd -p: exit 5, one line naming the libpython it maps"
	else
		fail "pyenv 3.11.7 $cmd -p: exit $rc: $(tr '\n' '|' <"$TMP/err")"
	fi
done

# LD_LIBRARY_PATH before RUNPATH: the same executable then maps Debian's libpython, with probes
LD_LIBRARY_PATH=/lib/x86_64-linux-gnu "$RTPROF" -v calls -o - --json -m f -- "$PYENV_PY" -c "$PROG" "$TMP/ran" \
	>"$TMP/out" 2>"$TMP/err"
rc=$?
if [ $rc = 0 ] && grep -q 'probes in /lib/x86_64-linux-gnu/libpython3.11.so.1.0' "$TMP/err" &&
	grep -q '"method":"f",.*"count":7,' "$TMP/out"; then
	ok "pyenv 3.11.7 with LD_LIBRARY_PATH=/lib/x86_64-linux-gnu: Debian's libpython traced, f x7"
else
	fail "pyenv 3.11.7 with LD_LIBRARY_PATH: exit $rc: $(cat "$TMP/out") $(grep -v libbpf "$TMP/err" | tail -2 | tr '\n' '|')"
fi

# Debian's interpreter: unchanged
"$RTPROF" -v calls -o - --json -m f -- "$PY" -c "$PROG" "$TMP/ran" >"$TMP/out" 2>"$TMP/err"
rc=$?
if [ $rc = 0 ] && grep -q "probes in $PY\$" "$TMP/err" && grep -q '"method":"f",.*"count":7,' "$TMP/out"; then
	ok "Debian python3.11: probes in $PY, f x7"
else
	fail "Debian python3.11: exit $rc: $(cat "$TMP/out") $(grep -v libbpf "$TMP/err" | tail -2 | tr '\n' '|')"
fi
"$RTPROF" gc -o - -- "$PY" -c 'import gc; [gc.collect() for i in range(3)]' >"$TMP/out" 2>"$TMP/err"
rc=$?
n=$(grep -c ' gen2 ' "$TMP/out")
[ $rc = 0 ] && [ "$n" -ge 3 ] && ok "Debian python3.11 gc: $n gen2 collections" ||
	fail "Debian python3.11 gc: exit $rc, $n gen2: $(tail -1 "$TMP/err")"
