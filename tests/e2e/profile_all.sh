#!/bin/bash
# rtprof profile -a (every process of the host) against ground truth: processes that report their
# own CPU time (tests/targets/profile_duty.c, copied under distinct names: the process name is the
# root frame), a few hundred short-lived processes, a binary that exists only in another mount
# namespace, Python and Ruby frames without asking, --every's files (also on Ctrl-C), and the
# exit codes of the bad cases. Needs root. Other processes of the host are in the profile too:
# every check looks at the names it started only.
source "$(dirname "$0")/../lib.sh"

if ! is_root; then
	fail "profile-all: needs root"
	exit 0
fi

HZ=199
samples_of() { # FOLDED ROOT [REGEX]: samples under ROOT (whose stack matches REGEX)
	awk -v r="$2" -v re="${3:-.}" '{ s = $0; sub(/ [0-9]+$/, "", s); split(s, f, ";")
		if (f[1] == r && match(s, re)) t += $NF } END { print t + 0 }' "$1"
}
cpu_of() { awk -F= '{ s += $2 } END { printf "%.6f\n", s }' "$1"; }
near() { awk -v a="$1" -v b="$2" -v d="$3" 'BEGIN { x = a - b; if (x < 0) x = -x; exit !(x <= d) }'; }

# ---- usage and permissions ----
"$RTPROF" profile -a -p 1 -d 1 >/dev/null 2>"$TMP/u1.err"
rc1=$?
"$RTPROF" profile -a -d 1 -- true >/dev/null 2>"$TMP/u2.err"
rc2=$?
if [ $rc1 = 2 ] && [ $rc2 = 2 ] && grep -q -- "-a profiles every process" "$TMP/u1.err"; then
	ok "profile-all-usage (-a with -p: exit $rc1, with --: exit $rc2)"
else
	fail "profile-all-usage: -a -p exit $rc1, -a -- exit $rc2: $(cat "$TMP/u1.err" "$TMP/u2.err" | tr '\n' ' ')"
fi
setpriv --reuid=nobody --regid=nogroup --clear-groups "$RTPROF" profile -a -d 1 >/dev/null 2>"$TMP/np.err"
rc=$?
if [ $rc = 4 ] && grep -q "CAP_BPF" "$TMP/np.err" && grep -q "CAP_PERFMON" "$TMP/np.err" &&
	[ "$(wc -l <"$TMP/np.err")" = 1 ]; then
	ok "profile-all-nonroot (exit 4: $(cat "$TMP/np.err"))"
else
	fail "profile-all-nonroot: exit $rc: $(tr '\n' ' ' <"$TMP/np.err")"
fi

# ---- one -a run with every workload ----
for n in duty_a duty_b duty_c shortburn; do cp "$TARGETS/profile_duty" "$TMP/$n"; done
mkdir "$TMP/nsdir"
cat >"$TMP/spin.py" <<'PY'
import time
def py_spin_all(until):
    x = 0
    while time.monotonic() < until:
        x += 1
py_spin_all(time.monotonic() + 4)
PY
cat >"$TMP/spin.rb" <<'RB'
def rb_spin_all(til)
  x = 0
  x += 1 while Process.clock_gettime(Process::CLOCK_MONOTONIC) < til
end
rb_spin_all(Process.clock_gettime(Process::CLOCK_MONOTONIC) + 4)
RB

"$RTPROF" profile -a -F $HZ --folded "$TMP/all.folded" 2>"$TMP/all.err" &
RT=$!
_bg_pids+=("$RT")
for ((i = 0; i < 200; i++)); do grep -q "sampling every process" "$TMP/all.err" && break; sleep 0.05; done
wl=()
"$TMP/duty_a" duty 0.60 8 "$TMP/a.cpu" & wl+=($!)
"$TMP/duty_b" duty 0.30 8 "$TMP/b.cpu" & wl+=($!)
"$TMP/duty_c" duty 0.15 8 "$TMP/c.cpu" & wl+=($!)
(for ((i = 0; i < 200; i++)); do "$TMP/shortburn" burn 20 "$TMP/short.cpu"; done) & wl+=($!)
# a binary only the new mount namespace has: a tmpfs over nsdir, the copy in it
unshare -m sh -c "mount -t tmpfs rtprof-ns '$TMP/nsdir' && cp '$TARGETS/profile_duty' '$TMP/nsdir/nsburn' &&
	exec '$TMP/nsdir/nsburn' duty 0.5 8 '$TMP/ns.cpu'" & wl+=($!)
