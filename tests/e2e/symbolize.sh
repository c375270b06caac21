#!/bin/bash
# rtprof symbolize against ground truth: llvm-symbolizer (function names, file:line:column and
# inline chains, innermost first, full paths as llvm prints them) on programs compiled here with
# -O2 -g and forced inlining, on the same programs stripped with their debug files found by
# build-id and by .gnu_debuglink under --debug-dir, and on 1000 text addresses of python3.11;
# JIT names from the perf maps of node and the JVM; a perf map of another user ignored; bad input.
source "$(dirname "$0")/../lib.sh"

TGT=$TARGETS/symbolize_target
CXX_TGT=$TARGETS/symbolize_cxx
LLVM_SYM=$(command -v llvm-symbolizer-14 || command -v llvm-symbolizer)
PY=/usr/bin/python3.11

# compare LLVM_OUT RTPROF_JSON ADDRS: prints "IDENTICAL RICHER DIFFERENT" and up to 5
# differences on stderr. RICHER: all frames equal except names llvm-symbolizer does not know:
# it prints ?? where rtprof names the function from the debug file's .symtab (llvm reads only the
# binary's own symbol table), or a raw _Z name that LLVM 14's demangler gives up on and
# libstdc++'s demangles (checked against c++filt).
cat >"$TMP/cmp.py" <<'PYEOF'
import json, re, subprocess, sys
def cxxfilt(name):
    out = subprocess.run(['c++filt', name], capture_output=True, text=True).stdout.strip()
    m = re.search(r'( \[clone [^\]]+\])+$', out)
    if m:
        out = out[:m.start()] + ' (' + ''.join(re.findall(r'\[clone ([^\]]+)\]', m.group(0))) + ')'
    return out
def richer_name(l, r):
    # llvm has no name, or LLVM 14's demangler gave up on a name libstdc++ demangles
    return l == '??' or (l.startswith('_Z') and l != r and cxxfilt(l) == r)
def llvm_blocks(path):
    blocks, cur = [], []
    for line in open(path, errors='replace'):
        line = line.rstrip('\n')
        if line:
            cur.append(line)
        else:
            blocks.append(cur); cur = []
    if cur: blocks.append(cur)
    out = []
    for b in blocks:
        fr = []
        for i in range(0, len(b) - 1, 2):
            loc = b[i + 1]
            if loc == '??:0:0': loc = '??:0'
            elif loc.endswith(':0'): loc = loc[:-2]
            fr.append((b[i], loc))
        out.append(fr)
    return out
def rt_blocks(path):
    out = []
    for line in open(path, errors='replace'):
        fr = []
        for f in json.loads(line)['frames']:
            fn = f['function']
            if f['module'] and re.fullmatch(re.escape(f['module'].rsplit('/', 1)[-1]) + r'\+0x[0-9a-f]+', fn):
                fn = '??'
            if f['file'] is None: loc = '??:0'
            elif f['column']: loc = '%s:%d:%d' % (f['file'], f['line'], f['column'])
            else: loc = '%s:%d' % (f['file'], f['line'])
            fr.append((fn, loc))
        out.append(fr)
    return out
a, b = llvm_blocks(sys.argv[1]), rt_blocks(sys.argv[2])
addrs = open(sys.argv[3]).read().split()
same = richer = diff = 0
for i, ad in enumerate(addrs):
    x = a[i] if i < len(a) else None
    y = b[i] if i < len(b) else None
    if x == y:
        same += 1
    elif x and y and len(x) == len(y) and all(p[1] == q[1] and (p[0] == q[0] or richer_name(p[0], q[0])) for p, q in zip(x, y)):
        richer += 1
    else:
        diff += 1
        if diff <= 5: print(ad, 'llvm', x, 'rtprof', y, file=sys.stderr)
print(same, richer, diff)
PYEOF

