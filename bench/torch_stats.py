#!/usr/bin/python3
"""The torch peer of `inspect --stats`: loads a checkpoint and computes, per tensor, the same
statistics in float64 (min, max, mean, std, L2 over finite values; NaN/±Inf/zero/beyond-float16
counts) and a 100-bin torch.histc over the finite range. Prints the in-process seconds of the load +
statistics.

    /usr/bin/python3 bench/torch_stats.py FILE
"""
import sys
import time

import torch

t0 = time.perf_counter()
sd = torch.load(sys.argv[1])
out = {}
for k, t in sd.items():
    x = t.to(torch.float64).flatten()
    finite = x[torch.isfinite(x)]
    out[k] = (float(x.min()), float(x.max()), float(finite.mean()), float(finite.std(unbiased=False)), float(finite.norm()),
              int(torch.isnan(x).sum()), int(torch.isinf(x).sum()), int((x == 0).sum()), int((finite.abs() > 65504).sum()),
              torch.histc(finite, bins=100, min=float(finite.min()), max=float(finite.max())))
print(time.perf_counter() - t0)
