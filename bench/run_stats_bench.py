#!/usr/bin/python3
"""Benchmarks `inspect --stats` (statistics and a 100-bin histogram of every tensor, in a 256 MB
heap) against a torch script computing the same statistics and histograms (bench/torch_stats.py)
and `cat` of the file, each run as its own process, REPEAT
times after a warm-up, warm page cache. Writes the table into bench/README.md.

    /usr/bin/python3 bench/run_stats_bench.py      # expects bench/work/small.pth (bench/make_inputs.py)
"""
import os
import re
import statistics
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, "bench", "work")
JAR = os.path.join(ROOT, "target", "weightbench.jar")
REPEAT = int(os.environ.get("REPEAT", "5"))


def timed(cmd):
    walls, rss = [], []
    for i in range(REPEAT + 1):
        start = time.perf_counter()
        p = subprocess.run(["/usr/bin/time", "-f", "RSS_KB=%M"] + cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        wall = time.perf_counter() - start
        if p.returncode != 0:
            raise SystemExit(f"{cmd} failed: {p.stderr[-500:]}")
        if i:
            walls.append(wall)
            rss.append(int(re.search(r"RSS_KB=(\d+)", p.stderr).group(1)) / 1024)
    return statistics.median(walls), max(rss)


def main():
    rows = []
    for name in ("small.pth", "big.pth"):
        f = os.path.join(WORK, name)
        size = os.path.getsize(f)
        th = timed(["/usr/bin/python3", os.path.join(ROOT, "bench", "torch_stats.py"), f])
        ct = timed(["sh", "-c", f"cat {f} > /dev/null"])
        gib = size / 2**30
        for launcher, cmd in (("`java -Xmx256m -jar`", ["java", "-Xmx256m", "-jar", JAR]), ("`bin/weightbench`", [os.path.join(ROOT, "bin", "weightbench")])):
            wb = timed(cmd + ["inspect", "--json", "--stats", f])
            rows.append(f"| {name} | {launcher} | {gib:.2f} GiB | {wb[0]:.2f} s ({gib / wb[0]:.2f} GiB/s) | {wb[1]:.0f} MiB | {th[0]:.2f} s | {th[1]:.0f} MiB "
                        f"| **{th[0] / wb[0]:.1f}x** | {ct[0]:.2f} s ({gib / ct[0]:.1f} GiB/s) | **{ct[0] / wb[0] * 100:.0f}%** |")
    table = "\n".join([
        f"Measured {time.strftime('%Y-%m-%d')} on this machine ({os.cpu_count()} cores), median of {REPEAT} runs after a warm-up, warm page cache;"
        " whole processes (JVM start-up and torch import included).",
        "",
        "| file | launcher | size | `inspect --json --stats` | peak RSS | torch script | peak RSS | speed-up | `cat FILE > /dev/null` | of `cat`'s throughput |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ] + rows)
    readme = os.path.join(ROOT, "bench", "README.md")
    text = open(readme).read()
    start, end = "<!-- stats-results -->", "<!-- /stats-results -->"
    text = text[: text.index(start) + len(start)] + "\n" + table + "\n" + text[text.index(end):]
    open(readme, "w").write(text)
    print(table)


if __name__ == "__main__":
    main()
