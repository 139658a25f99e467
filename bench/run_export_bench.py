#!/usr/bin/python3
"""Benchmarks `apply` (a verified, atomic export) of the 4 GiB checkpoint through a prefix rule
against `cp` of the same file, each run as its own process, REPEAT times after a warm-up; peak RSS
from /usr/bin/time. Writes the table into bench/README.md.

    /usr/bin/python3 bench/run_export_bench.py      # expects bench/work/big.pth (bench/make_inputs.py)
"""
import json
import os
import re
import statistics
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, "bench", "work")
JAR = os.path.join(ROOT, "target", "weightbench.jar")
REPEAT = int(os.environ.get("REPEAT", "3"))


def timed(cmd, cleanup):
    walls, rss = [], []
    for i in range(REPEAT + 1):
        cleanup()
        subprocess.run(["sync"], check=True)
        start = time.perf_counter()
        p = subprocess.run(["/usr/bin/time", "-f", "RSS_KB=%M"] + cmd, capture_output=True, text=True)
        wall = time.perf_counter() - start
        if p.returncode != 0:
            raise SystemExit(f"{cmd} failed: {p.stderr[-500:]}")
        if i == 0:
            continue  # warm-up
        walls.append(wall)
        rss.append(int(re.search(r"RSS_KB=(\d+)", p.stderr).group(1)) / 1024)
    cleanup()
    return statistics.median(walls), max(rss)


def main():
    src = os.path.join(WORK, "big.pth")
    out = os.path.join(WORK, "big_fixed.pth")
    copy = os.path.join(WORK, "big_copy.pth")
    rules = os.path.join(WORK, "prefix.json")
    with open(rules, "w") as f:
        json.dump({"weightbench_rules": 1, "rules": [{"op": "add_prefix", "prefix": "model."}]}, f)

    def rm(*paths):
        return lambda: [os.remove(p) for p in paths if os.path.exists(p)]

    size = os.path.getsize(src)
    e_wall, e_rss = timed(["java", "-jar", JAR, "apply", "--rules", rules, src, "-o", out], rm(out))
    l_wall, l_rss = timed([os.path.join(ROOT, "bin", "weightbench"), "apply", "--rules", rules, src, "-o", out], rm(out))
    c_wall, c_rss = timed(["cp", src, copy], rm(copy))
    s_wall, _ = timed(["sh", "-c", f"cp {src} {copy} && sync"], rm(copy))
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on this machine ({os.cpu_count()} cores), median of {REPEAT} runs after a warm-up,"
        " source in the page cache, output on the same disk.",
        "",
        "| what | size | wall | peak RSS | `cp` / this |",
        "|---|---|---|---|---|",
        f"| `java -jar weightbench.jar apply --rules add_prefix big.pth -o big_fixed.pth` (write, fsync, re-read and check every tensor, rename) | {size / 2**30:.2f} GiB | {e_wall:.2f} s | {e_rss:.0f} MiB | **{c_wall / e_wall:.2f}** |",
        f"| the same with `bin/weightbench` | {size / 2**30:.2f} GiB | {l_wall:.2f} s | {l_rss:.0f} MiB | **{c_wall / l_wall:.2f}** |",
        f"| `cp big.pth big_copy.pth` | {size / 2**30:.2f} GiB | {c_wall:.2f} s | {c_rss:.0f} MiB | 1.00 |",
        f"| `cp` + `sync` | {size / 2**30:.2f} GiB | {s_wall:.2f} s | | {c_wall / s_wall:.2f} |",
    ]
    table = "\n".join(lines)
    readme = os.path.join(ROOT, "bench", "README.md")
    text = open(readme).read()
    start, end = "<!-- export-results -->", "<!-- /export-results -->"
    text = text[: text.index(start) + len(start)] + "\n" + table + "\n" + text[text.index(end):]
    open(readme, "w").write(text)
    print(table)


if __name__ == "__main__":
    main()
