#!/usr/bin/python3
"""Interop check of Weightbench's export with real torch (Debian's python3-torch):

    interop_export.py make DIR     writes DIR/original.pth: a resnet18 training checkpoint whose
                                   weights sit under 'state_dict' with DataParallel's 'module.' prefix
    interop_export.py check DIR    DIR/fixed.pth (the whole training checkpoint, fixed): only
                                   weights_only-allowed globals, loads, epoch/optimizer kept;
                                   DIR/fixed_sd.pth (weights only) loads with torch.load(weights_only=True);
                                   DIR/fixed.safetensors is parsed here (the safetensors package is not
                                   in Debian); all three go into a fresh resnet18 with strict=True and
                                   every tensor is compared with the original bit for bit.
torch 1.13's weights-only unpickler has no float opcode (2.x has), so the whole checkpoint, whose
optimizer state holds learning rates, is loaded normally after its globals are checked.
"""
import collections
import json
import os
import sys

import numpy as np
import torch
import torchvision


def original(d):
    torch.manual_seed(3)
    model = torchvision.models.resnet18(weights=None)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p))
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(torch.randn(2, 3, 64, 64)).sum().backward()
    opt.step()
    sd = collections.OrderedDict(("module." + k, v) for k, v in model.state_dict().items())
    torch.save({"epoch": 12, "arch": "resnet18", "state_dict": sd, "optimizer": opt.state_dict(), "best_acc1": 0.7},
               os.path.join(d, "original.pth"))


def read_safetensors(path):
    codes = {"F32": np.float32, "F16": np.float16, "F64": np.float64, "I64": np.int64, "I32": np.int32, "U8": np.uint8}
    with open(path, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(n))
        data = f.read()
    out = collections.OrderedDict()
    for k, v in header.items():
        if k == "__metadata__":
            continue
        a, b = v["data_offsets"]
        out[k] = torch.from_numpy(np.frombuffer(data[a:b], dtype=codes[v["dtype"]]).reshape(v["shape"]).copy())
    return header.get("__metadata__", {}), out


def check(d):
    ref = torch.load(os.path.join(d, "original.pth"))
    expected = {k[len("module."):]: v for k, v in ref["state_dict"].items()}
    allowed = {"collections OrderedDict", "torch._utils _rebuild_tensor_v2"}
    import pickletools, zipfile
    with zipfile.ZipFile(os.path.join(d, "fixed.pth")) as z:
        pkl = z.read([n for n in z.namelist() if n.endswith("/data.pkl")][0])
    for op, arg, _ in pickletools.genops(pkl):
        if op.name == "GLOBAL":
            assert arg in allowed or (arg.startswith("torch ") and arg.endswith("Storage")), f"global {arg} is not allow-listed"
    fixed = torch.load(os.path.join(d, "fixed.pth"))
    sd_only = torch.load(os.path.join(d, "fixed_sd.pth"), weights_only=True)
    assert fixed["epoch"] == 12 and fixed["arch"] == "resnet18" and fixed["best_acc1"] == 0.7, "non-weight entries lost"
    assert len(fixed["optimizer"]["state"]) == len(ref["optimizer"]["state"]), "optimizer state lost"
    meta, st = read_safetensors(os.path.join(d, "fixed.safetensors"))
    assert meta.get("format") == "pt", meta
    for name, sd in (("fixed.pth", fixed["state_dict"]), ("fixed_sd.pth", sd_only), ("fixed.safetensors", st)):
        model = torchvision.models.resnet18(weights=None)
        model.load_state_dict(sd, strict=True)
        got = model.state_dict()
        for k, v in expected.items():
            assert torch.equal(got[k], v), f"{name}: {k} differs"
        print(f"{name}: strict load OK, {len(expected)} tensors identical")


if __name__ == "__main__":
    {"make": original, "check": check}[sys.argv[1]](sys.argv[2])