# compare_with_llvm NAME ADDR_FILE MAX_RICHER RTPROF_ARGS... -- LLVM_ARGS...
compare_with_llvm() {
	local name=$1 addrs=$2 max_richer=$3 rt=() l=() res
	shift 3
	while [ $# -gt 0 ] && [ "$1" != -- ]; do rt+=("$1"); shift; done
	shift
	l=("$@")
	"$RTPROF" symbolize --json "${rt[@]}" <"$addrs" >"$TMP/$name.json" 2>"$TMP/$name.err" ||
		{ fail "$name: rtprof exited $?: $(tail -2 "$TMP/$name.err")"; return; }
	"$LLVM_SYM" --inlining "${l[@]}" <"$addrs" >"$TMP/$name.llvm" 2>/dev/null
	res=$(python3 "$TMP/cmp.py" "$TMP/$name.llvm" "$TMP/$name.json" "$addrs" 2>"$TMP/$name.diff")
	set -- $res
	if [ "${3:-1}" = 0 ] && [ "${2:-1}" -le "$max_richer" ]; then
		ok "$name: $1 of $(wc -l <"$addrs") addresses identical to llvm-symbolizer, $2 more complete (names it lacks)"
	else
		fail "$name: identical ${1:-?}, richer ${2:-?}, different ${3:-?}: $(head -2 "$TMP/$name.diff" | tr '\n' ' ')"
	fi
}

# every byte of the program's own functions (not the C runtime's)
func_addrs() {
	nm --defined-only -S "$1" | awk '$3 ~ /^[tTW]$/ && $2 != "" && $4 !~ /^(_start|_init|_fini|deregister_tm_clones|register_tm_clones|__do_global_dtors_aux|frame_dummy)$/ {
		a = strtonum("0x" $1); n = strtonum("0x" $2); for (i = 0; i < n; i++) printf "0x%x\n", a + i }'
}

if [ -z "$LLVM_SYM" ] || [ ! -x "$TGT" ]; then
	fail "symbolize setup: llvm-symbolizer or $TGT missing (make targets)"
	exit 0
fi

# --- golden: forced inlining, C and C++ -----------------------------------------------------
func_addrs "$TGT" >"$TMP/tgt.addrs"
func_addrs "$CXX_TGT" >"$TMP/cxx.addrs"
compare_with_llvm target_vs_llvm "$TMP/tgt.addrs" 0 -e "$TGT" -- --obj="$TGT"
compare_with_llvm cxx_vs_llvm "$TMP/cxx.addrs" 100 -e "$CXX_TGT" -- --obj="$CXX_TGT"

# the distinct inline chains of the target (function names, innermost first) match the golden file
chains() {
	python3 -c '
import json, sys
seen = set()
for line in open(sys.argv[1]):
    seen.add(" <- ".join(f["function"] for f in json.loads(line)["frames"]))
print("\n".join(sorted(seen)))' "$1"
}
for g in target cxx; do
	chains "$TMP/${g}_vs_llvm.json" >"$TMP/$g.chains"
	if diff -u "tests/golden/symbolize_$g.chains" "$TMP/$g.chains" >"$TMP/$g.chains.diff"; then
		ok "golden_chains_$g: $(wc -l <"$TMP/$g.chains") distinct chains"
	else
		fail "golden_chains_$g: $(grep '^[-+][^-+]' "$TMP/$g.chains.diff" | head -3 | tr '\n' ' ')"
	fi
done
if grep -q 'sym_leaf <- sym_step <- sym_mix <- sym_hot' "$TMP/target.chains"; then
	ok "inline_chain_depth_4"
else
	fail "inline_chain_depth_4: no sym_leaf <- sym_step <- sym_mix <- sym_hot chain"
fi

# --- stripped, debug file by build-id / by debuglink under --debug-dir -----------------------
mkdir -p "$TMP/bid" "$TMP/dl" "$TMP/dbg-bid" "$TMP/dbg-dl"
objcopy --only-keep-debug "$TGT" "$TMP/tgt.debug"
bid=$(readelf -n "$TGT" | awk '/Build ID/ { print $3 }')
mkdir -p "$TMP/dbg-bid/.build-id/${bid:0:2}"
cp "$TMP/tgt.debug" "$TMP/dbg-bid/.build-id/${bid:0:2}/${bid:2}.debug"
strip --strip-all -o "$TMP/bid/tgt" "$TGT"
compare_with_llvm stripped_build_id "$TMP/tgt.addrs" 0 -e "$TMP/bid/tgt" --debug-dir "$TMP/dbg-bid" -- \
	--obj="$TMP/bid/tgt" --debug-file-directory="$TMP/dbg-bid"
