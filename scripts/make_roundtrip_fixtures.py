#!/usr/bin/python3
"""Round-trip fixtures for suggest + apply (issue 15): torchvision architectures (random weights,
seeded: no downloads) written as a Keras-layout .h5 and as an ONNX export, with the inverse
transforms written here independently of Weightbench's rules:

- Keras 2 `save_weights` layout (h5py): a layer per module with Keras' auto names (conv2d_17,
  batch_normalization_3, depthwise_conv2d, dense), in the model's order except that a residual
  block's shortcut comes before its main branch (as Keras applications build it); conv kernels
  OIHW -> HWIO, depthwise [C*m, 1, kh, kw] -> [kh, kw, C, m], dense [out, in] -> [in, out],
  BatchNorm as gamma / beta / moving_mean / moving_variance; the ViT's LayerNorm as gamma / beta,
  its nn.MultiheadAttention as Keras' MultiHeadAttention (query / key / value kernels
  [d, heads, head_dim], biases [heads, head_dim], attention_output kernel [heads, head_dim, d]),
  its class token and position embedding as vit-keras' class_token/cls and a
  position_embedding/pos_embedding layer;
- ONNX: torch.onnx.export in training mode (BatchNorm not folded), no constant folding; the ViT
  also with constant folding (<model>.folded.onnx), which turns its Linear weights into
  transposed initializers named onnx::MatMul_N.

Writes DIR/<model>_template.pth (the state_dict: the truth), DIR/<model>.h5, DIR/<model>.onnx
(DIR/<model>.folded.onnx).
`check` loads a converted checkpoint into the architecture with strict=True and compares every
tensor with the template bit for bit; it prints one line per model and exits 1 on a difference.

    /usr/bin/python3 scripts/make_roundtrip_fixtures.py DIR [MODEL...]
    /usr/bin/python3 scripts/make_roundtrip_fixtures.py check MODEL TEMPLATE.pth CONVERTED.pth
"""
import collections
import copy
import os
import sys

import h5py
import numpy as np
import torch
import torchvision

MODELS = {
    "resnet18": lambda: torchvision.models.resnet18(),
    "mobilenet_v2": lambda: torchvision.models.mobilenet_v2(),
    "mobilenet_v3_small": lambda: torchvision.models.mobilenet_v3_small(),
    "efficientnet_b0": lambda: torchvision.models.efficientnet_b0(),
    "vit_tiny": lambda: torchvision.models.VisionTransformer(image_size=32, patch_size=8, num_layers=2, num_heads=2,
                                                             hidden_dim=16, mlp_dim=32, num_classes=10),
}
INPUT = {"vit_tiny": (1, 3, 32, 32)}
KERAS = ["resnet18", "mobilenet_v2", "mobilenet_v3_small", "efficientnet_b0", "vit_tiny"]
# also exported with constant folding: the Linear weights become transposed onnx::MatMul_N initializers
FOLDED = ["vit_tiny"]


def build(name):
    torch.manual_seed(0)
    m = MODELS[name]()
    # random running statistics too, so that pairing a BatchNorm wrongly cannot go unseen
    for mod in m.modules():
        if isinstance(mod, torch.nn.BatchNorm2d):
            mod.running_mean.normal_()
            mod.running_var.uniform_(0.5, 2.0)
    return m


