#!/usr/bin/python3
"""Reference for the adapt_input_conv rule: timm's adapt_input_conv (copied logic; timm is not in
Debian) applied by real torch to a resnet18 stem. Writes DIR/stem.pth (the original weight) and
DIR/adapted_{1,4}.pth (what timm computes).

    /usr/bin/python3 scripts/adapt_input_conv.py DIR
"""
import math
import os
import sys

import torch


def adapt_input_conv(in_chans, conv_weight):
    conv_type = conv_weight.dtype
    conv_weight = conv_weight.float()
    O, I, J, K = conv_weight.shape
    if in_chans == 1:
        if I > 3:
            conv_weight = conv_weight.reshape(O, I // 3, 3, J, K).sum(dim=2, keepdim=False)
        else:
            conv_weight = conv_weight.sum(dim=1, keepdim=True)
    elif in_chans != 3:
        repeat = int(math.ceil(in_chans / 3))
        conv_weight = conv_weight.repeat(1, repeat, 1, 1)[:, :in_chans, :, :]
        conv_weight *= (3 / float(in_chans))
    return conv_weight.to(conv_type)


def main():
    d = sys.argv[1]
    torch.manual_seed(5)
    w = torch.randn(64, 3, 7, 7)
    torch.save({"conv1.weight": w}, os.path.join(d, "stem.pth"))
    for n in (1, 4):
        torch.save({"conv1.weight": adapt_input_conv(n, w)}, os.path.join(d, f"adapted_{n}.pth"))


if __name__ == "__main__":
    main()
