#!/bin/bash
# rtprof's exports read by independent consumers. Every pprof file rtprof writes here (CPU
# profile of a C program, -K with -T on a threaded one, inlined frames of symbolize_target,
# Python frames on /usr/bin/python3.11, memleak) must be:
#  - read by `go tool pprof -symbolize=none` (Debian's golang-go): -raw exits 0, and the stacks
#    and counts -traces prints are exactly the folded stacks rtprof wrote in the same run
#    (memleak: inuse_space in bytes); (inline) frames, build ids and [FN][FL][LN][IN] shown;
#  - decoded by the npm package pprof-format (tests/browser/pprof_check.js): string_table[0] "",
#    ids unique and nonzero, every index in range, addresses inside their mappings, the
#    program's mapping first with the build id readelf reads; the same stacks again;
#  - converted back by `rtprof export` to the same folded stacks, and the folded stacks to pprof
#    and back to themselves; the same input gives the same bytes.
# speedscope (npm, in Debian's chromium through playwright-core: tests/browser/speedscope.test.js)
# imports every pprof and speedscope file without an error or warning, and what it exports
# again has our totals (and, for speedscope JSON, our stacks, per thread with -T); the speedscope
# files validate against speedscope's schema. Bad input exits 6 with one line. Needs root.
source "$(dirname "$0")/../lib.sh"

is_root || { fail "export: needs root"; exit 0; }
need() { command -v "$1" >/dev/null || { fail "export: $1 missing (make deps installs $2)"; exit 0; }; }
need go golang-go
need node nodejs
need npm npm
[ -x /usr/bin/chromium ] || { fail "export: /usr/bin/chromium missing (make deps)"; exit 0; }
SCHEMA_PY=""
for py in python3 /usr/bin/python3; do
	if "$py" -c 'import jsonschema' 2>/dev/null; then SCHEMA_PY=$py; break; fi
done
[ -n "$SCHEMA_PY" ] || { fail "export: python3 jsonschema missing (make deps: python3-jsonschema)"; exit 0; }
# the npm packages of tests/browser (package.json): pprof-format, speedscope, playwright-core
if [ ! -d tests/browser/node_modules/pprof-format ] || [ ! -d tests/browser/node_modules/speedscope ] ||
	[ ! -d tests/browser/node_modules/playwright-core ]; then
	if ! (cd tests/browser && npm ci --no-audit --no-fund >"$TMP/npm.log" 2>&1); then
		fail "export: npm ci failed: $(tail -2 "$TMP/npm.log" | tr '\n' ' ')"
		exit 0
	fi
fi
GOPPROF=(go tool pprof -symbolize=none)

# go tool pprof -traces to folded stacks: frames leaf first, "(inline)" marks, labels
# thread_name/thread_id make the root "NAME-TID"; values summed per stack.
cat >"$TMP/traces2folded.py" <<'EOF'
import re, sys
stacks, block = {}, None
def flush(b):
    if not b or not b["frames"]:
        return
    names = list(reversed(b["frames"]))
    if "thread_name" in b["labels"] and "thread_id" in b["labels"]:
        names.insert(0, b["labels"]["thread_name"] + "-" + b["labels"]["thread_id"])
    k = ";".join(names)
    stacks[k] = stacks.get(k, 0) + b["value"]
for line in sys.stdin:
    line = line.rstrip("\n")
    if line.startswith("-----------+"):
        flush(block)
        block = {"labels": {}, "frames": [], "value": 0}
        continue
    if block is None or not line.strip():
        continue
    m = re.match(r"^ *([^ :]+):  (.*)$", line)  # "%10s:  %s": a label
    if m:
        block["labels"][m.group(1)] = m.group(2)
        continue
    v, name = line[:10].strip(), line[13:]
    if name.endswith(" (inline)"):
        name = name[:-len(" (inline)")]
    if v:
        block["value"] = int(re.sub(r"B$", "", v))
    block["frames"].append(name)
flush(block)
for k, v in stacks.items():
    print(f"{k} {v}")
EOF

# sorted folded text of a file (rtprof's order is per level; compare whole lines)
sorted() { LC_ALL=C sort "$1"; }
total() { awk '{ t += $NF } END { print t + 0 }' "$1"; }
build_id() { readelf -n "$1" | sed -n 's/.*Build ID: *//p'; }

