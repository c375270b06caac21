#!/bin/bash
# rtprof flamegraph end to end: frame counts, widths, positions and depths of the SVG against a
# stack tree merged independently here (Python), for shared prefixes, --reverse, --inverted and
# --minwidth pruning; XML validity (xmllint) with hostile names and broken UTF-8; exit codes and
# the report of invalid lines; the same input gives the same bytes.
source "$(dirname "$0")/../lib.sh"

[ -x "$RTPROF" ] || { fail "flamegraph: $RTPROF not built"; exit 1; }

# ---- the independent checker --------------------------------------------------------------
cat >"$TMP/check.py" <<'EOF'
# check.py FOLDED SVG [--reverse] [--inverted] [--minwidth PX|N%] [--width PX]
# Merges FOLDED itself, then compares every frame of SVG: count (title), width, x, depth, and
# that exactly the frames wide enough are drawn.
import re, sys
import xml.etree.ElementTree as ET

args = sys.argv[1:]
folded, svgpath = args[0], args[1]
reverse = "--reverse" in args
inverted = "--inverted" in args
width = float(args[args.index("--width") + 1]) if "--width" in args else 1200.0
minw = args[args.index("--minwidth") + 1] if "--minwidth" in args else "0.1"

tree = {(): 0.0}  # path tuple -> total
for raw in open(folded, "rb").read().split(b"\n"):
    line = raw.decode("utf-8").rstrip("\r").strip()
    m = re.match(r"^(.*\S)\s+(\d+(?:\.\d*)?)$", line)
    if not m:
        continue
    frames = m.group(1).split(";")
    if reverse:
        frames.reverse()
    c = float(m.group(2))
    for i in range(len(frames) + 1):
        p = tuple(frames[:i])
        tree[p] = tree.get(p, 0.0) + c
total = tree[()]
px = (width - 20) / total
minw_count = total * float(minw[:-1]) / 100 if minw.endswith("%") else float(minw) / px

kids = {}
for p in tree:
    if p:
        kids.setdefault(p[:-1], []).append(p)
start = {(): 0.0}
expected = set()
stack = [()]
while stack:
    p = stack.pop()
    expected.add(p)
    x = start[p]
    for k in sorted(kids.get(p, []), key=lambda q: q[-1].encode("utf-8")):
        start[k] = x
        x += tree[k]
        if tree[k] >= minw_count:
            stack.append(k)

ns = "{http://www.w3.org/2000/svg}"
root = ET.parse(svgpath).getroot()
frames_g = [g for g in root.iter(ns + "g") if g.get("id") == "frames"][0]
errors, seen, last, y0 = [], set(), {}, None
H = float(root.get("height"))
for g in frames_g.findall(ns + "g"):
    title = g.find(ns + "title").text
    rect = g.find(ns + "rect")
    k = title.rindex(" (")
    name, count = title[:k], float(title[k + 2:].split(" ")[0].replace(",", ""))
    y, x, w = float(rect.get("y")), float(rect.get("x")), float(rect.get("width"))
    if y0 is None:
        y0 = y
    depth = round(abs(y - y0) / 16)
    path = () if depth == 0 else last[depth - 1] + (name,)
    last[depth] = path
    if path in seen:
        errors.append("frame drawn twice: %r" % (path,))
    seen.add(path)
    if path not in tree:
        errors.append("frame not in the input: %r" % (path,))
        continue
    if abs(count - tree[path]) > 1e-6 * max(1, tree[path]):
        errors.append("%r: count %g, expected %g" % (path, count, tree[path]))
    if abs(w - tree[path] * px) > 0.06:
        errors.append("%r: width %g, expected %.3f" % (path, w, tree[path] * px))
    if abs(x - (10 + start[path] * px)) > 0.06:
        errors.append("%r: x %g, expected %.3f" % (path, x, 10 + start[path] * px))
    ey = 36 + depth * 16 if inverted else H - 34 - (depth + 1) * 16 + 1
    if abs(y - ey) > 0.01:
        errors.append("%r: y %g, expected %g" % (path, y, ey))
