#!/usr/bin/python3
"""The independent reader the ONNX tests compare Weightbench with: onnx.load (the official protobuf
parser, external data loaded from the model's folder) and onnx.numpy_helper.to_array.

usage: onnx_reference.py OUT.json BASE_DIR MODEL.onnx...

Writes {model path relative to BASE_DIR: {"tensors": [{"key", "dtype", "shape", "sha256"}],
"not_listed": [names]}}: every initializer of the main graph and of every subgraph (If/Loop/Scan
bodies), in the order a depth-first walk meets them (a graph's initializers, then its nodes'
subgraphs in order). sha256 is taken over the C-order bytes of the array (np.ascontiguousarray, but
keeping 0-d scalars 0-d) in little-endian byte order, with bool as one byte 0/1 and bfloat16 /
float8 as their raw bits: numpy has no such dtypes, onnx 1.12's to_array widens bfloat16 to float32
and does not know float8, so those are decoded here from raw_data or the low bits of int32_data, as
the ONNX spec says they are stored. Complex values in float_data/double_data are read as (real,
imaginary) pairs (onnx 1.12's to_array fails on them). Initializers of types with no torch dtype are
listed under "not_listed". A file onnx cannot load gets {"error": message}.
"""
import hashlib
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, numpy_helper

TORCH_NAMES = {
    TensorProto.FLOAT: "float32", TensorProto.UINT8: "uint8", TensorProto.INT8: "int8",
    TensorProto.UINT16: "uint16", TensorProto.INT16: "int16", TensorProto.INT32: "int32",
    TensorProto.INT64: "int64", TensorProto.BOOL: "bool", TensorProto.FLOAT16: "float16",
    TensorProto.DOUBLE: "float64", TensorProto.UINT32: "uint32", TensorProto.UINT64: "uint64",
    TensorProto.COMPLEX64: "complex64", TensorProto.COMPLEX128: "complex128", TensorProto.BFLOAT16: "bfloat16",
    17: "float8_e4m3fn", 19: "float8_e5m2",
}
BITS = {TensorProto.BFLOAT16: (np.uint16, 0xFFFF), 17: (np.uint8, 0xFF), 19: (np.uint8, 0xFF)}


COMPLEX = {TensorProto.COMPLEX64: (np.float32, np.complex64), TensorProto.COMPLEX128: (np.float64, np.complex128)}


def array(t):
    if t.data_type in COMPLEX and not t.HasField("raw_data"):
        # onnx 1.12's to_array fails on typed complex data (it casts the pairs to float); the spec
        # stores (real, imaginary) pairs, which is exactly numpy's complex layout
        part, whole = COMPLEX[t.data_type]
        pairs = t.float_data if t.data_type == TensorProto.COMPLEX64 else t.double_data
        return np.asarray(pairs, dtype=part).view(whole).reshape(tuple(t.dims))
    bits = BITS.get(t.data_type)
    if bits is None:
        return numpy_helper.to_array(t)
    dtype, mask = bits
    if t.HasField("raw_data"):
        return np.frombuffer(t.raw_data, dtype=dtype).reshape(tuple(t.dims))
    return (np.asarray(t.int32_data, dtype=np.int64) & mask).astype(dtype).reshape(tuple(t.dims))


def walk(graph, out):
    for t in graph.initializer:
        name = TORCH_NAMES.get(t.data_type)
        if name is None or t.HasField("segment"):
            out["not_listed"].append(t.name)
            continue
        # np.ascontiguousarray would turn a scalar (dims []) into shape (1,); a C-order copy keeps it 0-d
        a = np.array(array(t), order="C", copy=True)
        if a.dtype.byteorder == ">":
            a = a.byteswap().newbyteorder()
        out["tensors"].append({"key": t.name, "dtype": name, "shape": list(a.shape),
                               "sha256": hashlib.sha256(a.tobytes()).hexdigest()})
    for node in graph.node:
        for attr in node.attribute:
            if attr.HasField("g"):
                walk(attr.g, out)
            for g in attr.graphs:
                walk(g, out)


def main():
    result = {}
    base = sys.argv[2]
    for path in sys.argv[3:]:
        key = os.path.relpath(path, base)
        try:
            model = onnx.load(path)
            out = {"tensors": [], "not_listed": []}
            walk(model.graph, out)
            result[key] = out
        except Exception as e:  # noqa: BLE001 - the test wants to see which files onnx itself refuses
            result[key] = {"error": "%s: %s" % (type(e).__name__, e)}
    with open(sys.argv[1], "w") as f:
        json.dump(result, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
