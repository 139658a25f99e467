#!/usr/bin/python3
"""Benchmarks `identify` among the whole catalog (1,400+ timm and torchvision architectures):
checkpoints of catalog architectures as people hold them (a resized head, a `module.` prefix,
nested under `state_dict`), written by real torch as meta tensors (keys, shapes and dtypes
without data: identify reads nothing else). Runs `identify --timings` as a new process REPEAT
times after a warm-up, both as `java -jar` and through `bin/weightbench` (its class-data-sharing
archive, which ClassPreloader fills by running identify too, and the C1 compiler); its --timings
split loading the catalog's index (once per process) from ranking. Medians go into bench/README.md.

    mvn -q -DskipTests package && PYTHONPATH=../shared/vendor/timm /usr/bin/python3 bench/run_identify_bench.py
"""
import os
import re
import statistics
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_bench import LAUNCHERS, REPEAT, WORK, run  # noqa: E402

CASES = [("timm/resnet50", dict(num_classes=10), "module.", True),
         ("timm/regnety_032", {}, "model.", False),
         ("timm/convnext_small", dict(num_classes=100), "", True),
         ("timm/vit_base_patch16_224", {}, "backbone.", True)]


def make(name, kw, prefix, nested):
    import timm
    arch = name.split("/", 1)[1]
    model = timm.create_model(arch, pretrained=False, **kw).to_empty(device="meta")
    sd = {prefix + k: v for k, v in model.state_dict().items()}
    path = os.path.join(WORK, "identify_" + arch + ".pth")
    torch.save({"state_dict": sd, "epoch": 3} if nested else sd, path)
    return path, len(sd)


def main():
    os.makedirs(WORK, exist_ok=True)
    rows = []
    for name, kw, prefix, nested in CASES:
        path, keys = make(name, kw, prefix, nested)
        label = name + ("?" + "&".join(f"{k}={v}" for k, v in kw.items()) if kw else "")
        cells, first = [], None
        for launcher in LAUNCHERS.values():
            cmd = launcher + ["identify", "--timings", "--top", "3", path]
            run(cmd)
            index, rank, wall = [], [], []
            for _ in range(REPEAT):
                w, out, err = run(cmd)
                m = re.search(r"catalog index ([\d.]+) ms, rank ([\d.]+) ms", err)
                index.append(float(m.group(1)))
                rank.append(float(m.group(2)))
                wall.append(w)
                first = out.splitlines()[1].split()[0]
            inside = [i + r for i, r in zip(index, rank)]
            cells.append(f"{statistics.median(index):.0f} + {statistics.median(rank):.0f} = **{statistics.median(inside):.0f} ms**"
                         f" ({min(inside):.0f}-{max(inside):.0f}) | {statistics.median(wall):.2f} s")
        rows.append((label, prefix or "(none)", "yes" if nested else "no", keys, first, cells))
    head = " | ".join(f"{n}: index + rank = in-process (min-max) | {n}: whole process" for n in LAUNCHERS)
    print(f"| checkpoint of | prefix | nested | keys | first candidate | {head} |")
    print("|---|---|---|---|---|" + "---|---|" * len(LAUNCHERS))
    for r in rows:
        print(f"| {r[0]} | {r[1]} | {r[2]} | {r[3]} | {r[4]} | {' | '.join(r[5])} |")

if __name__ == "__main__":
    main()
