#!/bin/sh
# Install the Debian packages rtprof's build, tests and benchmarks need. Idempotent: packages that
# are already installed are left alone, and apt is not touched at all when nothing is missing.
# Nothing is downloaded from anywhere but Debian's archive and the npm registry (browser tests).
set -eu

# build: compiler for BPF, skeleton generator, libraries. rtprof links them statically (Makefile,
# LINK): each -dev package ships the .a, libdw.a needs liblzma's and libbz2's too (not
# dependencies of libdw-dev), g++ brings libstdc++.a (libstdc++-12-dev) for the demangler.
BUILD="clang llvm make gcc g++ pkg-config bpftool libbpf-dev libelf-dev libdw-dev libunwind-dev zlib1g-dev
       liblzma-dev libbz2-dev systemtap-sdt-dev"
# tests: unit framework, ground-truth tools and the runtimes rtprof profiles; golang-go for
# `go tool pprof` and python3-jsonschema (speedscope's schema), the readers of rtprof's exports;
# tmux, the terminal rtprof top's screen is tested in
TEST="libcmocka-dev elfutils binutils gdb valgrind python3.11 python3.11-dbg ruby
      default-jdk-headless bpftrace linux-perf libxml2-utils clang-format procps psmisc
      chromium mariadb-server mariadb-client
      bc time golang-go python3-jsonschema strace tmux"
# optional runtimes and tools for later features; installed when the archive has them
EXTRA="${RTPROF_EXTRA_PACKAGES-}"

missing=""
for p in $BUILD $TEST $EXTRA; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
# nodejs may come from another origin (nodesource); any installed `node` will do
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
# npm for the browser tests (tests/browser: playwright-core, speedscope, pprof-format); Debian's
# only when none is there
command -v npm >/dev/null 2>&1 || missing="$missing npm"

if [ -z "$missing" ]; then
	echo "install-deps: all packages present"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing:$missing; run as root (sudo make deps)" >&2
	exit 1
fi
echo "install-deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
