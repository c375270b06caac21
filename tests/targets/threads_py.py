# Starts N threads from spawn_them(), which the module body calls, and prints the line each of the
# two frames is at when a thread is created ("spawn_them LINE", "<module> LINE").
#   threads_py.py N [GO_FILE]   with GO_FILE: wait for that file to exist first
import os
import sys
import threading
import time


def work(i):
    time.sleep(0.01)


def spawn_them(n):
    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for t in threads:
        here = sys._getframe().f_lineno; t.start()  # noqa: E702 (one line: the frame's line)
    for t in threads:
        t.join()
    return here


n = int(sys.argv[1]) if len(sys.argv) > 1 else 4
if len(sys.argv) > 2:
    while not os.path.exists(sys.argv[2]):
        time.sleep(0.01)
line = sys._getframe().f_lineno; at = spawn_them(n)  # noqa: E702
print("spawn_them", at)
print("<module>", line)
