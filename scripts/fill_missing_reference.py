#!/usr/bin/python3
"""Real torch's side of apply --fill-missing (FillMissingInteropTest).

    /usr/bin/python3 scripts/fill_missing_reference.py make DIR
        DIR/template.pth: a torchvision resnet18's state_dict (seeded);
        DIR/no_head.pth: the same without fc.* (a backbone checkpoint, timm's "new head" case) and
        without layer4.1.bn2.* (so that BatchNorm's parameters and buffers are filled too)
    /usr/bin/python3 scripts/fill_missing_reference.py check-init DIR OUT.pth
        loads OUT into torchvision's resnet18 with strict=True; the filled BatchNorm keys are
        exactly weight 1, bias 0, running_mean 0, running_var 1, num_batches_tracked 0; fc.weight
        and fc.bias lie within torch's default Linear bound 1/sqrt(fan_in) = 1/sqrt(512), are
        spread over it as a uniform is (std bound/sqrt(3) within 5%) and are not torch's own draws;
        every other tensor equals no_head.pth's bit for bit
    /usr/bin/python3 scripts/fill_missing_reference.py check-template DIR OUT.pth
        loads OUT strictly; every tensor equals template.pth's bit for bit
"""
import math
import sys

import torch
import torchvision

MISSING_BN = "layer4.1.bn2."


def make(d):
    torch.manual_seed(16)
    sd = torchvision.models.resnet18().state_dict()
    for k, v in sd.items():
        if k.endswith("running_mean") or k.endswith("running_var"):
            v.copy_(torch.rand_like(v) + 0.5)  # not the defaults, so a filled one is told apart
    torch.save(sd, f"{d}/template.pth")
    torch.save({k: v for k, v in sd.items() if not k.startswith("fc.") and not k.startswith(MISSING_BN)}, f"{d}/no_head.pth")


def load(out):
    model = torchvision.models.resnet18()
    sd = torch.load(out)
    model.load_state_dict(sd, strict=True)
    print("loads with strict=True")
    return sd


def same(a, b):
    return a.dtype == b.dtype and a.shape == b.shape and torch.equal(a, b)


def check_init(d, out):
    sd = load(out)
    base = torch.load(f"{d}/no_head.pth")
    bad = [k for k, v in base.items() if not same(v, sd[k])]
    want = {"weight": torch.ones(512), "bias": torch.zeros(512), "running_mean": torch.zeros(512), "running_var": torch.ones(512),
            "num_batches_tracked": torch.tensor(0)}
    bad += [MISSING_BN + n for n, v in want.items() if not same(v, sd[MISSING_BN + n])]
    bound = 1 / math.sqrt(512)
    for k in ("fc.weight", "fc.bias"):
        v = sd[k]
        if v.abs().max().item() > bound:
            bad.append(f"{k} outside +-{bound}: max {v.abs().max().item()}")
    std = sd["fc.weight"].std().item()
    if abs(std - bound / math.sqrt(3)) > 0.05 * bound / math.sqrt(3):
        bad.append(f"fc.weight std {std}, a uniform(+-{bound}) has {bound / math.sqrt(3)}")
    print(f"fc.weight within +-{bound:.6f}: max |w| {sd['fc.weight'].abs().max().item():.6f}, std {std:.6f} (uniform: {bound / math.sqrt(3):.6f})")
    for k in bad:
        print("differ:", k)


def check_template(d, out):
    sd = load(out)
    tpl = torch.load(f"{d}/template.pth")
    for k, v in tpl.items():
        if not same(v, sd[k]):
            print("differ:", k)


if __name__ == "__main__":
    {"make": lambda: make(sys.argv[2]), "check-init": lambda: check_init(sys.argv[2], sys.argv[3]),
     "check-template": lambda: check_template(sys.argv[2], sys.argv[3])}[sys.argv[1]]()
