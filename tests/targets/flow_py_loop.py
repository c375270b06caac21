# Calls Python functions forever (for tests that attach with -p). Writes its PID to argv[1].
# argv[2]: stop after SECONDS (0: never); argv[3]: pause between rounds (default 0.01 s).
import os
import sys
import time


def t_leaf(x):
    return x + 1


def t_work(n):
    return sum(t_leaf(i) for i in range(n))


with open(sys.argv[1], "w") as f:
    f.write("%d\n" % os.getpid())
end = time.time() + float(sys.argv[2]) if len(sys.argv) > 2 and float(sys.argv[2]) else None
pause = float(sys.argv[3]) if len(sys.argv) > 3 else 0.01
while end is None or time.time() < end:
    t_work(10)
    time.sleep(pause)
