#!/usr/bin/env python3
"""Checks for the rtprof memleak tests. Each prints nothing and exits 0, or prints why and exits 1.

  memleak_check.py truth REPORT TRUTH [--tol FRACTION] [--strict]
      REPORT: the last JSON line of `rtprof memleak --json`. TRUTH: lines "FUNCTION BYTES COUNT"
      written by memleak_target -t. Each FUNCTION must be in exactly one reported stack, with
      exactly those bytes and count (or within FRACTION of them). --strict: every other stack
      must be a known runtime allocation (thread TLS from pthread_create, static initialisers
      run by the dynamic loader), so nothing freed and nothing allocated before attach shows.

  memleak_check.py valgrind VALGRIND.xml REPORT EXE
      The stacks valgrind calls definitely lost are the stacks rtprof reports, compared by their
      innermost function of EXE, with the bytes valgrind finds still allocated there at exit (any
      leak kind: its scan is conservative, so a block can be "possibly lost" in one run and
      "definitely lost" in the next); and every stack rtprof reports is one that valgrind still
      finds allocated at exit (any leak kind).
"""
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

RUNTIME_FRAMES = ("_dl_allocate_tls", "_dl_init")


def load_report(path):
    with open(path) as f:
        lines = [l for l in f if l.strip()]
    if not lines:
        sys.exit(f"{path}: empty report")
    rep = json.loads(lines[-1])
    if not rep.get("final"):
        sys.exit(f"{path}: last report is not the final one")
    return rep


def bare(name):
    """Function name without its parameter list: 'grow_buffer(char*, unsigned long)' -> 'grow_buffer'."""
    return re.sub(r"\(.*$", "", name)


def check_truth(args):
    report, truth = args[0], args[1]
    tol = float(args[args.index("--tol") + 1]) if "--tol" in args else 0.0
    strict = "--strict" in args
    rep = load_report(report)
    errors = []
    matched = set()
    with open(truth) as f:
        for line in f:
            fn, nbytes, count = line.split()
            nbytes, count = int(nbytes), int(count)
            idx = [i for i, s in enumerate(rep["stacks"]) if fn in (bare(x) for x in s["stack"])]
            if len(idx) != 1:
                errors.append(f"{fn}: in {len(idx)} stacks, expected 1")
                continue
            s = rep["stacks"][idx[0]]
            matched.add(idx[0])
            for what, got, want in (("bytes", s["bytes"], nbytes), ("count", s["count"], count)):
                if abs(got - want) > tol * want:
                    errors.append(f"{fn}: {what} {got}, truth {want} (tolerance {tol:.0%})")
    if strict:
        for i, s in enumerate(rep["stacks"]):
            if i in matched or any(f in RUNTIME_FRAMES for f in s["stack"]):
                continue
            errors.append(f"unexpected stack ({s['bytes']} bytes): {';'.join(s['stack'][:6])}")
    if errors:
        print("; ".join(errors))
        return 1
    return 0


def exe_functions(exe):
    out = subprocess.run(["nm", "-C", "--defined-only", exe], capture_output=True, text=True,
                         check=True).stdout
    names = set()
    for line in out.splitlines():
        parts = line.split(" ", 2)
        if len(parts) == 3 and parts[1] in "tTwW":
            names.add(bare(parts[2]))
    return names


def innermost_user(frames, user):
    for f in frames:
        if bare(f) in user:
            return bare(f)
    return None


def check_valgrind(args):
    xml, report, exe = args
    user = exe_functions(exe)
    rep = load_report(report)
    lost, held, any_kind = {}, {}, set()
    for err in ET.parse(xml).getroot().iter("error"):
        kind = err.findtext("kind") or ""
        if not kind.startswith("Leak_"):
            continue
        frames = [fr.findtext("fn") or "" for fr in err.find("stack").iter("frame")]
        fn = innermost_user(frames, user)
        any_kind.add(fn)
        nbytes = int(err.find("xwhat").findtext("leakedbytes"))
        # every block still allocated at exit, whatever valgrind calls it: its scan is
        # conservative, so a block left with a stale pointer to it somewhere (a realloc'd
        # buffer's old address in a register) is "possibly lost" or "still reachable" in one run
        # and "definitely lost" in another; rtprof reports what is still allocated
        held[fn] = held.get(fn, 0) + nbytes
        if kind == "Leak_DefinitelyLost":
            lost[fn] = lost.get(fn, 0) + nbytes
    ours = {}
    for s in rep["stacks"]:
        fn = innermost_user(s["stack"], user)
        ours[fn] = ours.get(fn, 0) + s["bytes"]
    errors = []
    if not lost:
        errors.append("valgrind found no definitely lost block")
    for fn, nbytes in sorted(lost.items(), key=str):
        if fn not in ours:
            errors.append(f"valgrind: {fn} lost {nbytes} bytes, rtprof does not report it")
        elif ours[fn] != held[fn]:
            errors.append(f"{fn}: valgrind {held[fn]} bytes still allocated ({nbytes} definitely "
                          f"lost), rtprof {ours[fn]}")
    for fn in sorted(ours, key=str):
        if fn not in any_kind:
            errors.append(f"rtprof reports {fn} ({ours[fn]} bytes), valgrind has it freed")
    if errors:
        print("; ".join(errors))
        return 1
    return 0


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "truth":
        return check_truth(args)
    if cmd == "valgrind":
        return check_valgrind(args)
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main())
