# gc.collect() exactly K times (argv[1]) once the file argv[2] exists, then write the number of
# generation-2 collections Python itself counted (gc.get_stats) to argv[3] and sleep until killed.
import gc
import os
import sys
import time

k, go, done = int(sys.argv[1]), sys.argv[2], sys.argv[3]
gc.disable()  # no automatic collections in the window: gc.collect() still runs
with open(done + ".ready", "w") as f:
    f.write("%d\n" % os.getpid())
while not os.path.exists(go):
    time.sleep(0.02)
before = gc.get_stats()[2]["collections"]
for i in range(k):
    junk = [[j] for j in range(100)]
    gc.collect()
after = gc.get_stats()[2]["collections"]
with open(done, "w") as f:
    f.write("%d\n" % (after - before))
time.sleep(600)
