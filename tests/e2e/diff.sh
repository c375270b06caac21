#!/bin/bash
# rtprof diff end to end: two folded files with known differences. Every frame, parents included,
# carries its own change and color; a stack only in BEFORE stays drawn (hatched, BEFORE width);
# -n normalizes; --folded prints "stack BEFORE AFTER"; --negate swaps the colors.
source "$(dirname "$0")/../lib.sh"

[ -x "$RTPROF" ] || { fail "diff: $RTPROF not built"; exit 1; }

printf '%s\n' 'main;a;x 10' 'main;a;y 10' 'main;b 20' 'main;gone;deep 5' >"$TMP/before.folded"
printf '%s\n' 'main;a;x 30' 'main;a;y 10' 'main;b 10' 'main;new 4' >"$TMP/after.folded"

cat >"$TMP/frames.py" <<'EOF'
# frames.py SVG: one line per frame: "name|title rest|fill|width"
import sys, xml.etree.ElementTree as ET
ns = "{http://www.w3.org/2000/svg}"
root = ET.parse(sys.argv[1]).getroot()
frames = [g for g in root.iter(ns + "g") if g.get("id") == "frames"][0]
for g in frames.findall(ns + "g"):
    t = g.find(ns + "title").text
    r = g.find(ns + "rect")
    k = t.rindex(" (")
    print("%s|%s|%s|%s" % (t[:k], t[k + 2:-1], r.get("fill"), r.get("width")))
EOF

if ! "$RTPROF" diff "$TMP/before.folded" "$TMP/after.folded" -o "$TMP/d.svg" 2>"$TMP/d.err"; then
	fail "diff: exit $? ($(tail -1 "$TMP/d.err"))"
	exit 0
fi
check "diff xmllint" xmllint --noout "$TMP/d.svg"
python3 "$TMP/frames.py" "$TMP/d.svg" >"$TMP/d.txt"

# expect NAME FIELD VALUE: FIELD 2 = title details, 3 = fill, 4 = width
expect() {
	local got
	got=$(awk -F'|' -v n="$1" -v f="$2" '$1 == n { print $f }' "$TMP/d.txt")
	if [ "$got" = "$3" ]; then
		ok "diff $4"
	else
		fail "diff $4: $1 field $2 is '$got', expected '$3'"
	fi
}
# totals: AFTER 54, BEFORE 45; drawn width = AFTER + removed (5) = 59 -> 1180 px
expect all 4 1180.0 "root sized by AFTER plus removed stacks"
expect main 2 "54 samples, 100.00%; before 45, +9" "parent frame shows its own change"
expect main 3 "rgb(255,115,115)" "parent frame colored by its own change (red)"
expect a 2 "40 samples, 74.07%; before 20, +20" "grown frame count and delta"
expect a 3 "rgb(255,0,0)" "largest growth is full red"
expect b 2 "10 samples, 18.52%; before 20, -10" "shrunk frame delta"
expect b 3 "rgb(105,105,255)" "shrunk frame is blue"
expect y 3 "rgb(250,250,250)" "unchanged frame is neutral"
expect gone 2 "0 samples, 0.00%; before 5, removed" "removed stack kept"
expect gone 3 "url(#removed)" "removed stack hatched"
expect gone 4 "100.0" "removed stack drawn with its BEFORE width"
expect deep 2 "0 samples, 0.00%; before 5, removed" "removed stack keeps its children"
expect new 2 "4 samples, 7.41%; before 0, +4" "new stack"
expect x 4 "600.0" "frames sized by AFTER"

# --folded, plain and normalized
"$RTPROF" diff --folded "$TMP/before.folded" "$TMP/after.folded" >"$TMP/d.folded" 2>/dev/null
if printf '%s\n' 'main;a;x 10 30' 'main;a;y 10 10' 'main;b 20 10' 'main;gone;deep 5 0' 'main;new 0 4' |
	cmp -s - "$TMP/d.folded"; then
	ok "diff --folded"
else
	fail "diff --folded: $(tr '\n' '|' <"$TMP/d.folded")"
fi
"$RTPROF" diff -n --folded "$TMP/before.folded" "$TMP/after.folded" >"$TMP/dn.folded" 2>/dev/null
if printf '%s\n' 'main;a;x 12 30' 'main;a;y 12 10' 'main;b 24 10' 'main;gone;deep 6 0' 'main;new 0 4' |
	cmp -s - "$TMP/dn.folded"; then
	ok "diff -n normalizes BEFORE to AFTER's total"
