#!/usr/bin/python3
"""Writes the reader test fixtures with real torch (Debian's python3-torch 1.13) and records,
for each file, what torch says is in it: keys, dtypes, shapes and the canonical sha256 of every
tensor (DESIGN.md: row-major, little-endian bytes in the tensor's own dtype; int_repr for
quantized tensors). Run with Debian's system python3:

    /usr/bin/python3 scripts/make_fixtures.py src/test/resources/fixtures

The outputs are committed; tests read them without torch. Re-running gives new random values
and a matching expected.json.
"""
import argparse
import collections
import hashlib
import io
import json
import os
import struct
import sys
import zipfile

import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(1234)
np.random.seed(1234)

OUT = None
EXPECTED = {}


def canonical_bytes(t):
    if t.is_quantized:
        t = t.int_repr()
    t = t.detach().contiguous()
    if t.dtype == torch.bfloat16:
        return t.view(torch.int16).numpy().tobytes()
    return t.numpy().tobytes()


def sha(t):
    return hashlib.sha256(canonical_bytes(t)).hexdigest()


def dtype_name(t):
    return str(t.dtype).replace("torch.", "")


def flatten(obj, prefix=""):
    """(key, tensor) pairs in the order Weightbench lists them: dict keys and indices joined by '.'."""
    out = []
    if isinstance(obj, torch.Tensor):
        out.append((prefix or "<root>", obj))
    elif isinstance(obj, dict):
        for k, v in obj.items():
            out += flatten(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            out += flatten(v, f"{prefix}.{i}" if prefix else str(i))
    return out


def record(name, fmt, pairs, weights_entry="", objects=(), warnings_contain=()):
    EXPECTED[name] = {
        "format": fmt,
        "weights_entry": weights_entry,
        "tensors": [{"key": k, "dtype": dtype_name(t), "shape": list(t.shape), "sha256": None if t.is_meta else sha(t)}
                    for k, t in pairs],
        "objects": list(objects),
        "warnings_contain": list(warnings_contain),
    }


def save(name, obj, fmt=None, **kw):
    torch.save(obj, os.path.join(OUT, name), **kw)
    legacy = kw.get("_use_new_zipfile_serialization") is False
    return fmt or ("torch-legacy" if legacy else "torch-zip")


def all_dtypes():
    x = torch.randn(3, 4)
    return collections.OrderedDict([
        ("f64", x.double()), ("f32", x), ("f16", x.half()), ("bf16", x.bfloat16()),
        ("i64", (x * 100).long()), ("i32", (x * 100).int()), ("i16", (x * 100).short()),
        ("i8", (x * 10).to(torch.int8)), ("u8", (x * 10).abs().to(torch.uint8)), ("b", x > 0),
        ("c64", torch.complex(x, -x)), ("c128", torch.complex(x.double(), x.double() * 2)),
    ])


def views():
    base = torch.arange(60, dtype=torch.float32)
    return {
        "base": base,
        "slice": base[10:20],
        "transposed": base.view(6, 10).t(),
        "expanded": base[:3].view(3, 1).expand(3, 4),
        "strided": base.view(6, 10)[::2, 1::3],
        "permuted": base.view(3, 4, 5).permute(2, 0, 1),
    }


def small_net():
    return nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 5))


class WithNonPersistent(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)
        self.register_buffer("scale", torch.ones(2))
        self.register_buffer("cache", torch.zeros(3), persistent=False)


class OldTensor:
    """A tensor pickled as torch before 0.4 did: its class, then __setstate__((storage, offset, size, stride))."""

    def __init__(self, t, cls):
        self.t, self.cls = t, cls

    def __reduce__(self):
        return (self.cls, (), (self.t.storage(), self.t.storage_offset(), self.t.size(), self.t.stride()))


class Evil:
    def __reduce__(self):
        return (os.system, ("echo this must never run",))


