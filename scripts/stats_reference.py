#!/usr/bin/python3
"""Reference statistics and diffs computed by real torch (in float64) for the stats interop test:

    /usr/bin/python3 scripts/stats_reference.py DIR

writes DIR/a.pth, DIR/b.pth (b: a after a fake fine-tuning step, with a head of another size, one
key renamed, fp16 and bf16 copies, a quantized tensor, NaN/Inf and a strided view) and
DIR/reference.json.
"""
import collections
import json
import math
from fractions import Fraction
import os
import sys

import torch


def exact_std(finite):
    """The population std of float64 values computed exactly (rational mean, exact squares,
    correctly rounded sum): torch's own float64 std is ~2e-8 off when the spread is 1e-12 of the mean."""
    v = finite.tolist()
    mean = sum(Fraction(a) for a in v) / len(v)
    return math.sqrt(float(sum((Fraction(a) - mean) ** 2 for a in v) / len(v)))


def stats(t):
    if t.is_quantized:
        t = t.dequantize()
    x = t.detach().to(torch.float64).flatten() if not t.is_complex() else t.abs().to(torch.float64).flatten()
    finite = x[torch.isfinite(x)]
    return {
        "count": x.numel(), "nan": int(torch.isnan(x).sum()), "pos_inf": int((x == float("inf")).sum()),
        "neg_inf": int((x == float("-inf")).sum()), "zeros": int((x == 0).sum()),
        "outside_float16": int((finite.abs() > 65504).sum()),
        "min": float(finite.min()) if finite.numel() else None,
        "max": float(finite.max()) if finite.numel() else None,
        "mean": float(finite.mean()) if finite.numel() else None,
        "std": float(finite.std(unbiased=False)) if finite.numel() else None,
        "l2": float(finite.norm()),
        "std_exact": exact_std(finite) if t.dtype == torch.float64 and 0 < finite.numel() <= 400000 else None,
    }


BINS, LOG_BINS, DIFF_BINS = 13, 7, 9


def binned(x, bins, lo, hi):
    """torch.histc's binning in float64: bin (x - lo) * bins / (hi - lo), the last bin closed.
    Counted with bincount rather than torch.histc itself: torch 1.13's histc takes its right edge
    from linspace(lo, hi, bins + 1), whose last element can fall an ulp short of hi (e.g. for 8
    edges), and then drops the maximum."""
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    x = x[(x >= lo) & (x <= hi)]
    idx = ((x - lo) * bins / (hi - lo)).floor().long().clamp(max=bins - 1)
    return [int(c) for c in torch.bincount(idx, minlength=bins)]


def histc(x, bins):
    """A histogram over the values' own range, in float64 (None without values)."""
    if x.numel() == 0:
        return None
    lo, hi = float(x.min()), float(x.max())
    return {"lo": lo, "hi": hi, "counts": binned(x, bins, lo, hi)}


def histograms(t):
    if t.is_quantized:
        t = t.dequantize()
    x = t.detach().to(torch.float64).flatten() if not t.is_complex() else t.abs().to(torch.float64).flatten()
    finite = x[torch.isfinite(x)]
    nonzero = finite[finite != 0].abs()
    return {"linear": histc(finite, BINS), "log": histc(torch.log10(nonzero), LOG_BINS),
            "log_zeros": int((finite == 0).sum())}


def diff(a, b):
    x = a.detach().to(torch.float64).flatten()
    y = b.detach().to(torch.float64).flatten()
    ok = torch.isfinite(x) & torch.isfinite(y)
    x, y = x[ok], y[ok]
    d = (x - y).abs()
    m = float(d.max())
    return {"max_abs": m, "mean_abs": float(d.mean()), "rms": float(d.pow(2).mean().sqrt()),
            "rel_l2": float(d.norm() / x.norm()), "cosine": float((x * y).sum() / (x.norm() * y.norm())),
            "histogram": binned(y - x, DIFF_BINS, -m, m)}


