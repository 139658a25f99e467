#!/usr/bin/python3
"""Writes the GGUF test fixtures (numpy only) into src/test/resources/fixtures/gguf/:

    /usr/bin/python3 scripts/make_gguf_fixtures.py [CORPUS_DIR]

CORPUS_DIR defaults to ../shared/crossframework/gguf (for the big-endian twin of ggml's quant-type
file). Written from the GGUF specification with a small writer of its own:

- small_le.gguf: v3, a key/value of every type (nested and long arrays, quotes, non-ASCII), tensors
  of every plain type (0-D to 4-D, one with no elements) and a q8_0 tensor, listed out of file order;
- small_be_fugg.gguf: the same, big-endian, marked by the newer "FUGG" magic;
- quant_types_be.gguf: ggml_generated_quant_types.gguf converted to big-endian the older way (magic
  "GGUF", byte-swapped version), block scales (and q5's 32-bit high bits) swapped as ggml on a
  big-endian host stores them;
- v2.gguf (version 2), align1.gguf (alignment 1: no padding at all), align256.gguf;
- unsupported_types.gguf: tensors of types the reader does not decode (Q8_K, IQ4_XS, MXFP4, TQ2_0 and
  a type id ggml does not define) beside one it does;
- hostile/*.gguf: headers that claim too much, overlap, misalign or overflow (each a few hundred bytes).
"""
import os
import struct
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "src", "test", "resources", "fixtures", "gguf")

U8, I8, U16, I16, U32, I32, F32, BOOL, STRING, ARRAY, U64, I64, F64 = range(13)
SCALAR_CODES = {U8: "B", I8: "b", U16: "H", I16: "h", U32: "I", I32: "i", F32: "f", BOOL: "?", U64: "Q", I64: "q", F64: "d"}

# ggml type ids, values per block, bytes per block, and the multi-byte fields of a block that a
# big-endian file stores big-endian: (offset, size).
TYPES = {
    "F32": (0, 1, 4), "F16": (1, 1, 2), "Q4_0": (2, 32, 18), "Q4_1": (3, 32, 20), "Q5_0": (6, 32, 22),
    "Q5_1": (7, 32, 24), "Q8_0": (8, 32, 34), "Q2_K": (10, 256, 84), "Q3_K": (11, 256, 110),
    "Q4_K": (12, 256, 144), "Q5_K": (13, 256, 176), "Q6_K": (14, 256, 210), "Q8_K": (15, 256, 292),
    "IQ4_XS": (23, 256, 136), "I8": (24, 1, 1), "I16": (25, 1, 2), "I32": (26, 1, 4), "I64": (27, 1, 8),
    "F64": (28, 1, 8), "BF16": (30, 1, 2), "TQ2_0": (35, 256, 66), "MXFP4": (39, 32, 17),
}
BY_ID = {v[0]: k for k, v in TYPES.items()}
NUMPY = {"F32": "f4", "F16": "f2", "BF16": "u2", "F64": "f8", "I8": "i1", "I16": "i2", "I32": "i4", "I64": "i8"}
BLOCK_FIELDS = {
    "Q4_0": [(0, 2)], "Q4_1": [(0, 2), (2, 2)], "Q5_0": [(0, 2), (2, 4)], "Q5_1": [(0, 2), (2, 2), (4, 4)],
    "Q8_0": [(0, 2)], "Q2_K": [(80, 2), (82, 2)], "Q3_K": [(108, 2)], "Q4_K": [(0, 2), (2, 2)],
    "Q5_K": [(0, 2), (2, 2)], "Q6_K": [(208, 2)],
}


class Tensor:
    """A tensor to write: name, ne (ggml order), type name or id, and its little-endian bytes."""

    def __init__(self, name, ne, gtype, data, offset=None):
        self.name, self.ne, self.gtype, self.data, self.offset = name, list(ne), gtype, bytes(data), offset


