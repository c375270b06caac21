#!/bin/bash
# rtprof compare and rtprof record.
# Statistics on synthetic record directories (tests/tools/gen_runs.py: functions doing fixed
# work, 3% lognormal run-to-run noise, 10,000 samples drawn per run, fixed seeds, so the verdicts
# are deterministic): identical code 8 against 8 passes; one function holding 6% slowed by 20%
# fails with exit 7 and is named first; two slowed functions come worst first; 3 runs per side
# give "need >= N runs per side", never a verdict (exit 0, or 8 with --inconclusive fail). The
# reports: text <= 100 columns with ~, one Markdown table, JUnit XML (xmllint, one test case per
# tested function, each with the mdc the JSON and the text table show), JSON, the differential SVG; lists of files, --by total, a different kernel
# warned, bad input, the runs as pprof files; the minimum detectable change against a Python
# simulation of the gate (tests/tools/mdc_ref.py). Then one small real record (3 runs of
# profile_target as pprof, root) end to end.
source "$(dirname "$0")/../lib.sh"
PY=/usr/bin/python3.11
GEN="$PY tests/tools/gen_runs.py"

$GEN "$TMP/a" 8 101
$GEN "$TMP/b" 8 202
$GEN "$TMP/slow" 8 303 --slow epsilon:20
$GEN "$TMP/slow2" 8 404 --slow epsilon:20 --slow delta:20
$GEN "$TMP/a3" 3 505
$GEN "$TMP/slow3" 3 606 --slow epsilon:50
$GEN "$TMP/otherk" 8 707 --kernel "6.9.9-other #2 SMP"

# cmp_run NAME ARGS...: rtprof compare, stdout/stderr/exit in $TMP/NAME.{out,err,rc}
cmp_run() {
	local name=$1
	shift
	"$RTPROF" compare "$@" >"$TMP/$name.out" 2>"$TMP/$name.err"
	echo $? >"$TMP/$name.rc"
}
rc() { cat "$TMP/$1.rc"; }
# the function column of the first table row
first_row() { awk '/^function /{getline; print $1; exit}' "$TMP/$1.out"; }

cmp_run aa "$TMP/a" "$TMP/b" --markdown "$TMP/aa.md" --junit "$TMP/aa.xml" --json "$TMP/aa.json"
if [ "$(rc aa)" = 0 ] && grep -q '^verdict: no significant regression' "$TMP/aa.out" &&
	! grep -q REGRESSION "$TMP/aa.out"; then
	ok "compare_identical_8v8 (exit 0)"
else
	fail "compare_identical_8v8: exit $(rc aa): $(grep verdict "$TMP/aa.out") $(head -2 "$TMP/aa.err")"
fi

cmp_run slow "$TMP/a" "$TMP/slow" --markdown "$TMP/slow.md" --junit "$TMP/slow.xml" \
	--json "$TMP/slow.json" --svg "$TMP/slow.svg"
if [ "$(rc slow)" = 7 ] && [ "$(first_row slow)" = epsilon ] &&
	grep -q '^epsilon .*REGRESSION$' "$TMP/slow.out" && [ "$(grep -c REGRESSION "$TMP/slow.out")" = 2 ] &&
	grep -q 'compare: regression: epsilon: self share' "$TMP/slow.err"; then
	ok "compare_slowed_20pct (exit 7, epsilon named first: $(grep '^verdict' "$TMP/slow.out"))"
else
	fail "compare_slowed_20pct: exit $(rc slow), first row $(first_row slow): $(grep -E 'REGRESSION|verdict' "$TMP/slow.out" | tr '\n' ' ')"
fi

cmp_run slow2 "$TMP/a" "$TMP/slow2"
names=$(awk '/REGRESSION$/ { print $1 }' "$TMP/slow2.out" | tr '\n' ' ')
if [ "$(rc slow2)" = 7 ] && [ "$names" = "delta epsilon " ] &&
	[ "$(grep -c 'compare: regression:' "$TMP/slow2.err")" = 2 ] &&
	head -1 "$TMP/slow2.err" | grep -q 'regression: delta'; then
	ok "compare_worst_first (delta +2 pp before epsilon +1.1 pp)"
else
	fail "compare_worst_first: exit $(rc slow2), regressions '$names'"
fi

cmp_run few "$TMP/a3" "$TMP/slow3" --junit "$TMP/few.xml" --json "$TMP/few.json"
if [ "$(rc few)" = 0 ] && grep -q '^verdict: no verdict: need >= 5 runs per side' "$TMP/few.out" &&
	! grep -q REGRESSION "$TMP/few.out" && grep -q 'need >= 5 runs per side (have 3 and 3)' "$TMP/few.err"; then
	ok "compare_3v3_needs_more_runs (+50% in epsilon, no verdict, exit 0)"