/usr/bin/python3.11 "$TMP/spin.py" & wl+=($!)
/usr/bin/ruby3.1 "$TMP/spin.rb" & wl+=($!)
wait "${wl[@]}"
kill -INT "$RT"
wait "$RT"
rc=$?
F=$TMP/all.folded
if [ $rc != 0 ] || [ ! -s "$F" ]; then
	fail "profile-all: rtprof exited with $rc: $(tail -3 "$TMP/all.err" | tr '\n' ' ')"
	exit 0
fi

# three duty-cycled processes: each one's share of their samples within 5 points of its share of
# their CPU time (what each measured itself)
sa=$(samples_of "$F" duty_a) sb=$(samples_of "$F" duty_b) sc=$(samples_of "$F" duty_c)
ca=$(cpu_of "$TMP/a.cpu") cb=$(cpu_of "$TMP/b.cpu") cc=$(cpu_of "$TMP/c.cpu")
why=""
for x in "a $sa $ca" "b $sb $cb" "c $sc $cc"; do
	set -- $x
	s=$(awk -v s="$2" -v t="$((sa + sb + sc))" 'BEGIN { printf "%.4f", t ? s / t : 0 }')
	c=$(awk -v c="$3" -v t="$ca $cb $cc" 'BEGIN { split(t, v, " "); printf "%.4f", c / (v[1] + v[2] + v[3]) }')
	near "$s" "$c" 0.05 || why="$why duty_$1: sampled $s, truth $c;"
	shares="$shares duty_$1 $s/$c"
done
if [ -z "$why" ] && [ $((sa + sb + sc)) -gt 0 ]; then ok "profile-all-shares (sampled/truth:$shares)"
else fail "profile-all-shares: $why ($sa $sb $sc samples; cpu $ca $cb $cc)"; fi

# 200 processes of ~20 ms CPU each: under their name, with the samples their CPU time is worth
# (at the rate the duty-cycled processes of the same run were sampled: samples per CPU second on
# this host, which may run below HZ on a loaded virtual machine), and named frames
rate=$(awk -v s="$((sa + sb + sc))" -v c="$ca $cb $cc" 'BEGIN { split(c, v, " "); printf "%.2f", s / (v[1] + v[2] + v[3]) }')
cs=$(cpu_of "$TMP/short.cpu")
ns=$(grep -c . "$TMP/short.cpu")
ss=$(samples_of "$F" shortburn)
named=$(samples_of "$F" shortburn ';[a-zA-Z_][^;]*')
unk=$(samples_of "$F" shortburn '^shortburn(;\[[a-z]+\])*;\[unknown\]$')
burn=$(samples_of "$F" shortburn ';burn_spin(;|$)')
exp=$(awk -v c="$cs" -v r="$rate" 'BEGIN { printf "%.0f", c * r }')
why=""
[ "$ns" = 200 ] || why="$why $ns of 200 processes reported;"
near "$ss" "$exp" "$(awk -v e="$exp" 'BEGIN { print 0.3 * e }')" ||
	why="$why $ss samples, expected $exp ($cs s of CPU at $rate samples/s);"
awk -v n="$named" -v t="$ss" 'BEGIN { exit !(t > 0 && n >= 0.8 * t) }' ||
	why="$why only $named of $ss samples have a named frame;"
awk -v b="$burn" -v t="$ss" 'BEGIN { exit !(t > 0 && b >= 0.5 * t) }' ||
	why="$why only $burn of $ss samples in burn_spin;"
if [ -z "$why" ]; then
	ok "profile-all-short-lived ($ns processes, $ss samples for $exp expected ($HZ Hz nominal: $(awk -v c="$cs" -v h=$HZ 'BEGIN { printf "%.0f", c * h }')), $named named, $burn in burn_spin, $unk [unknown])"
else
	fail "profile-all-short-lived:$why"
fi

