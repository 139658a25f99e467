#!/usr/bin/python3
"""Writes the TensorFlow checkpoint fixtures of src/test/resources/fixtures/tf/ (TensorFlow itself is
not installable here): what the real files in ../shared/crossframework/tf_ckpt lack. Several
shards, a big-endian bundle, Snappy-compressed index blocks with restart points and long shared
key prefixes, every dtype TensorFlow saves, string tensors, partitioned (sliced) variables, a TF2
object graph with optimizer slots, a SavedModel folder and a `checkpoint` state file, plus hostile
variants (handles past the end, bad block and tensor CRCs, huge shapes, offsets past the shard, a
missing shard).

The layout follows leveldb's table_format.md and TensorFlow's tensor_bundle (BundleWriter,
MergeBundles, EncodeTensorNameSlice): protobufs are written by hand in the wire format.
It then writes reference.json beside them: what scripts/tf_checkpoint_reference.py (the
independent reader) reads from every fixture and every checkpoint of the shared corpus
(../shared/crossframework/tf_ckpt), which the Java tests compare with.
Run: /usr/bin/python3 scripts/make_tf_fixtures.py  (deterministic: same bytes every run)
"""
import glob
import os
import shutil
import struct
import sys

import numpy as np
import snappy

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "test", "resources", "fixtures", "tf")

# ---------------------------------------------------------------- CRC-32C


def _table():
    t = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        t.append(c)
    return t


_T = _table()


