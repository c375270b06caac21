#!/bin/bash
# rtprof push against a loopback HTTP listener the test starts (tests/tools/capture_http.py): the
# Pyroscope request is POST /ingest with name APP{k=v,...}, from/until from the profile's
# time_nanos and duration_nanos, format=pprof, spyName=rtprof, X-Scope-OrgID, and a body equal
# to the file (which go tool pprof reads), also for a pprof rtprof profile wrote; a folded file goes as
# format=folded with sampleRate; Parca's /profiles/writeraw gets JSON whose base64 rawProfile
# decodes to the file; strace shows connect() to the listener's address only. Refused: https,
# a folded file for Parca, bad labels; server errors and a closed port fail with exit 1.
# profile --push: the same requests at the end of a profile (Pyroscope, Parca), whose pprof body
# go tool pprof reads with the sample count profile reported; a push that fails is one line and
# exit 1 with every file written; push options without --push and https are usage errors.
source "$(dirname "$0")/../lib.sh"
PY=/usr/bin/python3.11

# serve DIR [STATUS]: start a capture server writing to DIR; its port in $PORT
serve() {
	mkdir -p "$1"
	bg $PY tests/tools/capture_http.py "$@"
	wait_for "$1/port" 10 || { fail "push: the capture server did not start"; exit 0; }
	PORT=$(cat "$1/port")
}

T_NS=1700000000123456789
$PY tests/tools/make_pprof.py "$TMP/cpu.pb.gz" $T_NS 2500000000
printf '%s\n' 'main;work;spin 30' 'main;work 10' >"$TMP/cpu.folded"

serve "$TMP/srv"
URL=http://127.0.0.1:$PORT

# 1. Pyroscope, pprof, traced: the only connect() goes to the listener
if strace -f -qq -e trace=connect -o "$TMP/strace" \
	"$RTPROF" push "$TMP/cpu.pb.gz" --to "pyroscope:$URL" --name demo --label env=ci \
	--label region=eu-1 --tenant team-a >"$TMP/p1.out" 2>"$TMP/p1.err"; then
	if $PY - "$TMP/srv/req-1.json" <<'PYEOF'; then
import json, sys, urllib.parse
r = json.load(open(sys.argv[1]))
u = urllib.parse.urlsplit(r["path"])
q = urllib.parse.parse_qs(u.query, strict_parsing=True)
assert r["method"] == "POST" and r["version"] == "HTTP/1.1" and u.path == "/ingest", r
want = {"name": ["demo{env=ci,region=eu-1}"], "from": ["1700000000"], "until": ["1700000003"],
        "format": ["pprof"], "spyName": ["rtprof"]}
assert q == want, q
h = r["headers"]
assert h["x-scope-orgid"] == "team-a" and h["content-type"] == "application/octet-stream", h
PYEOF
		ok "push_pyroscope_request (POST /ingest, name with labels, from/until of the profile, format=pprof, spyName, tenant)"
	else
		fail "push_pyroscope_request: $(cat "$TMP/srv/req-1.json")"
	fi
	if cmp -s "$TMP/cpu.pb.gz" "$TMP/srv/req-1.body"; then
		ok "push_pyroscope_body (the file's $(stat -c %s "$TMP/cpu.pb.gz") bytes)"
	else
		fail "push_pyroscope_body: the body differs from the file"
	fi
	others=$(grep -E 'connect\(' "$TMP/strace" | grep -v "sin_port=htons($PORT), sin_addr=inet_addr(\"127.0.0.1\")" | grep -v 'sa_family=AF_UNIX')
	if grep -q "sin_port=htons($PORT)" "$TMP/strace" && [ -z "$others" ]; then
		ok "push_loopback_only (connect() to 127.0.0.1:$PORT and nothing else)"
	else
		fail "push_loopback_only: $others"
	fi
	if command -v go >/dev/null; then
		if go tool pprof -raw -symbolize=none "$TMP/srv/req-1.body" 2>&1 | grep -q '30 *30030030: '; then
			ok "push_body_reads_in_go_tool_pprof"
		else
			fail "push_body_reads_in_go_tool_pprof: $(go tool pprof -raw "$TMP/srv/req-1.body" 2>&1 | head -2)"
		fi
	fi