# another mount namespace: the binary is not on our file system
sn=$(samples_of "$F" nsburn)
sd=$(samples_of "$F" nsburn ';main;duty_cycle(;|$)')
if [ -e "$TMP/nsdir/nsburn" ]; then
	fail "profile-all-mount-ns: the namespace's binary is visible outside it"
elif [ "$sn" -gt 0 ] && awk -v d="$sd" -v n="$sn" 'BEGIN { exit !(d >= 0.8 * n) }'; then
	ok "profile-all-mount-ns ($sd of $sn samples reach main;duty_cycle)"
else
	fail "profile-all-mount-ns: $sd of $sn samples reach main;duty_cycle: $(grep '^nsburn' "$F" | sort -t' ' -k2 -rn | head -2 | tr '\n' ' ')"
fi

# interpreter frames, with no option asked
py=$(samples_of "$F" python3.11 ';py_spin_all [(]')
rb=$(samples_of "$F" ruby3.1 ';Object#rb_spin_all [(]')
if [ "$py" -gt 0 ] && [ "$rb" -gt 0 ]; then
	ok "profile-all-interpreters (python3.11: $py samples in py_spin_all, ruby3.1: $rb in rb_spin_all)"
else
	fail "profile-all-interpreters: py_spin_all $py, rb_spin_all $rb samples: $(grep -E '^(python3.11|ruby3.1);' "$F" | sort -t' ' -k2 -rn | head -2 | tr '\n' ' ')"
fi

# what could not be named is counted, and said
if grep -q "profile: [0-9]* samples in" "$TMP/all.err"; then ok "profile-all-summary ($(grep -E 'samples (in|with no)' "$TMP/all.err" | tr '\n' ' '))"
else fail "profile-all-summary: $(tail -3 "$TMP/all.err" | tr '\n' ' ')"; fi

# ---- a bounded module cache: programs that ran and ended are freed, their names stay ----
# 12 copies of one program, each with a build-id of its own (12 modules), run one after the other;
# RTPROF_MODULES_KEPT=1 keeps one module no live process maps: the others are freed while the
# run goes on (every second), and the frames already named must stay named, in the folded stacks
# and in the pprof file, whose mappings keep each copy's build-id
python3 - "$TARGETS/profile_duty" "$TMP/mods" <<'PY'
import os, subprocess, sys
src, out = sys.argv[1], sys.argv[2]
data = open(src, "rb").read()
sec = subprocess.run(["readelf", "-SW", src], capture_output=True, text=True).stdout
off = next(int(l.split("]")[1].split()[3], 16) for l in sec.splitlines() if ".note.gnu.build-id" in l)
os.mkdir(out)
for i in range(12):
    d = bytearray(data)
    d[off + 16:off + 36] = bytes((i * 37 + k * 11 + 1) % 256 for k in range(20))
    with open("%s/modc%02d" % (out, i), "wb") as f:
        f.write(d)
    os.chmod("%s/modc%02d" % (out, i), 0o755)
PY
RTPROF_MODULES_KEPT=1 "$RTPROF" -v profile -a -F $HZ -d 8 --folded "$TMP/mods.folded" \
	-o "$TMP/mods.pb.gz" 2>"$TMP/mods.err" &
RT=$!
_bg_pids+=("$RT")
for ((i = 0; i < 200; i++)); do grep -q "sampling every process" "$TMP/mods.err" && break; sleep 0.05; done
for ((i = 0; i < 12; i++)); do "$TMP/mods/modc$(printf %02d $i)" burn 150 /dev/null; sleep 0.2; done
wait "$RT"
rc=$?
freed=$(sed -n 's/.*; \([0-9]*\) modules no live process mapped freed.*/\1/p' "$TMP/mods.err")
go tool pprof -raw "$TMP/mods.pb.gz" >"$TMP/mods.raw" 2>&1
why=""
[ "$rc" = 0 ] || why="$why exit $rc: $(tail -2 "$TMP/mods.err" | tr '\n' ' ');"
[ "${freed:-0}" -ge 6 ] || why="$why ${freed:-no} modules freed (6 or more expected);"
for ((i = 0; i < 12; i++)); do
	n=modc$(printf %02d $i)
	t=$(samples_of "$TMP/mods.folded" "$n")
	b=$(samples_of "$TMP/mods.folded" "$n" ';main;burn_spin(;|$)')
	bid=$(readelf -n "$TMP/mods/$n" | awk '/Build ID/ { print $3 }')
	awk -v b="$b" -v t="$t" 'BEGIN { exit !(t > 0 && b >= 0.8 * t) }' ||
		why="$why $n: $b of $t samples in main;burn_spin;"
	grep -q "/$n $bid " "$TMP/mods.raw" || why="$why $n: no pprof mapping with build-id $bid;"
