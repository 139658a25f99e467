#!/usr/bin/python3
"""Independent reader of TensorFlow checkpoints (TensorBundle V2), the truth Weightbench's
TfCheckpointReader is tested against.

Written from the format's published description (leveldb's table_format.md, TensorFlow's
tensor_bundle.proto, tensor_slice.proto, trackable_object_graph.proto, types.proto, the
OrderedCode key encoding of saved_tensor_slice_util), not from the Java reader: protobufs are
decoded by hand from the wire format, CRC-32C is computed bit by bit from its polynomial, Snappy
blocks are inflated by python3-snappy, partitioned tensors are assembled with numpy.

Usage: tf_checkpoint_reference.py [--out FILE] LABEL=PATH.index [...]
  -> one JSON object {LABEL: result} on stdout or in FILE

For each file: the header, every tensor (key, dtype in torch's names, shape, sha256 of the
canonical bytes: row-major, little-endian; the CRC-32C of the stored bytes, computed here, and
whether it matches the masked CRC the index records), string tensors,
the object graph's readable path of each checkpoint key, and what could not be read.
"""
import hashlib
import json
import struct
import sys

import numpy as np
import snappy

TABLE_MAGIC = 0xDB4775248B80FB57

# types.proto: enum value -> (torch name, item size); strings and handles are not tensors
DTYPES = {
    1: ("float32", 4), 2: ("float64", 8), 3: ("int32", 4), 4: ("uint8", 1), 5: ("int16", 2),
    6: ("int8", 1), 8: ("complex64", 8), 9: ("int64", 8), 10: ("bool", 1), 11: ("qint8", 1),
    12: ("quint8", 1), 13: ("qint32", 4), 14: ("bfloat16", 2), 15: ("int16", 2), 16: ("uint16", 2),
    17: ("uint16", 2), 18: ("complex128", 16), 19: ("float16", 2), 22: ("uint32", 4),
    23: ("uint64", 8), 24: ("float8_e5m2", 1), 25: ("float8_e4m3fn", 1),
}
DT_STRING = 7

# ---------------------------------------------------------------- CRC-32C (Castagnoli), masked


def _crc_table():
    poly = 0x82F63B78  # the reflected Castagnoli polynomial
    t = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ poly if c & 1 else c >> 1
        t.append(c)
    return t


_CRC = _crc_table()


