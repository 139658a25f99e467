#!/usr/bin/python3
"""A Paddle-layout .pdparams (issue 15): a PyTorch network with an nn.Embedding, Linears and a
BatchNorm1d (random weights, seeded) pickled as paddle.save writes its state dict (a dict of numpy
arrays), with the inverse layout written here independently of the paddle preset: Linear weights
[out, in] -> Paddle's [in, out], the Embedding's [num, dim] unchanged (Paddle's is PyTorch's),
BatchNorm running_mean / running_var -> _mean / _variance, no num_batches_tracked.

    /usr/bin/python3 scripts/make_paddle_fixture.py DIR          -> DIR/paddle_template.pth, DIR/paddle.pdparams
    /usr/bin/python3 scripts/make_paddle_fixture.py check DIR CONVERTED.pth
        loads CONVERTED with strict=True (torch fills num_batches_tracked in), compares the
        tensors with the template bit for bit and the OUTPUTS of both networks; exits 1 on a difference
"""
import os
import pickle
import sys

import torch


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = torch.nn.Embedding(10, 6)
        self.fc = torch.nn.Linear(6, 6)
        self.bn = torch.nn.BatchNorm1d(6)
        self.head = torch.nn.Linear(6, 3)

    def forward(self, x):
        return self.head(self.bn(self.fc(self.embedding(x).mean(1))))


def build():
    torch.manual_seed(7)
    m = Net()
    m.bn.running_mean.normal_()
    m.bn.running_var.uniform_(0.5, 2.0)
    return m.eval()


def main():
    if sys.argv[1] == "check":
        d, converted = sys.argv[2], sys.argv[3]
        want = torch.load(os.path.join(d, "paddle_template.pth"))
        a, b = build(), Net().eval()
        b.load_state_dict(torch.load(converted), strict=True)
        got = b.state_dict()
        bad = [k for k, v in want.items() if not k.endswith("num_batches_tracked") and not torch.equal(v, got[k])]
        x = torch.randint(0, 10, (5, 4), generator=torch.Generator().manual_seed(1))
        with torch.no_grad():
            same = torch.equal(a(x), b(x))
        print("paddle: loads with strict=True; " + ("tensors bit-identical" if not bad else f"differ: {bad}") + "; outputs " + ("equal" if same else "differ"))
        return 0 if same and not bad else 1
    d = sys.argv[1]
    m = build()
    torch.save(m.state_dict(), os.path.join(d, "paddle_template.pth"))
    sd = {}
    for k, v in m.state_dict().items():
        if k.endswith("num_batches_tracked"):
            continue
        if k in ("fc.weight", "head.weight"):
            v = v.t().contiguous()
        k = k.replace("running_mean", "_mean").replace("running_var", "_variance")
        sd[k] = v.numpy()
    with open(os.path.join(d, "paddle.pdparams"), "wb") as f:
        pickle.dump(sd, f, protocol=4)
    return 0


if __name__ == "__main__":
    sys.exit(main())
