#!/bin/bash
# What asking a JVM for its perf map costs (run on purpose, as root), on a JVM with about 10,000
# compiled methods: rtprof's request (the attach mechanism, runtimes/jvm_attach.c, as profile makes
# it every second and dump once) side by side with `jcmd PID Compiler.perfmap` on the same JVM.
#
# The JVM runs a generated class of NMETHODS static methods, each called once under -Xcomp
# (every method compiled at its first call, C1 only to keep the start short, no inlining so
# that each is compiled on its own), then sleeps. Per
# round and tool: the wall time of the request as the requester sees it (rtprof: dump -v's
# "perf map requested and written in" line; jcmd: its whole run, JVM start-up of jcmd included),
# the CPU time the target JVM spent on it (utime + stime from /proc/PID/stat, before and after),
# and the lines of /tmp/perf-PID.map it wrote.
#
# Usage: bench/jvm_perfmap.sh [ROUNDS (default 3)]   NMETHODS=10000 JDK=/usr/lib/jvm/java-17-openjdk-amd64
set -u
cd "$(dirname "$0")/.." || exit 1
RTPROF=$PWD/build/rtprof
ROUNDS=${1:-3}
NMETHODS=${NMETHODS:-10000}
JDK=${JDK:-/usr/lib/jvm/java-17-openjdk-amd64}
if [ "$(id -u)" != 0 ]; then
	echo "bench/jvm_perfmap.sh: run as root" >&2
	exit 1
fi
for f in "$RTPROF" "$JDK/bin/java" "$JDK/bin/javac" "$JDK/bin/jcmd"; do
	[ -x "$f" ] || { echo "bench/jvm_perfmap.sh: $f missing (make deps all)" >&2; exit 1; }
done
TMP=$(mktemp -d /tmp/rtprof-jvmmap.XXXXXX)
jpid=
cleanup() {
	[ -n "$jpid" ] && kill "$jpid" 2>/dev/null
	wait 2>/dev/null
	[ -n "$jpid" ] && rm -f "/tmp/perf-$jpid.map"
	rm -rf "$TMP"
}
trap cleanup EXIT

python3 - "$TMP/Many.java" "$NMETHODS" <<'PY'
import sys
path, n = sys.argv[1], int(sys.argv[2])
chunk = 400
out = ["public class Many {"]
out += [f"  static int m{i}(int x) {{ return x * {i % 97 + 3} + {i}; }}" for i in range(n)]
for c in range(0, n, chunk):
    out.append(f"  static int call{c // chunk}(int x) {{")
    out += [f"    x = m{i}(x);" for i in range(c, min(n, c + chunk))]
    out.append("    return x;\n  }")
out.append("  public static void main(String[] a) throws Exception {")
out.append("    int x = 1;")
out += [f"    x = call{c // chunk}(x);" for c in range(0, n, chunk)]
out.append('    System.out.println("ready " + x);')
out.append("    Thread.sleep(1000000000L);\n  }\n}")
open(path, "w").write("\n".join(out) + "\n")
PY
"$JDK/bin/javac" -d "$TMP" "$TMP/Many.java" || exit 1
"$JDK/bin/java" -Xcomp -Xbatch -XX:TieredStopAtLevel=1 -XX:-Inline -cp "$TMP" Many >"$TMP/java.out" 2>&1 &
jpid=$!
for ((i = 0; i < 1200; i++)); do
	grep -q ready "$TMP/java.out" 2>/dev/null && break
	sleep 0.1
done
grep -q ready "$TMP/java.out" || { echo "bench/jvm_perfmap.sh: the JVM did not get ready" >&2; exit 1; }
sleep 2

cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) * 1000 / hz }' /proc/"$jpid"/stat; }
map_lines() { wc -l <"/tmp/perf-$jpid.map" 2>/dev/null || echo 0; }

printf '%-6s %-8s %12s %14s %10s\n' round tool 'wall ms' 'JVM CPU ms' 'map lines'
for ((r = 1; r <= ROUNDS; r++)); do
	rm -f "/tmp/perf-$jpid.map"
	c0=$(cpu_ms)
	"$RTPROF" -v dump -p "$jpid" >/dev/null 2>"$TMP/dump.err"
	c1=$(cpu_ms)
	ms=$(sed -n 's/.*perf map requested and written in \([0-9.]*\) ms.*/\1/p' "$TMP/dump.err")
	# the JVM's CPU over the whole dump: the request, and the dump's reads (no pause: small)
	printf '%-6s %-8s %12s %14.0f %10s\n' "$r" rtprof "${ms:-?}" "$(awk -v a="$c1" -v b="$c0" 'BEGIN { print a - b }')" "$(map_lines)"
	rm -f "/tmp/perf-$jpid.map"
	c0=$(cpu_ms)
	t0=$(date +%s.%N)
	"$JDK/bin/jcmd" "$jpid" Compiler.perfmap >/dev/null 2>&1
	t1=$(date +%s.%N)
	c1=$(cpu_ms)
	printf '%-6s %-8s %12.1f %14.0f %10s\n' "$r" jcmd "$(awk -v a="$t1" -v b="$t0" 'BEGIN { print (a - b) * 1000 }')" \
		"$(awk -v a="$c1" -v b="$c0" 'BEGIN { print a - b }')" "$(map_lines)"
done
echo "compiled methods in the JVM (perf map lines): $(map_lines); rtprof profile asks once a second"
