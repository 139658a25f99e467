#!/usr/bin/python3
"""Writes the ONNX test fixtures into src/test/resources/fixtures/onnx/ (run with Debian's python3:
torch 1.13 and onnx 1.12 as installed there).

  cnn_bn_linear_training.onnx   torch.onnx.export of a small CNN (Conv, BatchNorm, Linear) in TRAINING
                                mode without constant folding, so BatchNorm keeps its four tensors
  external/model.onnx + weights.bin
                                the same model saved by onnx.save_model with its larger tensors moved
                                into one external data file (location/offset/length)
  typed_data.onnx               initializers in every typed field (float16, bfloat16 and int8 in
                                int32_data, int64_data, uint64_data, double_data, complex pairs),
                                float8 types, types with no dtype here (string, float8e4m3fnuz, int4),
                                a scalar, an empty tensor, a sparse initializer, a Gemm with transB=0,
                                a MatMul, an initializer shared by two nodes, an If whose branches hold
                                their own initializers
  wire_variants.onnx            the protobuf encodings writers may use but onnx's own writer does not:
                                unpacked float_data and int32_data, float_data in two packed runs,
                                packed dims, raw_data before the name
  hostile/*.onnx                malformed and hostile files, each refused with one line (see
                                OnnxReaderTest): external data outside the folder, offsets past the end,
                                huge and negative dims, a truncated file, subgraphs nested too deep, ...
"""
import os
import shutil
import struct
import sys

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "test", "resources", "fixtures", "onnx")


# --- a minimal protobuf encoder, for the encodings onnx's writer never produces --------------------

def varint(n):
    n &= (1 << 64) - 1
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def tag(field, wire):
    return varint(field << 3 | wire)


def f_varint(field, n):
    return tag(field, 0) + varint(n)


def f_bytes(field, b):
    if isinstance(b, str):
        b = b.encode()
    return tag(field, 2) + varint(len(b)) + b


def f_fixed32(field, b4):
    return tag(field, 5) + b4


def model_bytes(graph, ir_version=8, opset=13, producer="weightbench-fixtures"):
    """A ModelProto around graph bytes (fields in number order, as protobuf writers put them)."""
    return (f_varint(1, ir_version) + f_bytes(2, producer) + f_bytes(7, graph)
            + f_bytes(8, f_bytes(1, "") + f_varint(2, opset)))


def write(path, data):
    full = os.path.join(OUT, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "wb") as f:
        f.write(data)


# --- real writers ------------------------------------------------------------------------------------

class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 4, 3, padding=1)
        self.bn = torch.nn.BatchNorm2d(4)
        self.fc = torch.nn.Linear(4 * 4 * 4, 5)

    def forward(self, x):
        x = torch.relu(self.bn(self.conv(x)))
        return self.fc(torch.flatten(x, 1))


def torch_export():
    torch.manual_seed(0)
    net = Net()
    with torch.no_grad():  # running statistics that are not the defaults, so their hashes say something
        net.bn.running_mean.uniform_(-1, 1)
        net.bn.running_var.uniform_(0.5, 2)
    path = os.path.join(OUT, "cnn_bn_linear_training.onnx")
    torch.onnx.export(net, torch.randn(1, 3, 4, 4), path, training=torch.onnx.TrainingMode.TRAINING,
                      do_constant_folding=False, opset_version=13, input_names=["x"], output_names=["y"])
    return path


def external_data(source):
    model = onnx.load(source)
    folder = os.path.join(OUT, "external")
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    onnx.save_model(model, os.path.join(folder, "model.onnx"), save_as_external_data=True,
                    all_tensors_to_one_file=True, location="weights.bin", size_threshold=100)