# ---- the profiles ----
PY=/usr/bin/python3.11
run() { # NAME COMMAND...: run rtprof, keep stdout and stderr
	local name=$1
	shift
	if ! "$@" >"$TMP/$name.out" 2>"$TMP/$name.err"; then
		fail "export $name: rtprof exited with $?: $(tail -2 "$TMP/$name.err" | tr '\n' ' ')"
		return 1
	fi
}
run cpu "$RTPROF" profile -F 499 -o "$TMP/cpu.pb.gz" -o "$TMP/cpu.folded" \
	-o "$TMP/cpu.speedscope.json" -- "$TARGETS/profile_target" 2
run kt "$RTPROF" profile -F 499 -K -T -o "$TMP/kt.pb.gz" -o "$TMP/kt.folded" \
	--speedscope "$TMP/kt.speedscope.json" -- "$TARGETS/profile_threads" 3 1.5
run inl "$RTPROF" profile -F 999 -d 2 --pprof "$TMP/inl.pb.gz" --folded "$TMP/inl.folded" \
	-- "$TARGETS/symbolize_target" "$TMP/inl.addr" busy
if [ -x "$PY" ]; then
	run py "$RTPROF" profile -F 499 -o "$TMP/py.pb.gz" -o "$TMP/py.folded" \
		-o "$TMP/py.speedscope.json" -- "$PY" tests/targets/py_frames.py shares "$TMP/py.truth" 1.5
else
	fail "export py: $PY missing (make deps)"
fi
run ml "$RTPROF" memleak -o "$TMP/ml.pb.gz" -o "$TMP/ml.folded" -o "$TMP/ml.speedscope.json" \
	-- "$TARGETS/memleak_target"

# nothing of rtprof's on stdout with -o (memleak's target prints nothing either)
for n in cpu ml; do
	if [ -s "$TMP/$n.out" ]; then
		fail "export $n -o: stdout not empty: $(head -c 120 "$TMP/$n.out" | tr '\n' ' ')"
	else
		ok "export $n -o: nothing on stdout"
	fi
done

# ---- every pprof file: go tool pprof, pprof-format, rtprof export ----
check_pprof() { # NAME [SAMPLE_TYPE]
	local n=$1 st=${2-} p=$TMP/$1.pb.gz f=$TMP/$1.folded why="" go_opts=()
	[ -s "$p" ] && [ -s "$f" ] || { fail "export $n: no pprof or folded file"; return; }
	[ -n "$st" ] && go_opts=(-sample_index="$st" -unit=B)
	[ "$(head -c 2 "$p" | od -An -tx1 | tr -d ' ')" = 1f8b ] || why="$why not gzip;"
	if ! "${GOPPROF[@]}" -raw "$p" >"$TMP/$n.raw" 2>"$TMP/$n.raw.err"; then
		why="$why go tool pprof -raw: $(head -2 "$TMP/$n.raw.err" | tr '\n' ' ');"
	fi
	if ! "${GOPPROF[@]}" "${go_opts[@]}" -traces "$p" >"$TMP/$n.traces" 2>"$TMP/$n.traces.err"; then
		why="$why go tool pprof -traces: $(head -2 "$TMP/$n.traces.err" | tr '\n' ' ');"
	fi
	python3 "$TMP/traces2folded.py" <"$TMP/$n.traces" | LC_ALL=C sort >"$TMP/$n.go.folded"
	if ! diff -q "$TMP/$n.go.folded" <(sorted "$f") >/dev/null; then
		why="$why go tool pprof -traces differs from folded: $(diff "$TMP/$n.go.folded" <(sorted "$f") |
			head -3 | tr '\n' ' ');"
	fi
	if ! node tests/browser/pprof_check.js "$p" "$st" "$TMP/$n.summary.json" >"$TMP/$n.js.folded" \
		2>"$TMP/$n.js.err"; then
		why="$why pprof-format: $(head -3 "$TMP/$n.js.err" | tr '\n' ' ');"
	fi
	if ! diff -q <(sorted "$TMP/$n.js.folded") <(sorted "$f") >/dev/null; then
		why="$why pprof-format stacks differ from folded;"
	fi
	if [ -z "$why" ]; then
		ok "export $n: go tool pprof and pprof-format read $(total "$f") ${st:-samples} in $(wc -l <"$f") stacks, exactly the folded ones ($(stat -c %s "$p") bytes)"
	else
		fail "export $n:$why"
	fi
	# rtprof export: pprof -> folded is the folded output; folded -> pprof -> folded is itself
	why=""
	"$RTPROF" export ${st:+--sample-type "$st"} "$p" -o "$TMP/$n.back.folded" 2>"$TMP/$n.exp.err" ||
		why="$why export pprof->folded exited $?;"
	cmp -s "$TMP/$n.back.folded" "$f" || why="$why pprof->folded differs;"
	"$RTPROF" export "$f" -o "$TMP/$n.rt.pb.gz" 2>>"$TMP/$n.exp.err" || why="$why export folded->pprof exited $?;"
	"$RTPROF" export "$TMP/$n.rt.pb.gz" -o "$TMP/$n.rt.folded" 2>>"$TMP/$n.exp.err" ||
		why="$why export pprof->folded exited $?;"
	cmp -s "$TMP/$n.rt.folded" "$f" || why="$why folded->pprof->folded differs;"
	"$RTPROF" export "$f" -o "$TMP/$n.rt2.pb.gz" 2>>"$TMP/$n.exp.err"
	cmp -s "$TMP/$n.rt.pb.gz" "$TMP/$n.rt2.pb.gz" || why="$why same folded, different pprof bytes;"
	"$RTPROF" export "$p" -o "$TMP/$n.rt3.pb.gz" 2>>"$TMP/$n.exp.err"
	"$RTPROF" export "$p" -o "$TMP/$n.rt4.pb.gz" 2>>"$TMP/$n.exp.err"
	cmp -s "$TMP/$n.rt3.pb.gz" "$TMP/$n.rt4.pb.gz" || why="$why same pprof, different pprof bytes;"
	if [ -z "$why" ]; then
		ok "export $n: round trips pprof->folded and folded->pprof->folded exact, same input same bytes"
	else
		fail "export $n:$why $(head -2 "$TMP/$n.exp.err" | tr '\n' ' ')"
	fi
}

