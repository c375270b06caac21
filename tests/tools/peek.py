#!/usr/bin/env python3
"""peek.py PID ADDR SIZE: print the unsigned little-endian value of SIZE bytes at ADDR (decimal or
0x hex) in process PID, read from /proc/PID/mem."""
import sys

pid, addr, size = int(sys.argv[1]), int(sys.argv[2], 0), int(sys.argv[3])
with open(f"/proc/{pid}/mem", "rb") as f:
    f.seek(addr)
    print(int.from_bytes(f.read(size), "little"))
