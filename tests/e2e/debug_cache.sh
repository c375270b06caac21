#!/bin/bash
# The cache of decompressed debug files (symbolize/debugcache.h), which every command that names
# frames goes through. Ground truth is rtprof's own output with the cache off (RTPROF_NO_CACHE=1):
#  - symbolize -e python3.11 (python3.11-dbg's debug file has compressed sections), 400 addresses
#    with lines and inline chains: the same text from an empty cache (the entry is written: named
#    after the build-id eu-readelf reads from python3.11, that build-id inside, no compressed
#    section left), then from the filled one (-v says the entry was read, none written, and the
#    original debug file is not opened: strace);
#  - rtprof dump --lines --json of a Python 3.11 process (libc and python3.11 from the cache):
#    the same threads and frames as uncached;
#  - a damaged entry (cut in half; another build-id's file in its place): named on stderr,
#    removed, the output still the uncached one, and a good entry written again;
#  - RTPROF_NO_CACHE=1 writes nothing; RTPROF_CACHE_MAX_MB=1 keeps only the newest entry.
source "$(dirname "$0")/../lib.sh"

is_root || { skip "debug_cache: needs root (dump)"; exit 0; }
PY=/usr/bin/python3.11
LIBC=/lib/x86_64-linux-gnu/libc.so.6
command -v eu-readelf >/dev/null || { fail "debug_cache: eu-readelf missing (make deps)"; exit 0; }
command -v strace >/dev/null || { fail "debug_cache: strace missing (make deps)"; exit 0; }
build_id() { eu-readelf -n "$1" | awk '/Build ID:/ {print $3; exit}'; }
PY_ID=$(build_id $PY)
LIBC_ID=$(build_id $LIBC)
PY_DEBUG=/usr/lib/debug/.build-id/${PY_ID:0:2}/${PY_ID:2}.debug
LIBC_DEBUG=/usr/lib/debug/.build-id/${LIBC_ID:0:2}/${LIBC_ID:2}.debug
for f in "$PY_DEBUG" "$LIBC_DEBUG"; do
	[ -e "$f" ] || { fail "debug_cache: $f missing (python3.11-dbg, libc6-dbg: make deps)"; exit 0; }
done
compressed() { eu-readelf -S "$1" | grep -c '\.debug_.* C'; } # sections flagged SHF_COMPRESSED
check "debug_cache: python3.11's debug file has compressed sections ($(compressed "$PY_DEBUG"))" \
	test "$(compressed "$PY_DEBUG")" -gt 0

export RTPROF_CACHE_DIR=$TMP/cache
PY_ENTRY=$RTPROF_CACHE_DIR/${PY_ID:0:2}/${PY_ID:2}.debug
LIBC_ENTRY=$RTPROF_CACHE_DIR/${LIBC_ID:0:2}/${LIBC_ID:2}.debug
nm -D --defined-only $PY | awk '$2 == "T" {print $1}' | head -400 |
	while read -r a; do printf '0x%x\n' $((0x$a + 0x10)); done >"$TMP/addrs"
sym() { "$RTPROF" "$@" symbolize -e $PY <"$TMP/addrs"; }

# ---- ground truth: no cache ----
RTPROF_NO_CACHE=1 sym >"$TMP/truth.txt" 2>"$TMP/truth.err"
check "debug_cache: uncached symbolize exit 0" test $? = 0
check "debug_cache: uncached output has lines and inline frames ($(grep -c '\.c:[0-9]' \
	"$TMP/truth.txt") lines)" test "$(grep -c '\.c:[0-9]' "$TMP/truth.txt")" -gt 300
check "debug_cache: RTPROF_NO_CACHE=1 wrote nothing" test ! -e "$RTPROF_CACHE_DIR"

# ---- cold: the entry is written ----
sym -v >"$TMP/cold.txt" 2>"$TMP/cold.err"
check "debug_cache: cold: same output as uncached" cmp "$TMP/truth.txt" "$TMP/cold.txt"
check "debug_cache: cold: entry stored ($(grep 'debug cache' "$TMP/cold.err" | head -1))" \
	grep -q "debug cache: stored $PY_ENTRY" "$TMP/cold.err"
check "debug_cache: entry carries python3.11's build-id ($(build_id "$PY_ENTRY"))" \
	test "$(build_id "$PY_ENTRY")" = "$PY_ID"
check "debug_cache: entry has no compressed section ($(compressed "$PY_ENTRY"))" \
	test "$(compressed "$PY_ENTRY")" = 0
check "debug_cache: no temporary file left" \
	test -z "$(find "$RTPROF_CACHE_DIR" -name '.tmp*')"

# ---- warm: the entry is read, the original is not ----
strace -f -e trace=open,openat -o "$TMP/warm.strace" "$RTPROF" -v symbolize -e $PY \
	<"$TMP/addrs" >"$TMP/warm.txt" 2>"$TMP/warm.err"
check "debug_cache: warm: same output as uncached" cmp "$TMP/truth.txt" "$TMP/warm.txt"
check "debug_cache: warm: entry read, none stored" \
	grep -q "debug cache: $PY_ENTRY" "$TMP/warm.err"