# summary checks: python3 -c CODE SUMMARY [ARGS...] exits 1 with a reason
summary() { # NAME CHECK_CODE ARGS...: the check reads s (summary), raw (go -raw), a (args)
	local n=$1 code=$2
	shift 2
	local out
	if out=$(python3 - "$TMP/$n.summary.json" "$TMP/$n.raw" "$TMP/$n.traces" "$@" 2>&1 <<EOF
import json, sys
s = json.load(open(sys.argv[1])); raw = open(sys.argv[2]).read(); traces = open(sys.argv[3]).read()
a = sys.argv[4:]
$code
EOF
	); then ok "export $n: $out"; else fail "export $n: $(printf '%s' "$out" | tail -2 | tr '\n' ' ')"; fi
}

[ -s "$TMP/cpu.pb.gz" ] && check_pprof cpu && summary cpu '
m = s["mappings"][0]
assert m["filename"] == a[0] and m["build_id"] == a[1], f"mapping[0] {m} is not {a}"
assert all(m[k] for k in ("has_functions", "has_filenames", "has_line_numbers", "has_inline_frames")), m
assert [t["type"] + "/" + t["unit"] for t in s["sample_types"]] == ["samples/count", "cpu/nanoseconds"]
assert s["period"] == round(1e9 / 499) and s["period_type"] == {"type": "cpu", "unit": "nanoseconds"}
assert s["default_sample_type"] == "samples" and s["time_nanos"] > 0 and s["duration_nanos"] > 0
line = [l for l in raw.splitlines() if a[0] in l and a[1] in l]
assert line and "[FN][FL][LN][IN]" in line[0], "go -raw mapping line: %s" % line
print("mapping[0] is the program with build id %s, %s; period %d ns" % (a[1], line[0].split()[-1], s["period"]))
' "$TARGETS/profile_target" "$(build_id "$TARGETS/profile_target")"

[ -s "$TMP/kt.pb.gz" ] && check_pprof kt && summary kt '
k = [m for m in s["mappings"] if m["filename"] == "[kernel.kallsyms]"]
assert k and len(k[0]["build_id"]) >= 40, "kernel mapping: %s" % k
assert sorted(s["labels"]) == ["pid", "thread_id", "thread_name"], s["labels"]
assert "_[k]" in traces and "thread_name:" in traces
print("kernel frames in [kernel.kallsyms] (build id %s), thread_name/thread_id/pid labels" % k[0]["build_id"][:12])
'