else
	fail "compare_3v3_needs_more_runs: exit $(rc few): $(grep verdict "$TMP/few.out")"
fi
cmp_run few8 "$TMP/a3" "$TMP/slow3" --inconclusive fail
[ "$(rc few8)" = 8 ] && ok "compare_inconclusive_fail (exit 8)" || fail "compare_inconclusive_fail: exit $(rc few8)"
# K = 20 functions at alpha 0.05 need 6 per side (1/924 <= 0.0025 < 1/252)
$PY - "$TMP/k20" <<'PYEOF'
import os, sys
for side, n in (("a", 5), ("b", 5)):
    d = os.path.join(sys.argv[1], side)
    os.makedirs(d)
    for r in range(n):
        with open(os.path.join(d, "run-%02d.folded" % (r + 1)), "w") as f:
            for i in range(20):
                f.write("main;f%02d %d\n" % (i, 100 + 7 * i + r))
PYEOF
cmp_run k20 "$TMP/k20/a" "$TMP/k20/b"
if [ "$(rc k20)" = 0 ] && grep -q 'need >= 6 runs per side to reach significance with 20 functions' "$TMP/k20.out"; then
	ok "compare_5v5_k20_needs_6"
else
	fail "compare_5v5_k20_needs_6: exit $(rc k20): $(grep verdict "$TMP/k20.out")"
fi

# reports
wide=$(awk 'length > 100' "$TMP/aa.out" "$TMP/slow.out" "$TMP/few.out" | head -1)
if [ -z "$wide" ] && grep -q '^alpha .* ~ ' "$TMP/aa.out"; then
	ok "compare_text_100_columns (with ~ for not significant)"
else
	fail "compare_text_100_columns: '${wide:-no ~ in the table}'"
fi
tables=$(awk '/^\|/ { if (!in_t) n++; in_t = 1; next } { in_t = 0 } END { print n + 0 }' "$TMP/slow.md")
rows=$(grep -c '^| `' "$TMP/slow.md")
if [ "$tables" = 1 ] && [ "$rows" = 7 ] && grep -q '^|---|' "$TMP/slow.md" &&
	grep -q '^### rtprof compare: REGRESSION in epsilon' "$TMP/slow.md"; then
	ok "compare_markdown_one_table (7 rows)"
else
	fail "compare_markdown_one_table: $tables tables, $rows rows"
fi
junit_check() { # FILE TESTS FAILURES SKIPPED
	xmllint --noout "$1" || return 1
	[ "$(xmllint --xpath 'count(//testcase)' "$1")" = "$2" ] &&
		[ "$(xmllint --xpath 'count(//testcase/failure)' "$1")" = "$3" ] &&
		[ "$(xmllint --xpath 'count(//testcase/skipped)' "$1")" = "$4" ] &&
		[ "$(xmllint --xpath 'string(/testsuites/@failures)' "$1")" = "$3" ]
}
if junit_check "$TMP/aa.xml" 7 0 0 && junit_check "$TMP/slow.xml" 7 1 0 && junit_check "$TMP/few.xml" 7 0 7 &&
	[ "$(xmllint --xpath 'string(//testcase[failure]/@name)' "$TMP/slow.xml")" = epsilon ]; then
	ok "compare_junit (xmllint; 7 test cases; the failure is epsilon; skipped without verdict)"
else
	fail "compare_junit: $(xmllint --noout "$TMP/slow.xml" 2>&1 | head -1)"
