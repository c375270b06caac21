# Target of tests/e2e/profile_python.sh and memleak_python.sh: Python code whose own view of its
# stacks and CPU time is the truth rtprof's Python frames are checked against. Runs on CPython
# 3.8 to 3.13 (co_qualname where it exists, else co_name).
#
#   py_frames.py snapshot OUT SECS   two threads spin at known stacks; a third writes what
#                                    sys._current_frames() says of them to OUT (JSON), then
#                                    they spin SECS more seconds
#   py_frames.py shares OUT SECS     func_a, func_b (a key function called by sorted(), in C)
#                                    and func_c (a generator) burn CPU in jittered slices of
#                                    5, 3 and 2 ms; OUT gets each one's time.thread_time()
#   py_frames.py gil OUT SECS        one thread hashes 16 MiB buffers (the GIL released) under
#                                    hasher(), another spins in Python; OUT gets the hasher's
#                                    native thread id
#   py_frames.py leak N M            keep_f() and keep_g() retain N and M 1 MiB bytearrays, then
#                                    the process ends without freeing them (os._exit)
import hashlib
import json
import os
import random
import sys
import threading
import time

STOP = [False]


def qualname(code):
    return getattr(code, "co_qualname", code.co_name)


def native_id():
    return threading.get_native_id()


# ---- snapshot ----
def leaf_spin(ready):
    ready.set()
    while not STOP[0]: pass  # noqa: E701 (one line: one line number while spinning)
    return 0


def middle(ready):
    return leaf_spin(ready) + 1


def top(ready):
    return middle(ready) + 1


def gen(ready):
    ready.set()
    while not STOP[0]: pass  # noqa: E701
    yield 1


def consume(ready):
    return [x for x in gen(ready)]


def snapshot(out, secs):
    r1, r2 = threading.Event(), threading.Event()
    ids = {}

    def worker():
        ids["worker"] = native_id()
        consume(r2)

    def dumper():
        r1.wait()
        r2.wait()
        time.sleep(0.2)
        frames = sys._current_frames()
        res = []
        for t in threading.enumerate():
            if t.name not in ("MainThread", "worker"):
                continue
            f, stack = frames[t.ident], []
            while f is not None:
                stack.append([qualname(f.f_code), f.f_code.co_filename, f.f_lineno])
                f = f.f_back
            res.append({"tid": t.native_id, "frames": stack})
        with open(out, "w") as fh:
            json.dump(res, fh)
        time.sleep(secs)
        STOP[0] = True

    w = threading.Thread(target=worker, name="worker")
    d = threading.Thread(target=dumper, name="dumper")
    w.start()
    d.start()
    sorted([2, 1], key=lambda x: top(r1))
    w.join()
    d.join()


# ---- shares ----
def func_a(ms):
    end = time.perf_counter() + ms / 1000.0
    x = 0
    while time.perf_counter() < end:
        x += 1
    return x


def func_b(ms):
    end = time.perf_counter() + ms / 1000.0
    x = 0
    while time.perf_counter() < end:
        x += 1
    return x


def func_c(ms):
    end = time.perf_counter() + ms / 1000.0
    x = 0
    while time.perf_counter() < end:
        x += 1
    yield x


def shares(out, secs):
    acc = {"func_a": 0.0, "func_b": 0.0, "func_c": 0.0}
    rnd = random.Random(7)
    end = time.perf_counter() + secs
    while time.perf_counter() < end:
        j = rnd.uniform(0.5, 1.5)  # jitter: no aliasing with the sampling period
        t = time.thread_time()
        func_a(5 * j)
        t2 = time.thread_time()
        sorted([0], key=lambda _: func_b(3 * j))
        t3 = time.thread_time()
        for _ in func_c(2 * j):
            pass
        t4 = time.thread_time()
        acc["func_a"] += t2 - t
        acc["func_b"] += t3 - t2
        acc["func_c"] += t4 - t3
    with open(out, "w") as fh:
        json.dump(acc, fh)


# ---- gil ----
def hasher(buf, n):
    while not STOP[0]:
        hashlib.sha256(buf).digest()
        n[0] += 1


def spinner():
    x = 0
    while not STOP[0]:
        x += 1


def gil(out, secs):
    buf = b"x" * (16 << 20)
    n = [0]
    ids = {}

    def run_hasher():
        ids["hasher"] = native_id()
        hasher(buf, n)

    h = threading.Thread(target=run_hasher, name="hasher")
    s = threading.Thread(target=spinner, name="spinner")
    h.start()
    s.start()
    time.sleep(secs)
    STOP[0] = True
    h.join()
    s.join()
    with open(out, "w") as fh:
        json.dump({"hasher_tid": ids["hasher"], "hashes": n[0]}, fh)


# ---- leak ----
KEEP = []


def keep_f(n):
    for _ in range(n):
        KEEP.append(bytearray(1 << 20))


def keep_g(n):
    for _ in range(n):
        KEEP.append(bytearray(1 << 20))


def leak(n, m):
    keep_f(n)
    keep_g(m)
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "snapshot":
        snapshot(sys.argv[2], float(sys.argv[3]))
    elif mode == "shares":
        shares(sys.argv[2], float(sys.argv[3]))
    elif mode == "gil":
        gil(sys.argv[2], float(sys.argv[3]))
    elif mode == "leak":
        leak(int(sys.argv[2]), int(sys.argv[3]))
