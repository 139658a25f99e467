#!/usr/bin/python3
"""Independent reader for Keras/HDF5 weight files: what Weightbench must list, computed with h5py.

For every file named (HDF5 .h5/.hdf5 or a Keras 3 .keras zip) prints, as JSON, the format, the
weights entry and every tensor (key, dtype, shape, sha256 of the canonical bytes: row-major,
little-endian, in the tensor's own dtype) in the order Weightbench lists them:

  keras-h5 (Keras 1/2)   layer_names order (whole or split over layer_names0..N), then each
                         layer's weight_names; key = layer + "/" + weight name (the dataset's path
                         in the weights group). Groups outside layer_names that carry weight_names
                         follow, then any dataset not named, in walk order. A full model file
                         (model_weights/) gives model_weights.<key> and optimizer_weights.<name>.
  keras3, keras3-weights every dataset in walk order under model.<path>, except optimizer/...
                         which go under optimizer.<rest>.
  hdf5                   every numeric dataset in walk order under its path.

Walk order: depth first, children sorted with names made only of ASCII digits first (numerically),
then the others in code point order; soft and external links are not followed; an object reached
twice is listed once. This script knows nothing of Weightbench's code; it reads the files with
h5py, zipfile and numpy only.

Usage: keras_reference.py [-o expected.json] FILE...    (Debian's /usr/bin/python3, python3-h5py)
"""
import hashlib
import io
import json
import os
import sys
import zipfile

import h5py
import numpy as np


def name_key(n):
    if n and n.isascii() and n.isdigit():
        return (0, len(n), n)
    return (1, n)


def walk(group, prefix="", seen=None, out=None):
    """[(path, dataset, parent group)] in Weightbench's walk order."""
    if seen is None:
        seen, out = set(), []
    for name in sorted(group.keys(), key=name_key):
        link = group.get(name, getlink=True)
        if not isinstance(link, h5py.HardLink):
            continue
        obj = group[name]
        addr = h5py.h5o.get_info(obj.id).addr
        if addr in seen:
            continue
        seen.add(addr)
        path = name if not prefix else prefix + "/" + name
        if isinstance(obj, h5py.Dataset):
            out.append((path, obj, group))
        elif isinstance(obj, h5py.Group):
            walk(obj, path, seen, out)
    return out


def torch_dtype(ds):
    """The tensor dtype of a dataset, or None when it is not numeric."""
    dt = ds.dtype
    if ds.shape is None:
        return None  # null dataspace
    if dt.kind == "V" and dt.fields is None:
        tag = ds.attrs.get("dtype")
        if isinstance(tag, bytes):
            tag = tag.decode()
        if tag == "bfloat16" and dt.itemsize == 2:
            return "bfloat16"
        return None
    names = {"f2": "float16", "f4": "float32", "f8": "float64",
             "i1": "int8", "i2": "int16", "i4": "int32", "i8": "int64",
             "u1": "uint8", "u2": "uint16", "u4": "uint32", "u8": "uint64",
             "b1": "bool", "c8": "complex64", "c16": "complex128"}
    return names.get(dt.kind + str(dt.itemsize))


def tensor_row(key, ds):
    dtype = torch_dtype(ds)
    if dtype is None:
        return None
    a = np.asarray(ds[()])
    if a.dtype.kind != "V" and a.dtype.byteorder == ">":
        a = a.astype(a.dtype.newbyteorder("<"))
    a = np.ascontiguousarray(a)
    return {"key": key, "dtype": dtype, "shape": list(ds.shape), "sha256": hashlib.sha256(a.tobytes()).hexdigest()}


def text_list(v):
    if v is None:
        return []
    a = np.atleast_1d(np.asarray(v))
    if a.size == 0:
        return []
    return [x.decode("utf8") if isinstance(x, bytes) else str(x) for x in a.tolist()]


def names(node, attr):
    """Keras's load_attributes_from_hdf5_group: whole, or split over attr0, attr1, ..."""
    if attr in node.attrs:
        return text_list(node.attrs[attr])
    if attr + "0" not in node.attrs:
        return None
    out, i = [], 0
    while attr + str(i) in node.attrs:
        out += text_list(node.attrs[attr + str(i)])
        i += 1
    return out


def dataset_at(group, path):
    g = group
    parts = path.split("/")
    for i, p in enumerate(parts):
        if not p or not isinstance(g, h5py.Group):
            return None
        link = g.get(p, getlink=True)
        if not isinstance(link, h5py.HardLink):
            return None
        g = g[p]
    return g if isinstance(g, h5py.Dataset) else None


