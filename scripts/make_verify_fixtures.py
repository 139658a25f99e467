#!/usr/bin/python3
"""TorchScript models and weights for the forward-consistency (verify) tests, made by real torch:

    /usr/bin/python3 scripts/make_verify_fixtures.py DIR

writes into DIR:
  cnn.pt               a scripted small CNN with BatchNorm (eval mode), its own weights
  cnn_state.pth        the same weights as a state_dict (identical: verify must give 0)
  cnn_module.pth       the same weights with a DataParallel prefix (for a rules round trip)
  cnn_perturbed.pth    one conv weight changed by 0.01 (verify must see a difference)
  cnn_swapped_bn.pth   BatchNorm running_mean and running_var swapped (a buffer mistake)
  cnn_missing.pth      without bn.running_mean (reported before running)
  input.npy            a fixed input, and cnn_out.npy what torch computes for it (eval mode)
  pair.pt              a traced model returning a tuple (a, b) and pair_out_{0,1}.npy for input.npy
  cnn_fp16_no_nbt.pth  float16 weights without num_batches_tracked or metadata, which torch loads
                       with strict=True (casting, filling the buffer in), and cnn_fp16_out.npy its outputs
  tied.pt              a scripted model whose decoder weight is its embedding's (one storage, two keys) and
  tied_changed.pth     new values for it (the same tensor under both keys)
  dict.pt              a scripted model returning {"logits", "prob", "label" (int64)}, dict_out_<key>.npy

    /usr/bin/python3 scripts/make_verify_fixtures.py --check PATCHED.pt EXPECTED.pth

loads a TorchScript archive that Weightbench patched and checks that torch sees exactly EXPECTED's
parameters and buffers in it (exit 1 otherwise).
"""
import collections
import os
import sys
from typing import Dict

import numpy as np
import torch
from torch import nn


class SmallCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.head = nn.Linear(8, 5)

    def forward(self, x):
        x = torch.relu(self.bn(self.conv(x)))
        return self.head(x.mean(dim=(2, 3)))


class Pair(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(3, 4)
        self.b = nn.Linear(3, 2)

    def forward(self, x):
        v = x.mean(dim=(2, 3))
        return self.a(v), torch.sigmoid(self.b(v))


class DictOut(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 4)

    def forward(self, x) -> Dict[str, torch.Tensor]:
        logits = self.fc(x.mean(dim=(2, 3)))
        return {"logits": logits, "prob": torch.softmax(logits, dim=1), "label": logits.argmax(dim=1)}


class Tied(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(6, 4)
        self.decoder = nn.Linear(4, 6, bias=False)
        self.decoder.weight = self.embed.weight

    def forward(self, x):
        return self.decoder(self.embed(x.flatten().abs().long() % 6))


def check(patched, expected):
    m = torch.jit.load(patched)
    want = torch.load(expected)
    got = m.state_dict()
    assert list(got.keys()) == list(want.keys()), (list(got.keys()), list(want.keys()))
    for k in want:
        assert got[k].dtype == want[k].dtype and torch.equal(got[k], want[k]), k
    print("ok", len(want))


def main():
    if sys.argv[1] == "--check":
        check(sys.argv[2], sys.argv[3])
        return
    d = sys.argv[1]
    torch.manual_seed(5)
    m = SmallCNN()
    with torch.no_grad():  # non-trivial running statistics
        m.bn.running_mean.uniform_(-0.5, 0.5)
        m.bn.running_var.uniform_(0.5, 2.0)
        m.bn.weight.uniform_(0.5, 1.5)
        m.bn.bias.uniform_(-0.2, 0.2)
    m.eval()
    scripted = torch.jit.script(m)
    scripted.save(os.path.join(d, "cnn.pt"))
    sd = m.state_dict()
    torch.save(sd, os.path.join(d, "cnn_state.pth"))
    torch.save(collections.OrderedDict(("module." + k, v) for k, v in sd.items()), os.path.join(d, "cnn_module.pth"))
    p = collections.OrderedDict((k, v.clone()) for k, v in sd.items())
    p["conv.weight"][0, 0, 0, 0] += 0.01
    torch.save(p, os.path.join(d, "cnn_perturbed.pth"))
    s = collections.OrderedDict((k, v.clone()) for k, v in sd.items())
    s["bn.running_mean"], s["bn.running_var"] = sd["bn.running_var"].clone(), sd["bn.running_mean"].clone()
    torch.save(s, os.path.join(d, "cnn_swapped_bn.pth"))
    q = collections.OrderedDict((k, v) for k, v in sd.items() if k != "bn.running_mean")
    torch.save(q, os.path.join(d, "cnn_missing.pth"))
    x = torch.randn(2, 3, 12, 12)
    np.save(os.path.join(d, "input.npy"), x.numpy())
    with torch.no_grad():
        np.save(os.path.join(d, "cnn_out.npy"), scripted(x).numpy())
        pair = torch.jit.trace(Pair().eval(), x)
        pair.save(os.path.join(d, "pair.pt"))
        a, b = pair(x)
        np.save(os.path.join(d, "pair_out_0.npy"), a.numpy())
        np.save(os.path.join(d, "pair_out_1.npy"), b.numpy())
        tied = Tied().eval()
        torch.jit.script(tied).save(os.path.join(d, "tied.pt"))
        w = torch.randn(6, 4)
        torch.save(collections.OrderedDict([("embed.weight", w), ("decoder.weight", w)]), os.path.join(d, "tied_changed.pth"))
        # what torch's load_state_dict(strict=True) accepts: an fp16 copy (cast on load) without
        # num_batches_tracked and without version-2 metadata (BatchNorm fills it in); torch's outputs with it
        fp16 = collections.OrderedDict((k, v.half() if v.is_floating_point() else v) for k, v in sd.items()
                                       if not k.endswith("num_batches_tracked"))
        torch.save(fp16, os.path.join(d, "cnn_fp16_no_nbt.pth"))
        loaded = SmallCNN()
        loaded.load_state_dict(fp16, strict=True)
        loaded.eval()
        np.save(os.path.join(d, "cnn_fp16_out.npy"), loaded(x).numpy())
        dm = torch.jit.script(DictOut().eval())
        dm.save(os.path.join(d, "dict.pt"))
        out = dm(x)
        for k, v in out.items():
            np.save(os.path.join(d, "dict_out_" + k + ".npy"), v.numpy())


if __name__ == "__main__":
    main()
