#!/usr/bin/python3
"""Writes the bundled samples (samples/) with real torch: one small model saved the ways people
meet it, each with a classic loading problem. Run with Debian's system python3:

    /usr/bin/python3 scripts/make_samples.py samples
"""
import collections
import json
import os
import struct
import sys

import torch
import torch.nn as nn

torch.manual_seed(7)


class TinyNet(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU())
        self.layer1 = nn.Sequential(nn.Conv2d(16, 32, 3, padding=1, stride=2), nn.BatchNorm2d(32), nn.ReLU())
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Linear(32, classes)

    def forward(self, x):
        return self.head(self.pool(self.layer1(self.stem(x))).flatten(1))


def write_safetensors(path, tensors, metadata):
    codes = {torch.float32: "F32", torch.float16: "F16", torch.int64: "I64"}
    header, blobs, offset = {}, [], 0
    for k, t in tensors.items():
        raw = t.contiguous().numpy().tobytes()
        header[k] = {"dtype": codes[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    header["__metadata__"] = metadata
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def write_rules(out):
    """Example rules for each sample (what `suggest` proposes, or a person adds in the workbench)."""
    rules = {
        "dataparallel": [{"op": "strip_prefix", "prefix": "module."}],
        "lightning": [{"op": "strip_prefix", "prefix": "model."}],
        "mmdet": [{"op": "drop", "pattern": "^(neck|bbox_head)\\."}, {"op": "strip_prefix", "prefix": "backbone."}],
        "5class_fp16": [{"op": "drop", "pattern": "^head\\."},
                        {"op": "cast", "match": "\\.(weight|bias|running_mean|running_var)$", "dtype": "float32"}],
        "1000class": [{"op": "slice", "match": "^head\\.(weight|bias)$", "dim": 0, "start": 0, "end": 10}],
    }
    os.makedirs(os.path.join(out, "rules"), exist_ok=True)
    for name, r in rules.items():
        with open(os.path.join(out, "rules", name + ".json"), "w") as f:
            json.dump({"weightbench_rules": 1, "rules": r}, f, indent=2)
            f.write("\n")


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    template = TinyNet()
    torch.save(template.state_dict(), os.path.join(out, "tinynet_template.pt"))

    trained = TinyNet()
    opt = torch.optim.SGD(trained.parameters(), lr=0.1, momentum=0.9)
    for _ in range(3):
        loss = nn.functional.cross_entropy(trained(torch.randn(8, 3, 16, 16)), torch.randint(0, 10, (8,)))
        opt.zero_grad()
        loss.backward()
        opt.step()

    # DataParallel: every key gains 'module.'
    torch.save(nn.DataParallel(trained).state_dict(), os.path.join(out, "tinynet_dataparallel.pth"))
    # Lightning: weights nested under state_dict with the LightningModule's attribute prefix
    torch.save({"epoch": 3, "global_step": 300, "pytorch-lightning_version": "2.1.0",
                "state_dict": collections.OrderedDict(("model." + k, v) for k, v in trained.state_dict().items()),
                "optimizer_states": [opt.state_dict()], "lr_schedulers": [], "hyper_parameters": {"lr": 0.1, "classes": 10}},
               os.path.join(out, "tinynet_lightning.ckpt"))
    # fine-tuned for 5 classes and exported in fp16: a size mismatch on head.* and a dtype change
    finetuned = TinyNet(classes=5)
    finetuned.load_state_dict({k: v for k, v in trained.state_dict().items() if not k.startswith("head.")}, strict=False)
    write_safetensors(os.path.join(out, "tinynet_5class_fp16.safetensors"),
                      {k: (v.half() if v.is_floating_point() else v) for k, v in finetuned.state_dict().items()},
                      {"format": "pt", "note": "TinyNet fine-tuned for 5 classes, fp16"})
    # TorchScript
    torch.jit.script(trained.eval()).save(os.path.join(out, "tinynet_scripted.pt"))
    # MMDetection-style: the network as a detector's backbone, under state_dict, beside a neck and a head
    sd = collections.OrderedDict(("backbone." + k, v) for k, v in trained.state_dict().items() if not k.startswith("head."))
    sd["neck.lateral.weight"] = torch.randn(16, 32, 1, 1)
    sd["bbox_head.cls.weight"] = torch.randn(4, 16, 3, 3)
    torch.save({"meta": {"mmdet_version": "3.3.0", "epoch": 12}, "state_dict": sd}, os.path.join(out, "tinynet_mmdet.pth"))
    # pretrained with a 1000-class head (ImageNet-style): the model wants the first 10 classes
    big = TinyNet(classes=1000)
    big.load_state_dict({k: v for k, v in trained.state_dict().items() if not k.startswith("head.")}, strict=False)
    with torch.no_grad():
        big.head.weight[:10] = trained.head.weight
        big.head.bias[:10] = trained.head.bias
    torch.save(big.state_dict(), os.path.join(out, "tinynet_1000class.pth"))
    write_rules(out)
    print("wrote samples to", out, "with torch", torch.__version__)


if __name__ == "__main__":
    main()