def main():
    d = sys.argv[1]
    torch.manual_seed(21)
    a = collections.OrderedDict()
    a["conv.weight"] = torch.randn(16, 3, 3, 3)
    a["conv.bias"] = torch.randn(16)
    a["bn.running_var"] = torch.rand(16) + 0.5
    a["fc.weight"] = torch.randn(10, 16)
    a["fc.bias"] = torch.zeros(10)
    a["big"] = torch.tensor([1e5, -7e4, 3.0, 0.0])
    a["special"] = torch.tensor([float("nan"), float("inf"), float("-inf"), 0.0, 2.5, -1.0])
    a["half"] = torch.randn(64).half()
    a["bf16"] = torch.randn(64).bfloat16()
    a["q"] = torch.quantize_per_channel(torch.randn(4, 8), torch.tensor([0.1, 0.2, 0.05, 0.3], dtype=torch.double),
                                        torch.tensor([0, 2, -1, 1]), 0, torch.qint8)
    a["large"] = torch.randn(700, 1000) * 0.02  # several 1 MiB chunks: read in parallel
    a["large_half"] = (torch.randn(1200, 1000) * 3).half()
    # a spread a trillion times smaller than the mean: std must keep its digits
    a["big_mean"] = 1e9 + (torch.rand(300001, dtype=torch.float64) * 2e-3 - 1e-3)
    a["only_inf"] = torch.tensor([float("inf"), float("-inf"), float("nan")])
    base = torch.randn(8, 12)
    a["view"] = base.t()[2:9]
    b = collections.OrderedDict((k, v.clone() if not v.is_quantized else v) for k, v in a.items())
    b["conv.weight"] = a["conv.weight"] + 0.01 * torch.randn_like(a["conv.weight"])
    b["conv.bias"] = a["conv.bias"] * 1.5
    b["fc.weight"] = torch.randn(5, 16)
    del b["bn.running_var"]
    b["bn.running_variance"] = a["bn.running_var"]
    b["half"] = (a["half"].float() * 0.5).half()
    b["view"] = a["view"].contiguous() - 0.25
    b["large"] = a["large"] * 0.9 + 0.001 * torch.randn_like(a["large"])
    torch.save(a, os.path.join(d, "a.pth"))
    torch.save(b, os.path.join(d, "b.pth"))
    # a checkpoint with every fault `check` looks for
    emb = torch.randn(20, 8)
    faulty = collections.OrderedDict()
    faulty["embed.weight"] = emb
    faulty["conv.weight"] = torch.zeros(4, 3, 3, 3)
    faulty["conv2.weight"] = torch.full((4, 4), 0.5)
    faulty["bn.weight"] = torch.ones(4)
    faulty["bn.bias"] = torch.zeros(4)
    faulty["bn.running_mean"] = torch.zeros(4)
    faulty["bn.running_var"] = torch.tensor([1.0, 0.0, -0.5, 2.0])
    faulty["bn2.running_mean"] = torch.zeros(4)
    faulty["fc.weight"] = torch.randn(3, 4)
    faulty["fc.weight"][0, 0] = float("nan")
    faulty["fc.bias"] = torch.zeros(3).half()
    faulty["proj.weight"] = torch.tensor([[1e6, 1.0], [2.0, 3.0]])
    faulty["lm_head.weight"] = emb
    torch.save(faulty, os.path.join(d, "faulty.pth"))
    ref = {"stats": {k: stats(v) for k, v in a.items()},
           "histograms": {k: histograms(v) for k, v in a.items()},
           "bins": {"linear": BINS, "log": LOG_BINS, "diff": DIFF_BINS},
           "diff": {k: diff(a[k], b[k]) for k in ("conv.weight", "conv.bias", "half", "view", "large")}}
    with open(os.path.join(d, "reference.json"), "w") as f:
        json.dump(ref, f, indent=1)


if __name__ == "__main__":
    main()
