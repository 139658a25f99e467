#!/usr/bin/python3
"""HDF5 files in the layouts h5py can write, for Hdf5MetadataTest: Weightbench's own reader of HDF5
metadata (Hdf5Metadata) must list each exactly as jhdf does, or leave the file to jhdf.

  /usr/bin/python3 scripts/make_hdf5_variants.py DIR

  latest_keras.h5       Keras 2 save_weights layout with libver='latest': superblock v3, version-2
                        object headers with checksums, new-style groups of link messages (each
                        group has at most 8 links, so all stay compact)
  v108_keras.h5         the same with libver=('v108', 'latest'): superblock v2
  latest_dense.h5       libver='latest' with a group of 40 links: dense link storage in a fractal
                        heap, which Hdf5Metadata leaves to jhdf
  chunked.h5            Keras layout with chunked datasets: gzip + shuffle, lzf, fletcher32, a
                        fill value, an unwritten chunk
  compact_scalar.h5     compact datasets, scalars of several dtypes, a null dataspace, big-endian
                        and bool datasets, an empty array
  vlen_attrs.h5         a full model whose model_config, keras_version, backend, layer_names and
                        weight_names are variable-length (Python str) attributes in the global heap
  late_attrs.h5         attributes added after the datasets (they go to continuation blocks),
                        a 40 KB model_config
  many_links.h5         an old-style group with 70,000 hard links to one dataset and 2,000
                        datasets of its own (a multi-level v1 B-tree of symbol table nodes)
"""
import json
import os
import sys

import h5py
import numpy as np

RNG = np.random.default_rng(20261207)


def w(*shape, dtype="f4"):
    return RNG.standard_normal(shape).astype(dtype)


def names(values):
    return np.array([v.encode("utf8") for v in values])


def keras2(g, layers, vlen=False):
    g.attrs["layer_names"] = [n for n, _ in layers] if vlen else names([n for n, _ in layers])
    g.attrs["backend"] = "tensorflow" if vlen else b"tensorflow"
    g.attrs["keras_version"] = "2.4.0" if vlen else b"2.4.0"
    for name, weights in layers:
        lg = g.create_group(name)
        wn = [n for n, _ in weights]
        lg.attrs["weight_names"] = (wn if vlen else names(wn)) if wn else np.array([], dtype="float64")
        for n, arr in weights:
            lg.create_dataset(n, data=arr)


LAYERS = [
    ("conv2d", [("conv2d/kernel:0", w(3, 3, 3, 8)), ("conv2d/bias:0", w(8))]),
    ("batch_normalization", [("batch_normalization/%s:0" % n, w(8)) for n in ("gamma", "beta", "moving_mean", "moving_variance")]),
    ("flatten", []),
    ("dense", [("dense/kernel:0", w(8, 4)), ("dense/bias:0", w(4))]),
]
CONFIG = {"class_name": "Sequential", "config": {"name": "sequential", "layers": [
    {"class_name": "Conv2D", "config": {"name": "conv2d"}}, {"class_name": "BatchNormalization", "config": {"name": "batch_normalization"}},
    {"class_name": "Flatten", "config": {"name": "flatten"}}, {"class_name": "Dense", "config": {"name": "dense"}}]}}


def latest(path, libver):
    with h5py.File(path, "w", libver=libver) as f:
        keras2(f, LAYERS)


def latest_dense(path):
    with h5py.File(path, "w", libver="latest") as f:
        keras2(f, [("dense_%d" % i, [("dense_%d/kernel:0" % i, w(2, 2))]) for i in range(40)])


def chunked(path):
    with h5py.File(path, "w") as f:
        keras2(f, [("conv", [("conv/kernel:0", w(5, 5, 3, 16)), ("conv/bias:0", w(16))])])
        g = f["conv"]
        del g["conv/kernel:0"]
        g.create_dataset("conv/kernel:0", data=w(5, 5, 3, 16), chunks=(5, 5, 3, 4), compression="gzip", shuffle=True)
        g.create_dataset("conv/lzf:0", data=w(40, 9), chunks=(16, 9), compression="lzf")
        g.create_dataset("conv/fletcher:0", data=np.arange(60, dtype="i8").reshape(6, 10), chunks=(4, 4), fletcher32=True)
        sparse = g.create_dataset("conv/sparse:0", shape=(9, 9), chunks=(4, 4), dtype="f8", fillvalue=2.5)
        sparse[0:4, 0:4] = w(4, 4, dtype="f8")
        g.attrs["weight_names"] = names(["conv/kernel:0", "conv/bias:0", "conv/lzf:0", "conv/fletcher:0", "conv/sparse:0"])