for p in sorted(expected - seen)[:5]:
    errors.append("missing frame %r (%.3f px)" % (p, tree[p] * px))
for p in sorted(seen - expected)[:5]:
    errors.append("frame should be pruned %r" % (p,))
if errors:
    print("\n".join(errors[:10]))
    sys.exit(1)
print("%d frames ok" % len(seen))
EOF

# ---- inputs -------------------------------------------------------------------------------
python3 - "$TMP/shared.folded" <<'EOF'
import random, sys
rng = random.Random(7)
names = ["main", "run", "parse", "lex", "eval", "std::vector<int>::push_back", "a b c",
         "Foo.bar", "zeta", "alpha", "ärger", "handle (app.py:12)"]
lines = []
for i in range(400):
    d = rng.randint(1, 9)
    st = ["main"] + [rng.choice(names) for _ in range(d)]
    lines.append("%s %d" % (";".join(st), rng.randint(1, 50)))
# repeated stacks, a fractional count, CRLF, blank lines and spaces around
lines += ["main;run;parse 3", "main;run;parse 4", "main;run 2.5\r", "", "   ", "main;eval\t7  "]
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
EOF

# ---- shared prefixes, reverse, inverted, minwidth -----------------------------------------
run_check() { # NAME OPTIONS...
	local name=$1 out
	shift
	if ! "$RTPROF" flamegraph "$@" "$TMP/shared.folded" -o "$TMP/$name.svg" 2>"$TMP/$name.err"; then
		fail "flamegraph $name: exit $? ($(tail -1 "$TMP/$name.err"))"
		return
	fi
	if out=$(python3 "$TMP/check.py" "$TMP/shared.folded" "$TMP/$name.svg" "$@" 2>&1); then
		ok "flamegraph $name: $out"
	else
		fail "flamegraph $name: $(printf '%s' "$out" | head -3 | tr '\n' ' ')"
	fi
}
run_check merged --minwidth 0
run_check reverse --reverse --minwidth 0
run_check inverted --inverted --minwidth 0
run_check minwidth_px --minwidth 3
run_check minwidth_pct --minwidth 1.5% --width 900
run_check reverse_inverted_min --reverse --inverted --minwidth 2

# pruning really pruned something (otherwise the minwidth checks prove little)
n0=$(grep -c 'class="f"' "$TMP/merged.svg")
n3=$(grep -c 'class="f"' "$TMP/minwidth_px.svg")
if [ "$n3" -lt "$n0" ] && [ "$n3" -gt 10 ]; then
	ok "flamegraph minwidth prunes ($n0 -> $n3 frames)"
else
	fail "flamegraph minwidth prunes: $n0 -> $n3 frames"
fi

check "flamegraph xmllint merged" xmllint --noout "$TMP/merged.svg"
check "flamegraph xmllint inverted" xmllint --noout "$TMP/inverted.svg"

# ---- determinism ----------------------------------------------------------------------------
"$RTPROF" flamegraph "$TMP/shared.folded" >"$TMP/a1.svg" 2>/dev/null
"$RTPROF" flamegraph <"$TMP/shared.folded" >"$TMP/a2.svg" 2>/dev/null
check "flamegraph same input same bytes" cmp "$TMP/a1.svg" "$TMP/a2.svg"
"$RTPROF" flamegraph --hash --colors java "$TMP/shared.folded" >"$TMP/h1.svg" 2>/dev/null
"$RTPROF" flamegraph --hash --colors java "$TMP/shared.folded" >"$TMP/h2.svg" 2>/dev/null
check "flamegraph --hash same bytes" cmp "$TMP/h1.svg" "$TMP/h2.svg"