def typed_data():
    rng = np.random.default_rng(1)
    inits = []

    def add(t):
        inits.append(t)
        return t

    add(helper.make_tensor("f16_int32", TensorProto.FLOAT16, [2, 3], rng.standard_normal(6).astype(np.float16)))
    add(helper.make_tensor("bf16_int32", TensorProto.BFLOAT16, [4], [1.0, -2.5, 3.14159, 1e-3]))
    add(helper.make_tensor("i64", TensorProto.INT64, [3], [-(2 ** 40), 7, 2 ** 62]))
    b = add(helper.make_tensor("bool_int32", TensorProto.BOOL, [4], [True, False, True, True]))
    b.int32_data[3] = 2  # any non-zero value is true
    add(helper.make_tensor("i8", TensorProto.INT8, [5], [-128, -1, 0, 1, 127]))
    add(helper.make_tensor("u8", TensorProto.UINT8, [3], [0, 200, 255]))
    add(helper.make_tensor("i16", TensorProto.INT16, [3], [-32768, -2, 32767]))
    add(helper.make_tensor("u16", TensorProto.UINT16, [2], [0, 65535]))
    add(helper.make_tensor("i32", TensorProto.INT32, [3], [-(2 ** 31), -5, 2 ** 31 - 1]))
    add(helper.make_tensor("u32", TensorProto.UINT32, [2], [0, 2 ** 32 - 1]))
    add(helper.make_tensor("u64", TensorProto.UINT64, [2], [1, 2 ** 64 - 1]))
    add(helper.make_tensor("f64", TensorProto.DOUBLE, [2, 2], [1.5, -2.25, 1e300, -0.0]))
    add(helper.make_tensor("f32_float_data", TensorProto.FLOAT, [3], [0.5, -1.0, 3.25]))
    add(helper.make_tensor("c64", TensorProto.COMPLEX64, [2], [1 + 2j, -3.5 - 0.25j]))
    add(helper.make_tensor("c128", TensorProto.COMPLEX128, [2], [1e-3 + 2j, -3 + 4e100j]))
    add(helper.make_tensor("scalar", TensorProto.FLOAT, [], [42.0]))
    add(helper.make_tensor("empty", TensorProto.FLOAT, [0, 3], []))
    add(helper.make_tensor("raw_f16", TensorProto.FLOAT16, [2],
                           np.array([1.0, -0.5], dtype=np.float16).tobytes(), raw=True))
    add(helper.make_tensor("raw_bool", TensorProto.BOOL, [3], np.array([1, 0, 1], dtype=np.uint8).tobytes(), raw=True))
    # float8 types postdate onnx 1.12: written with their codes (data_type is an int32 field)
    f8 = TensorProto(name="f8e4m3fn_raw", data_type=17, dims=[4], raw_data=bytes([0x00, 0x38, 0xB8, 0x7E]))
    inits.append(f8)
    f8b = TensorProto(name="f8e5m2_int32", data_type=19, dims=[3])
    f8b.int32_data.extend([0x3C, 0xBC, 0x7B])
    inits.append(f8b)
    # types Weightbench has no dtype for: named in a warning
    inits.append(TensorProto(name="f8e4m3fnuz", data_type=18, dims=[2], raw_data=bytes([1, 2])))
    inits.append(TensorProto(name="int4_packed", data_type=22, dims=[4], raw_data=bytes([0x21, 0x43])))
    add(helper.make_tensor("labels", TensorProto.STRING, [2], [b"cat", b"dog"]))

    # initializers consumed by nodes: their info says which op and slot
    w_gemm = add(helper.make_tensor("gemm.weight_in_out", TensorProto.FLOAT, [3, 4], rng.standard_normal(12).tolist()))
    w_mm = add(helper.make_tensor("matmul.weight", TensorProto.FLOAT, [3, 4], rng.standard_normal(12).tolist()))
    shared = add(helper.make_tensor("shared.bias", TensorProto.FLOAT, [4], [0.1, 0.2, 0.3, 0.4]))
    cond = add(helper.make_tensor("cond", TensorProto.BOOL, [], [True]))
    nodes = [
        helper.make_node("Gemm", ["x", w_gemm.name], ["g"], name="gemm0", transB=0, alpha=0.5),
        helper.make_node("MatMul", ["x", w_mm.name], ["m"], name="matmul0"),
        helper.make_node("Add", ["g", shared.name], ["a"], name="add0"),
        helper.make_node("Mul", ["m", shared.name], ["b"], name="mul0"),
        helper.make_node("Add", ["a", "b"], ["c"], name="add1"),
    ]
    then_graph = helper.make_graph(
        [helper.make_node("Add", ["c", "then.offset"], ["t"], name="then_add")], "then_body", [],
        [helper.make_tensor_value_info("t", TensorProto.FLOAT, [2, 4])],
        initializer=[helper.make_tensor("then.offset", TensorProto.FLOAT, [4], [1.0, 2.0, 3.0, 4.0])])
    else_graph = helper.make_graph(
        [helper.make_node("Mul", ["c", "else.scale"], ["e"], name="else_mul")], "else_body", [],
        [helper.make_tensor_value_info("e", TensorProto.FLOAT, [2, 4])],
        initializer=[helper.make_tensor("else.scale", TensorProto.FLOAT, [4],
                                        np.array([2, 2, 2, 2], dtype=np.float32).tobytes(), raw=True)])
    nodes.append(helper.make_node("If", [cond.name], ["y"], name="if0", then_branch=then_graph, else_branch=else_graph))
    sparse = helper.make_sparse_tensor(
        helper.make_tensor("sparse.values", TensorProto.FLOAT, [2], [5.0, 6.0]),
        helper.make_tensor("sparse.indices", TensorProto.INT64, [2], [1, 7]), [3, 4])
    graph = helper.make_graph(nodes, "typed", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 4])], initializer=inits,
                              sparse_initializer=[sparse])
    model = helper.make_model(graph, producer_name="weightbench-fixtures", doc_string="typed-data initializers")
    helper.set_model_props(model, {"purpose": "test", "author": "weightbench"})
    model.ir_version = 8
    write("typed_data.onnx", model.SerializeToString())


