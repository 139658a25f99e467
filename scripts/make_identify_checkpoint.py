#!/usr/bin/python3
"""Writes a checkpoint of a torchvision architecture as people hold one, for identify's tests:
its state_dict as meta tensors (keys, shapes, dtypes; no data), every key under PREFIX, nested
under 'state_dict' beside an epoch, with the classifier resized to NUM_CLASSES. Debian's python3:

    /usr/bin/python3 scripts/make_identify_checkpoint.py OUT.pth resnet50 module. 10
"""
import sys

import torch
import torchvision


def main():
    out, arch, prefix, num_classes = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    model = torchvision.models.get_model(arch, weights=None, num_classes=num_classes).to_empty(device="meta")
    torch.save({"state_dict": {prefix + k: v for k, v in model.state_dict().items()}, "epoch": 7}, out)


if __name__ == "__main__":
    main()
