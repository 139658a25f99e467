#!/usr/bin/python3
"""An independent GGUF reader (numpy only), written from the GGUF specification
(ggml/docs/gguf.md), for the GGUF reader's tests:

    /usr/bin/python3 scripts/gguf_reference.py FILE...

prints one JSON object per file, keyed by path: the header (version, byte order, alignment, data
offset), every key/value pair (scalars as values; arrays as element type, count and their first
elements) and every tensor (name, ggml type, ne, shape in PyTorch order, offset, and the SHA-256 of
its canonical bytes: little-endian elements for plain types, the stored blocks for block types).

It shares nothing with the Java reader: its own type tables, its own parsing.
"""
import hashlib
import json
import struct
import sys

import numpy as np

# GGUF metadata value types: (name, struct code) for the fixed-size ones.
VALUE_TYPES = {
    0: ("uint8", "B"), 1: ("int8", "b"), 2: ("uint16", "H"), 3: ("int16", "h"),
    4: ("uint32", "I"), 5: ("int32", "i"), 6: ("float32", "f"), 7: ("bool", "?"),
    8: ("string", None), 9: ("array", None), 10: ("uint64", "Q"), 11: ("int64", "q"),
    12: ("float64", "d"),
}

# ggml tensor types this check knows: id -> (name, values per block, bytes per block, numpy type or None).
GGML_TYPES = {
    0: ("F32", 1, 4, "f4"), 1: ("F16", 1, 2, "f2"), 2: ("Q4_0", 32, 18, None), 3: ("Q4_1", 32, 20, None),
    6: ("Q5_0", 32, 22, None), 7: ("Q5_1", 32, 24, None), 8: ("Q8_0", 32, 34, None), 9: ("Q8_1", 32, 36, None),
    10: ("Q2_K", 256, 84, None), 11: ("Q3_K", 256, 110, None), 12: ("Q4_K", 256, 144, None),
    13: ("Q5_K", 256, 176, None), 14: ("Q6_K", 256, 210, None), 15: ("Q8_K", 256, 292, None),
    16: ("IQ2_XXS", 256, 66, None), 17: ("IQ2_XS", 256, 74, None), 18: ("IQ3_XXS", 256, 98, None),
    19: ("IQ1_S", 256, 50, None), 20: ("IQ4_NL", 32, 18, None), 21: ("IQ3_S", 256, 110, None),
    22: ("IQ2_S", 256, 82, None), 23: ("IQ4_XS", 256, 136, None), 24: ("I8", 1, 1, "i1"),
    25: ("I16", 1, 2, "i2"), 26: ("I32", 1, 4, "i4"), 27: ("I64", 1, 8, "i8"), 28: ("F64", 1, 8, "f8"),
    29: ("IQ1_M", 256, 56, None), 30: ("BF16", 1, 2, "u2"), 34: ("TQ1_0", 256, 54, None),
    35: ("TQ2_0", 256, 66, None), 39: ("MXFP4", 32, 17, None), 40: ("NVFP4", 64, 36, None),
    41: ("Q1_0", 128, 18, None), 42: ("Q2_0", 64, 18, None),
}

# The types the Java reader lists, with their dtype names.
DTYPES = {
    "F32": "float32", "F16": "float16", "BF16": "bfloat16", "F64": "float64", "I8": "int8", "I16": "int16",
    "I32": "int32", "I64": "int64", "Q4_0": "q4_0", "Q4_1": "q4_1", "Q5_0": "q5_0", "Q5_1": "q5_1",
    "Q8_0": "q8_0", "Q2_K": "q2_k", "Q3_K": "q3_k", "Q4_K": "q4_k", "Q5_K": "q5_k", "Q6_K": "q6_k",
}

FIRST = 3  # array elements reported


class Reader:
    def __init__(self, data):
        self.data = data
        self.pos = 0
        self.order = "<"

    def take(self, n):
        if self.pos + n > len(self.data):
            raise ValueError("truncated at %d" % self.pos)
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def scalar(self, code):
        size = struct.calcsize(code)
        return struct.unpack(self.order + code, self.take(size))[0]

    def string(self):
        n = self.scalar("Q")
        return self.take(n).decode("utf-8", errors="replace")

    def value(self, vtype):
        name, code = VALUE_TYPES[vtype]
        if code is not None:
            v = self.scalar(code)
            if name == "float32":
                v = float(np.float32(v))
            return {"type": name, "value": v}
        if name == "string":
            return {"type": "string", "value": self.string()}
        etype = self.scalar("I")
        count = self.scalar("Q")
        ename, ecode = VALUE_TYPES[etype]
        first = []
        if ecode is not None:
            size = struct.calcsize(ecode)
            raw = self.take(size * count)
            for i in range(min(count, FIRST)):
                v = struct.unpack(self.order + ecode, raw[i * size:(i + 1) * size])[0]
                first.append(float(np.float32(v)) if ename == "float32" else v)
        else:
            for i in range(count):
                v = self.value(etype)
                if i < FIRST:
                    first.append(v["value"] if ename == "string" else v)
        return {"type": "array", "element_type": ename, "count": count, "first": first}


def canonical(raw, gtype, order):
    """Little-endian element bytes for plain types; block types as stored."""
    name, block, size, np_type = GGML_TYPES[gtype]
    if np_type is None or order == "<":
        return bytes(raw)
    arr = np.frombuffer(raw, dtype=">" + np_type)
    return arr.astype("<" + np_type).tobytes()


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    r = Reader(data)
    magic = r.take(4)
    if magic == b"FUGG":
        r.order = ">"
    elif magic != b"GGUF":
        raise ValueError("not GGUF")
    version = r.scalar("I")
    if r.order == "<" and version & 0xFFFF == 0:
        r.order = ">"
        version = struct.unpack(">I", struct.pack("<I", version))[0]
    if version not in (2, 3):
        raise ValueError("version %d" % version)
    n_tensors = r.scalar("Q")
    n_kv = r.scalar("Q")
    kv = {}
    for _ in range(n_kv):
        key = r.string()
        kv[key] = r.value(r.scalar("I"))
    alignment = kv.get("general.alignment", {"value": 32})["value"]
    infos = []
    for _ in range(n_tensors):
        name = r.string()
        n_dims = r.scalar("I")
        ne = [r.scalar("Q") for _ in range(n_dims)]
        gtype = r.scalar("I")
        offset = r.scalar("Q")
        infos.append((name, ne, gtype, offset))
    data_offset = (r.pos + alignment - 1) // alignment * alignment
    tensors = []
    for name, ne, gtype, offset in infos:
        t = {"key": name, "ggml_type_id": gtype, "ne": ne, "shape": list(reversed(ne)), "offset": offset}
        if gtype in GGML_TYPES:
            tname, block, size, _ = GGML_TYPES[gtype]
            numel = int(np.prod(ne, dtype=np.int64)) if ne else 1
            nbytes = numel // block * size
            raw = data[data_offset + offset:data_offset + offset + nbytes]
            if len(raw) != nbytes:
                raise ValueError("tensor %s runs past the end" % name)
            t.update({"ggml_type": tname, "nbytes": nbytes, "dtype": DTYPES.get(tname),
                      "sha256": hashlib.sha256(canonical(raw, gtype, r.order)).hexdigest()})
        tensors.append(t)
    return {"version": version, "byte_order": "big" if r.order == ">" else "little", "alignment": alignment,
            "data_offset": data_offset, "kv": kv, "tensors": tensors}


def main():
    out = {p: read(p) for p in sys.argv[1:]}
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
