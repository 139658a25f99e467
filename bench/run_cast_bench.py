#!/usr/bin/python3
"""Benchmarks a cast rule in an export: `apply` of a ViT-B/16-shaped float32 checkpoint (~330 MiB,
bench/make_cast_input.py) to .safetensors with a cast to float16, against the plain export (no
rules), each run as its own process, REPEAT times after a warm-up, source in the page cache.
JAR (default target/weightbench.jar) picks the build to measure.

    /usr/bin/python3 bench/make_cast_input.py && /usr/bin/python3 bench/run_cast_bench.py
"""
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, "bench", "work")
JAR = os.environ.get("JAR", os.path.join(ROOT, "target", "weightbench.jar"))
REPEAT = int(os.environ.get("REPEAT", "3"))


def timed(cmd, out):
    walls = []
    for i in range(REPEAT + 1):
        if os.path.exists(out):
            os.remove(out)
        start = time.perf_counter()
        p = subprocess.run(cmd, capture_output=True, text=True)
        wall = time.perf_counter() - start
        if p.returncode != 0:
            raise SystemExit(f"{cmd} failed: {p.stderr[-500:]}")
        if i > 0:
            walls.append(wall)
    os.remove(out)
    return statistics.median(walls)


def main():
    src = os.path.join(WORK, "vit_b16.pth")
    out = os.path.join(WORK, "vit_out.safetensors")
    cast = os.path.join(WORK, "cast_f16.json")
    with open(cast, "w") as f:
        json.dump({"weightbench_rules": 1, "rules": [{"op": "cast", "match": ".*", "dtype": "float16"}]}, f)
    java = ["java", "-jar", JAR, "apply"]
    plain = timed(java + [src, "-o", out], out)
    casted = timed(java + ["--rules", cast, src, "-o", out], out)
    size = os.path.getsize(src) / 2**20
    print(f"{os.path.basename(JAR)}: {size:.0f} MiB float32 -> .safetensors: plain {plain:.2f} s, cast to float16 {casted:.2f} s,"
          f" ratio {casted / plain:.2f} (median of {REPEAT} after a warm-up)")


if __name__ == "__main__":
    sys.exit(main())