# ---- hostile names and broken UTF-8 -------------------------------------------------------
printf '%s\n' \
	'main;<script>alert(1)</script> 5' \
	'main;"onload="x 3' \
	"main;' onmouseover='alert(2) 2" \
	'main;]]><script>alert(3)</script> 4' \
	'main;&amp &lt &#60 <!-- x --> 1' \
	'main;<![CDATA[ 1' >"$TMP/hostile.folded"
printf 'main;bad\xff\xfebytes 2\nmain;trunc\xc3 1\nmain;overlong\xc0\xaf 1\nmain;surrogate\xed\xa0\x80 1\nmain;ctl\x01\x7fx 1\nmain;ok\xc3\xa9 1\n' >>"$TMP/hostile.folded"
hostile_opts=(--title '<script>alert(4)</script>' --subtitle ']]>' --countname '"><x' --nametype "'&" --notes '--><script>')
if "$RTPROF" flamegraph "${hostile_opts[@]}" --minwidth 0 "$TMP/hostile.folded" -o "$TMP/hostile.svg" 2>"$TMP/hostile.err"; then
	check "flamegraph hostile: xmllint" xmllint --noout "$TMP/hostile.svg"
	check "flamegraph hostile inverted: xmllint" bash -c "'$RTPROF' flamegraph --inverted --minwidth 0 '$TMP/hostile.folded' | xmllint --noout -"
	# our own <script> element only; the names' are text (&lt;script&gt;)
	n_script=$(grep -o '<script' "$TMP/hostile.svg" | wc -l)
	[ "$n_script" = 1 ] && ok "flamegraph hostile: one <script> element, ours" ||
		fail "flamegraph hostile: $n_script <script> elements"
	# what the titles say once parsed: the names as given, invalid bytes as visible \xNN
	if out=$(python3 - "$TMP/hostile.svg" <<'EOF'
import sys, xml.etree.ElementTree as ET
ns = "{http://www.w3.org/2000/svg}"
titles = [t.text for t in ET.parse(sys.argv[1]).getroot().iter(ns + "title")]
want = ["<script>alert(1)</script> (5 ", '"onload="x (3 ', "' onmouseover='alert(2) (2 ",
        "]]><script>alert(3)</script> (4 ", "&amp &lt &#60 <!-- x --> (1 ", "<![CDATA[ (1 ",
        "bad\\xFF\\xFEbytes (2 ", "trunc\\xC3 (1 ", "overlong\\xC0\\xAF (1 ",
        "surrogate\\xED\\xA0\\x80 (1 ", "ctl\\x01\\x7Fx (1 ", "ok\u00e9 (1 "]
missing = [w for w in want if not any(t.startswith(w) for t in titles)]
if missing:
    print("missing titles:", missing, titles)
    sys.exit(1)
EOF
	); then
		ok "flamegraph hostile: names shown as given, bad bytes as \\xNN"
	else
		fail "flamegraph hostile: $out"
	fi
else
	fail "flamegraph hostile: exit $? ($(tail -1 "$TMP/hostile.err"))"
fi

# ---- malformed lines, exit codes ----------------------------------------------------------
# a mostly good file (as many valid lines as invalid ones) is drawn, its invalid lines counted
printf 'main;a 3\nno count here\nmain;b x12\nmain;c -4\n 7\nmain;d 1.5.2\nmain;e 2\nmain;f 1\nmain;g 4\nmain;h 1\n' >"$TMP/mixed.folded"
"$RTPROF" flamegraph "$TMP/mixed.folded" -o "$TMP/mixed.svg" 2>"$TMP/mixed.err"
rc=$?
if [ $rc = 0 ] && grep -q 'ignored 5 invalid lines' "$TMP/mixed.err" &&
	[ "$(grep -c 'class="f"' "$TMP/mixed.svg")" = 7 ]; then
	ok "flamegraph invalid lines counted, good ones drawn (exit 0)"
else
	fail "flamegraph invalid lines: exit $rc, stderr: $(tr '\n' ' ' <"$TMP/mixed.err")"
