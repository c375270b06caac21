#!/bin/bash
# rtprof top against ground truth: a C target and a Python program that measure their own
# shares (tests/targets/top_target.c: top_hot ~80 %, tests/targets/top_py.py: hot_py ~80 %).
# Not a terminal (at 999 Hz: enough samples in a window even when the target gets little CPU on a
# busy machine): one table per interval, the hot function first, its share within 10 points of
# the truth. On a terminal (tmux): the hot function on the first row, a resize redraws to the new
# size, q and Ctrl-C end it with the terminal as it was (stty, main screen). The process's end,
# -a (-T: the target's rows, its hot function first at its share); a bad PID, -a with -p, bad
# options and a non-root user: their exit codes. Needs root and tmux.
source "$(dirname "$0")/../lib.sh"

if ! is_root; then
	fail "top: needs root"
	exit 0
fi

# tables FILE: number of tables (header lines) in top's non-terminal output
tables() { grep -c '  rtprof top  pid ' "$1"; }
# last_table FILE: the rows of the last table (after its column names)
last_table() { awk '/  rtprof top  pid /{ n = 0; delete t; next } /SELF%/{ next } NF { t[++n] = $0 }
	END { for (i = 1; i <= n; i++) print t[i] }' "$1"; }
# row_of FUNCTION: the row of FUNCTION on stdin
row_of() { awk -v f="$1" '{ line = $0; sub(/^ *[0-9.]+ +[0-9.]+ +[0-9]+ +[0-9]+  /, "", line);
	if (line == f) { print; exit } }'; }
near() { awk -v a="$1" -v b="$2" -v d="$3" 'BEGIN { x = a - b; if (x < 0) x = -x; exit !(a != "" && b != "" && x <= d) }'; }

# --- not a terminal: the C target ----------------------------------------------------------
"$TARGETS/top_target" 8 2>"$TMP/c.truth" &
tp=$!
_bg_pids+=("$tp")
sleep 1
"$RTPROF" top -p "$tp" -F 999 -d 3 --interval 1 >"$TMP/c.out" 2>"$TMP/c.err"
rc=$?
wait "$tp"
truth=$(sed -n 's/.* top_hot=\([0-9.]*\).*/\1/p' "$TMP/c.truth")
first=$(last_table "$TMP/c.out" | head -1)
fn=$(awk '{ print $5 }' <<<"$first")
self=$(awk '{ print $1 / 100 }' <<<"$first")
total=$(awk '{ print $2 / 100 }' <<<"$first")
n=$(tables "$TMP/c.out")
if [ "$rc" = 0 ] && [ "$n" -ge 2 ] && [ "$fn" = top_hot ] && near "$self" "$truth" 0.10 &&
	near "$total" "$truth" 0.10; then
	ok "top-table-c ($n tables; top_hot first: self $self total $total, truth $truth)"
else
	fail "top-table-c: exit $rc, $n tables, first row '$first', truth '$truth'; $(tail -2 "$TMP/c.err" | tr '\n' ' ')"
fi
# every table: a timestamped header with samples/s, lost and the window
if grep -E '  rtprof top  pid ' "$TMP/c.out" | grep -qvE \
	'^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8}  rtprof top  pid [0-9]+ \(top_target\)  [0-9.]+ samples/s  lost [0-9]+  window [0-9.]+ s  [0-9]+ samples$'; then
	fail "top-header: $(grep -m1 'rtprof top' "$TMP/c.out")"
else
	ok "top-header ($(grep -m1 'rtprof top' "$TMP/c.out"))"
fi

# -T: a row per function and thread ("comm-TID"; the target has one thread, TID = PID)
"$TARGETS/top_target" 4 2>/dev/null &
tp=$!
_bg_pids+=("$tp")
sleep 0.5
"$RTPROF" top -p "$tp" -F 999 -d 2 -T >"$TMP/t.out" 2>"$TMP/t.err"
rc=$?
first=$(last_table "$TMP/t.out" | head -1)
if [ "$rc" = 0 ] && grep -q 'THREAD  *FUNCTION$' "$TMP/t.out" &&
	[ "$(awk '{ print $5, $6 }' <<<"$first")" = "top_target-$tp top_hot" ]; then
	ok "top-per-thread (first row: $(tr -s ' ' <<<"$first"))"
else
	fail "top-per-thread: exit $rc, first row '$first'; $(tail -2 "$TMP/t.err" | tr '\n' ' ')"
fi

# --- not a terminal: Python frames ----------------------------------------------------------
/usr/bin/python3.11 tests/targets/top_py.py 10 2>"$TMP/py.truth" &
tp=$!
_bg_pids+=("$tp")
sleep 1
"$RTPROF" top -p "$tp" -F 999 -d 5 --interval 1 -n 50 >"$TMP/py.out" 2>"$TMP/py.err"
rc=$?
wait "$tp"
truth=$(sed -n 's/.* hot_py=\([0-9.]*\).*/\1/p' "$TMP/py.truth")
row=$(last_table "$TMP/py.out" | row_of "hot_py ($PWD/tests/targets/top_py.py)")
total=$(awk '{ print $2 / 100 }' <<<"$row")
# the first Python function of the table (by self) is hot_py
firstpy=$(last_table "$TMP/py.out" | grep -m1 '\.py)$' | sed 's/^ *[0-9.]* *[0-9.]* *[0-9]* *[0-9]*  //')
if [ "$rc" = 0 ] && [ -n "$row" ] && near "$total" "$truth" 0.10 &&
	[ "$firstpy" = "hot_py ($PWD/tests/targets/top_py.py)" ]; then
	ok "top-table-python (hot_py total $total, truth $truth; first Python row '$firstpy')"
else
	fail "top-table-python: exit $rc, hot_py row '$row', first Python row '$firstpy', truth '$truth'"
fi

# --- a terminal: tmux -----------------------------------------------------------------------
TM="tmux -L rtprof-top-$$"
# tmux_run NAME KEYS: top in a 120x40 pane between two stty -a; KEYS end it. Sets $pane_first
# (the first function row seen before the keys) and the files $TMP/NAME.*
tmux_run() {
	local name=$1 keys=$2 i
	"$TARGETS/top_target" 60 2>/dev/null &
	tp=$!
	_bg_pids+=("$tp")
	$TM new-session -d -s "$name" -x 120 -y 40 \
		"sh -c 'trap : INT; echo SHELL-BEFORE; stty -a >$TMP/$name.before; $RTPROF top -p $tp 2>$TMP/$name.err; echo \$? >$TMP/$name.rc; stty -a >$TMP/$name.after; echo SHELL-AGAIN'"
	$TM set-option -w -t "$name" remain-on-exit on >/dev/null
	_bg_pids+=("$($TM display-message -p '#{pid}')") # the tmux server ends with the test
	# wait until the table shows a function (no time limit on the result, only on the wait)
	for ((i = 0; i < 300; i++)); do
		$TM capture-pane -p -t "$name" >"$TMP/$name.screen"
		pane_first=$(awk '/SELF%/{ getline; print; exit }' "$TMP/$name.screen")
		[ -n "$pane_first" ] && [ "$(awk '{ print $4 }' <<<"$pane_first")" -ge 50 ] 2>/dev/null && break
		sleep 0.1
	done
	if [ "$name" = top_q ]; then
		# a smaller window: the table is drawn again to its size
		$TM resize-window -t "$name" -x 70 -y 12
		for ((i = 0; i < 50; i++)); do
			sleep 0.1
			$TM capture-pane -p -t "$name" >"$TMP/$name.small"
			[ "$(awk 'END { print NR }' "$TMP/$name.small")" -le 12 ] &&
				head -1 "$TMP/$name.small" | grep -q '^[0-9:]\{8\}  rtprof top' &&
				[ "$(grep -cE '^ *[0-9]+\.[0-9]+ +[0-9]+\.[0-9]+ ' "$TMP/$name.small")" -le 9 ] && break
		done
		# t: sorted by total
		$TM send-keys -t "$name" t
		for ((i = 0; i < 50; i++)); do
			sleep 0.1
			$TM capture-pane -p -t "$name" >"$TMP/$name.total"
			grep -q 'sorted by total' "$TMP/$name.total" && break
		done
	fi
	$TM send-keys -t "$name" "$keys"
	wait_for "$TMP/$name.rc" 30
	# until the pane's command (the shell after top) has ended
	for ((i = 0; i < 300; i++)); do
		[ "$($TM display-message -p -t "$name" '#{pane_dead}')" = 1 ] && break
		sleep 0.1
	done
	# the pane's history and screen (tmux scrolls a line for its "Pane is dead")
	$TM capture-pane -p -S - -t "$name" >"$TMP/$name.final"
	kill "$tp" 2>/dev/null
}
tmux_check() { # NAME KEYS-DESCRIPTION
	local name=$1 why=""
	[ "$(awk '{ print $5 }' <<<"$pane_first")" = top_hot ] || why="first row '$pane_first';"
	[ "$(cat "$TMP/$name.rc" 2>/dev/null)" = 0 ] || why="$why exit '$(cat "$TMP/$name.rc" 2>/dev/null)' ($(tr '\n' ' ' <"$TMP/$name.err"));"
	# the modes as they were (the size is the pane's: top_q resizes it)
	sed -i 's/rows [0-9]*; columns [0-9]*;//' "$TMP/$name.before" "$TMP/$name.after"
	cmp -s "$TMP/$name.before" "$TMP/$name.after" || why="$why stty differs: $(diff "$TMP/$name.before" "$TMP/$name.after" | tr '\n' ' ');"
	# the main screen is back as the shell left it: its line before top, then its line after
	[ "$(grep -v '^$' "$TMP/$name.final" | grep -v '^Pane is dead' | tr '\n' ' ')" = "SHELL-BEFORE SHELL-AGAIN " ] ||
		why="$why the screen after top: $(grep -v '^$' "$TMP/$name.final" | head -5 | tr '\n' '|');"
	[ "$($TM display-message -p -t "$name" '#{pane_dead}')" = 1 ] || why="$why the pane's command still runs;"
	if [ -z "$why" ]; then ok "$name ($2: first row '$(tr -s ' ' <<<"$pane_first")', terminal restored)"
	else fail "$name: $why"; fi
}
tmux_run top_q q
tmux_check top_q "q"
if [ "$(awk 'END { print NR }' "$TMP/top_q.small")" -le 12 ] &&
	head -1 "$TMP/top_q.small" | grep -q '^[0-9:]\{8\}  rtprof top' &&
	awk 'length($0) > 70 { exit 1 }' "$TMP/top_q.small"; then
	ok "top-resize (70x12: $(grep -cE '^ *[0-9]+\.[0-9]+ +[0-9]+\.[0-9]+ ' "$TMP/top_q.small") function rows, header first)"
else
	fail "top-resize: screen after resizing to 70x12: $(head -4 "$TMP/top_q.small" | tr '\n' '|')"
fi
# t: the rows by total, non-increasing
if grep -q 'sorted by total' "$TMP/top_q.total" &&
	awk '/SELF%/{ on = 1; next } on && NF >= 5 { n++; if (n > 1 && $4 > last) bad = 1; last = $4 }
		END { exit !(n >= 3 && !bad) }' "$TMP/top_q.total"; then
	ok "top-sort-total (first row by total: $(awk '/SELF%/{ getline; print; exit }' "$TMP/top_q.total" | tr -s ' '))"
else
	fail "top-sort-total: $(tr '\n' '|' <"$TMP/top_q.total")"
fi
tmux_run top_ctrl_c C-c
tmux_check top_ctrl_c "Ctrl-C"
sock=$($TM display-message -p '#{socket_path}' 2>/dev/null)
$TM kill-server 2>/dev/null
[ -n "$sock" ] && rm -f "$sock"

# --- the process ends: said, exit 0 ---------------------------------------------------------
"$TARGETS/top_target" 1.5 2>/dev/null &
tp=$!
"$RTPROF" top -p "$tp" >"$TMP/end.out" 2>"$TMP/end.err"
rc=$?
if [ "$rc" = 0 ] && grep -q "top -p $tp: the process exited" "$TMP/end.err" && [ "$(tables "$TMP/end.out")" -ge 1 ]; then
	ok "top-process-ends ($(grep 'process exited' "$TMP/end.err"))"
else
	fail "top-process-ends: exit $rc, $(tr '\n' ' ' <"$TMP/end.err")"
fi

# --- bad cases ------------------------------------------------------------------------------
"$RTPROF" top -p 999999999 -d 1 >/dev/null 2>"$TMP/nopid.err"
rc=$?
if [ "$rc" = 3 ] && [ "$(wc -l <"$TMP/nopid.err")" = 1 ]; then ok "top-no-such-pid ($(cat "$TMP/nopid.err"))"
else fail "top-no-such-pid: exit $rc, $(tr '\n' ' ' <"$TMP/nopid.err")"; fi

setpriv --reuid=nobody --regid=nogroup --clear-groups "$RTPROF" top -p $$ -d 1 >/dev/null 2>"$TMP/nobody.err"
rc=$?
if [ "$rc" = 4 ] && [ "$(wc -l <"$TMP/nobody.err")" = 1 ]; then ok "top-not-root ($(cat "$TMP/nobody.err"))"
else fail "top-not-root: exit $rc, $(tr '\n' ' ' <"$TMP/nobody.err")"; fi

# -a: every process; with -T the rows say whose they are: the C target's top_hot leads its rows,
# ahead of its top_cold, and its share of the target's samples is within 10 points of the truth
"$TARGETS/top_target" 6 2>"$TMP/a.truth" &
tp=$!
_bg_pids+=("$tp")
sleep 1
"$RTPROF" top -a -F 999 -d 3 --interval 1 -T -n 400 >"$TMP/a.out" 2>"$TMP/a.err"
rc=$?
wait "$tp"
truth=$(sed -n 's/.* top_hot=\([0-9.]*\).*/\1/p' "$TMP/a.truth")
rows=$(awk '/  rtprof top  all processes /{ n = 0; delete t; next } /SELF%/{ next } NF { t[++n] = $0 }
	END { for (i = 1; i <= n; i++) print t[i] }' "$TMP/a.out" | awk -v t="top_target-$tp" '$5 == t')
first=$(head -1 <<<"$rows" | awk '{ print $6 }')
share=$(awk '$6 == "top_hot" { h = $3 } { n += $3 } END { if (n) print h / n }' <<<"$rows")
n=$(grep -c '  rtprof top  all processes ' "$TMP/a.out")
others=$(awk '/  rtprof top  all processes /{ delete p; next } $5 ~ /-[0-9]+$/ { p[$5] = 1 }
	END { for (k in p) n++; print n + 0 }' "$TMP/a.out")
if [ "$rc" = 0 ] && [ "$n" -ge 2 ] && [ "$first" = top_hot ] && near "$share" "$truth" 0.10 &&
	[ "$others" -ge 2 ]; then
	ok "top-all ($n tables; the target's first row top_hot, $share of its samples, truth $truth; $others threads in the last table)"
else
	fail "top-all: exit $rc, $n tables, first '$first', share '$share' vs '$truth', $others threads; $(tail -2 "$TMP/a.err" | tr '\n' ' ')"
fi

why=""
for args in "-p $$ --interval 0" "-p $$ -F 0" "-p $$ -a" "" "-p $$ -- /bin/true" "-p $$ --window -1"; do
	# shellcheck disable=SC2086
	"$RTPROF" top $args >/dev/null 2>"$TMP/usage.err"
	rc=$?
	[ "$rc" = 2 ] && [ "$(wc -l <"$TMP/usage.err")" = 1 ] || why="$why '$args': exit $rc $(head -1 "$TMP/usage.err");"
done
if [ -z "$why" ]; then ok "top-usage"; else fail "top-usage:$why"; fi