fi
# each test case's figures carry the minimum detectable change: in pp exactly the JSON's mdc_pp
# of the same function as printed (2 decimals), relative to base exactly the text table's mdc
# column, at the JSON's power; a regression's in its failure message and text, the others' in
# <system-out>; "mdc -" for every case when the runs can flag nothing
if $PY - "$TMP"/{aa,slow,few}.{xml,json,out} <<'PYEOF'; then
import json, re, sys
import xml.etree.ElementTree as ET
n = 0
for i in range(3):
    xml, js, out = sys.argv[1 + 3 * i:4 + 3 * i]
    report = json.load(open(js))
    funcs = {f["name"]: f for f in report["functions"]}
    lines = open(out).read().split("\n")
    start = [k for k, l in enumerate(lines) if l.startswith("function ")][0] + 1
    table = {}
    for l in lines[start:]:
        if not l.strip():
            break
        t = l.split()  # ... mdc p [REGRESSION | below min]
        t = t[:-1] if t[-1] == "REGRESSION" else t[:-2] if t[-2:] == ["below", "min"] else t
        table[t[0]] = t[-2]
    root = ET.parse(xml).getroot()
    props = {p.get("name"): p.get("value") for p in root.iter("property")}
    assert float(props["power"]) == report["power"], props
    for tc in root.iter("testcase"):
        f = funcs[tc.get("name")]
        fail, so = tc.find("failure"), tc.find("system-out")
        assert (fail is not None) == f["regression"] and (so is None) == f["regression"], tc.get("name")
        text = fail.text if fail is not None else so.text
        if fail is not None:
            assert fail.get("message") in text, (fail.get("message"), text)
        if f["mdc_pp"] is None:
            assert "; mdc -: these runs can flag nothing" in text, text
        else:
            m = re.search(r"; mdc (\S+) \(([0-9.]+) pp\) at power ([0-9.]+)$", text.split("\n")[0])
            assert m, text
            assert m.group(2) == "%.2f" % f["mdc_pp"], (f["name"], m.group(2), f["mdc_pp"])
            assert float(m.group(3)) == report["power"]
            assert m.group(1) == table[f["name"]], (f["name"], m.group(1), table[f["name"]])
            if f["name"] == "epsilon" and report["verdict"] == "regression":
                print("epsilon: %s" % text.split("\n")[0])
        n += 1
assert n == 21, n
PYEOF
	ok "compare_junit_mdc (21 test cases: mdc pp = the JSON's mdc_pp, % = the text table's)"
else
	fail "compare_junit_mdc: the figures above"
fi
if $PY - "$TMP/aa.json" "$TMP/slow.json" "$TMP/few.json" <<'PYEOF'; then
import json, sys
aa, slow, few = (json.load(open(f)) for f in sys.argv[1:])
assert aa["verdict"] == "pass" and slow["verdict"] == "regression" and few["verdict"] == "inconclusive"
assert few["runs_needed"] == 5 and not few["possible"] and slow["possible"]
f = slow["functions"][0]
assert f["name"] == "epsilon" and f["regression"] and f["p_holm"] <= 0.05
assert 15 < f["change_pct"] < 25 and len(f["base_runs"]) == 8 and len(f["new_runs"]) == 8
assert f["ci_pct"][0] <= f["change_pct"] <= f["ci_pct"][1]
assert f["self_pct"]["base"] == f["base_runs"] and len(f["total_pct"]["new"]) == 8
assert sum(x["regression"] for x in slow["functions"]) == 1 and len(slow["functions"]) == slow["tests"]
PYEOF
	ok "compare_json"
else
	fail "compare_json: the figures above"
fi
# the minimum detectable change: the pooled SD recomputed here from the runs in the JSON, and the
# gate simulated from its definition by tests/tools/mdc_ref.py (its own exact critical value,
# random numbers and Hodges-Lehmann check) at the reported change: flagged with probability 0.8
# (+- 0.025), and clearly less often at 85% of it; none with 3 + 3 runs
if $PY - "$TMP/aa.json" "$TMP/few.json" "$TMP/aa.out" "$TMP/aa.md" <<'PYEOF'; then
import json, math, sys
sys.path.insert(0, "tests/tools")
import mdc_ref
aa, few = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
k, alpha = aa["tests"], aa["alpha"] / aa["tests"]
assert aa["power"] == 0.8 and k == 7
for f in aa["functions"]:
    x, y = f["base_runs"], f["new_runs"]
    mx, my = sum(x) / len(x), sum(y) / len(y)
    sd = math.sqrt((sum((v - mx) ** 2 for v in x) + sum((v - my) ** 2 for v in y)) / (len(x) + len(y) - 2))
    assert abs(f["run_sd_pp"] - sd) < 1e-3, (f["name"], f["run_sd_pp"], sd)
    floor = max(aa["min_share_pp"], aa["min_change_pct"] / 100 * f["base_pct"])
    assert f["mdc_pp"] > floor and abs(f["mdc_pct"] - 100 * f["mdc_pp"] / f["base_pct"]) < 0.01, f
    if f["name"] in ("alpha", "epsilon"):
        p = mdc_ref.power(8, 8, alpha, f["mdc_pp"] / sd, floor / sd)
        p85 = mdc_ref.power(8, 8, alpha, 0.85 * f["mdc_pp"] / sd, floor / sd)
        assert abs(p - 0.8) <= 0.025 and p85 < 0.72, (f["name"], p, p85)
        print("%s: sd %.3f pp, mdc %.3f pp (%.1f%%): flagged %.3f, at 85%%: %.3f" % (
            f["name"], sd, f["mdc_pp"], f["mdc_pct"], p, p85))
