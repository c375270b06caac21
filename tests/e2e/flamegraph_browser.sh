#!/bin/bash
# rtprof flamegraph in a real browser: Debian's chromium driven by playwright-core (npm project in
# tests/browser; `npm ci` when node_modules is missing). Click to zoom (full width, ancestors kept
# and dimmed), Escape, Tab and Enter, search by regex with the Matched: percentage computed here
# from the input (a stack counts once however many of its frames match), ignore case, zoom and
# search restored from the URL, hostile frame names that must run nothing, and the first screen
# of deep graphs (stacks 150 and 1000 deep, flame and icicle) in a 1400x900 window: the root and
# every frame at least 10% wide on screen at the first paint, title and Search on screen too.
source "$(dirname "$0")/../lib.sh"

[ -x "$RTPROF" ] || { fail "flamegraph browser: $RTPROF not built"; exit 1; }
if [ ! -x /usr/bin/chromium ]; then
	fail "flamegraph browser: /usr/bin/chromium missing (make deps installs Debian's chromium)"
	exit 0
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	fail "flamegraph browser: node and npm needed (make deps)"
	exit 0
fi
if [ ! -d tests/browser/node_modules/playwright-core ]; then
	if ! (cd tests/browser && npm ci --no-audit --no-fund >"$TMP/npm.log" 2>&1); then
		fail "flamegraph browser: npm ci failed: $(tail -2 "$TMP/npm.log" | tr '\n' ' ')"
		exit 0
	fi
fi

printf '%s\n' 'main;parse;lex 7' 'main;parse 2' 'main;eval;call 5' 'main;eval;call;eval 1' \
	'main;eval;parse 3' 'idle 3' 'Main;Eval 2' >"$TMP/graph.folded"
printf '%s\n' \
	'main;<script>window.pwned=1</script> 3' \
	'main;<img src=x onerror=window.pwned=1> 2' \
	'main;"onload="window.pwned=1 2' \
	"main;' onmouseover='window.pwned=1 2" \
	'main;]]><script>window.pwned=1</script> 2' \
	'main;<svg onload=window.pwned=1/> 1' \
	'main;<script>alert(1)</script> 1' \
	'main;javascript:window.pwned=1 1' >"$TMP/hostile.folded"
"$RTPROF" flamegraph --minwidth 0 "$TMP/graph.folded" -o "$TMP/graph.svg" ||
	{ fail "flamegraph browser: rtprof flamegraph failed"; exit 0; }
"$RTPROF" flamegraph --minwidth 0 --title '<script>window.pwned=1</script>' \
	"$TMP/hostile.folded" -o "$TMP/hostile.svg" ||
	{ fail "flamegraph browser: rtprof flamegraph (hostile) failed"; exit 0; }

# deep graphs (a Python profile with a 30-frame trunk, stacks up to 150 and 1000 deep): the first
# screen of a 1400x900 window must show the root and the widest frames
python3 - "$TMP" <<'EOF'
import random, sys
tmp = sys.argv[1]
rng = random.Random(11)
trunk = ["python3-4242", "_start", "__libc_start_main", "main", "Py_BytesMain", "Py_RunMain",
         "pymain_run_python", "_PyRun_AnyFileObject", "_PyRun_SimpleFileObject", "run_mod",
         "run_eval_code_obj", "PyEval_EvalCode", "<module> (app.py:40)", "main (app.py:31)"]
trunk += ["Middleware%d.__call__ (mw.py:%d)" % (i, 10 * i) for i in range(16)]
handlers = ["get (views.py:10)", "post (views.py:20)", "put (views.py:30)", "delete (views.py:40)"]
for name, deepest in (("deep", 150), ("very_deep", 1000)):
    lines = []
    for i in range(3000):
        d = rng.randint(1, 150 - len(trunk) - 1)
        st = trunk + [rng.choice(handlers), "query%d (db.py:%d)" % ((i % 3,) * 2)]
        st += ["step%d (lib.py:%d)" % (k, k) for k in range(d - 1)]
        lines.append("%s %d" % (";".join(st), rng.randint(1, 5)))
    # one recursion as deep as asked
    st = trunk + [handlers[0]] + ["parse (parser.py:7)"] * (deepest - len(trunk) - 1)
    lines.append("%s 2" % ";".join(st))
    open("%s/%s.folded" % (tmp, name), "w").write("\n".join(lines) + "\n")
