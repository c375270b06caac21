#!/bin/bash
# The README's first command: run rtprof's main job on the bundled example workload.
set -euo pipefail
cd "$(dirname "$0")/.."
build/targets/usdt_target build/targets/libusdt_plugin.so >/dev/null &
target=$!
trap 'kill $target 2>/dev/null; wait $target 2>/dev/null || true' EXIT
sleep 0.3
kill -USR1 $target   # the target dlopens its plugin library
sleep 0.2
build/rtprof probes -p $target --count 1