else
	fail "push_pyroscope: exit $?: $(cat "$TMP/p1.err")"
fi

# 1b. rtprof's own pprof (profile --pprof, root): its time range, and go tool pprof reads the body
if is_root; then
	t0=$(date +%s)
	if "$RTPROF" profile -F 499 --pprof "$TMP/own.pb.gz" -- "$TARGETS/profile_target" 0.3 2>/dev/null &&
		"$RTPROF" push "$TMP/own.pb.gz" --to "$URL" --name own 2>"$TMP/own.err" &&
		cmp -s "$TMP/own.pb.gz" "$TMP/srv/req-2.body" &&
		$PY - "$TMP/srv/req-2.json" "$t0" "$(date +%s)" <<'PYEOF'; then
import json, sys, urllib.parse
q = urllib.parse.parse_qs(urllib.parse.urlsplit(json.load(open(sys.argv[1]))["path"]).query)
t0, t1 = int(sys.argv[2]), int(sys.argv[3])
f, u = int(q["from"][0]), int(q["until"][0])
assert q["name"] == ["own"] and t0 - 1 <= f < u <= t1 + 1, (f, u, t0, t1)
PYEOF
		if ! command -v go >/dev/null || go tool pprof -raw -symbolize=none "$TMP/srv/req-2.body" 2>&1 |
			grep -q '^PeriodType: cpu nanoseconds'; then
			ok "push_own_pprof (profile --pprof: body = file, from/until within the profile's run, go tool pprof reads it)"
		else
			fail "push_own_pprof: go tool pprof cannot read the body"
		fi
	else
		fail "push_own_pprof: $(cat "$TMP/own.err" 2>/dev/null) $(cat "$TMP/srv/req-2.json" 2>/dev/null)"
	fi
else
	fail "push_own_pprof: needs root (rtprof profile)"
fi
n0=$(ls "$TMP/srv"/req-*.json | wc -l)
req() { echo "$TMP/srv/req-$((n0 + $1))"; }

# 2. a path prefix, a folded file
if "$RTPROF" push "$TMP/cpu.folded" --to "$URL/pyro/" --sample-rate 999 --from 100 --until 110 2>"$TMP/p2.err" &&
	$PY - "$(req 1).json" <<'PYEOF' && cmp -s "$TMP/cpu.folded" "$(req 1).body"; then
import json, sys, urllib.parse
r = json.load(open(sys.argv[1]))
u = urllib.parse.urlsplit(r["path"])
q = urllib.parse.parse_qs(u.query)
assert u.path == "/pyro/ingest" and q["format"] == ["folded"] and q["sampleRate"] == ["999"], q
assert q["name"] == ["rtprof"] and q["from"] == ["100"] and q["until"] == ["110"], q
PYEOF
	ok "push_pyroscope_folded (/pyro/ingest, format=folded, sampleRate=999, --from/--until, body = file)"
else
	fail "push_pyroscope_folded: $(cat "$TMP/p2.err") $(cat "$(req 1).json" 2>/dev/null)"
fi

# 3. Parca
if "$RTPROF" push "$TMP/cpu.pb.gz" --to "parca:$URL" --label job=bench 2>"$TMP/p3.err" &&
	$PY - "$(req 2).json" "$(req 2).body" "$TMP/cpu.pb.gz" <<'PYEOF'; then
import base64, json, sys
r = json.load(open(sys.argv[1]))
assert r["method"] == "POST" and r["path"] == "/profiles/writeraw", r
assert r["headers"]["content-type"] == "application/json"
b = json.load(open(sys.argv[2]))
s = b["series"]
assert len(s) == 1 and b["normalized"] is True
labels = {l["name"]: l["value"] for l in s[0]["labels"]["labels"]}
assert labels == {"__name__": "process_cpu", "service_name": "rtprof", "job": "bench"}, labels
assert base64.b64decode(s[0]["samples"][0]["rawProfile"], validate=True) == open(sys.argv[3], "rb").read()
PYEOF
	ok "push_parca (POST /profiles/writeraw, labels, base64 rawProfile = the file)"
