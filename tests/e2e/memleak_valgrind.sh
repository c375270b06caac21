#!/bin/bash
# rtprof memleak against valgrind: the stacks valgrind calls definitely lost (leak-check=full) are
# the stacks rtprof reports, compared by the innermost function of the target, with equal bytes;
# everything rtprof reports is still allocated at exit according to valgrind. valgrind runs
# without its exit-time frees (libc and C++ freeres), which a normal exit does not do either.
source "$(dirname "$0")/../lib.sh"
TGT=$TARGETS/memleak_target

if ! is_root; then
	fail "memleak valgrind: needs root (BPF and uprobes)"
	exit 0
fi
if ! command -v valgrind >/dev/null; then
	fail "memleak valgrind: valgrind is not installed (make deps)"
	exit 0
fi

# -n: no pvalloc, on which valgrind aborts (the same in both runs).
valgrind --leak-check=full --show-leak-kinds=all --run-libc-freeres=no --run-cxx-freeres=no \
	--xml=yes --xml-file="$TMP/vg.xml" "$TGT" -n >/dev/null 2>"$TMP/vg.err"
"$RTPROF" memleak -o - --json -n 0 -- "$TGT" -n >"$TMP/rtprof.json" 2>"$TMP/rtprof.err"
check "memleak vs valgrind: definitely lost stacks and bytes are the ones rtprof reports" \
	python3 tests/tools/memleak_check.py valgrind "$TMP/vg.xml" "$TMP/rtprof.json" "$TGT"
check "memleak vs valgrind: four leaking paths found by both" \
	test "$(grep -c '<kind>Leak_DefinitelyLost</kind>' "$TMP/vg.xml")" -eq 4
