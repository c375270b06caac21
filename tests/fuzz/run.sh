#!/bin/bash
# Runs libFuzzer harnesses one after the other (make fuzz calls it), each for FUZZ_SECONDS on its
# corpus OUT/fuzz/corpus-NAME (new inputs are kept there) and its seeds FUZZ_DIR/seeds/NAME.
# Every harness runs even when an earlier one failed. For each it prints its sanitizer lines and
# one line: "ok NAME: RUNS runs in S s, CORPUS inputs, peak RSS MB" or "FAIL NAME: why".
#
# A harness fails when it exits non-zero or when its log holds a sanitizer report of any kind
# (ERROR:, runtime error:, SUMMARY:), even one the process survived: a harness built with a
# recoverable sanitizer must not pass either. Crash inputs are written as OUT/fuzz/NAME-crash-*.
#
# Usage: FUZZ_SECONDS=N [OUT=build] [FUZZ_DIR=tests/fuzz] tests/fuzz/run.sh BIN...
# Exits 1 when any harness failed, 2 on bad usage.
set -u
OUT=${OUT:-build}
FUZZ_DIR=${FUZZ_DIR:-tests/fuzz}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FINDING='ERROR:|runtime error:|^SUMMARY:'

if [ $# -eq 0 ]; then
	echo "usage: FUZZ_SECONDS=N tests/fuzz/run.sh BIN..." >&2
	exit 2
fi
failed=0
for bin in "$@"; do
	name=$(basename "$bin")
	corpus=$OUT/fuzz/corpus-$name
	seeds=()
	[ -d "$FUZZ_DIR/seeds/$name" ] && seeds=("$FUZZ_DIR/seeds/$name")
	log=$OUT/fuzz/$name.log
	mkdir -p "$corpus"
	echo "== $name ($FUZZ_SECONDS s)"
	"$bin" -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 -max_len=65536 \
		-artifact_prefix="$OUT/fuzz/$name-" "$corpus" "${seeds[@]}" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log")
	inputs=$(find "$corpus" -type f | wc -l)
	findings=$(grep -cE "$FINDING" "$log")
	if [ "$findings" -gt 0 ] || [ $rc -ne 0 ]; then
		grep -E "$FINDING|^(artifact_prefix|Test unit written)" "$log" | head -20 | sed 's/^/    /'
		echo "FAIL $name: exit code $rc, $findings sanitizer line(s) after ${runs:-?} runs (log: $log)"
		failed=1
	else
		echo "ok $name: ${runs:-?} runs in $FUZZ_SECONDS s, $inputs inputs, peak RSS ${rss:-?} MB"
	fi
done
exit $failed
