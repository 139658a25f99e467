#!/usr/bin/python3
"""Writes the Keras / HDF5 test fixtures with h5py, in the layouts Keras writes, plus hostile files.

  /usr/bin/python3 scripts/make_keras_fixtures.py src/test/resources/fixtures/keras
  /usr/bin/python3 scripts/make_keras_fixtures.py --seeds src/test/resources/io/weightbench/format/keras/KerasFuzzTestInputs/openKerasFile
  /usr/bin/python3 scripts/keras_reference.py <the non-hostile files> > .../expected.json

Keras itself is not installed here: the files are laid out as keras/engine/saving.py (Keras 2),
keras/saving/legacy/hdf5_format.py (tf.keras) and keras/src/saving/saving_lib.py (Keras 3) write
them, attribute by attribute. What each file covers:

  weights_only.h5       save_weights: layer_names at the root, a layer without weights (empty
                        float64 weight_names), nested weight names (lstm/lstm_cell/kernel:0)
  full_model.h5         save: model_config / training_config / keras_version / backend attributes,
                        model_weights/ and optimizer_weights/ (training/Adam/... names, a scalar)
  split_names.h5        layer_names split over layer_names0..1 and weight_names over weight_names0..1
                        (Keras does this when an attribute would pass HDF5's 64 KiB header limit)
  theano.h5             a full model saved with backend = theano (flagged: kernels are flipped)
  big_endian.h5         weights stored big-endian (>f4, >i8, >f2)
  plain.h5              not Keras: chunked datasets (gzip + shuffle, lzf, fletcher32, edge chunks,
                        unwritten chunks with a fill value), compact and never-written datasets,
                        bool, complex64, float16, uint16, int8, a scalar, an empty (0, 3) array, a
                        string dataset (not a tensor), a hard link (listed once), soft and external
                        links (not followed)
  userblock.h5          weights-only, after a 512-byte user block (every address is relative to it)
  latest.h5             libver='latest': superblock v3, new-style groups and the v4 chunk indexes
                        (single chunk, fixed array, extensible array, version-2 B-tree)
  bare.weights.h5       Keras 3 save_weights: vars groups, optimizer/vars/0..11 (numeric order), a
                        bfloat16 variable as 2-byte opaque values with attrs dtype = bfloat16 (with
                        h5py's NUMPY: tag on the opaque type; see hostile_keras3_bfloat16_untagged)
  keras3_stored.keras   Keras 3 .keras zip with model.weights.h5 stored (read in place)
  keras3_deflated.keras the same with the h5 entry deflated
  keras3_npz.keras      model.weights.npz of plain arrays (NOTE: Keras 3's own NpzIOStore pickles a
                        dict per layer; this is the plain-array form the reader accepts)
  hostile_*             refused with a one-line error: a dataset address past the end, a dimension
                        of 2^40, a truncated file, an object-array (pickle) npz as Keras writes it,
                        and a Keras 3 bfloat16 variable as h5py writes it (an untagged opaque type,
                        which jhdf cannot parse: a known limitation, said in the error; listed
                        since Weightbench reads HDF5 metadata itself, refused when left to jhdf);
                        hostile_fill_bomb.h5 opens, but reading its 16 GiB of fill value is refused.
                        (hostile_structure_past_end.h5, 79 bytes, was found by KerasFuzzTest and is
                        committed as found, not made here.)
"""
import io
import json
import os
import sys
import zipfile

import h5py
import numpy as np

RNG = np.random.default_rng(20240611)
ZIP_DATE = (2024, 6, 11, 12, 0, 0)


def w(*shape, dtype="f4"):
    return RNG.standard_normal(shape).astype(dtype)


def names_attr(values):
    return np.array([v.encode("utf8") for v in values])


def keras2_layers(g, layers):
    """layers: [(layer name, [(weight name, array)])], as save_weights_to_hdf5_group writes them."""
    g.attrs["layer_names"] = names_attr([n for n, _ in layers])
    g.attrs["backend"] = b"tensorflow"
    g.attrs["keras_version"] = b"2.2.4"
    for name, weights in layers:
        lg = g.create_group(name)
        if weights:
            lg.attrs["weight_names"] = names_attr([wn for wn, _ in weights])
        else:
            lg.attrs["weight_names"] = np.array([], dtype="float64")
        for wn, arr in weights:
            lg.create_dataset(wn, data=arr)


