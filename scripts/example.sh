#!/bin/bash
# The README's first command (make deps example): rtprof's main job on a bundled workload.
# Profiles build/targets/profile_target (three busy functions, built without frame pointers,
# run for 2 s) from its first instruction to its end and writes its flame graph.
set -euo pipefail
cd "$(dirname "$0")/.."
out=build/example
build/rtprof profile -F 499 --folded $out.folded --svg $out.svg -- build/targets/profile_target 2
echo
echo "flame graph:    $PWD/$out.svg   (open it in a browser: click to zoom, Ctrl-F to search)"
echo "folded stacks:  $PWD/$out.folded"
