#!/usr/bin/env python3
"""make_pprof.py OUT.pb.gz TIME_NANOS DURATION_NANOS: a small but valid gzip-compressed pprof
profile (perftools.profiles.Profile, protobuf encoded by hand: two samples over three
functions, samples/count and cpu/nanoseconds), for rtprof push's tests. Deterministic bytes."""
import gzip
import sys


def varint(v):
    out = b""
    while True:
        b = v & 0x7F
        v >>= 7
        out += bytes([b | (0x80 if v else 0)])
        if not v:
            return out


def field(num, payload):  # length-delimited
    return varint(num << 3 | 2) + varint(len(payload)) + payload


def num(n, v):  # varint field
    return varint(n << 3) + varint(v)


def packed(n, vals):
    return field(n, b"".join(varint(v) for v in vals))


strings = ["", "samples", "count", "cpu", "nanoseconds", "main", "work", "spin", "app.c"]
S = {s: i for i, s in enumerate(strings)}
p = b""
p += field(1, num(1, S["samples"]) + num(2, S["count"]))
p += field(1, num(1, S["cpu"]) + num(2, S["nanoseconds"]))
# samples, leaf first: main;work;spin 30 and main;work 10
p += field(2, packed(1, [3, 2, 1]) + packed(2, [30, 30 * 1001001]))
p += field(2, packed(1, [2, 1]) + packed(2, [10, 10 * 1001001]))
for loc, fn, line in ((1, 1, 10), (2, 2, 20), (3, 3, 30)):
    p += field(4, num(1, loc) + field(4, num(1, fn) + num(2, line)))
for fid, name in ((1, "main"), (2, "work"), (3, "spin")):
    p += field(5, num(1, fid) + num(2, S[name]) + num(3, S[name]) + num(4, S["app.c"]))
for s in strings:
    p += field(6, s.encode())
p += num(9, int(sys.argv[2])) + num(10, int(sys.argv[3]))
p += field(11, num(1, S["cpu"]) + num(2, S["nanoseconds"])) + num(12, 1001001)
with open(sys.argv[1], "wb") as f:
    f.write(gzip.compress(p, mtime=0))