LAYERS = [
    ("conv2d_1", [("conv2d_1/kernel:0", w(3, 3, 2, 4)), ("conv2d_1/bias:0", w(4))]),
    ("dropout_1", []),
    ("lstm_1", [("lstm_1/lstm_cell_1/kernel:0", w(4, 16)), ("lstm_1/lstm_cell_1/recurrent_kernel:0", w(4, 16)),
                ("lstm_1/lstm_cell_1/bias:0", w(16))]),
    ("dense_1", [("dense_1/kernel:0", w(4, 3)), ("dense_1/bias:0", w(3))]),
]

MODEL_CONFIG = {"class_name": "Sequential", "config": {"name": "sequential_1", "layers": [
    {"class_name": "Conv2D", "config": {"name": "conv2d_1"}}, {"class_name": "Dropout", "config": {"name": "dropout_1"}},
    {"class_name": "LSTM", "config": {"name": "lstm_1"}}, {"class_name": "Dense", "config": {"name": "dense_1"}}]}}
TRAINING_CONFIG = {"optimizer_config": {"class_name": "Adam", "config": {"lr": 0.001}}, "loss": "mse", "metrics": ["mae"]}


def full_model(path, backend):
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = b"2.2.4"
        f.attrs["backend"] = backend.encode()
        f.attrs["model_config"] = json.dumps(MODEL_CONFIG).encode()
        f.attrs["training_config"] = json.dumps(TRAINING_CONFIG).encode()
        keras2_layers(f.create_group("model_weights"), LAYERS)
        f["model_weights"].attrs["backend"] = backend.encode()
        og = f.create_group("optimizer_weights")
        opt = [("training/Adam/iterations:0", np.array(7, dtype="i8"))]
        for i, (_, weights) in enumerate(l for l in LAYERS if l[1]):
            for j, (_, arr) in enumerate(weights):
                opt.append(("training/Adam/m_%d_%d:0" % (i, j), np.zeros_like(arr) + 0.5))
        og.attrs["weight_names"] = names_attr([n for n, _ in opt])
        for n, arr in opt:
            og.create_dataset(n, data=arr)


def split_names(path):
    with h5py.File(path, "w") as f:
        keras2_layers(f, [("dense_%d" % i, [("dense_%d/kernel:0" % i, w(2, 2)), ("dense_%d/bias:0" % i, w(2))]) for i in range(1, 6)])
        names = [n.decode() for n in f.attrs["layer_names"]]
        del f.attrs["layer_names"]
        f.attrs["layer_names0"] = names_attr(names[:3])
        f.attrs["layer_names1"] = names_attr(names[3:])
        g = f["dense_5"]
        g.create_dataset("dense_5/extra:0", data=w(5))
        wn = [n.decode() for n in g.attrs["weight_names"]] + ["dense_5/extra:0"]
        del g.attrs["weight_names"]
        g.attrs["weight_names0"] = names_attr(wn[:2])
        g.attrs["weight_names1"] = names_attr(wn[2:])


def big_endian(path):
    with h5py.File(path, "w") as f:
        keras2_layers(f, [("dense_1", [("dense_1/kernel:0", w(5, 3).astype(">f4")), ("dense_1/bias:0", w(3).astype(">f2")),
                                       ("dense_1/steps:0", np.arange(6, dtype=">i8").reshape(2, 3))])])


