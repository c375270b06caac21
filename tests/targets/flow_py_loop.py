# Calls Python functions forever (for tests that attach with -p). Writes its PID to argv[1].
import os
import sys
import time


def t_leaf(x):
    return x + 1


def t_work(n):
    return sum(t_leaf(i) for i in range(n))


with open(sys.argv[1], "w") as f:
    f.write("%d\n" % os.getpid())
end = time.time() + float(sys.argv[2]) if len(sys.argv) > 2 else None
while end is None or time.time() < end:
    t_work(10)
    time.sleep(0.01)