assert all(f["mdc_pp"] is None for f in few["functions"])
head = [l for l in open(sys.argv[3]) if l.startswith("function ")][0].split()
assert head[-2:] == ["mdc", "p"], head
assert "| mdc |" in open(sys.argv[4]).read()
PYEOF
	ok "compare_mdc (pooled SD and the simulated gate's power at the reported mdc agree; - with 3 + 3)"
else
	fail "compare_mdc: the figures above"
fi
if xmllint --noout "$TMP/slow.svg" 2>/dev/null && grep -q '<title>epsilon (' "$TMP/slow.svg" &&
	grep -q 'rtprof compare' "$TMP/slow.svg"; then
	ok "compare_svg (differential flame graph of the merged runs)"
else
	fail "compare_svg"
fi
cmp_run again "$TMP/a" "$TMP/slow" --json "$TMP/again.json"
cmp -s "$TMP/slow.json" "$TMP/again.json" && cmp -s "$TMP/slow.out" "$TMP/again.out" &&
	ok "compare_deterministic" || fail "compare_deterministic: two runs differ"

# inputs
list() { ls "$1"/run-*.folded | tr '\n' , | sed 's/,$//'; }
cmp_run list "$(list "$TMP/a")" "$(list "$TMP/slow")"
if [ "$(rc list)" = 7 ] && [ "$(grep '^verdict' "$TMP/list.out")" = "$(grep '^verdict' "$TMP/slow.out")" ]; then
	ok "compare_file_lists (same verdict as the directories)"
else
	fail "compare_file_lists: exit $(rc list)"
fi
# the same runs as pprof (rtprof export): the same verdict and figures
for d in a slow; do
	mkdir -p "$TMP/pp-$d"
	for f in "$TMP/$d"/run-*.folded; do
		b=$(basename "$f" .folded)
		"$RTPROF" export "$f" -o "$TMP/pp-$d/$b.pb.gz" 2>/dev/null
	done
done
cmp_run pprof "$TMP/pp-a" "$TMP/pp-slow"
if [ "$(rc pprof)" = 7 ] && [ "$(ls "$TMP/pp-a"/run-*.pb.gz | wc -l)" = 8 ] &&
	diff <(sed 1,2d "$TMP/pprof.out") <(sed 1,2d "$TMP/slow.out") >/dev/null; then
	ok "compare_pprof_inputs (same table and verdict as the folded runs)"
else
	fail "compare_pprof_inputs: exit $(rc pprof): $(diff <(sed 1,2d "$TMP/pprof.out") <(sed 1,2d "$TMP/slow.out") | head -3 | tr '\n' ' ')"
fi
cmp_run mixed "$TMP/pp-a" "$(list "$TMP/slow")" --svg "$TMP/mixed.svg"
[ "$(rc mixed)" = 7 ] && xmllint --noout "$TMP/mixed.svg" && ok "compare_pprof_base_folded_new (and the SVG)" ||
	fail "compare_pprof_base_folded_new: exit $(rc mixed)"
cmp_run one "$TMP/a/run-01.folded" "$TMP/slow/run-01.folded"
if [ "$(rc one)" = 0 ] && grep -q 'need >= ' "$TMP/one.out"; then
	ok "compare_one_profile_each (no verdict)"
else
	fail "compare_one_profile_each: exit $(rc one)"
fi
cmp_run total "$TMP/a" "$TMP/slow" --by total --top 5
if [ "$(rc total)" = 7 ] && [ "$(first_row total)" = epsilon ] && grep -q '^total share' "$TMP/total.out"; then
	ok "compare_by_total"
else
	fail "compare_by_total: exit $(rc total), first $(first_row total)"
fi
cmp_run env "$TMP/a" "$TMP/otherk"
if [ "$(rc env)" = 0 ] && grep -q "warning: base and new ran on different kernels: '6.1.0-test #1 SMP' and '6.9.9-other #2 SMP'" "$TMP/env.err"; then
	ok "compare_env_warning"
else
	fail "compare_env_warning: exit $(rc env): $(cat "$TMP/env.err")"
fi
cmp_run strict "$TMP/a" "$TMP/slow" --min-change 30
[ "$(rc strict)" = 0 ] && grep -q 'below min' "$TMP/strict.out" &&
	ok "compare_min_change (significant but below 30%: exit 0)" || fail "compare_min_change: exit $(rc strict)"