def plain(path):
    with h5py.File(path, "w") as f:
        g = f.create_group("grp")
        g.create_dataset("gzip_shuffle", data=w(37, 29), chunks=(8, 8), compression="gzip", compression_opts=6, shuffle=True)
        g.create_dataset("lzf", data=w(33, 7), chunks=(10, 7), compression="lzf")
        g.create_dataset("fletcher", data=np.arange(100, dtype="i4").reshape(10, 10), chunks=(3, 4), fletcher32=True)
        g.create_dataset("chunked_3d", data=w(5, 6, 7, dtype="f8"), chunks=(2, 3, 4), compression="gzip")
        sparse = g.create_dataset("sparse", shape=(10, 12), chunks=(4, 5), dtype="f4", fillvalue=-1.5)
        sparse[0:4, 0:5] = w(4, 5)
        sparse[8:10, 10:12] = w(2, 2)
        dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
        dcpl.set_layout(h5py.h5d.COMPACT)
        data = w(4, 5)
        space = h5py.h5s.create_simple(data.shape)
        h5py.h5d.create(g.id, b"compact", h5py.h5t.IEEE_F32LE, space, dcpl=dcpl).write(h5py.h5s.ALL, h5py.h5s.ALL, data)
        f.create_dataset("never_written", shape=(3, 4), dtype="f4", fillvalue=2.5)
        f.create_dataset("never_written_zero", shape=(2, 2), dtype="i2")
        f.create_dataset("flags", data=np.array([True, False, True, True]))
        f.create_dataset("complex", data=(w(3) + 1j * w(3)).astype("c8"))
        f.create_dataset("half", data=w(2, 3, dtype="f2"))
        f.create_dataset("u16", data=np.arange(12, dtype="u2").reshape(3, 4))
        f.create_dataset("i8", data=np.arange(-5, 5, dtype="i1"))
        f.create_dataset("scalar", data=np.float64(3.25))
        f.create_dataset("empty", data=np.zeros((0, 3), dtype="f4"))
        f.create_dataset("names", data=np.array([b"alpha", b"beta"]))
        f["dup_of_fletcher"] = g["fletcher"]
        f["soft"] = h5py.SoftLink("/grp/lzf")
        f["loop"] = h5py.SoftLink("/loop")
        f["ext"] = h5py.ExternalLink("/etc/passwd", "/x")


def latest(path):
    with h5py.File(path, "w", libver="latest") as f:
        f.create_dataset("single_chunk", data=w(6, 5), chunks=(6, 5), compression="gzip")
        f.create_dataset("fixed_array", data=w(20, 9), chunks=(7, 4), compression="gzip", shuffle=True)
        ext = f.create_dataset("extensible", data=w(11, 6), chunks=(4, 6), maxshape=(None, 6))
        ext.resize((13, 6))
        ext[11:13] = w(2, 6)
        f.create_dataset("btree2", data=w(9, 10), chunks=(4, 4), maxshape=(None, None), compression="lzf")
        f.create_dataset("contiguous", data=np.arange(24, dtype="i8").reshape(2, 3, 4))
        g = f.create_group("sub")
        for i in range(12):
            g.create_dataset("d%d" % i, data=np.full((2,), i, dtype="f4"))


KERAS3_VARS = [
    ("layers/dense/vars", "dense", [w(4, 8), w(8)]),
    ("layers/dense_1/vars", "dense_1", [w(8, 2), w(2)]),
    ("layers/embedding/vars", "embedding", [w(10, 4)]),
]


def keras3_h5(target):
    with h5py.File(target, "w") as f:
        f.create_group("vars").attrs["name"] = "sequential"
        for path, name, values in KERAS3_VARS:
            g = f.create_group(path)
            g.attrs["name"] = name
            for i, v in enumerate(values):
                g.create_dataset(str(i), data=v)
        # a bfloat16 variable: Keras 3 writes ml_dtypes arrays as 2-byte opaque values with attrs dtype=bfloat16.
        # h5py gives such arrays an opaque type without a tag, which jhdf cannot parse (see keras3_bfloat16_untagged);
        # here the opaque type carries h5py's NUMPY: tag, which jhdf reads.
        bfloat16(f.create_group("layers/norm/vars"), tagged=True)
        og = f.create_group("optimizer/vars")
        og.attrs["name"] = "adam"
        og.create_dataset("0", data=np.int64(12))
        og.create_dataset("1", data=np.float32(0.001))
        for i in range(2, 12):
            og.create_dataset(str(i), data=np.zeros(3, dtype="f4") + i)


def bfloat16(group, tagged):
    group.attrs["name"] = "norm"
    bits = (w(6).view("u4") >> 16).astype("<u2").view("V2")
    if tagged:
        ds = group.create_dataset("0", shape=bits.shape, dtype=h5py.opaque_dtype(bits.dtype))
        ds.id.write(h5py.h5s.ALL, h5py.h5s.ALL, bits, mtype=ds.id.get_type())
    else:
        ds = group.create_dataset("0", data=bits)
    ds.attrs["dtype"] = "bfloat16"