fi
printf 'garbage\nmore garbage 1x\n' >"$TMP/bad.folded"
"$RTPROF" flamegraph "$TMP/bad.folded" >/dev/null 2>"$TMP/bad.err"
rc=$?
if [ $rc = 6 ] && grep -q 'no valid stack in 2 lines' "$TMP/bad.err"; then
	ok "flamegraph nothing valid: exit 6"
else
	fail "flamegraph nothing valid: exit $rc ($(tr '\n' ' ' <"$TMP/bad.err"))"
fi

# bad_input NAME WANT_STDERR_REGEX ARGS...: exit 6, one line on stderr that matches, no output
bad_input() {
	local name=$1 want=$2 rc
	shift 2
	rm -f "$TMP/bi.svg"
	timeout 20 "$RTPROF" flamegraph "$@" -o "$TMP/bi.svg" 2>"$TMP/bi.err"
	rc=$?
	if [ $rc = 6 ] && [ "$(wc -l <"$TMP/bi.err")" = 1 ] && grep -Eq "$want" "$TMP/bi.err" &&
		[ ! -e "$TMP/bi.svg" ]; then
		ok "flamegraph $name: exit 6, one line ($(cat "$TMP/bi.err"))"
	else
		fail "flamegraph $name: exit $rc, output $([ -e "$TMP/bi.svg" ] && echo written || echo none), stderr: $(head -c 300 "$TMP/bi.err" | tr '\n' '|')"
	fi
}
mkdir -p "$TMP/adir"
bad_input "a directory" "flamegraph $TMP/adir: is a directory" "$TMP/adir"
bad_input "a directory after a good file" "flamegraph $TMP/adir: is a directory" "$TMP/shared.folded" "$TMP/adir"
# an executable whose strings hold lines that end in numbers (its --help text) is binary data
bad_input "an executable" "flamegraph /usr/bin/ls: not a folded stack file \\(binary data\\)" /usr/bin/ls
bad_input "rtprof itself" "not a folded stack file \\(binary data\\)" "$RTPROF"
bad_input "gzipped folded" "stdin: not a folded stack file \\(binary data\\)" < <(gzip -c "$TMP/shared.folded")
# endless binary input: refused after its first bytes, not read whole
bad_input "/dev/zero" "/dev/zero: not a folded stack file \\(binary data\\)" /dev/zero
# text that is not folded stacks, with a few lines that happen to end in a number
printf '# Notes\n\nVersion 2, June 1991\nsee section 3\nsome text\nmore text\nand more\n- item 1\n' >"$TMP/notes.txt"
bad_input "a text file" "notes.txt: not a folded stack file: 4 of its 7 lines are not" "$TMP/notes.txt"
# past the first 64 KiB, a NUL byte is one more byte of a frame name (shown as \x00)
{ for i in 1 2 3 4; do cat "$TMP/shared.folded"; done; printf 'main;nul\0byte 5\n'; } >"$TMP/late_nul.folded"
if [ "$(stat -c %s "$TMP/late_nul.folded")" -gt 65536 ] &&
	"$RTPROF" flamegraph "$TMP/late_nul.folded" -o "$TMP/late_nul.svg" 2>"$TMP/late_nul.err" &&
	grep -q '<title>nul\\x00byte (5 ' "$TMP/late_nul.svg" && [ ! -s "$TMP/late_nul.err" ]; then
	ok "flamegraph NUL past 64 KiB: part of a name"
else
	fail "flamegraph NUL past 64 KiB: exit $? ($(tr '\n' ' ' <"$TMP/late_nul.err"))"
fi
bad_input "empty input" "flamegraph stdin: empty, no stack" </dev/null
"$RTPROF" flamegraph "$TMP/does-not-exist" >/dev/null 2>&1
rc=$?
[ $rc = 6 ] && ok "flamegraph missing file: exit 6" || fail "flamegraph missing file: exit $rc"
"$RTPROF" flamegraph --colors nosuch "$TMP/shared.folded" >/dev/null 2>&1
rc=$?
[ $rc = 2 ] && ok "flamegraph bad palette: exit 2" || fail "flamegraph bad palette: exit $rc"

