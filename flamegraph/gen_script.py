#!/usr/bin/env python3
# Turn flamegraph/script.js into flamegraph/script.c (a C string the renderer embeds).
# Usage: flamegraph/gen_script.py [--check]   --check: exit 1 if script.c is not up to date.
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "script.js"), encoding="utf-8") as f:
    js = f.read()
if "]]>" in js:
    sys.exit("script.js must not contain ]]> (it is embedded in CDATA)")
out = [
    "// SPDX-License-Identifier: GPL-2.0",
    "/* Generated from flamegraph/script.js by flamegraph/gen_script.py: do not edit. */",
    '#include "flamegraph/script.h"',
    "",
    "// clang-format off",
    "const char flamegraph_script[] =",
]
for line in js.splitlines():
    esc = line.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t")
    out.append('\t"%s\\n"' % esc)
out[-1] += ";"
out.append("// clang-format on")
text = "\n".join(out) + "\n"
path = os.path.join(here, "script.c")
if "--check" in sys.argv:
    with open(path, encoding="utf-8") as f:
        sys.exit(0 if f.read() == text else 1)
with open(path, "w", encoding="utf-8") as f:
    f.write(text)
