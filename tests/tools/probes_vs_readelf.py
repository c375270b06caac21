#!/usr/bin/env python3
"""Compare `rtprof probes --json` output with what `readelf -n` lists.

usage: probes_vs_readelf.py JSON_FILE [--pid PID | --file PATH]

With --pid, every file the process maps (as /proc/PID/maps lists them) is read with readelf and
its stapsdt notes must equal rtprof's sites for that object exactly (provider, name, Location,
Semaphore, as a multiset). With --file, the one file. Prints one line per object and exits 1 on
any difference.
"""
import collections, json, re, subprocess, sys


def readelf_sites(path):
    out = subprocess.run(["readelf", "-n", "--wide", path], capture_output=True, text=True).stdout
    sites, cur = [], None
    for line in out.splitlines():
        m = re.search(r"Provider: (.*)", line)
        if m:
            cur = {"provider": m.group(1)}
            continue
        m = re.match(r"\s+Name: (.*)", line)
        if m and cur is not None:
            cur["name"] = m.group(1)
            continue
        m = re.match(r"\s+Location: (0x[0-9a-f]+), Base: (0x[0-9a-f]+), Semaphore: (0x[0-9a-f]+)", line)
        if m and cur is not None:
            sites.append((cur["provider"], cur["name"], int(m.group(1), 16), int(m.group(3), 16)))
            cur = None
    return collections.Counter(sites)


def mapped_files(pid):
    files = []
    with open(f"/proc/{pid}/maps") as f:
        for line in f:
            parts = line.split(None, 5)
            if len(parts) == 6 and parts[5].startswith("/") and parts[4] != "0":
                p = parts[5].strip()
                if p not in files and not p.endswith("(deleted)"):
                    files.append(p)
    return files


def main():
    rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
    if sys.argv[2] == "--pid":
        pid = int(sys.argv[3])
        objects = [p for p in mapped_files(pid)
                   if subprocess.run(["readelf", "-h", f"/proc/{pid}/root{p}"],
                                     capture_output=True).returncode == 0]
        root = f"/proc/{pid}/root"
    else:
        objects, root = [sys.argv[3]], ""
    got = collections.defaultdict(collections.Counter)
    for r in rows:
        got[r["object"]][(r["provider"], r["name"], r["address"], r["semaphore"])] += 1
    bad = 0
    for obj in objects:
        want = readelf_sites(root + obj)
        have = got.pop(obj, collections.Counter())
        if want != have:
            bad += 1
            print(f"DIFF {obj}: readelf-only {sorted((want - have).elements())[:5]} "
                  f"rtprof-only {sorted((have - want).elements())[:5]}")
        elif want:
            print(f"same {obj}: {sum(want.values())} sites")
    for obj in got:
        bad += 1
        print(f"DIFF {obj}: listed by rtprof but not a mapped ELF object")
    sys.exit(1 if bad else 0)


main()
