#!/bin/bash
# The rooms' allowed directions (README, "Layout"): a room includes only itself and the rooms
# below it. From the bottom:
#
#   lib/         log, errors and exit codes, signals, options, JSON, histograms, BPF map helpers,
#                the session (the target process), statistics, Chrome trace, HTTP: includes
#                nothing of ours
#   bpf/         kernel halves and the structs both halves share
#   symbolize/   addresses to names          flamegraph/  stack trees to pictures and files
#   runtimes/    what each runtime provides (USDT, descriptors, interpreter frames)
#   stacks/      the stack pipeline: capture keys, unwinding, interpreter-frame merge, aggregation
#   profiler/    main.c and one file per command
#
# Rooms on the same level (symbolize/, flamegraph/) do not include each other. Generated headers
# (vmlinux.h, NAME.skel.h) count as bpf/. Prints each offending include; exits 1 if any.
cd "$(dirname "$0")/.." || exit 2
rank() {
	case $1 in
	lib) echo 0 ;;
	bpf) echo 1 ;;
	symbolize | flamegraph) echo 2 ;;
	runtimes) echo 3 ;;
	stacks) echo 4 ;;
	profiler) echo 5 ;;
	*) echo -1 ;;
	esac
}
bad=0
for f in $(git ls-files 'lib/*' 'bpf/*' 'symbolize/*' 'flamegraph/*' 'runtimes/*' 'stacks/*' \
	'profiler/*' | grep -E '\.(c|h)$'); do
	room=${f%%/*}
	r=$(rank "$room")
	while IFS= read -r line; do
		inc=$(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' <<<"$line")
		[ -n "$inc" ] || continue
		case $inc in
		*/*) to=${inc%%/*} ;;
		vmlinux.h | *.skel.h) to=bpf ;;
		*) to=$room ;; # same directory
		esac
		[ "$to" = "$room" ] && continue
		t=$(rank "$to")
		if [ "$t" -lt 0 ] || [ "$t" -ge "$r" ]; then
			echo "layers: $f includes \"$inc\": $room/ may not use $to/"
			bad=1
		fi
	done < <(grep -E '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f")
done
[ $bad -eq 0 ] && echo "layers: every include points down"
exit $bad