else
	fail "push_parca: $(cat "$TMP/p3.err")"
fi

# 4. refusals and failures
expect_exit() { # NAME WANT MESSAGE ARGS...
	local name=$1 want=$2 msg=$3 rc
	shift 3
	"$RTPROF" push "$@" >/dev/null 2>"$TMP/$name.err"
	rc=$?
	if [ $rc = "$want" ] && grep -q -- "$msg" "$TMP/$name.err"; then
		ok "push_$name (exit $rc)"
	else
		fail "push_$name: exit $rc, expected $want: $(cat "$TMP/$name.err")"
	fi
}
n=$(ls "$TMP/srv"/req-*.json | wc -l)
expect_exit https 2 'only http:// is supported' "$TMP/cpu.pb.gz" --to https://127.0.0.1:$PORT
expect_exit parca_folded 6 'Parca takes pprof profiles only' "$TMP/cpu.folded" --to "parca:$URL"
expect_exit bad_label 2 'wants KEY=VALUE' "$TMP/cpu.pb.gz" --to "$URL" --label 'env=a,b'
expect_exit not_a_profile 6 'neither a pprof profile nor folded stacks' /etc/hostname --to "$URL"
printf '\037\213\010\000junk' >"$TMP/bad.pb.gz"
expect_exit corrupt_pprof 6 'not a pprof profile: ' "$TMP/bad.pb.gz" --to "$URL"
expect_exit missing_file 6 'No such file' "$TMP/nope.pb.gz" --to "$URL"
[ "$(ls "$TMP/srv"/req-*.json | wc -l)" = "$n" ] && ok "push_refusals_send_nothing" ||
	fail "push_refusals_send_nothing: a refused push reached the server"
serve "$TMP/srv500" 500
expect_exit server_error 1 'answered HTTP 500: refused: test server says no' "$TMP/cpu.pb.gz" --to "http://127.0.0.1:$PORT"
# a port nobody listens on: bind one, note it, close it
closed=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
expect_exit refused 1 'Connection refused' "$TMP/cpu.pb.gz" --to "http://127.0.0.1:$closed"
# a raw (not gzipped) pprof profile is pprof too
zcat "$TMP/cpu.pb.gz" >"$TMP/cpu.pb"
n=$(ls "$TMP/srv"/req-*.json | wc -l)
if "$RTPROF" push "$TMP/cpu.pb" --to "$URL" 2>"$TMP/raw.err" &&
	grep -q 'format=pprof' "$TMP/srv/req-$((n + 1)).json" && cmp -s "$TMP/cpu.pb" "$TMP/srv/req-$((n + 1)).body"; then
	ok "push_raw_pprof (format=pprof, body = file)"
else
	fail "push_raw_pprof: $(cat "$TMP/raw.err")"
fi

# 5. profile --push: the pprof profile sent at the end of the profile (lib/push.h, the same
#    request as push), after the files; its sample count is the one profile reported
# gopprof_samples FILE: the sum of samples/count as go tool pprof -raw reads FILE
gopprof_samples() {
	go tool pprof -raw -symbolize=none "$1" 2>/dev/null |
		awk '/^Samples:/ { s = 1; next } /^Locations/ { s = 0 } s && /^ *[0-9]+ +[0-9]+:/ { n += $1 } END { print n + 0 }'
}
# reported FILE: the samples the profile's summary line gives
reported() { sed -n 's/^rtprof: profile: \([0-9][0-9]*\) samples in .*/\1/p' "$1"; }
serve "$TMP/srvp"
URL=http://127.0.0.1:$PORT
if ! is_root; then
	fail "profile_push: needs root (rtprof profile)"
elif ! command -v go >/dev/null; then
	fail "profile_push: needs go tool pprof (scripts/install-deps.sh: golang-go)"
else
	t0=$(date +%s)
	if "$RTPROF" profile -F 499 --pprof "$TMP/pp.pb.gz" --push "pyroscope:$URL" --name shop \
		--label env=ci --tenant team-b -- "$TARGETS/profile_target" 0.3 >"$TMP/pp.out" 2>"$TMP/pp.err" &&
		$PY - "$TMP/srvp/req-1.json" "$t0" "$(date +%s)" <<'PYEOF'; then