def to_big_endian(gtype, data):
    """A tensor's little-endian bytes as a big-endian file stores them."""
    if gtype in NUMPY:
        return np.frombuffer(data, dtype="<" + NUMPY[gtype]).astype(">" + NUMPY[gtype]).tobytes()
    if gtype in BLOCK_FIELDS:
        size = TYPES[gtype][2]
        out = bytearray(data)
        for b in range(0, len(out), size):
            for off, n in BLOCK_FIELDS[gtype]:
                out[b + off:b + off + n] = out[b + off:b + off + n][::-1]
        return bytes(out)
    raise ValueError("no big-endian layout for " + gtype)


class Writer:
    def __init__(self, order="<"):
        self.order = order
        self.buf = bytearray()

    def raw(self, b):
        self.buf += b

    def pack(self, code, v):
        self.buf += struct.pack(self.order + code, v)

    def string(self, s):
        b = s.encode("utf-8") if isinstance(s, str) else s
        self.pack("Q", len(b))
        self.raw(b)

    def value(self, vtype, v):
        if vtype == STRING:
            self.string(v)
        elif vtype == ARRAY:
            etype, items = v
            self.pack("I", etype)
            self.pack("Q", len(items))
            for item in items:
                self.value(etype, item)
        else:
            self.pack(SCALAR_CODES[vtype], v)


def gguf(kvs, tensors, version=3, order="<", alignment=32, magic=None):
    """The bytes of a GGUF file. kvs: (key, type, value); tensor offsets are laid out in list order
    (padded to the alignment) unless a tensor gives its own."""
    w = Writer(order)
    w.raw(magic if magic is not None else b"GGUF")
    w.pack("I", version)
    w.pack("Q", len(tensors))
    w.pack("Q", len(kvs))
    for key, vtype, v in kvs:
        w.string(key)
        w.pack("I", vtype)
        w.value(vtype, v)
    at = 0
    placed = []
    for t in tensors:
        off = t.offset if t.offset is not None else at
        placed.append(off)
        at = max(at, off + len(t.data))
        at = (at + alignment - 1) // alignment * alignment
    for t, off in zip(tensors, placed):
        w.string(t.name)
        w.pack("I", len(t.ne))
        for d in t.ne:
            w.pack("Q", d)
        w.pack("I", TYPES[t.gtype][0] if isinstance(t.gtype, str) else t.gtype)
        w.pack("Q", off)
    if tensors:
        w.raw(b"\0" * ((-len(w.buf)) % alignment))
    start = len(w.buf)
    for t, off in zip(tensors, placed):
        if not t.data:
            continue
        data = to_big_endian(t.gtype, t.data) if order == ">" and isinstance(t.gtype, str) else t.data
        end = start + off + len(data)
        if len(w.buf) < end:
            w.buf += b"\0" * (end - len(w.buf))
        w.buf[start + off:end] = data
    return bytes(w.buf)