class Listing:
    def __init__(self):
        self.rows = []
        self.placed = set()
        self.keys = set()

    def add(self, prefix, key, ds):
        if prefix + key in self.keys:
            return
        self.keys.add(prefix + key)
        self.placed.add(h5py.h5o.get_info(ds.id).addr)
        row = tensor_row(prefix + key, ds)
        if row is not None:
            self.rows.append(row)

    def unnamed(self, prefix, group):
        for path, ds, _ in walk(group):
            if h5py.h5o.get_info(ds.id).addr not in self.placed:
                self.add(prefix, path, ds)


def keras2_layers(listing, prefix, group, layer_names):
    def layer(name, g):
        for w in names(g, "weight_names") or []:
            ds = dataset_at(g, w)
            if ds is not None:
                listing.add(prefix, name + "/" + w, ds)

    for name in layer_names:
        link = group.get(name, getlink=True)
        if isinstance(link, h5py.HardLink) and isinstance(group[name], h5py.Group):
            layer(name, group[name])
    listed = set(layer_names)
    for name in sorted(group.keys(), key=name_key):
        link = group.get(name, getlink=True)
        if name in listed or not isinstance(link, h5py.HardLink) or not isinstance(group[name], h5py.Group):
            continue
        if names(group[name], "weight_names") is not None:
            layer(name, group[name])
    listing.unnamed(prefix, group)


def keras2_optimizer(listing, prefix, group):
    for w in names(group, "weight_names") or []:
        ds = dataset_at(group, w)
        if ds is not None:
            listing.add(prefix, w, ds)
    listing.unnamed(prefix, group)


def keras3(listing, root):
    model, optimizer = [], []
    for path, ds, _ in walk(root):
        (optimizer if path.startswith("optimizer/") else model).append((path, ds))
    # Weightbench puts the model entry first, then the optimizer's
    for path, ds in model:
        listing.add("model.", path, ds)
    for path, ds in optimizer:
        listing.add("optimizer.", path[len("optimizer/"):], ds)


def read_h5(f, in_zip=False):
    listing = Listing()
    layer_names = names(f, "layer_names")
    hard = lambda n: isinstance(f.get(n, getlink=True), h5py.HardLink) and isinstance(f[n], h5py.Group)
    if in_zip:
        keras3(listing, f)
        return "keras3", "model", listing.rows
    if layer_names is not None:
        keras2_layers(listing, "", f, layer_names)
        return "keras-h5", "", listing.rows
    if "model_weights" in f and hard("model_weights"):
        mw = f["model_weights"]
        keras2_layers(listing, "model_weights.", mw, names(mw, "layer_names") or [])
        if "optimizer_weights" in f and hard("optimizer_weights"):
            keras2_optimizer(listing, "optimizer_weights.", f["optimizer_weights"])
        return "keras-h5", "model_weights", listing.rows
    if "vars" in f and hard("vars"):
        keras3(listing, f)
        return "keras3-weights", "model", listing.rows
    for path, ds, _ in walk(f):
        listing.add("", path, ds)
    return "hdf5", "", listing.rows


def read(path):
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            if "model.weights.h5" in z.namelist():
                with h5py.File(io.BytesIO(z.read("model.weights.h5")), "r") as f:
                    fmt, entry, rows = read_h5(f, in_zip=True)
                return {"format": fmt, "weights_entry": entry, "tensors": rows}
            data = np.load(io.BytesIO(z.read("model.weights.npz")), allow_pickle=False)
            model, optimizer = [], []
            for name in data.files:
                a = data[name]
                if a.dtype.byteorder == ">":
                    a = a.astype(a.dtype.newbyteorder("<"))
                dtype = {"f4": "float32", "f8": "float64", "f2": "float16", "i8": "int64", "i4": "int32"}[a.dtype.kind + str(a.dtype.itemsize)]
                row = {"dtype": dtype, "shape": list(a.shape), "sha256": hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()}
                if name.startswith("optimizer/"):
                    optimizer.append(dict(key="optimizer." + name[len("optimizer/"):], **row))
                else:
                    model.append(dict(key="model." + name, **row))
            return {"format": "keras3", "weights_entry": "model", "tensors": model + optimizer}
    with h5py.File(path, "r") as f:
        fmt, entry, rows = read_h5(f)
    return {"format": fmt, "weights_entry": entry, "tensors": rows}


def main(argv):
    target = None
    if argv[:1] == ["-o"]:
        target, argv = argv[1], argv[2:]
    out = {}
    for p in argv:
        out[os.path.basename(p)] = read(p)
    text = json.dumps({"files": out}, indent=1, sort_keys=True) + "\n"
    if target:
        with open(target, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main(sys.argv[1:])