# debuglink: no build-id note, the .debug file found at DIR/<binary's folder>/NAME
strip --strip-all --remove-section=.note.gnu.build-id -o "$TMP/dl/tgt" "$TGT"
objcopy --remove-section=.note.gnu.build-id "$TMP/tgt.debug" "$TMP/tgt-nobid.debug"
mkdir -p "$TMP/dbg-dl$TMP/dl"
cp "$TMP/tgt-nobid.debug" "$TMP/dbg-dl$TMP/dl/tgt.debug"
(cd "$TMP" && objcopy --add-gnu-debuglink=tgt-nobid.debug "$TMP/dl/tgt" "$TMP/dl/tgt.linked") &&
	mv "$TMP/dl/tgt.linked" "$TMP/dl/tgt"
mv "$TMP/dbg-dl$TMP/dl/tgt.debug" "$TMP/dbg-dl$TMP/dl/tgt-nobid.debug"
# (llvm-symbolizer 14 does not look for debuglink files under --debug-file-directory: the
# truth is its answer for the build-id copy, whose code is byte for byte the same)
compare_with_llvm stripped_debuglink "$TMP/tgt.addrs" 0 -e "$TMP/dl/tgt" --debug-dir "$TMP/dbg-dl" -- \
	--obj="$TMP/bid/tgt" --debug-file-directory="$TMP/dbg-bid"
# relative -e path and --debug-dir work the same
hot=$(nm "$TGT" | awk '$3 == "sym_hot" { print "0x" $1 }')
out=$(cd "$TMP" && "$RTPROF" symbolize -e dl/tgt --debug-dir dbg-dl "$hot" | tr '\n' ' ')
case "$out" in
"sym_hot "*symbolize_target.c:*) ok "debuglink_relative_paths" ;;
*) fail "debuglink_relative_paths: got '$out'" ;;
esac
# a debuglink file whose CRC does not match is not used
cp "$TMP/tgt.debug" "$TMP/dbg-dl$TMP/dl/tgt-nobid.debug"
hot=$(nm "$TGT" | awk '$3 == "sym_hot" { print "0x" $1 }')
out=$("$RTPROF" symbolize -e "$TMP/dl/tgt" --debug-dir "$TMP/dbg-dl" "$hot" 2>&1)
case "$out" in
"tgt+0x"*) ok "debuglink_crc_mismatch_ignored" ;;
*) fail "debuglink_crc_mismatch_ignored: got '$(echo $out)'" ;;
esac

# compressed debug sections (zlib, as in SHF_COMPRESSED)
objcopy --compress-debug-sections=zlib "$TGT" "$TMP/tgt-z"
if readelf -SW "$TMP/tgt-z" | grep -q '\.debug_info.* C '; then
	compare_with_llvm compressed_debug_sections "$TMP/tgt.addrs" 0 -e "$TMP/tgt-z" -- --obj="$TMP/tgt-z"
else
	fail "compressed_debug_sections: objcopy did not compress .debug_info"
fi

