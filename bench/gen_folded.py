#!/usr/bin/env python3
# Deterministic synthetic folded stacks for bench/flamegraph.sh: N unique stacks, depth 10-60,
# names that look like C++, Java, Python, Go and kernel frames. A stack is a prefix of an
# earlier stack (cut where real profiles share most: deep in the framework) plus new frames, so
# stacks share prefixes the way real ones do. Output is sorted, as stackcollapse tools write it.
# Usage: PYTHONHASHSEED=0 bench/gen_folded.py N [SEED] > out.folded   (200000 stacks: ~300 MB)
import random
import sys

n = int(sys.argv[1])
rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 1)

words = ("request handler dispatch process parse read write buffer stream queue worker task "
         "event loop socket session cache lookup insert update render encode decode compress "
         "allocate free lock unlock wait notify schedule execute invoke call apply visit filter "
         "transform serialize deserialize validate resolve load store commit flush sync index "
         "query scan sort merge hash compare copy move init shutdown connect accept listen").split()
caps = [w.capitalize() for w in words]
pkgs = ["org/apache/catalina/core", "org/springframework/web/servlet", "com/example/service",
        "java/util/concurrent", "io/netty/channel", "com/fasterxml/jackson/databind",
        "org/hibernate/engine/internal", "sun/nio/ch", "jdk/internal/reflect"]
nss = ["std", "boost::asio", "folly", "absl", "app::net", "app::storage", "grpc_core", "v8::internal"]
pyfiles = ["app/server.py", "app/models.py", "lib/python3.11/asyncio/events.py",
           "django/core/handlers/base.py", "sqlalchemy/orm/session.py", "app/views/api.py"]


def name():
    k = rng.random()
    a, b, c = rng.choice(words), rng.choice(caps), rng.choice(caps)
    if k < 0.30:
        return "%s/%s%s.%s%s" % (rng.choice(pkgs), b, c, a, rng.choice(caps))
    if k < 0.55:
        ns = rng.choice(nss)
        if rng.random() < 0.3:
            return "%s::%s<%s::%s>::%s_%s(%s const&, unsigned long)" % (
                ns, b, rng.choice(nss), c, a, rng.choice(words), c)
        return "%s::%s%s::%s_%s(int, char const*)" % (ns, b, c, a, rng.choice(words))
    if k < 0.80:
        return "%s_%s (%s:%d)" % (a, rng.choice(words), rng.choice(pyfiles), rng.randint(10, 999))
    if k < 0.92:
        return "main.(*%s%s).%s%s" % (b, c, rng.choice(caps), rng.choice(caps))
    return "%s_%s_%s_[k]" % (rng.choice(["do", "sys", "tcp", "ext4", "__x64"]), a, rng.choice(words))


pool = [name() for _ in range(40000)]
roots = [["_start", "__libc_start_main", "main"], ["start_thread", "thread_main"],
         ["java/lang/Thread.run", "java/util/concurrent/ThreadPoolExecutor$Worker.run"],
         ["_PyRun_SimpleFileObject", "_PyEval_EvalFrameDefault"]]


def pick():
    # a few names are very common (framework frames), most are rare
    return rng.randrange(len(pool)) if rng.random() < 0.7 else rng.randrange(400)


stacks, seen = [], set()
while len(stacks) < n:
    depth = rng.randint(10, 60)
    if stacks and rng.random() < 0.97:
        base = stacks[rng.randrange(len(stacks))]
        cut = min(len(base), depth) - rng.randint(1, 8)
        st = list(base[:max(cut, 3)])
    else:
        st = list(rng.choice(roots))
    while len(st) < depth:
        st.append(pool[pick()])
    line = ";".join(st)
    h = hash(line)
    if h in seen:
        continue
    seen.add(h)
    stacks.append(st)

out = sys.stdout
lines = sorted(";".join(s) for s in stacks)
for line in lines:
    out.write("%s %d\n" % (line, int(rng.paretovariate(1.2)) + rng.randint(0, 50)))
