# Target of tests/e2e/dump.sh: threads parked in known places.
#   python3.11 dump_py.py TRUTH.json
# "sleeper" in time.sleep under outer_sleep and inner_sleep; "locker" blocked on a threading.Lock
# the main thread holds, under take_lock; "zipper" in zlib.compress of a 64 MiB buffer under
# compress_loop. Once they are parked, TRUTH.json gets what the program knows of each:
# {"threads": {NAME: {"tid": native id, "frames": [[qualname, file, line], ...innermost first]}}}
# from sys._current_frames(). The main thread then waits in Thread.join.
import json
import os
import sys
import threading
import time
import zlib

lock = threading.Lock()
parked = threading.Barrier(4)


def inner_sleep():
    parked.wait()
    time.sleep(3600)


def outer_sleep():
    inner_sleep()


def take_lock():
    parked.wait()
    lock.acquire()


def compress_loop():
    data = os.urandom(1 << 20) * 64
    parked.wait()
    while True:
        zlib.compress(data, 9)


def frames_of(f):
    out = []
    while f is not None:
        out.append([f.f_code.co_qualname, f.f_code.co_filename, f.f_lineno])
        f = f.f_back
    return out


lock.acquire()
threads = [threading.Thread(target=fn, name=name, daemon=True)
           for fn, name in ((outer_sleep, "sleeper"), (take_lock, "locker"),
                            (compress_loop, "zipper"))]
for t in threads:
    t.start()
parked.wait()
time.sleep(0.5)  # each thread reaches its blocking call
now = sys._current_frames()
truth = {t.name: {"tid": t.native_id, "frames": frames_of(now[t.ident])} for t in threads}
with open(sys.argv[1] + ".tmp", "w") as f:
    json.dump({"threads": truth}, f)
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
threads[0].join()
