#!/bin/bash
# The session's promises about targets: a process given with -p is never signalled and keeps
# running; a command launched with -- that outlives the trace (-d) is ended with SIGTERM, not
# left behind; a command that does not exist is one clear line and exit 6.
source "$(dirname "$0")/../lib.sh"
if ! is_root; then
	skip "session: needs root (BPF)"
	exit 0
fi

bg sleep 60
"$RTPROF" profile -p "$BG_PID" -d 0.3 --folded "$TMP/p.folded" >/dev/null 2>&1
rc=$?
check "-p target: profile ends with -d (exit $rc)" test $rc -eq 0
check "-p target: still running after rtprof ended" kill -0 "$BG_PID"

"$RTPROF" profile -d 0.5 --folded "$TMP/l.folded" -- \
	bash -c 'echo $$ > "$0"; exec sleep 60' "$TMP/launched.pid" >/dev/null 2>"$TMP/err"
rc=$?
lpid=$(cat "$TMP/launched.pid" 2>/dev/null)
check "launched command: profile ends with -d (exit $rc)" test $rc -eq 0 -a -n "$lpid"
if [ -n "$lpid" ] && kill -0 "$lpid" 2>/dev/null; then
	kill -9 "$lpid"
	fail "launched command outliving -d: left running"
else
	ok "launched command outliving -d: ended with the trace, not left behind"
fi

"$RTPROF" profile -d 1 -- /nonexistent/command >/dev/null 2>"$TMP/err"
rc=$?
check "missing command: exit 6 and one line ($(head -1 "$TMP/err"))" \
	test $rc -eq 6 -a "$(wc -l <"$TMP/err")" -eq 1