# ---- every palette and option renders valid XML -------------------------------------------
bad=""
for c in hot mem io wakeup java js perl python red green blue aqua yellow purple orange; do
	"$RTPROF" flamegraph --colors $c --hash "$TMP/shared.folded" 2>/dev/null | xmllint --noout - 2>/dev/null || bad="$bad $c"
done
[ -z "$bad" ] && ok "flamegraph all palettes valid" || fail "flamegraph palettes:$bad"
if "$RTPROF" flamegraph --flamechart --sort name --title T --subtitle S --fonttype 'DejaVu Sans' \
	--fontsize 10 --fontwidth 0.6 --height 20 --countname bytes --nametype 'Frame:' \
	"$TMP/shared.folded" 2>/dev/null | xmllint --noout - 2>/dev/null; then
	ok "flamegraph flamechart and text options"
else
	fail "flamegraph flamechart and text options: invalid output"
fi

# ---- --sort weight: heaviest child first ----------------------------------------------------
printf 'm;a 1\nm;b 5\nm;c 3\n' >"$TMP/w.folded"
order=$("$RTPROF" flamegraph --sort weight "$TMP/w.folded" | sed -n 's/.*<title>\([abc]\) (.*/\1/p' | tr -d '\n')
[ "$order" = bca ] && ok "flamegraph --sort weight" || fail "flamegraph --sort weight: order $order"
order=$("$RTPROF" flamegraph "$TMP/w.folded" | sed -n 's/.*<title>\([abc]\) (.*/\1/p' | tr -d '\n')
[ "$order" = abc ] && ok "flamegraph alphabetical by default" || fail "flamegraph default order: $order"

# ---- --flamechart keeps time order and merges only consecutive samples --------------------
printf 'm;b 1\nm;a 1\nm;b 1\nm;b 2\n' >"$TMP/fc.folded"
got=$("$RTPROF" flamegraph --flamechart --minwidth 0 "$TMP/fc.folded" | sed -n 's/.*<title>\([ab]\) (\([0-9]*\) .*/\1\2/p' | tr -d '\n')
[ "$got" = b1a1b3 ] && ok "flamegraph --flamechart" || fail "flamegraph --flamechart: $got"

# ---- the embedded script is the one generated from script.js ------------------------------
check "flamegraph script.c up to date" python3 flamegraph/gen_script.py --check

# ---- golden: a small graph, byte for byte -------------------------------------------------
printf 'main;parse;lex 7\nmain;parse 2\nmain;eval;call 5\nmain;eval;call;eval 1\nidle 3\n' >"$TMP/golden.folded"
"$RTPROF" flamegraph --title 'golden' "$TMP/golden.folded" >"$TMP/golden.svg" 2>/dev/null
if cmp -s "$TMP/golden.svg" tests/golden/flamegraph_small.svg; then
	ok "flamegraph golden svg"
else
	fail "flamegraph golden svg: differs from tests/golden/flamegraph_small.svg (if intended: build/rtprof flamegraph --title golden FOLDED > that file; $(diff "$TMP/golden.svg" tests/golden/flamegraph_small.svg | head -3 | tr '\n' ' '))"
fi
"$RTPROF" flamegraph --folded "$TMP/golden.folded" "$TMP/golden.folded" >"$TMP/golden2.folded" 2>/dev/null
if printf 'idle 6\nmain;eval;call 10\nmain;eval;call;eval 2\nmain;parse 4\nmain;parse;lex 14\n' | cmp -s - "$TMP/golden2.folded"; then
	ok "flamegraph --folded merges two files"
else
	fail "flamegraph --folded: $(tr '\n' '|' <"$TMP/golden2.folded")"
fi