def write(name, data):
    path = os.path.join(OUT, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


# ---- reading a little-endian file back (to convert the corpus file) ----

def parse(data):
    """kvs and tensors (with their bytes) of a little-endian GGUF file."""
    pos = [0]

    def take(n):
        b = data[pos[0]:pos[0] + n]
        pos[0] += n
        return b

    def unpack(code):
        return struct.unpack("<" + code, take(struct.calcsize(code)))[0]

    def string():
        return take(unpack("Q")).decode("utf-8")

    def value(vtype):
        if vtype == STRING:
            return string()
        if vtype == ARRAY:
            etype = unpack("I")
            return (etype, [value(etype) for _ in range(unpack("Q"))])
        return unpack(SCALAR_CODES[vtype])

    assert take(4) == b"GGUF"
    version = unpack("I")
    n_tensors, n_kv = unpack("Q"), unpack("Q")
    kvs = []
    for _ in range(n_kv):
        key = string()
        vtype = unpack("I")
        kvs.append((key, vtype, value(vtype)))
    infos = []
    for _ in range(n_tensors):
        name = string()
        ne = [unpack("Q") for _ in range(unpack("I"))]
        infos.append((name, ne, unpack("I"), unpack("Q")))
    alignment = dict((k, v) for k, _, v in kvs).get("general.alignment", 32)
    start = (pos[0] + alignment - 1) // alignment * alignment
    tensors = []
    for name, ne, tid, off in infos:
        gtype = BY_ID[tid]
        numel = int(np.prod(ne)) if ne else 1
        nbytes = numel // TYPES[gtype][1] * TYPES[gtype][2]
        tensors.append(Tensor(name, ne, gtype, data[start + off:start + off + nbytes], off))
    return version, kvs, tensors, alignment


# ---- the fixtures ----

def q8_0_blocks(x):
    """x (a multiple of 32 floats) as q8_0 blocks: f16 scale, 32 int8."""
    out = bytearray()
    for blk in x.reshape(-1, 32):
        amax = float(np.abs(blk).max())
        d = np.float16(amax / 127.0)
        q = np.zeros(32, dtype=np.int8) if float(d) == 0 else np.clip(np.round(blk / float(d)), -127, 127).astype(np.int8)
        out += d.tobytes() + q.tobytes()
    return bytes(out)


def small():
    rng = np.random.default_rng(7)
    kvs = [
        ("general.architecture", STRING, "fixture"),
        ("general.name", STRING, 'small "quoted" \\ naïve — ünïcode\nsecond line'),
        ("test.u8", U8, 200), ("test.i8", I8, -100), ("test.u16", U16, 65000), ("test.i16", I16, -30000),
        ("test.u32", U32, 4000000000), ("test.i32", I32, -2000000000), ("test.f32", F32, 0.25),
        ("test.bool_true", BOOL, True), ("test.bool_false", BOOL, False),
        ("test.u64", U64, 18000000000000000000), ("test.i64", I64, -9000000000000000000), ("test.f64", F64, -1.5e300),
        ("test.empty_string", STRING, ""),
        ("test.short_ints", ARRAY, (I32, [1, -2, 3])),
        ("test.empty_array", ARRAY, (F32, [])),
        ("test.long_floats", ARRAY, (F32, [i / 4 for i in range(1000)])),
        ("test.long_strings", ARRAY, (STRING, ["tok%d" % i for i in range(500)])),
        ("test.odd_strings", ARRAY, (STRING, ['a"b', "tab\there", "x" * 100])),
        ("test.bools", ARRAY, (BOOL, [True, False, True])),
        ("test.nested", ARRAY, (ARRAY, [(I32, [1, 2]), (STRING, ["x"]), (ARRAY, [(U8, [7])])])),
    ]
    f32 = rng.standard_normal((3, 4)).astype("<f4")
    f16 = rng.standard_normal(8).astype("<f2")
    bf16 = (rng.standard_normal(6).astype("<f4").view("<u4") >> 16).astype("<u2")
    f64 = rng.standard_normal((2, 2, 2)).astype("<f8")
    i8 = np.arange(-5, 5, dtype="<i1")
    i16 = np.arange(-300, 300, 100, dtype="<i2").reshape(2, 3)
    i32 = np.arange(24, dtype="<i4").reshape(1, 2, 3, 4)
    i64 = np.array([-(2 ** 62), 0, 2 ** 62 + 5], dtype="<i8")
    q8 = q8_0_blocks(rng.standard_normal(64).astype("<f4"))
    tensors = [
        # listed out of file order: the data of the first lies after the second's
        Tensor("blk.0.attn_q.weight", [4, 3], "F32", f32.tobytes(), 64),
        Tensor("token_embd.weight", [8], "F16", f16.tobytes(), 0),
        Tensor("bf16/with/slashes", [6], "BF16", bf16.tobytes(), 128),
        Tensor("f64", [2, 2, 2], "F64", f64.tobytes(), 160),
        Tensor("i8", [10], "I8", i8.tobytes(), 224),
        Tensor("i16", [3, 2], "I16", i16.tobytes(), 256),
        Tensor("i32.4d", [4, 3, 2, 1], "I32", i32.tobytes(), 288),
        Tensor("i64", [3], "I64", i64.tobytes(), 384),
        Tensor("scalar", [], "F32", np.array([42.5], dtype="<f4").tobytes(), 416),
        Tensor("empty", [0, 4], "F32", b"", 448),
        Tensor("q8_0.weight", [32, 2], "Q8_0", q8, 448),
    ]
    return kvs, tensors


def unsupported():
    kvs = [("general.architecture", STRING, "fixture")]
    tensors = [
        Tensor("plain", [4], "F32", np.arange(4, dtype="<f4").tobytes()),
        Tensor("q8_k", [256], "Q8_K", bytes(292)),
        Tensor("iq4_xs", [256, 2], "IQ4_XS", bytes(2 * 136)),
        Tensor("mxfp4", [32], "MXFP4", bytes(17)),
        Tensor("tq2_0", [256], "TQ2_0", bytes(66)),
        Tensor("future", [16], 99, b""),
    ]
    return kvs, tensors


def hostile():
    """name -> bytes of a malformed file, each refused with its own message."""
    f = {}
    base_kv = [("general.architecture", STRING, "fixture")]
    one = [Tensor("t", [4], "F32", np.arange(4, dtype="<f4").tobytes())]

    def header(n_tensors, n_kv, version=3, magic=b"GGUF"):
        return magic + struct.pack("<IQQ", version, n_tensors, n_kv)

    f["huge_tensor_count"] = header(2 ** 62, 0) + bytes(64)
    f["huge_kv_count"] = header(0, 2 ** 64 - 1) + bytes(64)
    f["huge_string_length"] = header(0, 1) + struct.pack("<Q", 2 ** 60) + b"key" + bytes(64)
    f["huge_array"] = header(0, 1) + struct.pack("<Q", 1) + b"k" + struct.pack("<IIQ", ARRAY, U32, 2 ** 62) + bytes(16)
    f["huge_string_array"] = header(0, 1) + struct.pack("<Q", 1) + b"k" + struct.pack("<IIQ", ARRAY, STRING, 2 ** 40) + bytes(16)
    f["huge_string_in_array"] = (header(0, 1) + struct.pack("<Q", 1) + b"k" + struct.pack("<IIQ", ARRAY, STRING, 5)
                                 + struct.pack("<Q", 1) + b"a" + struct.pack("<Q", 2 ** 63) + bytes(64))
    f["huge_string_late_in_array"] = (header(0, 1) + struct.pack("<Q", 1) + b"k" + struct.pack("<IIQ", ARRAY, STRING, 10)
                                      + (struct.pack("<Q", 1) + b"a") * 9 + struct.pack("<Q", 2 ** 40) + bytes(64))
    long_key = ("line\n" * 200).encode()
    f["long_key_with_newlines"] = header(0, 1) + struct.pack("<Q", len(long_key)) + long_key + struct.pack("<I", 13) + bytes(16)
    deep = (I32, [1])
    for _ in range(20):
        deep = (ARRAY, [deep])
    f["nested_too_deep"] = gguf([("k", ARRAY, deep)], [])
    f["unknown_value_type"] = header(0, 1) + struct.pack("<Q", 1) + b"k" + struct.pack("<I", 13) + bytes(16)
    f["truncated_array"] = gguf(base_kv + [("test.tokens", ARRAY, (STRING, ["abc"] * 20))], one)[:120]
    f["truncated_string"] = header(0, 1) + struct.pack("<Q", 1) + b"k" + struct.pack("<IQ", STRING, 100) + b"x" * 10
    f["version1"] = header(0, 0, version=1)
    f["version4"] = header(0, 0, version=4)
    f["version0"] = header(0, 0, version=0)
    f["duplicate_key"] = gguf(base_kv + base_kv, one)
    f["duplicate_tensor"] = gguf(base_kv, one + [Tensor("t", [4], "F32", bytes(16))])
    f["alignment_48"] = gguf(base_kv + [("general.alignment", U32, 48)], one, alignment=48)
    f["alignment_zero"] = gguf(base_kv + [("general.alignment", U32, 0)], one, alignment=1)
    f["alignment_uint64"] = gguf(base_kv + [("general.alignment", U64, 64)], one, alignment=64)
    f["offset_past_end"] = gguf(base_kv, [Tensor("t", [4], "F32", bytes(16)), Tensor("far", [4], "F32", b"", 1 << 40)])
    f["offset_huge"] = gguf(base_kv, [Tensor("t", [4], "F32", bytes(16)), Tensor("far", [4], "F32", b"", 2 ** 64 - 32)])
    f["zero_size_past_end"] = gguf(base_kv, [Tensor("t", [4], "F32", bytes(16)), Tensor("empty", [0], "F32", b"", 4096)])
    f["data_cut_short"] = gguf(base_kv, [Tensor("t", [64], "F32", bytes(256))])[:-8]
    f["overlap"] = gguf(base_kv, [Tensor("a", [16], "F32", bytes(64), 0), Tensor("b", [8], "F32", bytes(32), 32)])
    f["unaligned_offset"] = gguf(base_kv, [Tensor("a", [4], "F32", bytes(16), 0), Tensor("b", [4], "F32", bytes(16), 20)])
    f["five_dims"] = gguf(base_kv, [Tensor("t", [1, 1, 1, 1, 4], "F32", bytes(16))])
    f["ne_overflow"] = gguf(base_kv, [Tensor("t", [2 ** 32, 2 ** 32, 2 ** 32], "F32", b"")])
    f["ne_negative"] = gguf(base_kv, [Tensor("t", [2 ** 63 + 1], "F32", b"")])
    f["bytes_overflow"] = gguf(base_kv, [Tensor("t", [2 ** 61, 2], "F64", b"")])
    f["block_row_not_whole"] = gguf(base_kv, [Tensor("t", [48], "Q8_0", bytes(34))])
    f["block_scalar"] = gguf(base_kv, [Tensor("t", [], "Q8_0", bytes(34))])
    f["data_start_past_end"] = gguf(base_kv + [("general.alignment", U32, 1 << 20)], [Tensor("t", [0], "F32", b"")], alignment=1 << 20)[:200]
    f["fugg_version1"] = b"FUGG" + struct.pack(">IQQ", 1, 0, 0)
    return f


def main():
    corpus = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "shared", "crossframework", "gguf")
    kvs, tensors = small()
    write("small_le.gguf", gguf(kvs, tensors))
    write("small_be_fugg.gguf", gguf(kvs, tensors, order=">", magic=b"FUGG"))
    with open(os.path.join(corpus, "ggml_generated_quant_types.gguf"), "rb") as fh:
        version, qkvs, qtensors, qalign = parse(fh.read())
    write("quant_types_be.gguf", gguf(qkvs, qtensors, version=version, order=">", alignment=qalign))
    v2kv = [("general.architecture", STRING, "v2"), ("test.list", ARRAY, (U32, [1, 2, 3]))]
    v2t = [Tensor("a", [5, 2], "F32", np.arange(10, dtype="<f4").tobytes()),
           Tensor("b", [32], "Q8_0", q8_0_blocks(np.linspace(-1, 1, 32, dtype="<f4")))]
    write("v2.gguf", gguf(v2kv, v2t, version=2))
    odd = [Tensor("i8", [3], "I8", bytes([1, 2, 3])), Tensor("f32", [2], "F32", np.array([1.5, -2], dtype="<f4").tobytes()),
           Tensor("f16", [3], "F16", np.array([1, 2, 3], dtype="<f2").tobytes())]
    write("align1.gguf", gguf([("general.alignment", U32, 1)], odd, alignment=1))
    write("align256.gguf", gguf([("general.alignment", U32, 256)], odd, alignment=256))
    ukvs, ut = unsupported()
    write("unsupported_types.gguf", gguf(ukvs, ut))
    for name, data in hostile().items():
        write(os.path.join("hostile", name + ".gguf"), data)


if __name__ == "__main__":
    main()
