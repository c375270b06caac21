#!/bin/bash
# make fuzz can fail, and the real harnesses run clean for a few seconds each (no root needed).
#
#  fuzz_fatal:        `make fuzz` itself (same flags, rule and run loop), pointed with FUZZ_DIR at
#                     three tiny harnesses: one negates LLONG_MIN (UBSan), one reads past a heap
#                     block (ASan), one is clean. The run must fail, name the two buggy ones and
#                     pass the clean one.
#  fuzz_recoverable:  a harness built as make fuzz used to build them (UBSan recoverable: the
#                     report is printed and the process exits 0) still fails tests/fuzz/run.sh,
#                     which reads the log and not only the exit code.
#  fuzz_clean_passes: the clean harness alone passes (the two checks above are not "always fails").
#  FUZZ_NAME:         each real harness for FUZZ_TEST_SECONDS (3) through make fuzz: its run.sh line.
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
CLANG=${CLANG:-clang}
secs=${FUZZ_TEST_SECONDS:-3}

if ! command -v "$CLANG" >/dev/null; then
	skip "fuzz: $CLANG is not installed (make deps)"
	exit 0
fi

src=$TMP/src
mkdir -p "$src"
cat >"$src/fuzz_ubsan.c" <<'EOF'
#include <limits.h>
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	volatile long long v = LLONG_MIN;

	return -v == 0; /* signed overflow on every input */
}
EOF
cat >"$src/fuzz_asan.c" <<'EOF'
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *p = malloc(size + 1);
	volatile char c;

	memcpy(p, data, size);
	c = p[size + 1]; /* one byte past the block on every input */
	free(p);
	return c == 0;
}
EOF
cat >"$src/fuzz_clean.c" <<'EOF'
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	(void)data;
	(void)size;
	return 0;
}
EOF

# 1. make fuzz on the buggy harnesses and the clean one
log=$TMP/fatal.log
make -s --no-print-directory fuzz OUT="$TMP/out" FUZZ_DIR="$src" FUZZ_SECONDS=1 >"$log" 2>&1
rc=$?
why=
[ $rc -ne 0 ] || why="make fuzz exited 0;"
grep -q '^FAIL fuzz_ubsan: ' "$log" || why="$why fuzz_ubsan not failed;"
grep -q 'runtime error: negation' "$log" || why="$why no UBSan line shown;"
grep -q '^FAIL fuzz_asan: ' "$log" || why="$why fuzz_asan not failed;"
grep -q 'heap-buffer-overflow' "$log" || why="$why no ASan line shown;"
grep -q '^ok fuzz_clean: ' "$log" || why="$why fuzz_clean not ok;"
if [ -z "$why" ]; then
	ok "fuzz_fatal: make fuzz exits $rc on a UBSan and an ASan report, passes the clean harness"
else
	fail "fuzz_fatal:$why $(tail -3 "$log" | tr '\n' ' ')"
fi

# 2. a recoverable UBSan report (exit code 0) still fails the run
bin=$TMP/out/fuzz/fuzz_recoverable
if ! "$CLANG" -g -O1 -fsanitize=fuzzer,address,undefined "$src/fuzz_ubsan.c" -o "$bin" \
	>"$TMP/cc.log" 2>&1; then
	fail "fuzz_recoverable: cannot build: $(head -3 "$TMP/cc.log" | tr '\n' ' ')"
else
	log=$TMP/recoverable.log
	OUT=$TMP/out FUZZ_DIR=$src FUZZ_SECONDS=1 tests/fuzz/run.sh "$bin" >"$log" 2>&1
	rc=$?
	if [ $rc -ne 0 ] && grep -q '^FAIL fuzz_recoverable: exit code 0, ' "$log"; then
		ok "fuzz_recoverable: exit code 0 with a UBSan report is a failure"
	else
		fail "fuzz_recoverable: run.sh exited $rc: $(tr '\n' ' ' <"$log" | tail -c 300)"
	fi
fi

# 3. the clean harness alone passes
log=$TMP/clean.log
rm -f "$src/fuzz_ubsan.c" "$src/fuzz_asan.c"
if make -s --no-print-directory fuzz OUT="$TMP/out" FUZZ_DIR="$src" FUZZ_SECONDS=1 >"$log" 2>&1 &&
	grep -q '^ok fuzz_clean: ' "$log"; then
	ok "fuzz_clean_passes"
else
	fail "fuzz_clean_passes: $(tail -3 "$log" | tr '\n' ' ')"
fi

# 4. every real harness, briefly: run.sh's own ok/FAIL line for each
log=$TMP/real.log
make -s --no-print-directory fuzz OUT="$OUT" FUZZ_SECONDS="$secs" >"$log" 2>&1
rc=$?
grep -E '^(ok|FAIL) ' "$log"
if [ $rc -ne 0 ] && ! grep -q '^FAIL ' "$log"; then
	fail "fuzz_harnesses: make fuzz exited $rc: $(tail -3 "$log" | tr '\n' ' ')"
fi
n=$(grep -c '^ok ' "$log")
[ "$n" -ge 4 ] || fail "fuzz_harnesses: $n harnesses passed, expected at least 4"
exit 0
