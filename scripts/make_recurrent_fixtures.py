#!/usr/bin/python3
"""Round-trip fixture for Keras recurrent layers (issue 15): a PyTorch nn.LSTM -> nn.GRU -> nn.Linear
network (random weights, seeded) written as a Keras 2 `save_weights` .h5 (h5py) with the inverse
transforms written here, independently of Weightbench's keras_recurrent op:

- LSTM: kernel = weight_ih_l0.T [in, 4h], recurrent_kernel = weight_hh_l0.T [h, 4h] (Keras' gate
  order i, f, c, o is PyTorch's i, f, g, o), one bias [4h] = bias_ih_l0 + bias_hh_l0 — the torch
  model's bias_hh_l0 is set to 0 first, so that the round trip can be exact;
- GRU (Keras' reset_after=True, its default since 2.x): gate blocks PyTorch r, z, n -> Keras z, r, h,
  kernel [in, 3h], recurrent_kernel [h, 3h], bias [2, 3h] = (input bias, recurrent bias);
- Dense: kernel = weight.T.

Layers are named as Keras 2.4+ names them (lstm/lstm/lstm_cell/kernel:0, gru/gru/gru_cell/...,
dense/dense/kernel:0).

    /usr/bin/python3 scripts/make_recurrent_fixtures.py DIR      -> DIR/rnn_template.pth, DIR/rnn.h5
    /usr/bin/python3 scripts/make_recurrent_fixtures.py check DIR CONVERTED.pth
        loads CONVERTED into the network with strict=True, compares every tensor with the template
        bit for bit and the OUTPUTS of both networks on a random batch; exits 1 on a difference
"""
import os
import sys

import torch

from make_roundtrip_fixtures import report, write_keras_h5  # the same Keras 2 .h5 layout


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = torch.nn.LSTM(5, 7, batch_first=True)
        self.gru = torch.nn.GRU(7, 6, batch_first=True)
        self.fc = torch.nn.Linear(6, 3)

    def forward(self, x):
        y, _ = self.lstm(x)
        y, _ = self.gru(y)
        return self.fc(y)


def build():
    torch.manual_seed(15)
    m = Net()
    with torch.no_grad():
        m.lstm.bias_hh_l0.zero_()  # Keras keeps one LSTM bias
    return m


def torch_to_keras_gru(t):
    r, z, n = t.chunk(3, 0)
    return torch.cat([z, r, n], 0)


def write_h5(m, path):
    lstm, gru, fc = m.lstm, m.gru, m.fc
    layers = [
        ("lstm", [("lstm_cell/kernel:0", lstm.weight_ih_l0.t()), ("lstm_cell/recurrent_kernel:0", lstm.weight_hh_l0.t()),
                  ("lstm_cell/bias:0", lstm.bias_ih_l0 + lstm.bias_hh_l0)]),
        ("gru", [("gru_cell/kernel:0", torch_to_keras_gru(gru.weight_ih_l0).t()),
                 ("gru_cell/recurrent_kernel:0", torch_to_keras_gru(gru.weight_hh_l0).t()),
                 ("gru_cell/bias:0", torch.stack([torch_to_keras_gru(gru.bias_ih_l0), torch_to_keras_gru(gru.bias_hh_l0)]))]),
        ("dense", [("kernel:0", fc.weight.t()), ("bias:0", fc.bias)]),
    ]
    write_keras_h5([(layer, [(w, t.detach()) for w, t in weights]) for layer, weights in layers], path)


def check(d, converted):
    want = torch.load(os.path.join(d, "rnn_template.pth"))
    sd = torch.load(converted)
    a, b = Net(), Net()
    a.load_state_dict(want)
    b.load_state_dict(sd, strict=True)
    x = torch.randn(4, 9, 5, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        return report("rnn", want, sd, a(x), b(x))


def main():
    if sys.argv[1] == "check":
        return check(sys.argv[2], sys.argv[3])
    d = sys.argv[1]
    m = build()
    torch.save(m.state_dict(), os.path.join(d, "rnn_template.pth"))
    write_h5(m, os.path.join(d, "rnn.h5"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
