#!/usr/bin/python3
"""Benchmarks opening (indexing) large checkpoints: Weightbench `inspect --json` against
`torch.load` of the same file, with `cat` as the read-bandwidth reference. Every command runs as
its own process, REPEAT times after one warm-up (warm page cache for all, which favours torch);
the medians go into bench/README.md.

    /usr/bin/python3 bench/run_bench.py            # expects bench/work/{small,big}.{pth,safetensors}
"""
import os
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, "bench", "work")
JAR = os.path.join(ROOT, "target", "weightbench.jar")
SCRIPT = os.path.join(ROOT, "bin", "weightbench")
LAUNCHERS = {"java -jar": ["java", "-jar", JAR], "bin/weightbench": [SCRIPT]}
REPEAT = int(os.environ.get("REPEAT", "5"))
PY = "/usr/bin/python3"


def run(cmd):
    """(wall seconds, stdout, stderr) of one process."""
    start = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = p.communicate()
    wall = time.perf_counter() - start
    if p.returncode != 0:
        raise SystemExit(f"{cmd} failed: {err.decode()[-500:]}")
    return wall, out.decode(), err.decode()


def drop_caches():
    """Empties the page cache (needs root); False where the machine does not allow it."""
    try:
        subprocess.run(["sync"], check=True)
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
        return True
    except OSError:
        return False


def measure(cmd, inner=None, cold=False):
    """Median wall time, median in-process time (parsed by `inner` from the output), peak RSS.
    With cold=True the page cache is emptied before every run (the file comes from disk)."""
    walls, inners, rss = [], [], []
    run(cmd)  # warm-up (JIT-free either way: every run is a new process)
    for _ in range(REPEAT):
        if cold:
            drop_caches()
        timed = ["/usr/bin/time", "-f", "RSS_KB=%M"] + cmd
        wall, out, err = run(timed)
        walls.append(wall)
        m = re.search(r"RSS_KB=(\d+)", err)
        rss.append(int(m.group(1)) / 1024 if m else float("nan"))
        if inner:
            inners.append(inner(out, err))
    return statistics.median(walls), (statistics.median(inners) if inners else None), max(rss)


def wb_inner(out, err):
    m = re.search(r"timings: open ([\d.]+) ms, list ([\d.]+) ms, total ([\d.]+) ms", err)
    return float(m.group(3)) / 1000


def torch_inner(out, err):
    return float(out.strip().splitlines()[-1])


def main():
    if not os.path.exists(JAR):
        raise SystemExit("build first: mvn -q -DskipTests package")
    cold_ok = drop_caches()
    rows, cold_rows = [], []
    jvm_wall, _, jvm_rss = measure(["java", "-jar", JAR, "--version"])
    torch_import, _, _ = measure([PY, "-c", "import torch"])
    run([SCRIPT, "--version"])  # the launcher script's first run makes its class-data archive
    for name in ("small", "big"):
        for ext in ("pth", "safetensors"):
            f = os.path.join(WORK, f"{name}.{ext}")
            if not os.path.exists(f):
                continue
            size = os.path.getsize(f)
            # the safetensors package is not in Debian: torch.load of the same state_dict's .pth is the peer for both
            pth = os.path.join(WORK, name + ".pth")
            loader = f"import time,torch; t=time.perf_counter(); torch.load({pth!r}); print(time.perf_counter()-t)"
            for cold in ([False, True] if cold_ok and ext == "pth" else [False]):
                t_wall, t_in, t_rss = measure([PY, "-c", loader], torch_inner, cold=cold)
                cat_wall, _, _ = measure(["sh", "-c", f"cat {f} > /dev/null"], cold=cold)
                for launcher, cmd in LAUNCHERS.items():
                    wb_wall, wb_in, wb_rss = measure(cmd + ["inspect", "--json", "--timings", f], wb_inner, cold=cold)
                    row = (f"{name}.{ext}", launcher, size, 2000, wb_wall, wb_in, wb_rss, t_wall, t_in, t_rss, cat_wall)
                    (cold_rows if cold else rows).append(row)
                    print("cold" if cold else "warm", row, file=sys.stderr)
    header = [
        "| file | launcher | size | tensors | Weightbench whole process | Weightbench in-process (open + list) | peak RSS | torch.load whole process | torch.load in-process | peak RSS | in-process ratio | whole-process ratio | `cat` (read bandwidth) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]

    def table_rows(rs):
        out = []
        for (n, launcher, size, count, ww, wi, wr, tw, ti, tr, cw) in rs:
            out.append(f"| {n} | `{launcher}` | {size / 2**30:.2f} GiB | {count} | {ww:.2f} s | {wi * 1000:.0f} ms | {wr:.0f} MiB | {tw:.2f} s | {ti:.2f} s | {tr:.0f} MiB "
                       f"| **{ti / wi:.0f}x** | {tw / ww:.1f}x | {cw:.2f} s ({size / 2**30 / cw:.1f} GiB/s) |")
        return out

    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on this machine ({os.cpu_count()} cores), median of {REPEAT} runs after a warm-up; every run is a new process.",
        f"JVM start-up (`java -jar weightbench.jar --version`): {jvm_wall:.2f} s, peak RSS {jvm_rss:.0f} MiB. `import torch` alone: {torch_import:.2f} s.",
        "",
        "Warm page cache (the file was just read; favours torch):",
        "",
    ] + header + table_rows(rows)
    if cold_rows:
        lines += ["", "Cold page cache (emptied before every run: the file comes from disk, as after a download):", ""] + header + table_rows(cold_rows)
    table = "\n".join(lines)
    readme = os.path.join(ROOT, "bench", "README.md")
    text = open(readme).read()
    start, end = "<!-- results -->", "<!-- /results -->"
    text = text[: text.index(start) + len(start)] + "\n" + table + "\n" + text[text.index(end):]
    open(readme, "w").write(text)
    print(table)


if __name__ == "__main__":
    main()
