#!/usr/bin/python3
"""Writes the built-in model catalog: for each torchvision architecture, the shape spec of a
freshly built model's state_dict ({"key": {"shape": [...], "dtype": "float32"}}, in state_dict
order). No weights are downloaded: models are built with weights=None. Run with Debian's system
python3 (python3-torchvision):

    /usr/bin/python3 scripts/make_catalog.py src/main/resources/io/weightbench/model/catalog
"""
import json
import os
import sys

import torch
import torchvision

ARCHITECTURES = [
    "resnet18", "resnet34", "resnet50", "resnet101", "wide_resnet50_2", "resnext50_32x4d",
    "mobilenet_v2", "mobilenet_v3_small", "mobilenet_v3_large",
    "efficientnet_b0", "efficientnet_b1", "efficientnet_b2", "efficientnet_b3", "efficientnet_v2_s",
    "convnext_tiny", "convnext_small", "regnet_y_400mf", "densenet121", "vgg16_bn", "squeezenet1_0",
    "shufflenet_v2_x1_0", "swin_t", "vit_b_16", "maxvit_t", "alexnet", "googlenet", "inception_v3",
]


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    index = []
    for name in ARCHITECTURES:
        kwargs = {"init_weights": False} if name in ("googlenet", "inception_v3") else {}  # skip slow init; keys unchanged
        model = torchvision.models.__dict__[name](weights=None, **kwargs)
        spec = {k: {"shape": list(t.shape), "dtype": str(t.dtype).replace("torch.", "")} for k, t in model.state_dict().items()}
        with open(os.path.join(out, name + ".json"), "w") as f:
            json.dump(spec, f, separators=(",", ":"))
        params = sum(t.numel() for t in model.state_dict().values() if t.is_floating_point())
        index.append({"name": name, "tensors": len(spec), "parameters": params})
        print(f"{name}: {len(spec)} tensors, {params:,} values", file=sys.stderr)
    with open(os.path.join(out, "index.json"), "w") as f:
        json.dump({"generator": "scripts/make_catalog.py", "torch": torch.__version__,
                   "torchvision": torchvision.__version__, "models": index}, f, indent=1)


if __name__ == "__main__":
    main()
