#!/usr/bin/python3
"""Writes bench/work/vit_b16.pth: a ViT-B/16-shaped float32 state_dict (~330 MiB, torchvision's
vit_b_16 with its random initialisation, seed 0) for bench/run_cast_bench.py.

    /usr/bin/python3 bench/make_cast_input.py
"""
import os

import torch
import torchvision

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, "bench", "work")


def main():
    os.makedirs(WORK, exist_ok=True)
    torch.manual_seed(0)
    sd = torchvision.models.vit_b_16().state_dict()
    out = os.path.join(WORK, "vit_b16.pth")
    torch.save(sd, out)
    print(out, os.path.getsize(out) / 2**20, "MiB", len(sd), "tensors")


if __name__ == "__main__":
    main()
