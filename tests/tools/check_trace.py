#!/usr/bin/env python3
"""check_trace.py TRACE.json [FLOW.jsonl]: check a Chrome Trace Event file as rtprof flow --trace
writes it, independently of rtprof's own code:
- every event has name, ph, pid, tid; X events have ts and dur (microseconds, >= 0), no args;
- exactly one thread_name metadata event for every (pid, tid) that has X events;
- per (pid, tid), X events come in non-decreasing ts, and each one lies inside the one open
  around it (a stack of enclosing events; partial overlap is an error): they nest;
With FLOW.jsonl (flow --json of the same run): the X events per (tid, method) equal the call
events. Prints "ok N events, T threads, D max depth" or the first errors; exit 1 on error."""
import collections
import json
import sys
from decimal import Decimal


def ns(v):
    return int(Decimal(str(v)) * 1000)


def main():
    doc = json.load(open(sys.argv[1]), parse_float=Decimal)
    events = doc["traceEvents"] if isinstance(doc, dict) else doc
    errors = []
    names = collections.Counter()
    tracks = collections.defaultdict(list)
    for e in events:
        for k in ("name", "ph", "pid", "tid"):
            if k not in e:
                errors.append("event without %s: %r" % (k, e))
        if e.get("ph") == "M" and e.get("name") == "thread_name":
            names[(e["pid"], e["tid"])] += 1
        elif e.get("ph") == "X":
            if "args" in e:
                errors.append("X event with args: %r" % e)
            if ns(e["dur"]) < 0:
                errors.append("negative dur: %r" % e)
            tracks[(e["pid"], e["tid"])].append(e)
        elif e.get("ph") != "M":
            errors.append("unexpected phase %r" % e.get("ph"))
    max_depth = 0
    for track, evs in tracks.items():
        if names[track] != 1:
            errors.append("track %r has %d thread_name events" % (track, names[track]))
        stack = []  # (start, end) of the enclosing events
        last = None
        for e in evs:
            s = ns(e["ts"])
            t = s + ns(e["dur"])
            if last is not None and s < last:
                errors.append("track %r: ts goes back at %r" % (track, e))
            last = s
            while stack:
                ps, pe = stack[-1]
                if ps <= s and t <= pe:
                    break  # inside the enclosing event
                if s >= pe:
                    stack.pop()  # the enclosing one ended before this starts
                    continue
                errors.append("track %r: %r overlaps its enclosing event %r" % (track, e, stack[-1]))
                stack.pop()
            stack.append((s, t))
            max_depth = max(max_depth, len(stack))
    if len(sys.argv) > 2:
        want = collections.Counter()
        for line in open(sys.argv[2]):
            try:
                o = json.loads(line)
            except ValueError:
                continue  # the traced program's own output
            if isinstance(o, dict) and o.get("dir") == "call":
                want[(o["tid"], o["method"])] += 1
        got = collections.Counter()
        for (pid, tid), evs in tracks.items():
            for e in evs:
                # "Class.method(sig) (file)" -> method, as flow --json names it
                got[(tid, e["name"].split(" (")[0].split("(")[0].split(".")[-1])] += 1
        if got != want:
            diff = {k: (got[k], want[k]) for k in set(got) | set(want) if got[k] != want[k]}
            errors.append("calls per (tid, method) differ from flow --json (trace, json): %r"
                          % dict(list(diff.items())[:5]))
    if errors:
        print("\n".join(errors[:5]))
        sys.exit(1)
    print("ok %d events, %d threads, %d max depth"
          % (sum(len(v) for v in tracks.values()), len(tracks), max_depth))


main()
