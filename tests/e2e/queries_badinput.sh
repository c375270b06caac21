#!/bin/bash
# rtprof queries on processes that are not database servers: exit 5 with one clear line.
source "$(dirname "$0")/../lib.sh"
is_root || { skip "queries_badinput: needs root"; exit 0; }

# expect NAME CODE PATTERN CMD...: exit code CODE and exactly one stderr line matching PATTERN
expect() {
	local name=$1 code=$2 pat=$3 rc
	shift 3
	"$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if [ $rc != "$code" ]; then
		fail "$name: exit $rc, want $code: $(tr '\n' ' ' <"$TMP/err")"
	elif [ "$(wc -l <"$TMP/err")" != 1 ] || ! grep -qE "$pat" "$TMP/err"; then
		fail "$name: stderr: $(tr '\n' '|' <"$TMP/err")"
	elif [ -s "$TMP/out" ]; then
		fail "$name: unexpected stdout: $(head -2 "$TMP/out")"
	else
		ok "$name"
	fi
}

bg sleep 60
expect "queries_badinput: not a server (-p)" 5 \
	"queries -p $BG_PID: sleep is not a MySQL/MariaDB server" "$RTPROF" queries -p "$BG_PID" -d 1

# A binary named like the server but stripped of every symbol.
cp "$(command -v sleep)" "$TMP/mariadbd" && strip --strip-all "$TMP/mariadbd"
bg "$TMP/mariadbd" 60
expect "queries_badinput: stripped server (-p)" 5 \
	"mariadbd has no mysql:query__start probe and no dispatch_command symbol" \
	"$RTPROF" queries -p "$BG_PID" -d 1
expect "queries_badinput: stripped server (--)" 5 \
	"mariadbd has no mysql:query__start probe and no dispatch_command symbol" \
	"$RTPROF" queries -o - -d 1 -- "$TMP/mariadbd" 60

expect "queries_badinput: no such process" 3 "no such process" "$RTPROF" queries -p 999999999 -d 1
expect "queries_badinput: bad -m" 2 "invalid -m" "$RTPROF" queries -p 1 -m x
