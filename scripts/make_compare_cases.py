#!/usr/bin/python3
"""Writes checkpoints with the classic loading faults for torchvision models, and what real torch
reports when loading each: `model.load_state_dict(sd, strict=False)` after the size-mismatched keys
are taken out (torch raises on those). The compare interop test checks Weightbench against it.

    /usr/bin/python3 scripts/make_compare_cases.py OUT_DIR
"""
import collections
import json
import re
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


class Small(torch.nn.Module):
    """A model with the cases torch's loader treats specially: a 0-d parameter, a parameter-less child."""

    def __init__(self):
        super().__init__()
        self.logit_scale = torch.nn.Parameter(torch.tensor(1.0))
        self.linear1 = torch.nn.Linear(3, 2)
        self.bn = torch.nn.BatchNorm1d(2)
        self.drop = torch.nn.Dropout()


def torch_report(name, path):
    model = Small() if name == "small" else torchvision.models.__dict__[name](weights=None)
    sd = torch.load(path)
    expected = model.state_dict()
    # what torch itself calls a size mismatch (a 1-d tensor loads into a 0-d parameter, for one)
    try:
        Small().load_state_dict(sd, strict=False) if name == "small" else torchvision.models.__dict__[name](weights=None).load_state_dict(sd, strict=False)
        mismatched = []
    except RuntimeError as e:
        mismatched = re.findall(r"size mismatch for ([^:]+):", str(e))
    kept = with_metadata([(k, t) for k, t in sd.items() if k not in mismatched], getattr(sd, "_metadata", None))
    result = model.load_state_dict(kept, strict=False)
    # size mismatches are split out first: torch then calls those keys missing; Weightbench lists them once, as mismatched
    # keys neither loaded nor reported: torch passes over them without a word
    ignored = [k for k in sd if k not in expected and k not in result.unexpected_keys]
    return {"missing": [k for k in result.missing_keys if k not in mismatched], "unexpected": list(result.unexpected_keys),
            "mismatched": mismatched, "ignored": ignored}


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
    # a small model given as a template file (real and meta-device), with torch's special cases
    small = Small()
    torch.save(small.state_dict(), os.path.join(out, "small_template.pt"))
    torch.save(Small().to_empty(device="meta").state_dict(), os.path.join(out, "small_meta_template.pt"))
    sd = small.state_dict()
    special = {
        "zero_d_from_one": dict(sd, logit_scale=torch.tensor([2.0])),
        "zero_d_from_three": dict(sd, logit_scale=torch.tensor([2.0, 3.0, 4.0])),
        "ignored_keys": dict(sd, **{"bn": torch.zeros(1), "linear1.weight.extra": torch.zeros(1), "drop.p": torch.zeros(1),
                                    "foo.bar": torch.zeros(1), "linear1.foo": torch.zeros(1)}),
        "dataparallel": collections.OrderedDict(("module." + k, t) for k, t in sd.items()),
    }
    for case, ckpt in special.items():
        for template in ("small_template.pt", "small_meta_template.pt"):
            file = f"small-{case}-{template.replace('.pt', '')}.pth"
            torch.save(ckpt, os.path.join(out, file))
            cases[file] = dict(model=template, **torch_report("small", os.path.join(out, file)))
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(cases, f, indent=1)
    print(f"wrote {len(cases)} cases with torch {torch.__version__}")


if __name__ == "__main__":
    main()