def crc32c(data, crc=0):
    c = crc ^ 0xFFFFFFFF
    for b in data:
        c = _T[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def mask(c):
    return ((((c >> 15) | (c << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


# ---------------------------------------------------------------- protobuf wire format


def varint(v):
    if v < 0:
        v += 1 << 64
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def f_varint(num, v):
    return varint(num << 3) + varint(v)


def f_bytes(num, b):
    if isinstance(b, str):
        b = b.encode("utf-8")
    return varint(num << 3 | 2) + varint(len(b)) + b


def f_fixed32(num, v):
    return varint(num << 3 | 5) + struct.pack("<I", v)


def shape_proto(dims):
    return b"".join(f_bytes(2, f_varint(1, d) if d else b"") for d in dims)


def slice_proto(extents):
    """extents: [(start, length)] with length None for a full extent (TensorSlice::AsProto)."""
    out = b""
    for start, length in extents:
        e = b""
        if length is not None:
            e = (f_varint(1, start) if start else b"") + f_varint(2, length)
        out += f_bytes(1, e)
    return out


def entry_proto(dtype, shape, shard=0, offset=0, size=0, crc=0, slices=(), shape_bytes=None):
    b = f_varint(1, dtype) + f_bytes(2, shape_bytes if shape_bytes is not None else shape_proto(shape))
    if shard:
        b += f_varint(3, shard)
    if offset:
        b += f_varint(4, offset)
    if size:
        b += f_varint(5, size)
    if crc:
        b += f_fixed32(6, crc)
    for s in slices:
        b += f_bytes(7, slice_proto(s))
    return b


def header_proto(num_shards, big=False, producer=1, min_consumer=0):
    version = f_varint(1, producer) + (f_varint(2, min_consumer) if min_consumer else b"")
    return f_varint(1, num_shards) + (f_varint(2, 1) if big else b"") + f_bytes(3, version)


# ---------------------------------------------------------------- OrderedCode slice keys


def oc_num(v):
    b = v.to_bytes(8, "big").lstrip(b"\0")
    return bytes([len(b)]) + b


def oc_string(s):
    return s.encode("utf-8").replace(b"\xff", b"\xff\x00").replace(b"\x00", b"\x00\xff") + b"\x00\x01"


def oc_signed(v):
    x = ~v if v < 0 else v
    if x < 64:
        return bytes([(0x80 ^ v) & 0xFF])
    n = 2
    while x >= 1 << (7 * n - 1):
        n += 1
    raw = (v & ((1 << (8 * n)) - 1)).to_bytes(n, "big")
    header = ((1 << n) - 1) << (7 * n)  # n leading ones: the sign bit and n-1 size bits
    b = bytearray(r ^ h for r, h in zip(raw, header.to_bytes(n, "big")))
    return bytes(b)


def slice_key(name, extents):
    key = oc_num(0) + oc_string(name) + oc_num(len(extents))
    for start, length in extents:
        key += oc_signed(start) + oc_signed(-1 if length is None else length)
    return key


# ---------------------------------------------------------------- leveldb table


def block(entries, restart_interval):
    out = bytearray()
    restarts = []
    last = b""
    for i, (k, v) in enumerate(entries):
        if i % restart_interval == 0:
            restarts.append(len(out))
            shared = 0
        else:
            shared = 0
            while shared < min(len(k), len(last)) and k[shared] == last[shared]:
                shared += 1
        out += varint(shared) + varint(len(k) - shared) + varint(len(v)) + k[shared:] + v
        last = k
    if not restarts:
        restarts = [0]
    for r in restarts:
        out += struct.pack("<I", r)
    out += struct.pack("<I", len(restarts))
    return bytes(out)


def table(entries, block_size=4096, restart_interval=16, compress=False):
    """entries: sorted [(key bytes, value bytes)] -> the .index file's bytes."""
    out = bytearray()
    index = []

    def put(contents, kind=None):
        if kind is None:
            kind = 1 if compress else 0
        body = snappy.compress(contents) if kind == 1 else contents
        handle = varint(len(out)) + varint(len(body))
        out.extend(body)
        out.append(kind)
        out.extend(struct.pack("<I", mask(crc32c(body + bytes([kind])))))
        return handle

    chunk, size = [], 0
    for k, v in entries:
        chunk.append((k, v))
        size += len(k) + len(v) + 3
        if size >= block_size:
            index.append((k, put(block(chunk, restart_interval))))
            chunk, size = [], 0
    if chunk:
        index.append((chunk[-1][0], put(block(chunk, restart_interval))))
    meta = put(block([], 1), kind=0)
    idx = put(block(index, 1), kind=0)
    footer = (meta + idx).ljust(40, b"\0") + struct.pack("<Q", 0xDB4775248B80FB57)
    out += footer
    return bytes(out)


def raw_table(blocks):
    """A table of data blocks given as (last key, stored bytes, type byte), stored as is."""
    out = bytearray()
    index = []

    def put(body, kind):
        handle = varint(len(out)) + varint(len(body))
        out.extend(body)
        out.append(kind)
        out.extend(struct.pack("<I", mask(crc32c(body + bytes([kind])))))
        return handle

    for last, body, kind in blocks:
        index.append((last, put(body, kind)))
    meta = put(block([], 1), 0)
    idx = put(block(index, 1), 0)
    return bytes(out) + (meta + idx).ljust(40, b"\0") + struct.pack("<Q", 0xDB4775248B80FB57)


# ---------------------------------------------------------------- bundles


class Bundle:
    """A checkpoint being written: tensors go to shards, entries to the index."""

    def __init__(self, num_shards=1, big=False, align=1):
        self.big = big
        self.align = align
        self.shards = [bytearray() for _ in range(num_shards)]
        self.entries = {}

    def _append(self, shard, raw):
        data = self.shards[shard]
        offset = len(data)
        data.extend(raw)
        while len(data) % self.align:
            data.append(0)
        return offset

    def add(self, key, dtype, arr, shard=0, raw=None, key_bytes=None):
        a = np.asarray(arr)
        if raw is None:
            a = a.astype(a.dtype.newbyteorder(">" if self.big else "<"))
            raw = a.tobytes()
        offset = self._append(shard, raw)
        k = key_bytes if key_bytes is not None else key.encode("utf-8")
        self.entries[k] = entry_proto(dtype, list(a.shape), shard, offset, len(raw), mask(crc32c(raw)))

    def add_strings(self, key, strings, shape, shard=0):
        order = ">" if self.big else "<"
        lengths = b"".join(varint(len(s)) for s in strings)
        crc = 0
        for s in strings:
            crc = crc32c(struct.pack(order + "I", len(s)), crc)
        length_checksum = struct.pack(order + "I", mask(crc))
        crc = crc32c(length_checksum, crc)
        body = b"".join(strings)
        crc = crc32c(body, crc)
        raw = lengths + length_checksum + body
        offset = self._append(shard, raw)
        self.entries[key.encode("utf-8")] = entry_proto(7, shape, shard, offset, len(raw), mask(crc))

    def add_sliced(self, key, dtype, full, slices, shards=None):
        """slices: [[(start, length or None)] per dim]; each slice stored under its OrderedCode key."""
        full = np.asarray(full)
        for i, ext in enumerate(slices):
            index = tuple(slice(None) if n is None else slice(s, s + n) for s, n in ext)
            self.add(key, dtype, np.ascontiguousarray(full[index]), shard=(shards[i] if shards else 0),
                     key_bytes=slice_key(key, ext))
        self.entries[key.encode("utf-8")] = entry_proto(dtype, list(full.shape), slices=slices)

    def write(self, folder, prefix, **table_options):
        os.makedirs(folder, exist_ok=True)
        n = len(self.shards)
        items = [(b"", header_proto(n, self.big))] + sorted(self.entries.items())
        with open(os.path.join(folder, prefix + ".index"), "wb") as f:
            f.write(table(items, **table_options))
        for i, data in enumerate(self.shards):
            with open(os.path.join(folder, "%s.data-%05d-of-%05d" % (prefix, i, n)), "wb") as f:
                f.write(bytes(data))


def rng_values(seed, shape, dtype):
    r = np.random.RandomState(seed)
    return (r.standard_normal(shape) * 3).astype(dtype)


def many_dtypes(folder):
    """Two shards, Snappy blocks of ~200 bytes with restarts every 3 keys and long shared prefixes."""
    b = Bundle(num_shards=2, align=8)
    p = "model/encoder/a_rather_long_shared_prefix_for_every_key/"
    r = np.random.RandomState(7)
    b.add(p + "float32", 1, rng_values(1, (3, 4), np.float32))
    b.add(p + "float64", 2, rng_values(2, (2, 3), np.float64), shard=1)
    b.add(p + "int32", 3, r.randint(-2**31, 2**31 - 1, (5,), dtype=np.int64).astype(np.int32))
    b.add(p + "uint8", 4, r.randint(0, 256, (2, 2, 2), dtype=np.int64).astype(np.uint8), shard=1)
    b.add(p + "int16", 5, r.randint(-2**15, 2**15, (7,), dtype=np.int64).astype(np.int16))
    b.add(p + "int8", 6, r.randint(-128, 128, (3, 3), dtype=np.int64).astype(np.int8), shard=1)
    b.add(p + "complex64", 8, (rng_values(3, (4,), np.float32) + 1j * rng_values(4, (4,), np.float32)).astype(np.complex64))
    b.add(p + "int64", 9, r.randint(-2**62, 2**62, (2, 2), dtype=np.int64), shard=1)
    b.add(p + "bool", 10, r.randint(0, 2, (6,)).astype(np.bool_))
    b.add(p + "qint8", 11, r.randint(-128, 128, (4,), dtype=np.int64).astype(np.int8), shard=1)
    b.add(p + "quint8", 12, r.randint(0, 256, (4,), dtype=np.int64).astype(np.uint8))
    b.add(p + "qint32", 13, r.randint(-2**31, 2**31 - 1, (3,), dtype=np.int64).astype(np.int32), shard=1)
    bf = (rng_values(5, (2, 5), np.float32).view(np.uint32) >> 16).astype(np.uint16)
    b.add(p + "bfloat16", 14, bf)
    b.add(p + "qint16", 15, r.randint(-2**15, 2**15, (3,), dtype=np.int64).astype(np.int16), shard=1)
    b.add(p + "quint16", 16, r.randint(0, 2**16, (3,), dtype=np.int64).astype(np.uint16))
    b.add(p + "uint16", 17, r.randint(0, 2**16, (4,), dtype=np.int64).astype(np.uint16), shard=1)
    b.add(p + "complex128", 18, (rng_values(6, (2, 2), np.float64) + 1j * rng_values(7, (2, 2), np.float64)))
    b.add(p + "float16", 19, rng_values(8, (3, 3), np.float16), shard=1)
    b.add(p + "uint32", 22, r.randint(0, 2**32, (4,), dtype=np.int64).astype(np.uint32))
    b.add(p + "uint64", 23, np.array([0, 1, 2**63 + 5, 2**64 - 1], dtype=np.uint64), shard=1)
    b.add(p + "float8_e5m2", 24, r.randint(0, 256, (8,), dtype=np.int64).astype(np.uint8))
    b.add(p + "float8_e4m3fn", 25, r.randint(0, 256, (2, 4), dtype=np.int64).astype(np.uint8), shard=1)
    b.add(p + "empty", 1, np.zeros((0, 3), np.float32))
    b.add(p + "scalar", 9, np.array(42, np.int64))
    b.add_strings(p + "vocabulary", [b"alpha", b"", b"\xce\xb3amma"], [3], shard=1)
    b.add_strings("a_string_scalar", [b"hello"], [])
    # a resource handle entry (TF never writes their bytes; the entry alone is enough to test)
    b.entries[b"a_resource"] = entry_proto(20, [])
    b.entries[b"a_float8_fnuz"] = entry_proto(26, [2], size=2, crc=mask(crc32c(b"")))
    b.write(folder, "model.ckpt", block_size=200, restart_interval=3, compress=True)


def big_endian(folder):
    b = Bundle(big=True)
    b.add("w", 1, rng_values(11, (2, 3), np.float32))
    b.add("d", 2, rng_values(12, (3,), np.float64))
    b.add("i", 9, np.array([1, -2, 2**40], np.int64))
    b.add("c", 8, (rng_values(13, (2,), np.float32) + 1j * rng_values(14, (2,), np.float32)).astype(np.complex64))
    b.add("h", 19, rng_values(15, (4,), np.float16))
    bf = (rng_values(16, (3,), np.float32).view(np.uint32) >> 16).astype(np.uint16)
    b.add("bf", 14, bf)
    b.add("u8", 4, np.array([1, 2, 250], np.uint8))
    b.add_strings("names", [b"big", b"endian"], [2])
    b.add_sliced("part", 1, rng_values(17, (4, 2), np.float32), [[(0, 2), (0, None)], [(2, 2), (0, None)]])
    b.write(folder, "be.ckpt")


def partitioned(folder):
    b = Bundle(num_shards=2)
    emb = rng_values(21, (10, 4), np.float32)
    # three slices along the first dimension, stored in both shards, listed out of order
    b.add_sliced("embedding", 1, emb, [[(4, 3), (0, None)], [(0, 4), (0, None)], [(7, 3), (0, None)]], shards=[1, 0, 1])
    # explicit full extents (start 0, length = dim) on the second dimension
    w = rng_values(22, (6, 3), np.float64)
    b.add_sliced("dense/kernel", 2, w, [[(0, 3), (0, 3)], [(3, 3), (0, 3)]])
    # partitioned along dimension 1 with a leading dimension of size 1: still contiguous
    v = rng_values(23, (1, 6, 2), np.float32)
    b.add_sliced("lead_one", 1, v, [[(0, None), (0, 2), (0, None)], [(0, None), (2, 4), (0, None)]])
    # partitioned along dimension 1 of a [4, 6] matrix: each slice is a run per row
    m = rng_values(24, (4, 6), np.float32)
    b.add_sliced("by_columns", 1, m, [[(0, None), (0, 3)], [(0, None), (3, 3)]], shards=[0, 1])
    # slices that leave a hole
    h = rng_values(25, (6, 2), np.float32)
    b.add_sliced("holey", 1, h, [[(0, 2), (0, None)], [(3, 3), (0, None)]])
    # a 2 x 2 grid of blocks: tiled, but along two dimensions at once
    g = rng_values(26, (4, 4), np.float32)
    b.add_sliced("grid", 1, g, [[(0, 2), (0, 2)], [(0, 2), (2, 2)], [(2, 2), (0, 2)], [(2, 2), (2, 2)]])
    b.add("plain", 3, np.arange(5, dtype=np.int32), shard=1)
    b.write(folder, "part.ckpt", block_size=128, restart_interval=2)


def object_graph_bytes(nodes):
    """nodes: [(children [(id, name)], attributes [(name, full_name, key)], slots [(orig, slot, node)])]"""
    out = b""
    for children, attributes, slots in nodes:
        n = b""
        for node_id, name in children:
            n += f_bytes(1, (f_varint(1, node_id) if node_id else b"") + f_bytes(2, name))
        for name, full_name, key in attributes:
            n += f_bytes(2, f_bytes(1, name) + f_bytes(2, full_name) + f_bytes(3, key))
        for orig, slot, node in slots:
            n += f_bytes(3, f_varint(1, orig) + f_bytes(2, slot) + f_varint(3, node))
        out += f_bytes(1, n)
    return out


def tf2(folder, prefix):
    """A Keras-like TF2 checkpoint: object graph, aliases, escaped names, Adam slots."""
    V = ".ATTRIBUTES/VARIABLE_VALUE"
    k_kernel = "model/layer_with_weights-0/kernel/" + V
    k_bias = "model/layer_with_weights-0/bias/" + V
    k_odd = "model/odd..name.Sx/" + V
    k_iter = "optimizer/iter/" + V
    k_count = "save_counter/" + V
    slot = lambda var, s: var[:-len(V)] + ".OPTIMIZER_SLOT/optimizer/" + s + "/" + V
    nodes = [
        ([(1, "model"), (6, "optimizer"), (8, "save_counter")], [], []),  # 0 root
        ([(2, "layer-0"), (3, "layer_with_weights-0"), (3, "layer-1"), (9, "odd.name/x")], [], []),  # 1 model
        ([], [], []),  # 2 an input layer
        ([(4, "kernel"), (5, "bias")], [], []),  # 3 dense
        ([], [("VARIABLE_VALUE", "dense/kernel", k_kernel)], []),  # 4
        ([], [("VARIABLE_VALUE", "dense/bias", k_bias)], []),  # 5
        ([(7, "iter")], [], [(4, "m", 10), (4, "v", 11), (5, "m", 12)]),  # 6 optimizer
        ([], [("VARIABLE_VALUE", "Adam/iter", k_iter)], []),  # 7
        ([], [("VARIABLE_VALUE", "save_counter", k_count)], []),  # 8
        ([], [("VARIABLE_VALUE", "odd", k_odd)], []),  # 9
        ([], [("VARIABLE_VALUE", "dense/kernel/m", slot(k_kernel, "m"))], []),  # 10
        ([], [("VARIABLE_VALUE", "dense/kernel/v", slot(k_kernel, "v"))], []),  # 11
        ([], [("VARIABLE_VALUE", "dense/bias/m", slot(k_bias, "m"))], []),  # 12
    ]
    b = Bundle()
    b.add_strings("_CHECKPOINTABLE_OBJECT_GRAPH", [object_graph_bytes(nodes)], [])
    b.add(k_kernel, 1, rng_values(31, (3, 2), np.float32))
    b.add(k_bias, 1, rng_values(32, (2,), np.float32))
    b.add(k_odd, 1, rng_values(33, (1,), np.float32))
    b.add(k_iter, 9, np.array(17, np.int64))
    b.add(k_count, 9, np.array(1, np.int64))
    b.add(slot(k_kernel, "m"), 1, rng_values(34, (3, 2), np.float32))
    b.add(slot(k_kernel, "v"), 1, rng_values(35, (3, 2), np.float32))
    b.add(slot(k_bias, "m"), 1, rng_values(36, (2,), np.float32))
    b.write(folder, prefix)


def tf1_slots(folder):
    b = Bundle()
    b.add("conv/kernel", 1, rng_values(41, (2, 2, 1, 3), np.float32))
    b.add("conv/kernel/Adam", 1, rng_values(42, (2, 2, 1, 3), np.float32))
    b.add("conv/kernel/Adam_1", 1, rng_values(43, (2, 2, 1, 3), np.float32))
    b.add("conv/kernel/Momentum", 1, rng_values(44, (2, 2, 1, 3), np.float32))
    b.add("beta1_power", 1, np.array(0.9, np.float32))
    b.add("global_step", 9, np.array(1000, np.int64))
    b.write(folder, "tf1.ckpt")


# ---------------------------------------------------------------- hostile variants


def small(folder, prefix, **options):
    b = Bundle()
    b.add("a", 1, np.arange(6, dtype=np.float32).reshape(2, 3))
    b.add("b", 9, np.array([7, 8], np.int64))
    b.write(folder, prefix, **options)
    return b


def patch(path, offset, data):
    with open(path, "r+b") as f:
        f.seek(offset)
        f.write(data)


def hostile(folder):
    os.makedirs(folder, exist_ok=True)

    def with_entries(prefix, entries, num_shards=1, data=b"\0" * 64):
        items = [(b"", header_proto(num_shards))] + sorted(entries.items())
        with open(os.path.join(folder, prefix + ".index"), "wb") as f:
            f.write(table(items))
        for i in range(num_shards):
            with open(os.path.join(folder, "%s.data-%05d-of-%05d" % (prefix, i, num_shards)), "wb") as f:
                f.write(data)

    # the footer's index handle points past the end of the file
    small(folder, "handle_past_end")
    p = os.path.join(folder, "handle_past_end.index")
    size = os.path.getsize(p)
    footer = bytearray(open(p, "rb").read()[-48:])
    meta_end = 0
    for _ in range(2):  # skip the metaindex handle's two varints
        while footer[meta_end] & 0x80:
            meta_end += 1
        meta_end += 1
    new = bytes(footer[:meta_end]) + varint(size * 10) + varint(100)
    patch(p, size - 48, new.ljust(40, b"\0"))
    # a data block's stored checksum is wrong
    small(folder, "bad_block_crc")
    patch(os.path.join(folder, "bad_block_crc.index"), 5, b"Z")
    # a tensor's bytes do not match its crc32c
    small(folder, "bad_tensor_crc")
    patch(os.path.join(folder, "bad_tensor_crc.data-00000-of-00001"), 4, b"\x7f")
    # a shape of 2^62 x 2^62 elements
    with_entries("huge_shape", {b"big": entry_proto(1, [1 << 62, 1 << 62], size=16, crc=1)})
    # a tensor whose bytes lie past the end of its shard
    with_entries("offset_past_shard", {b"w": entry_proto(1, [4], offset=1000, size=16, crc=1)})
    # num_shards = 2 but the second data file is missing
    with_entries("missing_shard", {b"w": entry_proto(1, [4], shard=1, size=16, crc=1)}, num_shards=2)
    os.remove(os.path.join(folder, "missing_shard.data-00001-of-00002"))
    # a size that does not match dtype x shape
    with_entries("size_mismatch", {b"w": entry_proto(1, [4], size=12, crc=1)})
    # a Snappy data block whose stream claims 1 MiB and holds junk (its block CRC matches the junk)
    with open(os.path.join(folder, "bad_snappy.index"), "wb") as f:
        f.write(raw_table([(b"a", varint(1 << 20) + b"\x01\x02\x03", 1)]))
    with open(os.path.join(folder, "bad_snappy.data-00000-of-00001"), "wb") as f:
        f.write(b"\0" * 24)
    # keys out of order inside a block
    items = [(b"", header_proto(1)), (b"b", entry_proto(1, [0])), (b"a", entry_proto(1, [0]))]
    with open(os.path.join(folder, "unsorted.index"), "wb") as f:
        f.write(table(items))
    with open(os.path.join(folder, "unsorted.data-00000-of-00001"), "wb") as f:
        f.write(b"")


def large(folder):
    """The index of a 4 GiB float32 tensor and a 6 GiB one in two shards; the test makes the
    (sparse) data files, so the listing time can be measured without 10 GiB in the repository."""
    os.makedirs(folder, exist_ok=True)
    items = [(b"", header_proto(2)),
             (b"huge/kernel", entry_proto(1, [1 << 15, 1 << 15], 0, 0, 4 << 30, 1)),
             (b"huge/second", entry_proto(1, [3, 1 << 29], 1, 0, 6 << 30, 1))]
    with open(os.path.join(folder, "big.ckpt.index"), "wb") as f:
        f.write(table(items))


def write_fuzz_seeds():
    """Seeds of TfCheckpointFuzzTest: every index for `table`; for `openAndRead`, each one-shard
    checkpoint as a 2-byte index length, the index, then the data shard."""
    seeds = os.path.join(OUT, "..", "..", "io", "weightbench", "format", "tf", "TfCheckpointFuzzTestInputs")
    for method in ("table", "openAndRead"):
        shutil.rmtree(os.path.join(seeds, method), ignore_errors=True)
        os.makedirs(os.path.join(seeds, method))
    for p in sorted(glob.glob(os.path.join(OUT, "*", "*.index")) + glob.glob(os.path.join(OUT, "*", "*", "*.index"))):
        name = "seed-" + os.path.relpath(p, OUT).replace(os.sep, "_")
        index = open(p, "rb").read()
        with open(os.path.join(seeds, "table", name), "wb") as f:
            f.write(index)
        data = p[:-len(".index")] + ".data-00000-of-00001"
        if os.path.exists(data) and len(index) < 65536:
            with open(os.path.join(seeds, "openAndRead", name), "wb") as f:
                f.write(struct.pack("<H", len(index)) + index + open(data, "rb").read())


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    many_dtypes(os.path.join(OUT, "many_dtypes"))
    big_endian(os.path.join(OUT, "big_endian"))
    partitioned(os.path.join(OUT, "partitioned"))
    tf2(os.path.join(OUT, "tf2"), "ckpt-1")
    with open(os.path.join(OUT, "tf2", "checkpoint"), "w") as f:
        f.write('model_checkpoint_path: "ckpt-1"\nall_model_checkpoint_paths: "ckpt-1"\n')
    tf2(os.path.join(OUT, "saved_model", "variables"), "variables")
    with open(os.path.join(OUT, "saved_model", "saved_model.pb"), "wb") as f:
        f.write(b"")  # not read: a SavedModel's graph is not a checkpoint
    tf1_slots(os.path.join(OUT, "tf1_slots"))
    hostile(os.path.join(OUT, "hostile"))
    large(os.path.join(OUT, "large"))
    write_reference()
    write_fuzz_seeds()


def reference_inputs():
    """(label, path) of every checkpoint the Java tests compare with the independent reader."""
    out = []
    for p in sorted(glob.glob(os.path.join(OUT, "*", "*.index")) + glob.glob(os.path.join(OUT, "*", "*", "*.index"))):
        rel = os.path.relpath(p, OUT).replace(os.sep, "/")
        if not rel.startswith(("hostile/", "large/")):
            out.append(("fixtures/tf/" + rel, p))
    corpus = os.path.join(OUT, "..", "..", "..", "..", "..", "..", "shared", "crossframework", "tf_ckpt")
    for p in sorted(glob.glob(os.path.join(corpus, "*", "*.index"))):
        out.append(("crossframework/tf_ckpt/" + os.path.relpath(p, corpus).replace(os.sep, "/"), p))
    return out


def write_reference():
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import tf_checkpoint_reference
    tf_checkpoint_reference.main(["--out", os.path.join(OUT, "reference.json")]
                                 + ["%s=%s" % (label, path) for label, path in reference_inputs()])


if __name__ == "__main__":
    main()