def wire_variants():
    floats = [1.5, -2.0, 0.25, 8.0]
    f32 = [struct.pack("<f", v) for v in floats]
    unpacked_float = (f_bytes(8, "unpacked_float") + f_varint(2, TensorProto.FLOAT) + f_varint(1, 4)
                      + b"".join(f_fixed32(4, b) for b in f32))
    two_runs = (f_varint(1, 2) + f_varint(1, 2) + f_varint(2, TensorProto.FLOAT) + f_bytes(4, f32[0] + f32[1])
                + f_bytes(4, f32[2] + f32[3]) + f_bytes(8, "float_two_runs"))
    unpacked_int16 = (f_bytes(8, "unpacked_int16") + f_varint(2, TensorProto.INT16) + f_varint(1, 3)
                      + f_varint(5, -7) + f_varint(5, 300) + f_varint(5, -32768))
    packed_dims = (f_bytes(1, varint(2) + varint(3)) + f_varint(2, TensorProto.INT32)
                   + f_bytes(5, b"".join(varint(v) for v in [1, -1, 2, -2, 1000, -1000])) + f_bytes(8, "packed_dims"))
    raw_first = (f_bytes(9, struct.pack("<2q", -1, 2 ** 40)) + f_varint(2, TensorProto.INT64) + f_varint(1, 2)
                 + f_bytes(8, "raw_first"))
    mixed_int64 = (f_varint(1, 4) + f_varint(2, TensorProto.INT64) + f_bytes(7, varint(5) + varint(-6))
                   + f_varint(7, 2 ** 63 - 1) + f_bytes(7, varint(-(2 ** 63))) + f_bytes(8, "int64_mixed"))
    graph = b"".join(f_bytes(5, t) for t in [unpacked_float, two_runs, unpacked_int16, packed_dims, raw_first, mixed_int64])
    graph += f_bytes(2, "wire_variants")
    write("wire_variants.onnx", model_bytes(graph))


def tensor(name, data_type, dims, raw=None, extra=b""):
    b = b"".join(f_varint(1, d) for d in dims) + f_varint(2, data_type) + f_bytes(8, name)
    if raw is not None:
        b += f_bytes(9, raw)
    return b + extra


