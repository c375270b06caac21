# Helpers for the shell tests in tests/bpf and tests/e2e. Source it; it cds to the repo top.
# A check prints exactly one line: ok NAME, FAIL NAME: why, or SKIP NAME: why.
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
OUT=${OUT:-build}
RTPROF=$PWD/$OUT/rtprof
TARGETS=$PWD/$OUT/targets
TMP=$(mktemp -d /tmp/rtprof-test.XXXXXX)
_bg_pids=()
_cleanup() {
	local p
	for p in "${_bg_pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$TMP"
}
trap _cleanup EXIT

ok() { echo "ok $*"; }
fail() { echo "FAIL $*"; }
skip() { echo "SKIP $*"; }

# check NAME COMMAND...: ok if the command succeeds, FAIL with its last output lines otherwise
check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then ok "$name"; else fail "$name: $(printf '%s' "$out" | tail -3 | tr '\n' ' ')"; fi
}

is_root() { [ "$(id -u)" = 0 ]; }

# bg COMMAND...: start in the background, killed at exit; its PID is in $BG_PID
bg() {
	"$@" &
	BG_PID=$!
	_bg_pids+=("$BG_PID")
}

# wait_for FILE [SECONDS]: wait until FILE exists and is not empty
wait_for() {
	local i
	for ((i = 0; i < ${2:-10} * 20; i++)); do
		[ -s "$1" ] && return 0
		sleep 0.05
	done
	return 1
}
