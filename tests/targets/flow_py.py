# Deterministic call tree for rtprof flow's ground-truth test. With "--record" the sequence of
# (event, function, depth) is recorded with sys.setprofile in the same process instead.
import sys


def t_leaf(x):
    return x + 1


def t_mid(x):
    a = t_leaf(x)
    b = t_leaf(a)
    return a + b


def t_rec(n):
    if n == 0:
        return t_leaf(0)
    return t_rec(n - 1) + 1


def t_main(rounds):
    total = 0
    for i in range(rounds):
        total += t_mid(i)
        total += t_rec(i % 4)
    return total


def record():
    out = []
    depth = [0]

    def prof(frame, event, arg):
        name = frame.f_code.co_name
        if not name.startswith("t_"):
            return
        if event == "call":
            out.append("call %s %d" % (name, depth[0]))
            depth[0] += 1
        elif event == "return":
            depth[0] -= 1
            out.append("return %s %d" % (name, depth[0]))

    sys.setprofile(prof)
    t_main(ROUNDS)
    sys.setprofile(None)
    print("\n".join(out))


ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 20
if sys.argv[1:2] == ["--record"]:
    record()
elif sys.argv[1:2] == ["bench"]:  # bench R GO OUT: wait for GO, t_main(R), elapsed ns to OUT
    import os
    import time
    open(sys.argv[4] + ".ready", "w").write("%d\n" % os.getpid())
    while not os.path.exists(sys.argv[3]):
        time.sleep(0.02)
    t0 = time.process_time_ns()  # CPU time: traps and BPF run in the process
    t_main(ROUNDS)
    open(sys.argv[4], "w").write("%d\n" % (time.process_time_ns() - t0))
    time.sleep(1)
else:
    t_main(ROUNDS)