def keras3_zip(path, weights_name, weights_bytes, method):
    config = {"module": "keras", "class_name": "Sequential", "config": {"name": "sequential", "layers": [
        {"class_name": "InputLayer", "config": {}}, {"class_name": "Dense", "config": {"name": "dense"}},
        {"class_name": "Dense", "config": {"name": "dense_1"}}]},
        "compile_config": {"optimizer": {"class_name": "Adam", "config": {}}, "loss": "mse"}}
    with zipfile.ZipFile(path, "w") as z:
        for name, data, m in (("metadata.json", json.dumps({"keras_version": "3.3.3", "date_saved": "2024-06-11@12:00:00"}).encode(), zipfile.ZIP_STORED),
                              ("config.json", json.dumps(config).encode(), zipfile.ZIP_STORED),
                              (weights_name, weights_bytes, method)):
            info = zipfile.ZipInfo(name, ZIP_DATE)
            info.compress_type = m
            z.writestr(info, data)


def h5_bytes(writer):
    buf = io.BytesIO()
    writer(buf)
    return buf.getvalue()


def npz_bytes(arrays):
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def patch(data, old, new, times=1):
    if data.count(old) != times:
        raise SystemExit("pattern to patch found %d times, not %d" % (data.count(old), times))
    return data.replace(old, new)