check "debug_cache: warm: nothing stored" test "$(grep -c 'debug cache: stored' "$TMP/warm.err")" = 0
check "debug_cache: warm: $PY_DEBUG not opened" \
	test "$(grep -c "$PY_DEBUG" "$TMP/warm.strace")" = 0
check "debug_cache: warm: the entry opened" grep -q "$PY_ENTRY" "$TMP/warm.strace"

# ---- damaged entries ----
size=$(stat -c %s "$PY_ENTRY")
truncate -s $((size / 2)) "$PY_ENTRY"
sym >"$TMP/cut.txt" 2>"$TMP/cut.err"
check "debug_cache: entry cut in half: same output as uncached" cmp "$TMP/truth.txt" "$TMP/cut.txt"
check "debug_cache: entry cut in half: named on stderr ($(head -1 "$TMP/cut.err"))" \
	grep -q "debug cache: $PY_ENTRY: damaged entry removed" "$TMP/cut.err"
check "debug_cache: entry cut in half: a whole one written again" \
	test "$(stat -c %s "$PY_ENTRY")" = "$size"
cp "$LIBC_DEBUG" "$PY_ENTRY" # another build-id (and compressed)
sym >"$TMP/foreign.txt" 2>"$TMP/foreign.err"
check "debug_cache: another file's entry: same output as uncached" \
	cmp "$TMP/truth.txt" "$TMP/foreign.txt"
check "debug_cache: another file's entry: named on stderr ($(head -1 "$TMP/foreign.err"))" \
	grep -q "damaged entry removed" "$TMP/foreign.err"
check "debug_cache: another file's entry: replaced by python3.11's" \
	test "$(build_id "$PY_ENTRY")" = "$PY_ID"
sym >"$TMP/again.txt" 2>"$TMP/again.err"
check "debug_cache: after the repair: same output, quiet stderr" \
	test -z "$(cat "$TMP/again.err")" -a "$(cmp "$TMP/truth.txt" "$TMP/again.txt" && echo same)" = same

# ---- dump of a Python process: libc and python3.11 from the cache ----
cat >"$TMP/sleepers.py" <<'EOF'
import sys, threading, time
def leaf():
    time.sleep(3600)
def mid():
    leaf()
for i in range(8):
    threading.Thread(target=mid, daemon=True).start()
time.sleep(0.3)
open(sys.argv[1], "w").write("ready\n")
time.sleep(3600)
EOF
bg $PY "$TMP/sleepers.py" "$TMP/py.ready"
PPID_=$BG_PID
wait_for "$TMP/py.ready" 20 || { fail "debug_cache: python target not ready"; exit 0; }
RTPROF_NO_CACHE=1 "$RTPROF" dump -p $PPID_ --lines --json >"$TMP/dump.truth" 2>"$TMP/dump.err"
check "debug_cache: dump uncached exit 0" test $? = 0
rm -rf "$RTPROF_CACHE_DIR"
"$RTPROF" -v dump -p $PPID_ --lines --json >"$TMP/dump.cold" 2>"$TMP/dump.cold.err"
"$RTPROF" -v dump -p $PPID_ --lines --json >"$TMP/dump.warm" 2>"$TMP/dump.warm.err"
check "debug_cache: dump: 9 threads, leaf() in 8 ($(wc -l <"$TMP/dump.truth"), \
$(grep -c '"function":"leaf"' "$TMP/dump.truth"))" \
	test "$(wc -l <"$TMP/dump.truth")" = 9 -a "$(grep -c '"function":"leaf"' "$TMP/dump.truth")" = 8
check "debug_cache: dump cold: same as uncached" cmp "$TMP/dump.truth" "$TMP/dump.cold"
check "debug_cache: dump warm: same as uncached" cmp "$TMP/dump.truth" "$TMP/dump.warm"
check "debug_cache: dump cold stored libc and python3.11" \
	test "$(grep -c -e "stored $LIBC_ENTRY" -e "stored $PY_ENTRY" "$TMP/dump.cold.err")" = 2
check "debug_cache: dump warm read both from the cache" \
	test "$(grep -c -e "debug cache: $LIBC_ENTRY" -e "debug cache: $PY_ENTRY" \
		"$TMP/dump.warm.err")" = 2

# ---- size bound ----
RTPROF_CACHE_MAX_MB=1 RTPROF_CACHE_DIR=$TMP/small "$RTPROF" symbolize -e $LIBC 0x30000 >/dev/null 2>&1
RTPROF_CACHE_MAX_MB=1 RTPROF_CACHE_DIR=$TMP/small sym >"$TMP/small.txt" 2>&1
check "debug_cache: 1 MiB bound: only the newest entry kept ($(find "$TMP/small" -name '*.debug' |
	wc -l) entries)" test "$(find "$TMP/small" -name '*.debug')" = \
	"$TMP/small/${PY_ID:0:2}/${PY_ID:2}.debug"
check "debug_cache: 1 MiB bound: same output" cmp "$TMP/truth.txt" "$TMP/small.txt"