def compact(f, name, arr):
    dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
    dcpl.set_layout(h5py.h5d.COMPACT)
    space = h5py.h5s.create_simple(arr.shape)
    tid = h5py.h5t.py_create(arr.dtype)
    ds = h5py.h5d.create(f.id, name.encode(), tid, space, dcpl=dcpl)
    ds.write(h5py.h5s.ALL, h5py.h5s.ALL, arr)


def compact_scalar(path):
    with h5py.File(path, "w") as f:
        compact(f, "compact_f4", w(4, 5))
        compact(f, "compact_i2", np.arange(12, dtype="<i2").reshape(3, 4))
        for dt in ("f4", "f8", "i8", "u1", "f2", ">f4", ">i4", "?"):
            f.create_dataset("scalar_" + dt.replace(">", "be_").replace("?", "bool"), data=np.array(3, dtype=dt))
        f.create_dataset("bool", data=np.array([True, False, True]))
        f.create_dataset("be_f8", data=w(3, 2, dtype=">f8"))
        f.create_dataset("be_u2", data=np.arange(6, dtype=">u2"))
        f.create_dataset("complex", data=(w(4) + 1j * w(4)).astype("c8"))
        f.create_dataset("empty", data=np.zeros((0, 3), dtype="f4"))
        f.create_dataset("null", data=h5py.Empty("f4"))
        f.create_dataset("text", data=np.array([b"a", b"bc"]))


def vlen_attrs(path):
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = "2.4.0"
        f.attrs["backend"] = "tensorflow"
        f.attrs["model_config"] = json.dumps(CONFIG)
        keras2(f.create_group("model_weights"), LAYERS, vlen=True)
        og = f.create_group("optimizer_weights")
        og.attrs["weight_names"] = ["Adam/iter:0", "Adam/dense/kernel/m:0"]
        og.create_dataset("Adam/iter:0", data=np.array(3, dtype="i8"))
        og.create_dataset("Adam/dense/kernel/m:0", data=w(8, 4))


def late_attrs(path):
    with h5py.File(path, "w") as f:
        mw = f.create_group("model_weights")
        for name, weights in LAYERS:
            lg = mw.create_group(name)
            for n, arr in weights:
                lg.create_dataset(n, data=arr)
        for i, (name, weights) in enumerate(LAYERS):
            lg = mw[name]
            for j in range(5):
                lg.attrs["note_%d" % j] = np.arange(j + 1, dtype="f8")
            lg.attrs["weight_names"] = names([n for n, _ in weights]) if weights else np.array([], dtype="float64")
        mw.attrs["layer_names"] = names([n for n, _ in LAYERS])
        big = dict(CONFIG, padding=["x" * 100] * 400)
        f.attrs["model_config"] = json.dumps(big).encode()
        f.attrs["keras_version"] = b"2.4.0"
        f.attrs["backend"] = b"tensorflow"


def many_links(path):
    with h5py.File(path, "w") as f:
        g = f.create_group("many")
        target = g.create_dataset("target", data=np.arange(3, dtype="f4"))
        for i in range(70000):
            g["link_%05d" % i] = target
        own = f.create_group("own")
        for i in range(2000):
            own.create_dataset("d%04d" % i, data=np.array([i], dtype="i4"))


def main():
    d = sys.argv[1]
    os.makedirs(d, exist_ok=True)
    latest(os.path.join(d, "latest_keras.h5"), "latest")
    latest(os.path.join(d, "v108_keras.h5"), ("v108", "latest"))
    latest_dense(os.path.join(d, "latest_dense.h5"))
    chunked(os.path.join(d, "chunked.h5"))
    compact_scalar(os.path.join(d, "compact_scalar.h5"))
    vlen_attrs(os.path.join(d, "vlen_attrs.h5"))
    late_attrs(os.path.join(d, "late_attrs.h5"))
    many_links(os.path.join(d, "many_links.h5"))


if __name__ == "__main__":
    main()