def hostile(out):
    # a contiguous dataset whose data address lies past the end of the file (the layout message: address, 1200 bytes)
    with h5py.File(os.path.join(out, "tmp.h5"), "w") as f:
        f.create_dataset("weights", data=np.arange(300, dtype="f4"))
        offset = f["weights"].id.get_offset()
    data = open(os.path.join(out, "tmp.h5"), "rb").read()
    open(os.path.join(out, "hostile_address_past_end.h5"), "wb").write(
        patch(data, offset.to_bytes(8, "little") + (1200).to_bytes(8, "little"),
                   (len(data) + 4096).to_bytes(8, "little") + (1200).to_bytes(8, "little")))
    # a dimension of 2^40 (the dataspace holds 7777 x 3 twice: its size and its maximum size)
    with h5py.File(os.path.join(out, "tmp.h5"), "w") as f:
        f.create_dataset("weights", shape=(7777, 3), dtype="f4")
    data = open(os.path.join(out, "tmp.h5"), "rb").read()
    open(os.path.join(out, "hostile_huge_dims.h5"), "wb").write(
        patch(data, (7777).to_bytes(8, "little") + (3).to_bytes(8, "little"), (1 << 40).to_bytes(8, "little") + (3).to_bytes(8, "little"), 2))
    os.remove(os.path.join(out, "tmp.h5"))
    # truncated: the weights-only file cut in half
    data = open(os.path.join(out, "weights_only.h5"), "rb").read()
    open(os.path.join(out, "hostile_truncated.h5"), "wb").write(data[: len(data) // 2])
    # listed, but not readable: a few KB declaring 16 GiB never written and 1 GiB of unwritten chunks (the fill value)
    with h5py.File(os.path.join(out, "hostile_fill_bomb.h5"), "w") as f:
        f.create_dataset("never_written", shape=(1 << 20, 1 << 12), dtype="f4", fillvalue=1.0)
        f.create_dataset("no_chunks", shape=(1 << 14, 1 << 14), dtype="f4", chunks=(1 << 10, 1 << 10), fillvalue=1.0)
    # Keras 3 bfloat16 as h5py writes it (an untagged opaque type): jhdf cannot parse the type, so the file is refused
    with h5py.File(os.path.join(out, "hostile_keras3_bfloat16_untagged.weights.h5"), "w") as f:
        f.create_group("vars").attrs["name"] = "model"
        bfloat16(f.create_group("layers/norm/vars"), tagged=False)
    # Keras 3's own npz form: each layer's variables as a pickled dict in an object array (never unpickled)
    keras3_zip(os.path.join(out, "hostile_object_npz.keras"), "model.weights.npz",
               npz_bytes({"layers/dense": np.array({"0": w(2, 2)}, dtype=object)}), zipfile.ZIP_STORED)


def seeds(out):
    """Small inputs for KerasFuzzTest (a few KB each, so that the fuzzer mutates structure, not data)."""
    os.makedirs(out, exist_ok=True)
    with h5py.File(os.path.join(out, "seed-weights.h5"), "w") as f:
        keras2_layers(f, [("dense_1", [("dense_1/kernel:0", w(2, 3)), ("dense_1/bias:0", w(3))]), ("flatten_1", [])])
    with h5py.File(os.path.join(out, "seed-full.h5"), "w") as f:
        f.attrs["model_config"] = json.dumps(MODEL_CONFIG).encode()
        f.attrs["backend"] = b"theano"
        keras2_layers(f.create_group("model_weights"), [("dense_1", [("dense_1/kernel:0", w(2, 2))])])
        og = f.create_group("optimizer_weights")
        og.attrs["weight_names"] = names_attr(["training/Adam/iterations:0"])
        og.create_dataset("training/Adam/iterations:0", data=np.int64(3))
    with h5py.File(os.path.join(out, "seed-chunked.h5"), "w") as f:
        f.create_dataset("gz", data=w(6, 5), chunks=(4, 4), compression="gzip", shuffle=True)
        f.create_dataset("lzf", data=w(5, 3), chunks=(2, 3), compression="lzf")
        f.create_dataset("fl", data=np.arange(12, dtype="i2"), chunks=(5,), fletcher32=True, fillvalue=7)
    with h5py.File(os.path.join(out, "seed-latest.h5"), "w", libver="latest") as f:
        f.create_dataset("fixed", data=w(5, 4), chunks=(2, 4), compression="gzip")
        f.create_dataset("btree2", data=w(3, 3), chunks=(2, 2), maxshape=(None, None))
        f.create_dataset("ext", data=w(3, 2), chunks=(2, 2), maxshape=(None, 2))
        f.create_dataset("flags", data=np.array([True, False]))
        f["soft"] = h5py.SoftLink("/fixed")
    with h5py.File(os.path.join(out, "seed-keras3.weights.h5"), "w") as f:
        f.create_group("vars").attrs["name"] = "model"
        f.create_group("layers/dense/vars").create_dataset("0", data=w(2, 2))
        f.create_group("optimizer/vars").create_dataset("0", data=np.int64(1))
    keras3_zip(os.path.join(out, "seed-keras3.keras"), "model.weights.h5",
               open(os.path.join(out, "seed-keras3.weights.h5"), "rb").read(), zipfile.ZIP_STORED)
    keras3_zip(os.path.join(out, "seed-keras3-npz.keras"), "model.weights.npz", npz_bytes({"layers/dense/vars/0": w(2, 2)}),
               zipfile.ZIP_DEFLATED)


def main(out):
    os.makedirs(out, exist_ok=True)
    with h5py.File(os.path.join(out, "weights_only.h5"), "w") as f:
        keras2_layers(f, LAYERS)
    full_model(os.path.join(out, "full_model.h5"), "tensorflow")
    full_model(os.path.join(out, "theano.h5"), "theano")
    split_names(os.path.join(out, "split_names.h5"))
    big_endian(os.path.join(out, "big_endian.h5"))
    plain(os.path.join(out, "plain.h5"))
    latest(os.path.join(out, "latest.h5"))
    keras3_h5(os.path.join(out, "bare.weights.h5"))
    h5 = h5_bytes(keras3_h5)
    keras3_zip(os.path.join(out, "keras3_stored.keras"), "model.weights.h5", h5, zipfile.ZIP_STORED)
    keras3_zip(os.path.join(out, "keras3_deflated.keras"), "model.weights.h5", h5, zipfile.ZIP_DEFLATED)
    keras3_zip(os.path.join(out, "keras3_npz.keras"), "model.weights.npz",
               npz_bytes({"layers/dense/vars/0": w(4, 8), "layers/dense/vars/1": w(8), "optimizer/vars/0": np.arange(3, dtype="i8")}),
               zipfile.ZIP_DEFLATED)
    hostile(out)
    with h5py.File(os.path.join(out, "userblock.h5"), "w", userblock_size=512) as f:
        keras2_layers(f, [("dense_1", [("dense_1/kernel:0", w(3, 2)), ("dense_1/bias:0", w(2))])])
        f.create_dataset("gz", data=w(9, 4), chunks=(4, 4), compression="gzip")
    with open(os.path.join(out, "userblock.h5"), "r+b") as f:
        f.write(b"a user block: anything before the HDF5 superblock")


if __name__ == "__main__":
    if sys.argv[1] == "--seeds":
        seeds(sys.argv[2])
    else:
        main(sys.argv[1])