def keras_layers(model):
    """(keras layer name, [(weight name, array)]) in Keras' order."""
    entries = []  # (module name, layer kind, weights)
    for name, mod in model.named_modules():
        if isinstance(mod, torch.nn.Conv2d):
            w = mod.weight.detach()
            if mod.groups > 1 and mod.groups == mod.in_channels:
                c = mod.in_channels
                kernel = w.reshape(c, w.shape[0] // c, *w.shape[2:]).permute(2, 3, 0, 1)
                layer, weights = "depthwise_conv2d", [("depthwise_kernel:0", kernel)]
            elif mod.groups == 1:
                layer, weights = "conv2d", [("kernel:0", w.permute(2, 3, 1, 0))]
            else:
                raise SystemExit(f"{name}: grouped convolution not written")
            if mod.bias is not None:
                weights.append(("bias:0", mod.bias.detach()))
        elif isinstance(mod, torch.nn.BatchNorm2d):
            layer = "batch_normalization"
            weights = [("gamma:0", mod.weight.detach()), ("beta:0", mod.bias.detach()),
                       ("moving_mean:0", mod.running_mean), ("moving_variance:0", mod.running_var)]
        elif isinstance(mod, torch.nn.MultiheadAttention):
            # Keras' MultiHeadAttention: query/key/value kernels [d, heads, head_dim], biases
            # [heads, head_dim], attention_output kernel [heads, head_dim, d] and bias [d]
            layer = "multi_head_attention"
            d, h = mod.embed_dim, mod.num_heads
            weights = []
            for part, w, b in zip(("query", "key", "value"), mod.in_proj_weight.detach().chunk(3, 0), mod.in_proj_bias.detach().chunk(3, 0)):
                weights += [(f"{part}/kernel:0", w.t().reshape(d, h, d // h)), (f"{part}/bias:0", b.reshape(h, d // h))]
            weights += [("attention_output/kernel:0", mod.out_proj.weight.detach().t().reshape(h, d // h, d)),
                        ("attention_output/bias:0", mod.out_proj.bias.detach())]
        elif isinstance(mod, torch.nn.LayerNorm):
            layer = "layer_normalization"
            weights = [("gamma:0", mod.weight.detach()), ("beta:0", mod.bias.detach())]
        elif isinstance(mod, torchvision.models.VisionTransformer):
            layer, weights = "class_token", [("cls:0", mod.class_token.detach())]  # as vit-keras' ClassToken layer
        elif isinstance(mod, torchvision.models.vision_transformer.Encoder):
            layer, weights = "position_embedding", [("pos_embedding:0", mod.pos_embedding.detach())]
        elif isinstance(mod, torch.nn.Linear) and name.endswith(".out_proj"):
            continue  # written with its MultiheadAttention
        elif isinstance(mod, torch.nn.Linear):
            layer = "dense"
            weights = [("kernel:0", mod.weight.detach().t())]
            if mod.bias is not None:
                weights.append(("bias:0", mod.bias.detach()))
        else:
            if any(True for _ in mod.parameters(recurse=False)):
                raise SystemExit(f"{name}: {type(mod).__name__} has parameters and no Keras layer here")
            continue
        entries.append((name, layer, weights))
    # Keras applications build a residual block's shortcut (downsample) before its main branch
    ordered = []
    for e in entries:
        if ".downsample." in e[0]:
            block = e[0].split(".downsample.")[0] + "."
            first = next(i for i, o in enumerate(ordered) if o[0].startswith(block))
            ordered.insert(first + sum(1 for o in ordered if o[0].startswith(block + "downsample.")), e)
        else:
            ordered.append(e)
    # names as Keras gives them, in the order the layers are created: conv2d, conv2d_1, ...
    counters = collections.Counter()
    out = []
    for _, kind, weights in ordered:
        n = counters[kind]
        counters[kind] += 1
        out.append((kind if n == 0 else f"{kind}_{n}", weights))
    return out


def write_h5(model, path):
    write_keras_h5(keras_layers(model), path)


def write_keras_h5(layers, path):
    """Keras 2's save_weights layout: a group per layer, its weight_names, a dataset per weight."""
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = np.array([l.encode() for l, _ in layers])
        f.attrs["backend"] = b"tensorflow"
        f.attrs["keras_version"] = b"2.11.0"
        for layer, weights in layers:
            g = f.create_group(layer)
            g.attrs["weight_names"] = np.array([f"{layer}/{w}".encode() for w, _ in weights])
            for w, t in weights:
                g.create_dataset(f"{layer}/{w}", data=t.contiguous().numpy())


def without_randomness(module):
    """Stochastic depth (which torch.onnx cannot export in training mode) as identity; parameters untouched."""
    for name, child in module.named_children():
        if isinstance(child, torchvision.ops.StochasticDepth):
            setattr(module, name, torch.nn.Identity())
        else:
            without_randomness(child)


def write_onnx(name, model, path, fold=False):
    # a copy whose BatchNorms keep their running statistics through the export's traced forward
    # pass in training mode (momentum 0), so that the initializers are the template's values
    m = copy.deepcopy(model)
    without_randomness(m)
    for mod in m.modules():
        if isinstance(mod, torch.nn.BatchNorm2d):
            mod.momentum = 0.0
    m.train()
    x = torch.randn(*INPUT.get(name, (1, 3, 64, 64)))
    torch.onnx.export(m, x, path, training=torch.onnx.TrainingMode.TRAINING, do_constant_folding=fold, opset_version=13)


def check(name, template, converted):
    sd = torch.load(converted)
    model = MODELS[name]()
    model.load_state_dict(sd, strict=True)
    want = torch.load(template)
    bad = [k for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")
           and not (v.dtype == want[k].dtype and v.shape == want[k].shape and torch.equal(v, want[k]))]
    print(f"{name}: loads with strict=True; {len(want) - len(bad)} of {len(want)} tensors bit-identical" + (f"; differ: {bad[:5]}" if bad else ""))
    return 1 if bad else 0


def report(name, want, sd, ya, yb):
    """Prints how a converted state_dict compares with the template (every tensor but
    num_batches_tracked, bit for bit) and the networks' outputs; 0 when all are equal, else 1."""
    keys = [k for k in want if not k.endswith("num_batches_tracked")]
    bad = [k for k in keys if not (want[k].dtype == sd[k].dtype and want[k].shape == sd[k].shape and torch.equal(want[k], sd[k]))]
    same = torch.equal(ya, yb)
    print(f"{name}: loads with strict=True; {len(keys) - len(bad)} of {len(keys)} tensors bit-identical; outputs "
          + ("equal" if same else f"differ by {(ya - yb).abs().max().item()}") + (f"; tensors differ: {bad}" if bad else ""))
    return 0 if same and not bad else 1


def main():
    if sys.argv[1] == "check":
        return check(*sys.argv[2:5])
    d = sys.argv[1]
    for name in sys.argv[2:] or MODELS:
        m = build(name)
        torch.save(m.state_dict(), os.path.join(d, f"{name}_template.pth"))
        if name in KERAS:
            write_h5(m, os.path.join(d, f"{name}.h5"))
        write_onnx(name, m, os.path.join(d, f"{name}.onnx"))
        if name in FOLDED:
            write_onnx(name, m, os.path.join(d, f"{name}.folded.onnx"), fold=True)
        print(name, "written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