else
	fail "diff -n --folded: $(tr '\n' '|' <"$TMP/dn.folded")"
fi
"$RTPROF" diff -n "$TMP/before.folded" "$TMP/after.folded" 2>/dev/null | python3 "$TMP/frames.py" /dev/stdin >"$TMP/dn.txt"
got=$(awk -F'|' '$1 == "a" { print $2 }' "$TMP/dn.txt")
[ "$got" = "40 samples, 74.07%; before 24, +16" ] && ok "diff -n deltas" || fail "diff -n deltas: a is '$got'"

# the --folded output, drawn by rtprof flamegraph, is the same graph
"$RTPROF" flamegraph "$TMP/d.folded" >"$TMP/d2.svg" 2>/dev/null
check "diff --folded redrawn by rtprof flamegraph is the same SVG" cmp "$TMP/d.svg" "$TMP/d2.svg"

# --negate swaps red and blue
"$RTPROF" diff --negate "$TMP/before.folded" "$TMP/after.folded" 2>/dev/null | python3 "$TMP/frames.py" /dev/stdin >"$TMP/neg.txt"
got=$(awk -F'|' '$1 == "a" { print $3 }' "$TMP/neg.txt")
[ "$got" = "rgb(0,0,255)" ] && ok "diff --negate" || fail "diff --negate: a is '$got'"

# usage and bad input
"$RTPROF" diff "$TMP/before.folded" >/dev/null 2>&1
rc=$?
[ $rc = 2 ] && ok "diff one file: exit 2" || fail "diff one file: exit $rc"
printf 'junk\n' >"$TMP/junk.folded"
"$RTPROF" diff "$TMP/junk.folded" "$TMP/after.folded" >/dev/null 2>"$TMP/junk.err"
rc=$?
[ $rc = 6 ] && grep -q 'no valid stack' "$TMP/junk.err" && ok "diff junk BEFORE: exit 6" ||
	fail "diff junk BEFORE: exit $rc"

# not folded files: exit 6, one line on stderr that names the file and says why, no output
diff_bad() { # NAME WANT_STDERR_REGEX BEFORE AFTER
	local rc
	rm -f "$TMP/bd.svg"
	timeout 20 "$RTPROF" diff "$3" "$4" -o "$TMP/bd.svg" 2>"$TMP/bd.err"
	rc=$?
	if [ $rc = 6 ] && [ "$(wc -l <"$TMP/bd.err")" = 1 ] && grep -Eq "$2" "$TMP/bd.err" &&
		[ ! -e "$TMP/bd.svg" ]; then
		ok "diff $1: exit 6, one line ($(cat "$TMP/bd.err"))"
	else
		fail "diff $1: exit $rc, stderr: $(head -c 300 "$TMP/bd.err" | tr '\n' '|')"
	fi
}
mkdir -p "$TMP/adir"
diff_bad "directory BEFORE" "diff $TMP/adir: is a directory" "$TMP/adir" "$TMP/after.folded"
diff_bad "directory AFTER" "diff $TMP/adir: is a directory" "$TMP/before.folded" "$TMP/adir"
diff_bad "executable AFTER" "diff /usr/bin/ls: not a folded stack file \\(binary data\\)" \
	"$TMP/before.folded" /usr/bin/ls
printf 'Version 2, June 1991\nsome text\nmore text\n' >"$TMP/text.txt"
diff_bad "text BEFORE" "text.txt: not a folded stack file: 2 of its 3 lines" "$TMP/text.txt" \
	"$TMP/after.folded"
: >"$TMP/empty.folded"
diff_bad "empty AFTER" "diff $TMP/empty.folded: empty, no stack" "$TMP/before.folded" \
	"$TMP/empty.folded"
# a mostly good file is compared, its invalid line counted
{ cat "$TMP/before.folded"; echo 'not a stack'; } >"$TMP/before_mixed.folded"
if "$RTPROF" diff "$TMP/before_mixed.folded" "$TMP/after.folded" -o "$TMP/mixed.svg" \
	2>"$TMP/mixed.err" && grep -q 'ignored 1 invalid line ' "$TMP/mixed.err" &&
	grep -q 'class="f"' "$TMP/mixed.svg"; then
	ok "diff mostly good BEFORE: drawn, invalid line counted"
else
	fail "diff mostly good BEFORE: $(tr '\n' ' ' <"$TMP/mixed.err")"
fi
