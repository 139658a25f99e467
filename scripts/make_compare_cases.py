#!/usr/bin/python3
"""Writes checkpoints with the classic loading faults for torchvision models, and what real torch
reports when loading each: `model.load_state_dict(sd, strict=False)` after the size-mismatched keys
are taken out (torch raises on those). The compare interop test checks Weightbench against it.

    /usr/bin/python3 scripts/make_compare_cases.py OUT_DIR
"""
import collections
import json
import os
import sys

import torch
import torchvision

MODELS = ["resnet18", "mobilenet_v3_small", "squeezenet1_0"]


def with_metadata(items, metadata):
    sd = collections.OrderedDict(items)
    if metadata is not None:
        sd._metadata = metadata
    return sd


def torch_report(name, path):
    model = torchvision.models.__dict__[name](weights=None)
    sd = torch.load(path)
    expected = model.state_dict()
    mismatched = [k for k, t in sd.items() if k in expected and tuple(t.shape) != tuple(expected[k].shape)]
    kept = with_metadata([(k, t) for k, t in sd.items() if k not in mismatched], getattr(sd, "_metadata", None))
    result = model.load_state_dict(kept, strict=False)
    # size mismatches are split out first: torch then calls those keys missing; Weightbench lists them once, as mismatched
    return {"missing": [k for k in result.missing_keys if k not in mismatched], "unexpected": list(result.unexpected_keys),
            "mismatched": mismatched}


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    cases = {}
    torch.manual_seed(0)
    for name in MODELS:
        sd = torchvision.models.__dict__[name](weights=None).state_dict()
        meta = sd._metadata
        keys = list(sd.keys())
        variants = {
            "dataparallel": with_metadata([("module." + k, t) for k, t in sd.items()],
                                          collections.OrderedDict(("module." + k if k else "module", v) for k, v in meta.items())),
            "partial": with_metadata([(k, t) for k, t in sd.items() if k not in keys[len(keys) // 2:]]
                                     + [("extra.proj.weight", torch.zeros(3, 3)), ("extra.proj.bias", torch.zeros(3))], meta),
            "new_head": with_metadata([(k, torch.zeros(10, *t.shape[1:]) if k == keys[-2] else (torch.zeros(10) if k == keys[-1] else t))
                                       for k, t in sd.items()], meta),
            "fp16_no_metadata": with_metadata([(k, t.half() if t.is_floating_point() else t) for k, t in sd.items()
                                               if not k.endswith("num_batches_tracked")], None),
            "no_num_batches_tracked": with_metadata([(k, t) for k, t in sd.items() if not k.endswith("num_batches_tracked")], meta),
        }
        for case, ckpt in variants.items():
            file = f"{name}-{case}.pth"
            torch.save(ckpt, os.path.join(out, file))
            cases[file] = dict(model="catalog:" + name, **torch_report(name, os.path.join(out, file)))
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(cases, f, indent=1)
    print(f"wrote {len(cases)} cases with torch {torch.__version__}")


if __name__ == "__main__":
    main()
