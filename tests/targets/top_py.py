# Ground truth for rtprof top on Python: hot_py takes about 80 % of the CPU time, cold_py the
# rest, in alternating calls. At the end (after SECONDS of CPU time) the program prints the
# shares it measured itself (time.process_time around each call) to stderr:
#	truth hot_py=SHARE cold_py=SHARE
# Usage: python3 top_py.py SECONDS
import sys
import time


def hot_py(n):
    x = 0
    for i in range(n):
        x = (x * 31 + i) & 0xFFFF
    return x


def cold_py(n):
    x = 0
    for i in range(n):
        x = (x * 17 + i) & 0xFFFF
    return x


def main():
    end = time.process_time() + float(sys.argv[1])
    hot = cold = 0.0
    while time.process_time() < end:
        a = time.process_time()
        hot_py(40000)
        b = time.process_time()
        cold_py(10000)
        c = time.process_time()
        hot += b - a
        cold += c - b
    print("truth hot_py=%.4f cold_py=%.4f" % (hot / (hot + cold), cold / (hot + cold)),
          file=sys.stderr)


main()