[ -s "$TMP/inl.pb.gz" ] && check_pprof inl && summary inl '
chains = [c for c in s["inline_locations"] if c[-1].startswith("sym_") and "sym_leaf" in c[:-1]]
assert chains, "no sym_leaf inlined into a sym_ function: %s" % s["inline_locations"][:5]
assert " (inline)" in traces, "go tool pprof shows no (inline)"
m = [m for m in s["mappings"] if m["filename"] == a[0]]
assert m and m[0]["build_id"] == a[1] and m[0]["has_inline_frames"], m
print("inline chains as Lines of one Location, e.g. %s; go tool pprof prints (inline)" % " <- ".join(chains[0]))
' "$TARGETS/symbolize_target" "$(build_id "$TARGETS/symbolize_target")"

[ -s "$TMP/py.pb.gz" ] && check_pprof py && summary py '
fr = {f["system_name"]: f for f in s["interpreter_frames"]}
for fn in ("func_a", "func_b", "func_c"):
    f = fr.get(fn)
    assert f, "no Python frame %s: %s" % (fn, list(fr)[:8])
    assert f["filename"].endswith("py_frames.py") and f["name"] == "%s (%s)" % (fn, f["filename"]), f
    assert all(l > 0 for l in f["lines"]), f
print("Python frames keep file and line: %s" % ", ".join("%s %s:%s" % (n, fr[n]["filename"].split("/")[-1], sorted(set(fr[n]["lines"]))) for n in ("func_a", "func_b", "func_c")))
'

[ -s "$TMP/ml.pb.gz" ] && check_pprof ml inuse_space && summary ml '
assert [t["type"] + "/" + t["unit"] for t in s["sample_types"]] == ["inuse_objects/count", "inuse_space/bytes"]
assert s["default_sample_type"] == "inuse_space"
m = s["mappings"][0]
assert m["filename"] == a[0] and m["build_id"] == a[1], m
print("inuse_objects/count, inuse_space/bytes (default); mapping[0] %s" % m["filename"].split("/")[-1])
' "$TARGETS/memleak_target" "$(build_id "$TARGETS/memleak_target")"

# ---- speedscope ----
python3 - "$TMP" >"$TMP/ss.cases" <<'EOF'
import json, os, sys
t = sys.argv[1]
names = ["cpu.pb.gz", "cpu.speedscope.json", "kt.pb.gz", "kt.speedscope.json", "inl.pb.gz",
         "py.pb.gz", "py.speedscope.json", "ml.pb.gz", "ml.speedscope.json"]
print(json.dumps([{"file": os.path.join(t, n), "name": n} for n in names
                  if os.path.exists(os.path.join(t, n)) and os.path.getsize(os.path.join(t, n))]))
EOF
if ! node tests/browser/speedscope.test.js "$TMP/ss.cases" "$TMP/ss.results" 2>"$TMP/ss.err"; then
	fail "export speedscope: node exited $?: $(tail -3 "$TMP/ss.err" | tr '\n' ' ')"
else
	python3 - "$TMP" <<'EOF'
import json, os, sys
t = sys.argv[1]
def folded(n):
    out = {}
    for line in open(os.path.join(t, n + ".folded")):
        s, c = line.rstrip("\n").rsplit(" ", 1)
        out[s] = out.get(s, 0) + float(c)
    return out
def close(a, b):
    return abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b))
def same_stacks(got, want):
    keys = set(got) | set(want)
    bad = [k for k in keys if not close(got.get(k, 0), want.get(k, 0))]
    return bad
period = {}
for n in ("cpu", "kt", "inl", "py"):
    p = os.path.join(t, n + ".summary.json")
    if os.path.exists(p):
        period[n] = json.load(open(p))["period"]