def write_safetensors(path, tensors, metadata=None):
    """The safetensors layout, written by hand (the python package is not in Debian)."""
    codes = {torch.float64: "F64", torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
             torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8",
             torch.bool: "BOOL"}
    header = {}
    blobs = []
    offset = 0
    for k, t in tensors.items():
        if isinstance(t, tuple):  # (code, shape, raw bytes) for dtypes torch 1.13 lacks
            code, shape, raw = t
        else:
            code, shape, raw = codes[t.dtype], list(t.shape), canonical_bytes(t)
        header[k] = {"dtype": code, "shape": shape, "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    if metadata:
        header["__metadata__"] = metadata
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def raw_expected(key, dtype, shape, raw):
    return {"key": key, "dtype": dtype, "shape": shape, "sha256": hashlib.sha256(raw).hexdigest()}


def main():
    global OUT
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    OUT = ap.parse_args().out
    os.makedirs(OUT, exist_ok=True)

    # every dtype, zip and legacy
    d = all_dtypes()
    record("dtypes_zip.pt", save("dtypes_zip.pt", d), flatten(d))
    record("dtypes_legacy.pt", save("dtypes_legacy.pt", d, _use_new_zipfile_serialization=False), flatten(d))

    # pickle protocols (zip), and protocol 2 legacy
    sd = small_net().state_dict()
    for p in (2, 4, 5):
        record(f"protocol{p}.pt", save(f"protocol{p}.pt", sd, pickle_protocol=p), flatten(sd))
    record("protocol4_legacy.pt", save("protocol4_legacy.pt", sd, pickle_protocol=4, _use_new_zipfile_serialization=False), flatten(sd))

    # views sharing one storage
    v = views()
    record("views_zip.pt", save("views_zip.pt", v), flatten(v))
    record("views_legacy.pt", save("views_legacy.pt", v, _use_new_zipfile_serialization=False), flatten(v))

    # 0-d and empty tensors, and a bare tensor at the root
    e = {"scalar": torch.tensor(3.5), "empty": torch.zeros(0), "empty3d": torch.zeros(2, 0, 3), "int_scalar": torch.tensor(7)}
    record("scalars_empty.pt", save("scalars_empty.pt", e), flatten(e))
    bare = torch.randn(5)
    record("bare_tensor.pt", save("bare_tensor.pt", bare), [("<root>", bare)])

    # quantized, per tensor and per channel
    x = torch.randn(4, 3, 2, 2)
    q = {
        "per_tensor_quint8": torch.quantize_per_tensor(x, 0.05, 10, torch.quint8),
        "per_tensor_qint8": torch.quantize_per_tensor(x, 0.02, 0, torch.qint8),
        "per_tensor_qint32": torch.quantize_per_tensor(x, 0.001, 0, torch.qint32),
        "per_channel_qint8": torch.quantize_per_channel(x, torch.tensor([0.01, 0.02, 0.03, 0.04], dtype=torch.double),
                                                        torch.tensor([0, 1, 2, 3]), 0, torch.qint8),
    }
    record("quantized.pt", save("quantized.pt", q), flatten(q))
    record("quantized_legacy.pt", save("quantized_legacy.pt", q, _use_new_zipfile_serialization=False), flatten(q))

    # a training checkpoint with optimizer state
    net = small_net()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    net(torch.randn(2, 3, 8, 8)).sum().backward()
    opt.step()
    ckpt = {"epoch": 7, "state_dict": net.state_dict(), "optimizer": opt.state_dict(), "best_acc": 0.91,
            "args": argparse.Namespace(lr=1e-3, arch="small")}
    record("training_checkpoint.pth", save("training_checkpoint.pth", ckpt), flatten(ckpt), weights_entry="state_dict",
           objects=[{"key": "args", "type": "argparse.Namespace"}])
    lightning = {"epoch": 3, "global_step": 120, "pytorch-lightning_version": "2.1.0",
                 "state_dict": collections.OrderedDict(("model." + k, t) for k, t in net.state_dict().items()),
                 "optimizer_states": [opt.state_dict()], "lr_schedulers": [], "hyper_parameters": {"lr": 0.001}}
    record("lightning.ckpt", save("lightning.ckpt", lightning), flatten(lightning), weights_entry="state_dict")
    mt = {"model_state_dict": net.state_dict(), "optimizer_state_dict": opt.state_dict(), "loss": 0.25}
    record("model_state_dict.pt", save("model_state_dict.pt", mt), flatten(mt), weights_entry="model_state_dict")

    # DataParallel prefixes
    dp = nn.DataParallel(small_net()).state_dict()
    record("dataparallel.pth", save("dataparallel.pth", dp), flatten(dp))

    # whole pickled modules (torch.save(model)): listed under their state_dict keys
    m = small_net()
    record("whole_module.pt", save("whole_module.pt", m), list(m.state_dict().items()),
           objects=[{"key": "", "type": "torch.nn.modules.container.Sequential"}])
    m2 = WithNonPersistent()
    record("whole_module_legacy.pt", save("whole_module_legacy.pt", m2, _use_new_zipfile_serialization=False),
           list(m2.state_dict().items()), objects=[{"key": "", "type": "__main__.WithNonPersistent"}])
    p = {"param": nn.Parameter(torch.randn(3, 3))}
    record("parameter.pt", save("parameter.pt", p), flatten(p))

    # storages saved on a GPU: only the location tag differs, and that is what matters here
    real_tag = torch.serialization.location_tag
    torch.serialization.location_tag = lambda storage: "cuda:0"
    try:
        g = {"w": torch.randn(2, 2)}
        record("cuda_zip.pt", save("cuda_zip.pt", g), flatten(g))
        record("cuda_legacy.pt", save("cuda_legacy.pt", g, _use_new_zipfile_serialization=False), flatten(g))
    finally:
        torch.serialization.location_tag = real_tag

    # TorchScript: state_dict keys of the scripted module
    sm = torch.jit.script(small_net().eval())
    sm.save(os.path.join(OUT, "scripted.pt"))
    record("scripted.pt", "torchscript", list(sm.state_dict().items()))

    # a hostile pickle: os.system via REDUCE, next to a real tensor
    h = {"weight": torch.randn(2, 3), "payload": Evil()}
    record("hostile.pt", save("hostile.pt", h), [("weight", h["weight"])],
           objects=[{"key": "payload", "type": "posix.system"}], warnings_contain=["posix.system"])

    # big-endian storages (torch 2.x writes byteorder='big' on big-endian hosts): made by swapping
    be = {"a": torch.randn(3, 5), "b": torch.arange(6, dtype=torch.float32).view(2, 3).t()}
    buf = io.BytesIO()
    torch.save(be, buf)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src, zipfile.ZipFile(os.path.join(OUT, "bigendian.pt"), "w", zipfile.ZIP_STORED) as dst:
        top = src.namelist()[0].split("/")[0]
        for info in src.infolist():
            data = src.read(info.filename)
            if "/data/" in info.filename:
                data = b"".join(data[i:i + 4][::-1] for i in range(0, len(data), 4))
            dst.writestr(info.filename, data)
        dst.writestr(f"{top}/byteorder", "big")
    record("bigendian.pt", "torch-zip", flatten(be))

    # safetensors, with every dtype it has (float8 and unsigned ints written from raw bytes)
    st = collections.OrderedDict((k, t) for k, t in all_dtypes().items() if not t.is_complex())
    f8 = bytes(range(0, 256, 16))
    u16 = np.arange(6, dtype=np.uint16).tobytes()
    u32 = np.arange(6, dtype=np.uint32).tobytes()
    u64 = np.arange(6, dtype=np.uint64).tobytes()
    extra = {"f8e4m3": ("F8_E4M3", [16], f8), "f8e5m2": ("F8_E5M2", [4, 4], f8),
             "u16": ("U16", [6], u16), "u32": ("U32", [2, 3], u32), "u64": ("U64", [6], u64)}
    write_safetensors(os.path.join(OUT, "model.safetensors"), {**st, **extra}, {"format": "pt", "note": "fixture"})
    record("model.safetensors", "safetensors", flatten(st))
    EXPECTED["model.safetensors"]["tensors"] += [
        raw_expected("f8e4m3", "float8_e4m3fn", [16], f8), raw_expected("f8e5m2", "float8_e5m2", [4, 4], f8),
        raw_expected("u16", "uint16", [6], u16), raw_expected("u32", "uint32", [2, 3], u32), raw_expected("u64", "uint64", [6], u64)]

    # sharded safetensors and sharded .bin, through their index files
    sd = small_net().state_dict()
    keys = list(sd.keys())
    halves = [keys[: len(keys) // 2], keys[len(keys) // 2:]]
    wm = {}
    for i, ks in enumerate(halves):
        name = f"model-0000{i + 1}-of-00002.safetensors"
        write_safetensors(os.path.join(OUT, name), {k: sd[k] for k in ks}, {"format": "pt"})
        wm.update({k: name for k in ks})
    with open(os.path.join(OUT, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": sum(t.numel() * t.element_size() for t in sd.values())}, "weight_map": wm}, f, indent=2)
    record("model.safetensors.index.json", "safetensors-sharded", list(sd.items()))
    wm = {}
    for i, ks in enumerate(halves):
        name = f"pytorch_model-0000{i + 1}-of-00002.bin"
        torch.save(collections.OrderedDict((k, sd[k]) for k in ks), os.path.join(OUT, name))
        wm.update({k: name for k in ks})
    with open(os.path.join(OUT, "pytorch_model.bin.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": 0}, "weight_map": wm}, f, indent=2)
    record("pytorch_model.bin.index.json", "torch-sharded", list(sd.items()))

    # numpy: .npy, .npz stored and compressed, Fortran order and big-endian
    a = np.random.randn(3, 4).astype(np.float32)
    fo = np.asfortranarray(np.arange(24, dtype=np.int64).reshape(2, 3, 4))
    bige = np.arange(5, dtype=">f8")
    np.save(os.path.join(OUT, "array.npy"), a)
    EXPECTED["array.npy"] = {"format": "npy", "weights_entry": "", "objects": [], "warnings_contain": [],
                             "tensors": [raw_expected("<root>", "float32", [3, 4], a.tobytes())]}
    np.savez(os.path.join(OUT, "arrays.npz"), a=a, fortran=fo, big=bige)
    np.savez_compressed(os.path.join(OUT, "arrays_compressed.npz"), a=a, fortran=fo, big=bige)
    npz = [raw_expected("a", "float32", [3, 4], a.tobytes()),
           raw_expected("fortran", "int64", [2, 3, 4], np.ascontiguousarray(fo).tobytes()),
           raw_expected("big", "float64", [5], bige.astype("<f8").tobytes())]
    for n in ("arrays.npz", "arrays_compressed.npz"):
        EXPECTED[n] = {"format": "npz", "weights_entry": "", "objects": [], "warnings_contain": [], "tensors": npz}

    # meta-device templates: dtype and shape, no data (their sha256 is null)
    meta_linear = nn.Linear(4, 2, device="meta").state_dict()
    record("meta_linear.pt", save("meta_linear.pt", meta_linear), flatten(meta_linear))
    meta_net = small_net().to_empty(device="meta").state_dict()
    record("meta_net.pt", save("meta_net.pt", meta_net), flatten(meta_net))

    # tensors pickled the pre-0.4 way (torch.FloatTensor + __setstate__): torch.load still builds them
    base = torch.randn(4, 6)
    old = {"weight": OldTensor(base, torch.FloatTensor), "view": OldTensor(base[1:, ::2], torch.FloatTensor),
           "steps": OldTensor(torch.arange(5), torch.LongTensor)}
    save("old_tensors_legacy.pt", old, _use_new_zipfile_serialization=False)
    loaded = torch.load(os.path.join(OUT, "old_tensors_legacy.pt"))
    assert all(isinstance(v, torch.Tensor) for v in loaded.values()), loaded
    record("old_tensors_legacy.pt", "torch-legacy", flatten(loaded))

    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump({"generator": "scripts/make_fixtures.py", "torch": torch.__version__, "files": EXPECTED}, f, indent=1)
    print(f"wrote {len(EXPECTED)} fixtures to {OUT} with torch {torch.__version__}")


if __name__ == "__main__":
    main()
