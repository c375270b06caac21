#!/usr/bin/env python3
"""Synthetic record directories for rtprof compare's tests: run-NN.folded files of a program
whose functions do fixed amounts of work, each run with its own noise (a lognormal factor per
function and run, sigma SIGMA) and sampled like a profiler (SAMPLES samples drawn from the
run's shares), plus a manifest.json like rtprof record writes.

usage: gen_runs.py DIR RUNS SEED [--slow FUNC:PCT]... [--samples N] [--sigma S] [--kernel K]
Deterministic for a given SEED."""
import argparse
import json
import os
import random

# stack -> work (percent of the whole at the baseline)
WORK = [
    ("main;run;alpha_outer;alpha", 40.0),
    ("main;run;beta", 25.0),
    ("main;run;gamma_a;gamma", 15.0),
    ("main;run;delta", 10.0),
    ("main;run;epsilon", 6.0),
    ("main;run;zeta", 3.0),
    ("main;setup", 1.0),
]

ap = argparse.ArgumentParser()
ap.add_argument("dir")
ap.add_argument("runs", type=int)
ap.add_argument("seed", type=int)
ap.add_argument("--slow", action="append", default=[])
ap.add_argument("--samples", type=int, default=10000)
ap.add_argument("--sigma", type=float, default=0.03)
ap.add_argument("--kernel", default="6.1.0-test #1 SMP")
a = ap.parse_args()
rng = random.Random(a.seed)
slow = {f: float(p) for f, p in (x.split(":") for x in a.slow)}
os.makedirs(a.dir, exist_ok=True)
runs = []
for r in range(1, a.runs + 1):
    w = []
    for stack, work in WORK:
        work *= 1 + slow.get(stack.split(";")[-1], 0) / 100
        w.append(work * rng.lognormvariate(0, a.sigma))
    counts = [0] * len(WORK)
    for i in rng.choices(range(len(WORK)), weights=w, k=a.samples):
        counts[i] += 1
    name = "run-%02d.folded" % r
    with open(os.path.join(a.dir, name), "w") as f:
        for (stack, _), n in zip(WORK, counts):
            if n:
                f.write("%s %d\n" % (stack, n))
    runs.append({"file": name, "exit_status": 0, "signal": None, "stopped_by_rtprof": False,
                 "samples": a.samples, "seconds": a.samples / 999})
json.dump({"rtprof_version": "test", "command": ["synthetic"], "profile_options": ["-F", "999"],
           "kernel": a.kernel, "machine": "x86_64", "cpu_model": "Synthetic CPU", "cpus": 2,
           "frequency_hz": 999, "duration_s": None, "format": "folded",
           "runs_requested": a.runs, "runs": runs},
          open(os.path.join(a.dir, "manifest.json"), "w"), indent=2)