mkdir -p "$TMP/empty"
bad() { # NAME WANT ARGS...
	local name=$1 want=$2
	shift 2
	cmp_run "$name" "$@"
	[ "$(rc "$name")" = "$want" ] && ok "compare_$name (exit $want: $(head -1 "$TMP/$name.err"))" ||
		fail "compare_$name: exit $(rc "$name"), expected $want: $(head -1 "$TMP/$name.err")"
}
bad missing 6 "$TMP/nope" "$TMP/a"
bad empty_dir 6 "$TMP/empty" "$TMP/a"
bad one_arg 2 "$TMP/a"
bad bad_by 2 "$TMP/a" "$TMP/b" --by cpu
bad bad_alpha 2 "$TMP/a" "$TMP/b" --alpha 1.5

# record, end to end: needs root
if ! is_root; then
	fail "record: needs root"
	exit 0
fi
R="$TMP/rec"
if "$RTPROF" record -o "$R" --runs 3 -F 999 -- "$TARGETS/profile_target" 0.4 >"$TMP/rec.out" 2>"$TMP/rec.err"; then
	for f in "$R"/run-*.pb.gz; do
		"$RTPROF" export --sample-type samples "$f" -o "$f.folded" 2>/dev/null
	done
	if $PY - "$R" <<'PYEOF'; then
import json, os, sys
d = sys.argv[1]
m = json.load(open(os.path.join(d, "manifest.json")))
assert sorted(f for f in os.listdir(d) if f.startswith("run-") and f.endswith(".pb.gz")) == ["run-01.pb.gz", "run-02.pb.gz", "run-03.pb.gz"]
assert m["command"][0].endswith("profile_target") and m["command"][1] == "0.4"
assert m["frequency_hz"] == 999 and m["profile_options"] == ["-F", "999"] and m["duration_s"] is None
assert m["kernel"] and m["cpu_model"] and m["rtprof_version"] and m["format"] == "pb.gz"
assert len(m["runs"]) == 3 and all(r["exit_status"] == 0 and r["samples"] > 100 for r in m["runs"])
for r in m["runs"]:
    n = sum(int(l.rsplit(" ", 1)[1]) for l in open(os.path.join(d, r["file"] + ".folded")))
    assert n == r["samples"], (n, r)
PYEOF
		ok "record_3_runs (run-01..03.pb.gz, manifest with command, kernel, CPU, 999 Hz, exit statuses, samples = the pprof's sample counts)"
	else
		fail "record_3_runs: manifest or files wrong"
	fi
	if command -v go >/dev/null; then
		go tool pprof -raw -symbolize=none "$R/run-01.pb.gz" >"$TMP/raw.txt" 2>&1 &&
			grep -q '^PeriodType: cpu nanoseconds' "$TMP/raw.txt" &&
			ok "record_runs_read_by_go_tool_pprof" ||
			fail "record_runs_read_by_go_tool_pprof: $(head -2 "$TMP/raw.txt")"
	fi
	rm -f "$R"/*.folded
	"$RTPROF" compare "$R" "$R" >"$TMP/rr.out" 2>&1
	rc=$?
	if [ $rc = 0 ] && grep -q 'need >= .* runs per side' "$TMP/rr.out" && grep -q '^busy_alpha ' "$TMP/rr.out"; then
		ok "record_then_compare (3 v 3: need more runs)"
	else
		fail "record_then_compare: exit $rc: $(grep verdict "$TMP/rr.out")"
	fi
else
	fail "record_3_runs: exit $?: $(tail -2 "$TMP/rec.err" | tr '\n' ' ')"
fi
"$RTPROF" record -o "$TMP/recf" --runs 3 -- /bin/sh -c 'exit 3' >/dev/null 2>"$TMP/recf.err"
rc=$?
if [ $rc = 1 ] && grep -q 'record: run 1 of 3: /bin/sh exited with status 3' "$TMP/recf.err" &&
	$PY -c 'import json,sys; m=json.load(open(sys.argv[1])); assert [r["exit_status"] for r in m["runs"]] == [3]' "$TMP/recf/manifest.json"; then
	ok "record_failing_run (exit 1, named, in the manifest)"
else
	fail "record_failing_run: exit $rc: $(tail -1 "$TMP/recf.err")"
fi
"$RTPROF" record -o "$TMP/recp" --runs 2 -p 1 >/dev/null 2>"$TMP/recp.err"
rc=$?
[ $rc = 2 ] && grep -q 'record: -p does not apply' "$TMP/recp.err" && ok "record_refuses_pid (exit 2)" ||
	fail "record_refuses_pid: exit $rc: $(cat "$TMP/recp.err")"
