# Code objects that come and go at the same addresses: each round exec()s a fresh function,
# alpha or omega (the same size: the allocator gives the memory of the one just freed to the
# next), burns CPU in it (45 ms for alpha, 15 ms for omega, by the thread's own clock) and drops
# it. Usage: py_reuse.py SECONDS OUT.json; OUT gets each name's thread CPU time and how many
# code object addresses both names had.
import json
import sys
import time

SRC = """
def {name}():
    x = 0
    for i in range(20000):
        x += i
    return x
"""
SLICE = {"alpha": 0.045, "omega": 0.015}


def run(seconds, out):
    spent = {"alpha": 0.0, "omega": 0.0}
    addrs = {"alpha": set(), "omega": set()}
    end = time.monotonic() + seconds
    k = 0
    while time.monotonic() < end:
        name = ("alpha", "omega")[k % 2]
        k += 1
        ns = {}
        exec(compile(SRC.format(name=name), "<generated>", "exec"), ns)
        f = ns[name]
        addrs[name].add(id(f.__code__))
        t0 = time.thread_time()
        while time.thread_time() - t0 < SLICE[name]:
            f()
        spent[name] += time.thread_time() - t0
        del f, ns
    with open(out, "w") as o:
        json.dump({"spent": spent, "shared": len(addrs["alpha"] & addrs["omega"])}, o)


run(float(sys.argv[1]), sys.argv[2])