def external(name, dims, location, offset=None, length=None):
    entries = [("location", location)]
    if offset is not None:
        entries.append(("offset", str(offset)))
    if length is not None:
        entries.append(("length", str(length)))
    extra = b"".join(f_bytes(13, f_bytes(1, k) + f_bytes(2, v)) for k, v in entries) + f_varint(14, 1)
    return tensor(name, TensorProto.FLOAT, dims, extra=extra)


def one_initializer_model(t):
    return model_bytes(f_bytes(5, t) + f_bytes(2, "hostile"))


def hostile(cnn_path):
    folder = os.path.join(OUT, "hostile")
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    write("outside.bin", bytes(64))  # beside hostile/, so a reader that followed '..' would find it
    write("hostile/data.bin", struct.pack("<8f", *range(8)))
    w = lambda name, t: write("hostile/" + name, one_initializer_model(t))
    w("external_dotdot.onnx", external("w", [4], "../outside.bin", 0, 16))
    w("external_dotdot_inside.onnx", external("w", [4], "sub/../data.bin", 0, 16))
    w("external_absolute.onnx", external("w", [4], "/etc/passwd", 0, 16))
    w("external_missing.onnx", external("w", [4], "nothere.bin", 0, 16))
    w("external_offset_past_end.onnx", external("w", [4], "data.bin", 4096, 16))
    w("external_runs_past_end.onnx", external("w", [4], "data.bin", 24, 16))
    w("external_length_mismatch.onnx", external("w", [4], "data.bin", 0, 12))
    w("external_bad_offset.onnx", external("w", [4], "data.bin", "-8", 16))
    w("external_no_location.onnx", tensor("w", TensorProto.FLOAT, [4], extra=f_varint(14, 1)))
    w("external_ok.onnx", external("w", [2, 3], "data.bin", 8, 24))
    w("huge_dims.onnx", tensor("w", TensorProto.FLOAT, [2 ** 40, 2 ** 40], raw=bytes(16)))
    w("negative_dim.onnx", tensor("w", TensorProto.FLOAT, [-1, 4], raw=bytes(16)))
    w("raw_size_mismatch.onnx", tensor("w", TensorProto.FLOAT, [3, 3], raw=bytes(32)))
    w("typed_count_mismatch.onnx", tensor("w", TensorProto.INT64, [3], extra=f_bytes(7, varint(1) + varint(2))))
    w("no_values.onnx", tensor("w", TensorProto.FLOAT, [2]))
    w("bad_varint.onnx", tensor("w", TensorProto.INT64, [1], extra=f_bytes(7, b"\xff" * 11 + b"\x01")))
    w("raw_past_end.onnx", tensor("w", TensorProto.FLOAT, [4]) + tag(9, 2) + varint(1 << 30))
    w("unknown_location.onnx", tensor("w", TensorProto.FLOAT, [1], raw=bytes(4), extra=f_varint(14, 7)))
    with open(cnn_path, "rb") as f:
        cnn = f.read()
    write("hostile/truncated.onnx", cnn[: len(cnn) // 2])
    # If nodes nested 40 deep: beyond the 32 levels of subgraphs the reader follows
    g = f_bytes(5, tensor("deep", TensorProto.FLOAT, [1], raw=bytes(4)))
    for _ in range(40):
        attribute = f_bytes(1, "then_branch") + f_varint(20, 5) + f_bytes(6, g)
        g = f_bytes(1, f_bytes(4, "If") + f_bytes(5, attribute))
    write("hostile/deep_nesting.onnx", model_bytes(g))
    # protobuf groups never appear in ONNX
    write("hostile/group.onnx", model_bytes(f_bytes(5, tensor("w", 1, [1], raw=bytes(4), extra=tag(17, 3) + tag(17, 4)))))


def main():
    os.makedirs(OUT, exist_ok=True)
    cnn = torch_export()
    external_data(cnn)
    typed_data()
    wire_variants()
    hostile(cnn)
    total = 0
    for root, _, files in os.walk(OUT):
        for name in files:
            total += os.path.getsize(os.path.join(root, name))
    print("wrote fixtures to", os.path.normpath(OUT), "(%d bytes)" % total, file=sys.stderr)


if __name__ == "__main__":
    main()