done
if [ -z "$why" ]; then
	ok "profile-all-modules-freed ($freed modules freed; each of 12 programs named, $(samples_of "$TMP/mods.folded" modc05 ';main;burn_spin(;|$)') samples of modc05 in main;burn_spin; build-ids in the pprof mappings)"
else
	fail "profile-all-modules-freed:$why"
fi

# ---- --every: one profile per interval, complete, also on Ctrl-C ----
folded_ok() { # FILE: every line "stack count", at least one sample
	awk 'BEGIN { bad = 0 } !/^.+ [0-9]+$/ { bad = 1 } { t += $NF } END { exit !(bad == 0 && t > 0) }' "$1"
}
every_check() { # NAME DIR MIN_FILES ERR
	local name=$1 d=$2 min=$3 f n=0 why=""
	for f in "$d"/profile-*.folded; do
		[ -e "$f" ] || continue
		n=$((n + 1))
		folded_ok "$f" || why="$why $(basename "$f") is not whole or has no samples;"
		gzip -t "${f%.folded}.pb.gz" 2>/dev/null || why="$why ${f%.folded}.pb.gz is not whole;"
		go tool pprof -raw -symbolize=none "${f%.folded}.pb.gz" >/dev/null 2>&1 ||
			why="$why go tool pprof cannot read $(basename "${f%.folded}").pb.gz;"
	done
	[ "$n" -ge "$min" ] || why="$why $n profiles, at least $min expected;"
	ls "$d" | grep -q '\.tmp$' && why="$why a temporary file was left;"
	if [ -z "$why" ]; then ok "$name ($n profiles: $(ls "$d" | head -2 | tr '\n' ' ')...)"
	else fail "$name:$why $(grep -E 'samples in|profiles written' "$4" | tr '\n' ' ')"; fi
}
bg "$TMP/duty_a" duty 0.5 20 "$TMP/e.cpu"
"$RTPROF" profile -a -F $HZ --every 1 --out-dir "$TMP/every" -d 3.5 2>"$TMP/every.err"
rc=$?
if [ $rc = 0 ]; then every_check profile-all-every "$TMP/every" 3 "$TMP/every.err"
else fail "profile-all-every: exit $rc: $(tail -2 "$TMP/every.err" | tr '\n' ' ')"; fi

# Ctrl-C in the middle of an interval: every file there is whole
"$RTPROF" profile -a -F $HZ --every 1 --out-dir "$TMP/every2" 2>"$TMP/every2.err" &
RT=$!
_bg_pids+=("$RT")
for ((i = 0; i < 200; i++)); do grep -q "sampling every process" "$TMP/every2.err" && break; sleep 0.05; done
sleep 2.5
kill -INT "$RT"
wait "$RT"
rc=$?
if [ $rc = 0 ]; then every_check profile-all-every-ctrl-c "$TMP/every2" 2 "$TMP/every2.err"
else fail "profile-all-every-ctrl-c: exit $rc: $(tail -2 "$TMP/every2.err" | tr '\n' ' ')"; fi

# --every with -p works the same way
bg "$TMP/duty_a" duty 0.5 60 "$TMP/e.cpu"
"$RTPROF" profile -p "$BG_PID" -F $HZ --every 1 --out-dir "$TMP/every3" -d 2.5 2>"$TMP/every3.err"
rc=$?
if [ $rc = 0 ]; then every_check profile-pid-every "$TMP/every3" 2 "$TMP/every3.err"
else fail "profile-pid-every: exit $rc: $(tail -2 "$TMP/every3.err" | tr '\n' ' ')"; fi
