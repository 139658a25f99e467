#!/usr/bin/python3
"""Round-trip fixture for Keras 3 `.keras` archives (issue 15): a small PyTorch network
(conv without bias -> BatchNorm -> ReLU -> depthwise conv -> BatchNorm -> ReLU -> global average
pool -> Linear; random weights and running statistics, seeded) written as Keras 3 saves a
Sequential model, with h5py and the inverse transforms written here, independently of Weightbench:

- model.weights.h5: each layer's variables positionally, `layers/<snake class>[_N]/vars/<i>` (the
  path is the snake case of the layer's class, numbered per class, as keras.src.saving.saving_lib
  names a container's layers; i over trainable then non-trainable variables in build() order, as
  Layer.save_own_variables writes them), a `vars` group (empty for layers without variables) with
  the layer's name as its `name` attribute, and the model's own empty `vars` group;
  Conv2D: kernel (OIHW -> HWIO) [, bias]; DepthwiseConv2D: kernel ([C*m, 1, kh, kw] -> [kh, kw, C, m]),
  bias; BatchNormalization: gamma, beta, moving_mean, moving_variance; Dense: kernel ([out, in] ->
  [in, out]), bias;
- config.json: the Sequential's layer list with each layer's class and flags (the first conv's
  use_bias false), the InputLayer first as Keras writes it; metadata.json: the Keras version.

    /usr/bin/python3 scripts/make_keras3_fixture.py DIR      -> DIR/k3net_template.pth, DIR/k3net.keras
    /usr/bin/python3 scripts/make_keras3_fixture.py check DIR CONVERTED.pth
        loads CONVERTED into the network with strict=True, compares every tensor with the template
        bit for bit and the OUTPUTS of both networks (eval mode) on a random batch; exits 1 on a difference
"""
import io
import json
import os
import sys
import zipfile

import h5py
import torch

from make_roundtrip_fixtures import report


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.bn = torch.nn.BatchNorm2d(8)
        self.dw = torch.nn.Conv2d(8, 16, 3, padding=1, groups=8)  # depth multiplier 2
        self.bn2 = torch.nn.BatchNorm2d(16)
        self.fc = torch.nn.Linear(16, 10)

    def forward(self, x):
        x = torch.relu(self.bn(self.conv(x)))
        x = torch.relu(self.bn2(self.dw(x)))
        return self.fc(x.mean((2, 3)))


def build():
    torch.manual_seed(3)
    m = Net()
    with torch.no_grad():
        for bn in (m.bn, m.bn2):
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.normal_()
            bn.running_mean.normal_()
            bn.running_var.uniform_(0.5, 2.0)
    return m.eval()


def layers(m):
    """(Keras class, layer config flags, [variables]) in the Sequential's order, with Keras' layouts."""
    c = m.dw.in_channels
    dw = m.dw.weight.detach()
    dw = dw.reshape(c, dw.shape[0] // c, *dw.shape[2:]).permute(2, 3, 0, 1)

    def bn(b):
        return [b.weight.detach(), b.bias.detach(), b.running_mean, b.running_var]

    return [
        ("Conv2D", {"filters": 8, "kernel_size": [3, 3], "padding": "same", "use_bias": False}, [m.conv.weight.detach().permute(2, 3, 1, 0)]),
        ("BatchNormalization", {"axis": -1, "center": True, "scale": True}, bn(m.bn)),
        ("ReLU", {}, []),
        ("DepthwiseConv2D", {"kernel_size": [3, 3], "depth_multiplier": 2, "padding": "same", "use_bias": True}, [dw, m.dw.bias.detach()]),
        ("BatchNormalization", {"axis": -1, "center": True, "scale": True}, bn(m.bn2)),
        ("ReLU", {}, []),
        ("GlobalAveragePooling2D", {}, []),
        ("Dense", {"units": 10, "use_bias": True}, [m.fc.weight.detach().t(), m.fc.bias.detach()]),
    ]


def snake(name):
    """keras.src.utils.naming.to_snake_case."""
    import re
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def write_keras(m, path):
    used = {}
    config_layers = [{"module": "keras.layers", "class_name": "InputLayer",
                      "config": {"batch_shape": [None, 16, 16, 3], "dtype": "float32", "name": "input_layer"}, "registered_name": None}]
    weights = io.BytesIO()
    with h5py.File(weights, "w") as f:
        for cls, flags, variables in layers(m):
            base = snake(cls)
            n = used.get(base)
            used[base] = 0 if n is None else n + 1
            name = base if n is None else f"{base}_{n + 1}"
            g = f.create_group(f"layers/{name}/vars")
            g.attrs["name"] = name
            for i, v in enumerate(variables):
                g.create_dataset(str(i), data=v.contiguous().numpy())
            config_layers.append({"module": "keras.layers", "class_name": cls, "config": dict(flags, name=name, trainable=True, dtype="float32"),
                                  "registered_name": None})
        f.create_group("vars").attrs["name"] = "sequential"
    config = {"module": "keras", "class_name": "Sequential", "config": {"name": "sequential", "trainable": True, "layers": config_layers},
              "registered_name": None}
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("metadata.json", json.dumps({"keras_version": "3.3.3", "date_saved": "2026-12-07@12:00:00"}))
        z.writestr("config.json", json.dumps(config))
        z.writestr("model.weights.h5", weights.getvalue())


def check(d, converted):
    want = torch.load(os.path.join(d, "k3net_template.pth"))
    sd = torch.load(converted)
    a, b = Net().eval(), Net().eval()
    a.load_state_dict(want)
    b.load_state_dict(sd, strict=True)
    x = torch.randn(2, 3, 16, 16, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        return report("k3net", want, sd, a(x), b(x))


def main():
    if sys.argv[1] == "check":
        return check(sys.argv[2], sys.argv[3])
    m = build()
    torch.save(m.state_dict(), os.path.join(sys.argv[1], "k3net_template.pth"))
    write_keras(m, os.path.join(sys.argv[1], "k3net.keras"))
    print("k3net written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