import json, sys, urllib.parse
r = json.load(open(sys.argv[1]))
u = urllib.parse.urlsplit(r["path"])
q = urllib.parse.parse_qs(u.query, strict_parsing=True)
assert r["method"] == "POST" and u.path == "/ingest", r
assert q["name"] == ["shop{env=ci}"] and q["format"] == ["pprof"] and q["spyName"] == ["rtprof"], q
t0, t1 = int(sys.argv[2]), int(sys.argv[3])
f, t = int(q["from"][0]), int(q["until"][0])
assert t0 - 1 <= f < t <= t1 + 1, (f, t, t0, t1)
assert r["headers"]["x-scope-orgid"] == "team-b", r["headers"]
PYEOF
		n=$(reported "$TMP/pp.err")
		got=$(gopprof_samples "$TMP/srvp/req-1.body")
		if [ -n "$n" ] && [ "$n" -gt 50 ] && [ "$got" = "$n" ] && cmp -s "$TMP/pp.pb.gz" "$TMP/srvp/req-1.body" &&
			[ ! -s "$TMP/pp.out" ]; then
			ok "profile_push_pyroscope (POST /ingest name=shop{env=ci}, from/until within the run, tenant; go tool pprof reads $got samples = profile's $n; body = the --pprof file; nothing on stdout)"
		else
			fail "profile_push_pyroscope: go tool pprof counts '$got', profile reported '$n'; stdout $(wc -c <"$TMP/pp.out") bytes"
		fi
	else
		fail "profile_push_pyroscope: $(tail -2 "$TMP/pp.err") $(cat "$TMP/srvp/req-1.json" 2>/dev/null)"
	fi

	# Parca, no file asked: the rawProfile is a pprof with the reported samples
	if "$RTPROF" profile -F 499 -T --push "parca:$URL" --label job=ci -- "$TARGETS/profile_target" 0.3 \
		>"$TMP/pq.out" 2>"$TMP/pq.err" &&
		$PY - "$TMP/srvp/req-2.json" "$TMP/srvp/req-2.body" "$TMP/pq.pb.gz" <<'PYEOF'; then