EOF
for g in deep very_deep; do
	"$RTPROF" flamegraph "$TMP/$g.folded" -o "$TMP/$g.svg" ||
		{ fail "flamegraph browser: rtprof flamegraph ($g) failed"; exit 0; }
done
"$RTPROF" flamegraph --inverted "$TMP/deep.folded" -o "$TMP/deep_icicle.svg" ||
	{ fail "flamegraph browser: rtprof flamegraph --inverted (deep) failed"; exit 0; }

# expected values, from the input alone
python3 - "$TMP" <<'EOF'
import json, re, sys
tmp = sys.argv[1]
stacks = []
for line in open(tmp + "/graph.folded"):
    s, c = line.rsplit(" ", 1)
    stacks.append((["all"] + s.split(";"), float(c)))
total = sum(c for _, c in stacks)

def matched(rx, flags=0):
    r = re.compile(rx, flags)
    hit = sum(c for fr, c in stacks if any(r.search(f) for f in fr))
    return "Matched: %.2f%%" % (100 * hit / total)

fullw = 1200 - 20
cases = {
    "graph": tmp + "/graph.svg", "hostile": tmp + "/hostile.svg", "fullw": fullw,
    "nametype": "Function:",
    "searches": [[rx, matched(rx)] for rx in ["eval", "^(parse|lex)$", "^main$", "a"]],
    "ic_search": ["^eval$", matched("^eval$"), matched("^eval$", re.I)],
    "zoom": {"title": "eval (9 ", "ancestors": ["main (18 ", "all ("],
             "child": "call (6 ", "child_width": "%.1f" % (6 / 9 * fullw),
             "hidden": "idle (3 ", "title_width": "%.1f" % (9 / total * fullw)},
    # from Main (a child of the root): down to all, up to its first child (Main), right to
    # idle, right to main, up to eval (main's first child), left to nothing (stays), down
    "arrows": {"keys": ["ArrowDown", "ArrowUp", "ArrowRight", "ArrowRight", "ArrowUp",
                        "ArrowLeft", "ArrowDown"],
               "names": ["all", "Main", "idle", "main", "eval", "eval", "main"]},
    "hostile_names": ["<script>window.pwned=1</script>", "<img src=x onerror=window.pwned=1>",
                      '"onload="window.pwned=1', "' onmouseover='window.pwned=1",
                      "]]><script>window.pwned=1</script>", "<svg onload=window.pwned=1/>",
                      "<script>alert(1)</script>", "javascript:window.pwned=1"],
}

def wide(path, share=0.10):
    """frames at least share of the total wide (the root included), the depth of the deepest
    of them, and of the deepest frame"""
    tree, total = {}, 0.0
    for line in open(path):
        st, c = line.rsplit(" ", 1)
        fr, c = st.split(";"), float(c)
        total += c
        for i in range(1, len(fr) + 1):
            tree[tuple(fr[:i])] = tree.get(tuple(fr[:i]), 0.0) + c
    paths = [p for p, c in tree.items() if c >= share * total]
    return len(paths) + 1, max(len(p) for p in paths), max(len(p) for p in tree)

deep = {}
for name in ("deep", "very_deep", "deep_icicle"):
    n, d, dmax = wide(tmp + "/" + name.replace("_icicle", "") + ".folded")
    deep[name] = {"svg": tmp + "/" + name + ".svg", "wide": n, "wide_depth": d, "depth": dmax}
cases["deep"] = deep
cases["viewport"] = {"width": 1400, "height": 900}
json.dump(cases, open(tmp + "/cases.json", "w"))
EOF

node tests/browser/flamegraph.test.js "$TMP/cases.json" 2>"$TMP/node.err"
rc=$?
if [ $rc != 0 ] && [ -s "$TMP/node.err" ]; then
	fail "flamegraph browser: node exited $rc: $(tail -3 "$TMP/node.err" | tr '\n' ' ')"
fi
exit 0