def crc32c(data, crc=0):
    c = crc ^ 0xFFFFFFFF
    t = _CRC
    for b in data:
        c = t[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def mask(c):
    return ((((c >> 15) | (c << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


# ---------------------------------------------------------------- protobuf wire format by hand


def varint(buf, pos):
    result = 0
    shift = 0
    while True:
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, pos
        shift += 7


def fields(buf):
    """Yields (field number, wire type, value) of one message; length-delimited values as bytes."""
    pos = 0
    while pos < len(buf):
        tag, pos = varint(buf, pos)
        num, wt = tag >> 3, tag & 7
        if wt == 0:
            v, pos = varint(buf, pos)
        elif wt == 1:
            v = struct.unpack_from("<Q", buf, pos)[0]
            pos += 8
        elif wt == 2:
            n, pos = varint(buf, pos)
            v = bytes(buf[pos:pos + n])
            pos += n
        elif wt == 5:
            v = struct.unpack_from("<I", buf, pos)[0]
            pos += 4
        else:
            raise ValueError("wire type %d" % wt)
        yield num, wt, v


def signed64(v):
    return v - (1 << 64) if v >= 1 << 63 else v


def packed_or_single(wt, v):
    if wt == 2:
        out, p = [], 0
        while p < len(v):
            x, p = varint(v, p)
            out.append(x)
        return out
    return [v]


def parse_shape(buf):
    dims = []
    for num, _, v in fields(buf):
        if num == 2:  # Dim
            size = 0
            for n2, _, v2 in fields(v):
                if n2 == 1:
                    size = signed64(v2)
            dims.append(size)
    return dims


def parse_slice(buf):
    """TensorSliceProto -> [(start, length or -1 when the extent is full)]."""
    extents = []
    for num, _, v in fields(buf):
        if num == 1:
            start, length = 0, -1
            for n2, _, v2 in fields(v):
                if n2 == 1:
                    start = signed64(v2)
                elif n2 == 2:
                    length = signed64(v2)
            extents.append((start, length))
    return extents


def parse_entry(buf):
    e = {"dtype": 0, "shape": [], "shard_id": 0, "offset": 0, "size": 0, "crc32c": 0, "slices": []}
    for num, wt, v in fields(buf):
        if num == 1:
            e["dtype"] = v
        elif num == 2:
            e["shape"] = parse_shape(v)
        elif num == 3:
            e["shard_id"] = v
        elif num == 4:
            e["offset"] = signed64(v)
        elif num == 5:
            e["size"] = signed64(v)
        elif num == 6:
            e["crc32c"] = v
        elif num == 7:
            e["slices"].append(parse_slice(v))
    return e


def parse_header(buf):
    h = {"num_shards": 0, "endianness": 0, "producer": 0, "min_consumer": 0}
    for num, _, v in fields(buf):
        if num == 1:
            h["num_shards"] = v
        elif num == 2:
            h["endianness"] = v
        elif num == 3:
            for n2, _, v2 in fields(v):
                if n2 == 1:
                    h["producer"] = v2
                elif n2 == 2:
                    h["min_consumer"] = v2
    return h


# ---------------------------------------------------------------- the leveldb table


def read_block(data, offset, size):
    block = data[offset:offset + size]
    kind = data[offset + size]
    stored = struct.unpack_from("<I", data, offset + size + 1)[0]
    if mask(crc32c(data[offset:offset + size + 1])) != stored:
        raise ValueError("block at %d: crc mismatch" % offset)
    if kind == 1:
        block = snappy.uncompress(bytes(block))
    elif kind != 0:
        raise ValueError("block type %d" % kind)
    return bytes(block), kind


def block_entries(block):
    n_restarts = struct.unpack_from("<I", block, len(block) - 4)[0]
    limit = len(block) - 4 - 4 * n_restarts
    pos, key = 0, b""
    out = []
    while pos < limit:
        shared, pos = varint(block, pos)
        unshared, pos = varint(block, pos)
        vlen, pos = varint(block, pos)
        key = key[:shared] + block[pos:pos + unshared]
        pos += unshared
        out.append((key, block[pos:pos + vlen]))
        pos += vlen
    return out, n_restarts


def handle(buf, pos=0):
    off, pos = varint(buf, pos)
    size, pos = varint(buf, pos)
    return off, size, pos


def read_table(data):
    footer = data[-48:]
    if struct.unpack_from("<Q", footer, 40)[0] != TABLE_MAGIC:
        raise ValueError("no table magic")
    _, _, p = handle(footer)
    ioff, isize, _ = handle(footer, p)
    index, _ = read_block(data, ioff, isize)
    entries, info = [], {"snappy_blocks": 0, "blocks": 0, "max_restarts": 0}
    idx, _ = block_entries(index)
    for _, h in idx:
        off, size, _ = handle(h)
        block, kind = read_block(data, off, size)
        info["blocks"] += 1
        info["snappy_blocks"] += kind == 1
        es, restarts = block_entries(block)
        info["max_restarts"] = max(info["max_restarts"], restarts)
        entries.extend(es)
    keys = [k for k, _ in entries]
    assert keys == sorted(keys) and len(set(keys)) == len(keys), "keys out of order"
    return entries, info


# ---------------------------------------------------------------- OrderedCode (slice keys)


def oc_read_num(b, p):
    n = b[p]
    v = 0
    for i in range(n):
        v = (v << 8) | b[p + 1 + i]
    return v, p + 1 + n


def oc_read_string(b, p):
    out = bytearray()
    while True:
        c = b[p]
        if c == 0:
            if b[p + 1] == 1:
                return bytes(out), p + 2
            if b[p + 1] == 0xFF:
                out.append(0)
                p += 2
                continue
            raise ValueError("bad escape")
        if c == 0xFF:
            if b[p + 1] == 0:
                out.append(0xFF)
                p += 2
                continue
            raise ValueError("bad escape")
        out.append(c)
        p += 1


def oc_read_signed(b, p):
    # Sign bit, then as many further copies of it as extra bytes follow, then a delimiter bit.
    first = b[p]
    neg = not (first & 0x80)
    bits = "".join(format(x ^ (0xFF if neg else 0), "08b") for x in b[p:p + 10])
    extra = 0
    while bits[1 + extra] == "1":
        extra += 1
    length = extra + 1
    raw = int("".join(format(x, "08b") for x in b[p:p + length]), 2)
    payload_bits = 8 * length - (extra + 2)
    value = raw & ((1 << payload_bits) - 1)
    if neg:
        value -= 1 << payload_bits
    return value, p + length


def decode_slice_key(key):
    p = 0
    zero, p = oc_read_num(key, p)
    assert zero == 0
    name, p = oc_read_string(key, p)
    rank, p = oc_read_num(key, p)
    extents = []
    for _ in range(rank):
        s, p = oc_read_signed(key, p)
        n, p = oc_read_signed(key, p)
        extents.append((s, n))
    assert p == len(key)
    return name.decode("utf-8"), extents


# ---------------------------------------------------------------- data


def numpy_dtype(name, big):
    o = ">" if big else "<"
    plain = {"float32": "f4", "float64": "f8", "int32": "i4", "uint8": "u1", "int16": "i2",
             "int8": "i1", "complex64": "c8", "int64": "i8", "bool": "u1", "qint8": "i1",
             "quint8": "u1", "qint32": "i4", "uint16": "u2", "complex128": "c16", "float16": "f2",
             "uint32": "u4", "uint64": "u8", "bfloat16": "u2", "float8_e5m2": "u1",
             "float8_e4m3fn": "u1"}
    return np.dtype(o + plain[name])


def load_array(raw, name, shape, big):
    a = np.frombuffer(raw, dtype=numpy_dtype(name, big)).reshape(shape)
    return a.astype(a.dtype.newbyteorder("<"))


def read_string_tensor(raw, count, big):
    """Returns (strings, crc over lengths + length checksum + bytes as TensorFlow computes it)."""
    p, lengths, crc = 0, [], 0
    for _ in range(count):
        n, p = varint(raw, p)
        lengths.append(n)
        crc = crc32c(struct.pack(">I" if big else "<I", n) if n <= 0xFFFFFFFF else struct.pack(">Q" if big else "<Q", n), crc)
    stored_len_crc = raw[p:p + 4]
    len_crc = struct.unpack(">I" if big else "<I", stored_len_crc)[0]
    assert mask(crc) == len_crc, "length checksum"
    crc = crc32c(stored_len_crc, crc)
    p += 4
    out = []
    for n in lengths:
        out.append(raw[p:p + n])
        crc = crc32c(raw[p:p + n], crc)
        p += n
    return out, crc


def object_graph(buf):
    """TrackableObjectGraph -> {checkpoint_key: {path, full_name, slot...}}, node count."""
    nodes = []
    for num, _, v in fields(buf):
        if num == 1:
            node = {"children": [], "attributes": [], "slots": []}
            for n2, _, v2 in fields(v):
                if n2 == 1:
                    ref = {"node_id": 0, "local_name": ""}
                    for n3, _, v3 in fields(v2):
                        if n3 == 1:
                            ref["node_id"] = v3
                        elif n3 == 2:
                            ref["local_name"] = v3.decode("utf-8")
                    node["children"].append(ref)
                elif n2 == 2:
                    att = {"name": "", "full_name": "", "checkpoint_key": ""}
                    for n3, _, v3 in fields(v2):
                        if n3 in (1, 2, 3):
                            att[["name", "full_name", "checkpoint_key"][n3 - 1]] = v3.decode("utf-8")
                    node["attributes"].append(att)
                elif n2 == 3:
                    s = {"original": 0, "slot_name": "", "slot_node": 0}
                    for n3, _, v3 in fields(v2):
                        if n3 == 1:
                            s["original"] = v3
                        elif n3 == 2:
                            s["slot_name"] = v3.decode("utf-8")
                        elif n3 == 3:
                            s["slot_node"] = v3
                    node["slots"].append(s)
            nodes.append(node)
    # breadth first from the root, as TensorFlow names objects
    path = {0: []}
    queue = [0]
    while queue:
        n = queue.pop(0)
        for ref in nodes[n]["children"]:
            if ref["node_id"] not in path:
                path[ref["node_id"]] = path[n] + [ref["local_name"]]
                queue.append(ref["node_id"])
    slot_of = {}
    for node in nodes:
        for s in node["slots"]:
            slot_of[s["slot_node"]] = s
    by_key = {}
    for i, node in enumerate(nodes):
        for att in node["attributes"]:
            info = {"full_name": att["full_name"]}
            if i in path:
                info["object_path"] = "/".join(path[i])
            if i in slot_of and slot_of[i]["original"] in path:
                info["optimizer_slot"] = slot_of[i]["slot_name"]
                info["slot_of"] = "/".join(path[slot_of[i]["original"]])
            by_key[att["checkpoint_key"]] = info
    return by_key, len(nodes)


def read_checkpoint(index_path):
    with open(index_path, "rb") as f:
        table = f.read()
    entries, info = read_table(table)
    assert entries[0][0] == b"", "first key is not the header"
    header = parse_header(entries[0][1])
    big = header["endianness"] == 1
    prefix = index_path[:-len(".index")]
    shards = {}

    def shard(i):
        if i not in shards:
            with open("%s.data-%05d-of-%05d" % (prefix, i, header["num_shards"]), "rb") as f:
                shards[i] = f.read()
        return shards[i]

    slices = {}
    parsed = []
    for k, v in entries[1:]:
        e = parse_entry(v)
        if k[:1] == b"\x00":
            name, extents = decode_slice_key(k)
            slices[(name, tuple(extents))] = e
        else:
            parsed.append((k.decode("utf-8"), e))

    def data_of(key, e):
        raw = shard(e["shard_id"])[e["offset"]:e["offset"] + e["size"]]
        assert len(raw) == e["size"], key + ": data past the end of the shard"
        return raw

    out = {"header": header, "table": info, "tensors": [], "strings": [], "skipped": []}
    graph = {}
    for key, e in parsed:
        if e["dtype"] == DT_STRING:
            raw = data_of(key, e)
            count = int(np.prod(e["shape"])) if e["shape"] else 1
            strings, crc = read_string_tensor(raw, count, big)
            out["strings"].append({"key": key, "shape": e["shape"], "crc_ok": mask(crc) == e["crc32c"]})
            if key == "_CHECKPOINTABLE_OBJECT_GRAPH":
                graph, out["object_graph_nodes"] = object_graph(strings[0])
            continue
        if e["dtype"] not in DTYPES:
            out["skipped"].append(key)
            continue
        name, item = DTYPES[e["dtype"]]
        t = {"key": key, "dtype": name, "shape": e["shape"]}
        if e["slices"]:
            # each slice is stored under an OrderedCode key; assemble with numpy in the full shape
            full = np.zeros(e["shape"], dtype=numpy_dtype(name, False))
            covered = np.zeros(e["shape"], dtype=np.int32)
            crcs = []
            for sl in e["slices"]:
                se = slices.pop((key, tuple(sl)))
                raw = data_of(key, se)
                crcs.append(mask(crc32c(raw)) == se["crc32c"])
                index = tuple(slice(None) if n < 0 else slice(s, s + n) for s, n in sl)
                full[index] = load_array(raw, name, se["shape"], big)
                covered[index] += 1
            if not (covered == 1).all():
                out["skipped"].append(key)  # slices that overlap or leave holes: no value to compare
                continue
            t["sha256"] = hashlib.sha256(np.ascontiguousarray(full).tobytes()).hexdigest()
            t["crc_ok"] = all(crcs)
            t["slices"] = len(e["slices"])
        else:
            raw = data_of(key, e)
            assert len(raw) == item * int(np.prod(e["shape"], dtype=np.int64)), key + ": size"
            a = load_array(raw, name, e["shape"], big)
            t["sha256"] = hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()
            crc = crc32c(raw)
            t["crc_ok"] = mask(crc) == e["crc32c"]
            t["crc32c"] = "%08x" % crc
        out["tensors"].append(t)
    for t in out["tensors"]:
        if t["key"] in graph:
            t.update(graph[t["key"]])
    out["unused_slices"] = len(slices)
    return out


def main(args):
    out = None
    if args[:1] == ["--out"]:
        out, args = args[1], args[2:]
    result = {}
    for a in args:
        label, path = a.split("=", 1)
        result[label] = read_checkpoint(path)
    text = json.dumps(result, indent=1, sort_keys=True) + "\n"
    if out:
        with open(out, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main(sys.argv[1:])
