# Functions of one name in two files and in two classes of one file, called known numbers of
# times: parse_a.parse N times, parse_b.parse M times, A.parse K times, B.parse L times.
# usage: parse_main.py N M K L
import sys

import parse_a
import parse_b


class A:
    def parse(self, x):
        return x - 1


class B:
    def parse(self, x):
        return x - 2


n, m, k, l = (int(v) for v in sys.argv[1:5])
total = 0
for i in range(n):
    total += parse_a.parse(i)
for i in range(m):
    total += parse_b.parse(i)
a, b = A(), B()
for i in range(k):
    total += a.parse(i)
for i in range(l):
    total += b.parse(i)
print(total)
