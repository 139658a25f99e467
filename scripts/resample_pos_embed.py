#!/usr/bin/python3
"""Reference for the resample_pos_embed rule: timm's resample_abs_pos_embed logic (timm is not in
Debian) run by real torch on a random ViT position embedding [1, 1 + 14*14, 48], to 16x16 (up) and
10x12 (down), with and without antialias. Writes DIR/posemb.pth and DIR/ref_<h>x<w>_<aa>.pth.

    /usr/bin/python3 scripts/resample_pos_embed.py DIR
"""
import os
import sys

import torch
import torch.nn.functional as F


def resample(posemb, new_size, num_prefix_tokens=1, antialias=True):
    prefix, grid = posemb[:, :num_prefix_tokens], posemb[:, num_prefix_tokens:]
    hw = int((grid.shape[1]) ** 0.5)
    dim = posemb.shape[-1]
    orig = posemb.dtype
    grid = grid.float().reshape(1, hw, hw, -1).permute(0, 3, 1, 2)
    grid = F.interpolate(grid, size=new_size, mode="bicubic", antialias=antialias)
    grid = grid.permute(0, 2, 3, 1).reshape(1, -1, dim).to(orig)
    return torch.cat([prefix, grid], dim=1)


def main():
    d = sys.argv[1]
    torch.manual_seed(11)
    pe = torch.randn(1, 1 + 14 * 14, 48)
    torch.save({"pos_embed": pe}, os.path.join(d, "posemb.pth"))
    for h, w in ((16, 16), (10, 12)):
        for aa in (True, False):
            torch.save({"pos_embed": resample(pe, (h, w), antialias=aa)}, os.path.join(d, f"ref_{h}x{w}_{int(aa)}.pth"))


if __name__ == "__main__":
    main()