# --- python3.11 (LTO) with python3.11-dbg: 1000 text addresses --------------------------------
read -r tsize taddr <<<"$(readelf -SW "$PY" | awk '$2 == ".text" { print $6, $4 }')"
python3 -c "
s, a = 0x$tsize, 0x$taddr
for i in range(1000): print(hex(a + i * s // 1000 + (i * 7) % 16))" >"$TMP/py.addrs"
compare_with_llvm python3_1000 "$TMP/py.addrs" 2 -e "$PY" -- --obj="$PY"

# --- a running process: runtime addresses, a binary deleted after it started -----------------
cp "$TGT" "$TMP/tgt-run"
bg "$TMP/tgt-run" "$TMP/tgt.addr"
pid=$BG_PID
if wait_for "$TMP/tgt.addr"; then
	read -r hot_rt main_rt <"$TMP/tgt.addr"
	rm -f "$TMP/tgt-run" # resolved through /proc/PID/map_files from now on
	out=$("$RTPROF" symbolize -p "$pid" --json "$hot_rt" "$main_rt" 2>"$TMP/p.err")
	if [ "$(printf '%s\n' "$out" | python3 -c '
import json, sys
print(" ".join(json.loads(l)["frames"][-1]["function"] for l in sys.stdin))')" = "sym_hot main" ]; then
		ok "process_deleted_binary: sym_hot and main resolve at runtime addresses"
	else
		fail "process_deleted_binary: got '$out' $(head -2 "$TMP/p.err")"
	fi
	# the same frames as -e at ELF address (runtime address - load bias)
	hot_elf=$(nm "$TGT" | awk '$3 == "sym_hot" { print "0x" $1 }')
	a=$("$RTPROF" symbolize -e "$TGT" "$(printf '0x%x' $((hot_elf + 0x20)))")
	b=$("$RTPROF" symbolize -p "$pid" "$(printf '0x%x' $((hot_rt + 0x20)))")
	if [ -n "$a" ] && [ "$a" = "$b" ]; then ok "process_matches_elf"; else fail "process_matches_elf: '$a' vs '$b'"; fi
	out=$("$RTPROF" symbolize -p "$pid" 0x10)
	[ "$out" = $'[unknown]\n??:0' ] && ok "outside_any_mapping" || fail "outside_any_mapping: got '$out'"

	# a perf map owned by another user is ignored, with a warning; the owner's is used
	printf '10000 100 fake_jit_fn\n' >"/tmp/perf-$pid.map"
	chown nobody "/tmp/perf-$pid.map"
	out=$("$RTPROF" symbolize -p "$pid" 0x10010 2>"$TMP/pm.err" | head -1)
	if [ "$out" = "[unknown]" ] && grep -q 'perf-'"$pid"'.map: owned by uid' "$TMP/pm.err"; then
		ok "perf_map_other_user_ignored"
	else
		fail "perf_map_other_user_ignored: got '$out' / '$(cat "$TMP/pm.err")'"
	fi
	chown "$(id -u)" "/tmp/perf-$pid.map"
	out=$("$RTPROF" symbolize -p "$pid" 0x10010 2>&1 | head -1)
	[ "$out" = "fake_jit_fn" ] && ok "perf_map_owner_used" || fail "perf_map_owner_used: got '$out'"
	rm -f "/tmp/perf-$pid.map"
else
	fail "process tests: symbolize_target did not start"
fi

# --- bad input ------------------------------------------------------------------------------
"$RTPROF" symbolize -p 2147483000 0x1000 >/dev/null 2>&1
rc=$?
[ $rc = 3 ] && ok "no_such_pid_exit_3" || fail "no_such_pid_exit_3: exit $rc"
printf 'not an ELF file\n' >"$TMP/notelf"
"$RTPROF" symbolize -e "$TMP/notelf" 0x1000 >/dev/null 2>&1
rc=$?
[ $rc = 6 ] && ok "not_elf_exit_6" || fail "not_elf_exit_6: exit $rc"
"$RTPROF" symbolize -e "$TMP/does-not-exist" 0x1000 >/dev/null 2>&1
rc=$?
[ $rc = 6 ] && ok "missing_file_exit_6" || fail "missing_file_exit_6: exit $rc"
# no debug info at all: symbols (.symtab) first, then module+0xOFFSET
strip --strip-debug -o "$TMP/nodebug" "$TGT"
strip --strip-all -o "$TMP/nothing" "$TGT"
hot=$(nm "$TGT" | awk '$3 == "sym_hot" { print "0x" $1 }')
out=$("$RTPROF" symbolize -e "$TMP/nodebug" "$hot" | tr '\n' ' ')
[ "$out" = "sym_hot ??:0 " ] && ok "no_debug_info_symbols" || fail "no_debug_info_symbols: got '$out'"
out=$("$RTPROF" symbolize -e "$TMP/nothing" "$hot" | head -1)
want=$(printf 'nothing+0x%x' $((hot)))
[ "$out" = "$want" ] && ok "no_symbols_module_offset" || fail "no_symbols_module_offset: got '$out' (want $want)"
# corrupt DWARF: .debug_info zeroed, then truncated; no crash, the symbol table still answers
size=$(readelf -SW "$TGT" | awk '$2 == ".debug_info" { print strtonum("0x" $6) }')
head -c "$size" /dev/zero >"$TMP/zeros"
head -c 40 "$TGT" >"$TMP/short" # a few bytes of a real debug_info are not enough either
objcopy --update-section .debug_info="$TMP/zeros" "$TGT" "$TMP/zeroed"
objcopy --update-section .debug_info="$TMP/short" "$TGT" "$TMP/truncated"
for v in zeroed truncated; do
	out=$("$RTPROF" symbolize -e "$TMP/$v" --json < "$TMP/tgt.addrs" 2>"$TMP/$v.err")
	rc=$?
	n=$(printf '%s\n' "$out" | grep -c '"function": "sym_hot"')
	if [ $rc = 0 ] && [ "$(printf '%s\n' "$out" | wc -l)" = "$(wc -l <"$TMP/tgt.addrs")" ] && [ "$n" -gt 0 ]; then
		ok "corrupt_dwarf_$v: every address answered, sym_hot from the symbol table"
	else
		fail "corrupt_dwarf_$v: exit $rc, $n sym_hot lines: $(tail -1 "$TMP/$v.err")"
	fi
done

# --- node --perf-basic-prof: a JS function resolves to its name -----------------------------
if command -v node >/dev/null; then
	cat >"$TMP/hot.js" <<'JSEOF'
function rtprofHotJsFunction(n) { let s = 0; for (let i = 0; i < n; i++) s += Math.sqrt(i ^ s); return s; }
let t = 0;
setInterval(() => { t += rtprofHotJsFunction(20000); }, 5);
JSEOF
	bg bash -c 'cd "$1" && exec node --perf-basic-prof "$2"' _ "$TMP" "$TMP/hot.js"
	npid=$BG_PID
	map=/tmp/perf-$npid.map
	for ((i = 0; i < 100; i++)); do
		grep -q 'rtprofHotJsFunction' "$map" 2>/dev/null && break
		sleep 0.1
	done
	line=$(grep -m1 'rtprofHotJsFunction' "$map" 2>/dev/null)
	if [ -n "$line" ]; then
		read -r start size _ <<<"$line"
		addr=$(printf '0x%x' $((0x$start + 0x$size / 2)))
		out=$("$RTPROF" symbolize -p "$npid" "$addr" 2>&1 | head -1)
		case "$out" in
		*rtprofHotJsFunction*) ok "node_perf_map: $addr -> $out" ;;
		*) fail "node_perf_map: $addr -> '$out'" ;;
		esac
	else
		fail "node_perf_map: rtprofHotJsFunction never appeared in $map"
	fi
	kill "$npid" 2>/dev/null
	wait "$npid" 2>/dev/null
	rm -f "$map"
else
	fail "node_perf_map: node is not installed"
fi

# --- the JVM's map (jcmd PID Compiler.perfmap, "0x"-prefixed hex): a JIT-compiled method ------
if command -v java >/dev/null && command -v jcmd >/dev/null; then
	cat >"$TMP/Hot.java" <<'JEOF'
public class Hot {
	static double rtprofHotJavaMethod(int n) {
		double s = 0;
		for (int i = 0; i < n; i++) s += Math.sqrt(i ^ (long) s);
		return s;
	}
	public static void main(String[] a) throws Exception {
		double t = 0;
		while (true) { t += rtprofHotJavaMethod(100000); Thread.sleep(1); }
	}
}
JEOF
	bg bash -c 'cd "$1" && exec java -Xshare:auto Hot.java' _ "$TMP"
	jpid=$BG_PID
	line=
	for ((i = 0; i < 60; i++)); do
		[ -n "$line" ] && break
		sleep 0.5
		jcmd "$jpid" Compiler.perfmap >/dev/null 2>&1 &&
			line=$(grep -m1 'Hot.rtprofHotJavaMethod' "/tmp/perf-$jpid.map" 2>/dev/null)
	done
	if [ -n "$line" ]; then
		read -r start size _ <<<"$line"
		addr=$(printf '0x%x' $((start + size / 2)))
		out=$("$RTPROF" symbolize -p "$jpid" "$addr" 2>&1 | head -1)
		case "$out" in
		*Hot.rtprofHotJavaMethod*) ok "jvm_perf_map: $addr -> $out" ;;
		*) fail "jvm_perf_map: $addr -> '$out'" ;;
		esac
	else
		fail "jvm_perf_map: Hot.rtprofHotJavaMethod never appeared in /tmp/perf-$jpid.map"
	fi
	kill "$jpid" 2>/dev/null
	wait "$jpid" 2>/dev/null
	rm -f "/tmp/perf-$jpid.map"
else
	fail "jvm_perf_map: java or jcmd is not installed"
fi
