#!/usr/bin/env python3
"""mdc_ref.py: an independent reference for rtprof compare's minimum detectable change
(lib/stats.h, struct stats_mdc), written from the definition, not from the C code:

  the gate flags a shift when the exact one-sided Mann-Whitney U test (critical value from the
  exact null distribution, counted by recursion) is significant at ALPHA AND the Hodges-Lehmann
  shift (median of all NEW - BASE differences) is at least FLOOR; runs are normal, SD 1.

usage: mdc_ref.py power M N ALPHA SHIFT FLOOR [DRAWS]   the share of draws flagged
       mdc_ref.py mdc M N ALPHA POWER FLOOR             the smallest SHIFT flagged with
                                                        probability POWER (bisection)
Shifts and floors in SDs. Deterministic (random.Random with a fixed seed)."""
import math
import random
import sys
from functools import lru_cache


@lru_cache(None)
def _count(m, n, u):
    """arrangements of m BASE and n NEW values with U = u"""
    if u < 0:
        return 0
    if m == 0 or n == 0:
        return 1 if u == 0 else 0
    return _count(m, n - 1, u - m) + _count(m - 1, n, u)


def critical(m, n, alpha):
    """the smallest u with P(U >= u) <= alpha; m*n + 1 when none"""
    total, tail, best = math.comb(m + n, n), 0, m * n + 1
    for u in range(m * n, -1, -1):
        tail += _count(m, n, u)
        if tail / total > alpha * (1 + 1e-9):
            break
        best = u
    return best


def power(m, n, alpha, shift, floor, draws=20000, seed=7):
    uc, rng, hits = critical(m, n, alpha), random.Random(seed), 0
    for _ in range(draws):
        x = [rng.gauss(0, 1) for _ in range(m)]
        y = [rng.gauss(shift, 1) for _ in range(n)]
        d = sorted(b - a for a in x for b in y)
        k = len(d)
        hl = d[k // 2] if k % 2 else (d[k // 2 - 1] + d[k // 2]) / 2
        hits += sum(1 for v in d if v > 0) >= uc and hl >= floor
    return hits / draws


def mdc(m, n, alpha, pw, floor):
    if critical(m, n, alpha) > m * n:
        return math.inf
    lo, hi = 0.0, floor + 20.0
    for _ in range(16):
        mid = (lo + hi) / 2
        if power(m, n, alpha, mid, floor) >= pw:
            hi = mid
        else:
            lo = mid
    return hi


if __name__ == "__main__":
    a = sys.argv[1:]
    if a[0] == "power":
        print("%.4f" % power(int(a[1]), int(a[2]), float(a[3]), float(a[4]), float(a[5]),
                             *(int(v) for v in a[6:7])))
    else:
        print("%.4f" % mdc(int(a[1]), int(a[2]), float(a[3]), float(a[4]), float(a[5])))