import base64, json, sys
r = json.load(open(sys.argv[1]))
assert r["path"] == "/profiles/writeraw" and r["headers"]["content-type"] == "application/json", r
b = json.load(open(sys.argv[2]))
labels = {l["name"]: l["value"] for l in b["series"][0]["labels"]["labels"]}
assert labels == {"__name__": "process_cpu", "service_name": "rtprof", "job": "ci"}, labels
open(sys.argv[3], "wb").write(base64.b64decode(b["series"][0]["samples"][0]["rawProfile"], validate=True))
PYEOF
		n=$(reported "$TMP/pq.err")
		got=$(gopprof_samples "$TMP/pq.pb.gz")
		if [ -n "$n" ] && [ "$n" -gt 50 ] && [ "$got" = "$n" ]; then
			ok "profile_push_parca (POST /profiles/writeraw, labels; rawProfile read by go tool pprof: $got samples = profile's $n)"
		else
			fail "profile_push_parca: go tool pprof counts '$got', profile reported '$n'"
		fi
	else
		fail "profile_push_parca: $(tail -2 "$TMP/pq.err")"
	fi

	# the push fails (a closed port, a server answering 500): one line, exit 1, the files kept
	closed=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
	"$RTPROF" profile -F 499 --pprof "$TMP/pf.pb.gz" --folded "$TMP/pf.folded" \
		--push "http://127.0.0.1:$closed" -- "$TARGETS/profile_target" 0.2 >/dev/null 2>"$TMP/pf.err"
	rc=$?
	n=$(reported "$TMP/pf.err")
	lines=$(grep -c 'push' "$TMP/pf.err")
	if [ $rc = 1 ] && [ "$lines" = 1 ] &&
		grep -q "^rtprof: profile --push http://127.0.0.1:$closed: Connection refused$" "$TMP/pf.err" &&
		[ "$(gopprof_samples "$TMP/pf.pb.gz")" = "$n" ] &&
		[ "$(awk '{ n += $NF } END { print n }' "$TMP/pf.folded")" = "$n" ]; then
		ok "profile_push_refused (exit 1, one line, the --pprof and --folded files written with all $n samples)"
	else
		fail "profile_push_refused: exit $rc, $lines push lines: $(grep push "$TMP/pf.err")"
	fi
	serve "$TMP/srvp500" 500
	"$RTPROF" profile -F 499 -o "$TMP/p5.pb.gz" --push "http://127.0.0.1:$PORT" \
		-- "$TARGETS/profile_target" 0.2 >/dev/null 2>"$TMP/p5.err"
	rc=$?
	if [ $rc = 1 ] && [ "$(grep -c push "$TMP/p5.err")" = 1 ] &&
		grep -q 'profile --push .*: the pyroscope server answered HTTP 500: refused' "$TMP/p5.err" &&
		[ "$(gopprof_samples "$TMP/p5.pb.gz")" = "$(reported "$TMP/p5.err")" ] &&
		cmp -s "$TMP/p5.pb.gz" "$TMP/srvp500/req-1.body"; then
		ok "profile_push_http_500 (exit 1, one line with the server's answer, the file written and equal to the body)"
	else
		fail "profile_push_http_500: exit $rc: $(grep push "$TMP/p5.err")"
	fi
	# --every with --push: one pprof per interval to the server, every sample in exactly one
	serve "$TMP/srve"
	bg "$TARGETS/profile_target" 10
	TP=$BG_PID
	sleep 0.5
	"$RTPROF" profile -F 499 -p $TP --every 1 -d 3.5 --push "http://127.0.0.1:$PORT" --name cont \
		>/dev/null 2>"$TMP/pe.err"
	rc=$?
	kill $TP 2>/dev/null
	n=$(reported "$TMP/pe.err")
	reqs=0 sum=0 empty=0
	for b in "$TMP"/srve/req-*.body; do
		[ -e "$b" ] || continue
		k=$(gopprof_samples "$b")
		reqs=$((reqs + 1)) sum=$((sum + k))
		[ "$k" -gt 0 ] || empty=$((empty + 1))
	done
	if [ $rc = 0 ] && [ "$reqs" -ge 3 ] && [ "$empty" = 0 ] && [ -n "$n" ] && [ "$sum" = "$n" ] &&
		grep -q "^rtprof: profile: $reqs of $reqs profiles pushed" "$TMP/pe.err"; then
		ok "profile_push_every ($reqs pprof profiles for a 3.5 s run at --every 1, go tool pprof counts $sum samples in all = profile's $n)"
	else
		fail "profile_push_every: exit $rc, $reqs requests ($empty empty), $sum samples vs '$n': $(tail -3 "$TMP/pe.err" | tr '\n' ' ')"
	fi
	# the server gone: the run goes on, the lost intervals are counted, exit 1
	"$RTPROF" profile -F 499 --every 1 -d 2.5 --push "http://127.0.0.1:$closed" \
		-- "$TARGETS/profile_target" 2 >/dev/null 2>"$TMP/pec.err"
	rc=$?
	if [ $rc = 1 ] && grep -q "profiles could not be sent" "$TMP/pec.err" &&
		[ -n "$(reported "$TMP/pec.err")" ]; then
		ok "profile_push_every_refused (exit 1: $(grep 'could not be sent' "$TMP/pec.err"))"
	else
		fail "profile_push_every_refused: exit $rc: $(tail -3 "$TMP/pec.err" | tr '\n' ' ')"
	fi
fi
check "profile_push_label_without_push (exit 2)" bash -c \
	'"$0" profile --label a=b -- true 2>"$1"; [ $? = 2 ] && grep -q "go with --push URL" "$1"' \
	"$RTPROF" "$TMP/lw.err"
check "profile_push_https_refused (exit 2, before the command runs)" bash -c \
	'"$0" profile --push https://127.0.0.1:1 -- touch "$1" 2>/dev/null; [ $? = 2 ] && [ ! -e "$1" ]' \
	"$RTPROF" "$TMP/ran"
