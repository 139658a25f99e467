#!/usr/bin/python3
"""Benchmarks listing other frameworks' 4 GiB checkpoints (made by make_crossframework_inputs.py):
`inspect --json --timings` as a new process, REPEAT times after a warm-up, with both launchers,
warm page cache and (as root) cold; plus the same open repeated inside one JVM (a running
workbench, or the tenth file of a session). Medians go into bench/README.md.

    /usr/bin/python3 bench/make_crossframework_inputs.py bench/work
    mvn -q -DskipTests package && /usr/bin/python3 bench/run_crossframework_bench.py
"""
import os
import re
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_bench import JAR, LAUNCHERS, REPEAT, ROOT, WORK, drop_caches, measure, run, wb_inner  # noqa: E402

FILES = [("llama.gguf", "GGUF (llama 7B-like: Q4_K/Q6_K/F32, 32,000-token vocabulary)"),
         ("resnet.h5", "Keras 2 .h5 full model (model_weights + optimizer_weights)"),
         ("bert.ckpt", "TensorFlow checkpoint (TF2 keys, 2 data shards; the prefix is opened)")]


def size_of(name):
    if name == "bert.ckpt":
        return sum(os.path.getsize(os.path.join(WORK, f)) for f in os.listdir(WORK) if f.startswith("bert.ckpt."))
    return os.path.getsize(os.path.join(WORK, name))


def in_one_jvm(path, times=20):
    """Median of opening the file again and again in one JVM (after the first open)."""
    code = ("import io.weightbench.format.Formats; import java.nio.file.Path;"
            "public class Again { public static void main(String[] a) throws Exception { long[] t = new long[%d];"
            " for (int i = 0; i < t.length; i++) { long s = System.nanoTime();"
            " try (var c = Formats.standard().open(Path.of(a[0]))) { c.tensors().size(); } t[i] = System.nanoTime() - s; }"
            " java.util.Arrays.sort(t, 1, t.length); System.out.println(t[0] / 1e6 + \" \" + t[t.length / 2] / 1e6); } }") % times
    d = os.path.join(WORK, "again")
    os.makedirs(d, exist_ok=True)
    open(os.path.join(d, "Again.java"), "w").write(code)
    subprocess.run(["javac", "-cp", JAR, "-d", d, os.path.join(d, "Again.java")], check=True)
    out = subprocess.run(["java", "-cp", JAR + os.pathsep + d, "Again", path], check=True, capture_output=True, text=True).stdout
    first, median = (float(x) for x in out.split())
    return first, median


def main():
    if not os.path.exists(JAR):
        raise SystemExit("build first: mvn -q -DskipTests package")
    counts = dict(line.split("\t") for line in open(os.path.join(WORK, "crossframework.counts")).read().split("\n") if line)
    cold_ok = drop_caches()
    run(LAUNCHERS["bin/weightbench"] + ["--version"])  # makes the class-data archive
    rows = []
    for name, what in FILES:
        path = os.path.join(WORK, name)
        for cold in ([False, True] if cold_ok else [False]):
            for launcher, cmd in LAUNCHERS.items():
                wall, inner, rss = measure(cmd + ["inspect", "--json", "--timings", path], wb_inner, cold=cold)
                rows.append((name, what, "cold" if cold else "warm", launcher, size_of(name), int(counts[name]), wall, inner, rss))
                print(rows[-1], file=sys.stderr)
        first, again = in_one_jvm(path)
        rows.append((name, what, "warm", "same JVM, opened again", size_of(name), int(counts[name]), None, again / 1000, None))
    lines = [f"Measured {time.strftime('%Y-%m-%d')} on this machine ({os.cpu_count()} cores), median of {REPEAT} runs after a warm-up;"
             " every run a new process except the last row of each file (the same open repeated 20 times in one JVM).", "",
             "| file | what | page cache | launcher | size | tensors | whole process | in-process (open + list) | peak RSS |",
             "|---|---|---|---|---|---|---|---|---|"]
    for (n, what, cache, launcher, size, count, wall, inner, rss) in rows:
        lines.append(f"| {n} | {what} | {cache} | `{launcher}` | {size / 2**30:.2f} GiB | {count} | "
                     f"{'' if wall is None else f'{wall:.2f} s'} | **{inner * 1000:.1f} ms** | {'' if rss is None else f'{rss:.0f} MiB'} |")
    table = "\n".join(lines)
    readme = os.path.join(ROOT, "bench", "README.md")
    text = open(readme).read()
    start, end = "<!-- crossframework -->", "<!-- /crossframework -->"
    if start not in text:
        text += "\n## Listing other frameworks' checkpoints\n\n" + start + "\n" + end + "\n"
    text = text[: text.index(start) + len(start)] + "\n" + table + "\n" + text[text.index(end):]
    open(readme, "w").write(text)
    print(table)


if __name__ == "__main__":
    main()