for r in json.load(open(os.path.join(t, "ss.results"))):
    name = r["name"]
    n, kind = name.split(".", 1)
    why = []
    if r["title"] != name + " - speedscope":
        why.append("title %r" % r["title"])
    want_line = "Importing as protobuf encoded pprof file" if kind == "pb.gz" else "Importing as speedscope json file"
    if not any(want_line in c for c in r["console"]):
        why.append("no %r" % want_line)
    why += r["problems"][:3]
    f = folded(n)
    if kind == "pb.gz" and r["profiles"]:
        p = r["profiles"][0]
        scale = period.get(n, 1) if p["unit"] == "nanoseconds" else 1
        want = sum(f.values()) * scale
        if len(r["profiles"]) != 1 or not close(p["total"], want):
            why.append("total %s %s, ours %s" % (p["total"], p["unit"], want))
        detail = "total %.0f %s" % (p["total"], p["unit"])
    elif r["profiles"]:
        scale = period.get(n, 1)
        unit = "bytes" if n == "ml" else "nanoseconds"
        if n == "kt":  # a profile per thread: our folded stacks under root "comm-TID"
            per = {}
            for s, c in f.items():
                root, _, rest = s.partition(";")
                per.setdefault(root, {})[rest or root] = per.get(root, {}).get(rest or root, 0) + c
        else:
            per = {None: f}
        got = {p["name"]: p for p in r["profiles"]}
        if n == "kt" and sorted(got) != sorted(per):
            why.append("profiles %s, threads %s" % (sorted(got), sorted(per)))
        for root, stacks in per.items():
            p = got.get(root) if root else r["profiles"][0]
            if not p:
                continue
            want = {k: v * scale for k, v in stacks.items()}
            if p["unit"] != unit or not close(p["total"], sum(want.values())):
                why.append("%s: total %s %s, ours %s" % (root or n, p["total"], p["unit"], sum(want.values())))
            bad = same_stacks(p["stacks"], want)
            if bad:
                why.append("%s: %d stacks differ, e.g. %s: %s vs %s" % (root or n, len(bad), bad[0][:80], p["stacks"].get(bad[0]), want.get(bad[0])))
        detail = "%d profile%s, stacks and totals equal" % (len(r["profiles"]), "s" * (len(r["profiles"]) > 1))
    else:
        why.append("nothing imported")
        detail = ""
    print(("FAIL export speedscope %s: %s" % (name, "; ".join(why))) if why else "ok export speedscope %s: imported, %s" % (name, detail))
EOF
fi
for n in cpu kt py ml; do
	s=$TMP/$n.speedscope.json
	[ -s "$s" ] || continue
	if out=$("$SCHEMA_PY" - "$s" tests/browser/node_modules/speedscope/dist/release/file-format-schema.json 2>&1 <<'EOF'
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))
EOF
	); then ok "export speedscope $n: valid against file-format-schema.json"; else
		fail "export speedscope $n: schema: $(printf '%s' "$out" | tail -1)"; fi
done

# ---- bad input and bad options ----
bad_input() { # NAME EXPECTED_CODE RTPROF_ARGS...
	local name=$1 want=$2 rc lines
	shift 2
	"$RTPROF" "$@" >"$TMP/bad.out" 2>"$TMP/bad.err"
	rc=$?
	lines=$(wc -l <"$TMP/bad.err")
	if [ $rc = "$want" ] && [ "$lines" = 1 ]; then
		ok "export bad input $name: exit $rc, one line: $(cat "$TMP/bad.err")"
	else
		fail "export bad input $name: exit $rc (want $want), $lines lines: $(head -3 "$TMP/bad.err" | tr '\n' ' ')"
	fi
}
printf '\001\002garbage\377' >"$TMP/garbage.bin"
[ -s "$TMP/cpu.pb.gz" ] && head -c 300 "$TMP/cpu.pb.gz" >"$TMP/cut.pb.gz"
printf 'a;b 1 2\n' >"$TMP/diff.folded"
bad_input garbage 6 export "$TMP/garbage.bin" -o "$TMP/x.folded"
[ -s "$TMP/cut.pb.gz" ] && bad_input truncated-gzip 6 export "$TMP/cut.pb.gz" -o "$TMP/x.folded"
bad_input missing 6 export "$TMP/nonexistent.pb.gz" -o "$TMP/x.folded"
mkdir -p "$TMP/adir"
bad_input directory 6 export "$TMP/adir" -o "$TMP/x.pb.gz"
bad_input differential 6 export "$TMP/diff.folded" -o "$TMP/x.pb.gz"
[ -s "$TMP/cpu.pb.gz" ] && bad_input sample-type 6 export --sample-type nope "$TMP/cpu.pb.gz" -o "$TMP/x.folded"
bad_input extension 2 export "$TMP/diff.folded" -o "$TMP/x.txt"
bad_input profile-extension 2 profile -o "$TMP/x.txt" -p 1
exit 0
