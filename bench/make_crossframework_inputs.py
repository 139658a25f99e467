#!/usr/bin/python3
"""Writes ~4 GiB checkpoints of other frameworks for the listing benchmark, shaped like real ones:

  llama.gguf       a GGUF v3 file like a 7B llama's: 291 tensors (Q4_K, Q6_K, F32), a 32,000-token
                   vocabulary and the usual key/values; data filled with pseudo-random bytes
  resnet.h5        a Keras 2 full-model HDF5 file (h5py): 480 datasets under model_weights/ in the
                   layer_names / weight_names layout, plus optimizer_weights/
  bert.ckpt.*      a TF2 object-based checkpoint (2 data shards, 1,200 variables with
                   .ATTRIBUTES/VARIABLE_VALUE keys); the tensors' crc32c are not computed (a listing
                   never reads data; pure-Python crc32c of 4 GiB would take hours)

    /usr/bin/python3 bench/make_crossframework_inputs.py bench/work [GiB]

The files are written with real bytes (no sparse regions), so a cold-cache run reads what it
would read after a download.
"""
import os
import struct
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "scripts"))
BLOCK = np.random.default_rng(0).integers(0, 256, 16 << 20, dtype=np.uint8).tobytes()


def fill(f, n):
    """n pseudo-random bytes (a repeated 16 MiB block: real data on disk, written fast)."""
    while n > 0:
        k = min(n, len(BLOCK))
        f.write(BLOCK[:k])
        n -= k


# ---- GGUF (the format as gguf-py writes it: header, key/values, tensor infos, aligned data)

GGUF_TYPES = {"F32": (0, 1, 4), "Q4_K": (12, 256, 144), "Q6_K": (14, 256, 210)}


def gguf(path, scale):
    dim, ffn, layers, vocab = 4096, 11008, 32, 32000
    layers = max(1, int(layers * scale))
    tensors = [("token_embd.weight", [dim, vocab], "Q4_K"), ("output_norm.weight", [dim], "F32"), ("output.weight", [dim, vocab], "Q6_K")]
    for i in range(layers):
        for name, ne, t in (("attn_norm.weight", [dim], "F32"), ("attn_q.weight", [dim, dim], "Q4_K"), ("attn_k.weight", [dim, dim], "Q4_K"),
                            ("attn_v.weight", [dim, dim], "Q6_K"), ("attn_output.weight", [dim, dim], "Q4_K"),
                            ("ffn_gate.weight", [dim, ffn], "Q4_K"), ("ffn_up.weight", [dim, ffn], "Q4_K"),
                            ("ffn_down.weight", [ffn, dim], "Q6_K"), ("ffn_norm.weight", [dim], "F32")):
            tensors.append((f"blk.{i}.{name}", ne, t))

    def s(text):
        b = text.encode()
        return struct.pack("<Q", len(b)) + b

    kv = []
    kv.append(s("general.architecture") + struct.pack("<I", 8) + s("llama"))
    kv.append(s("general.name") + struct.pack("<I", 8) + s("bench-llama"))
    for k, v in (("llama.context_length", 4096), ("llama.embedding_length", dim), ("llama.block_count", layers),
                 ("llama.feed_forward_length", ffn), ("llama.attention.head_count", 32), ("llama.attention.head_count_kv", 32)):
        kv.append(s(k) + struct.pack("<I", 4) + struct.pack("<I", v))
    kv.append(s("tokenizer.ggml.model") + struct.pack("<I", 8) + s("llama"))
    tokens = b"".join(s("tok%d" % i) for i in range(vocab))
    kv.append(s("tokenizer.ggml.tokens") + struct.pack("<I", 9) + struct.pack("<IQ", 8, vocab) + tokens)
    kv.append(s("tokenizer.ggml.scores") + struct.pack("<I", 9) + struct.pack("<IQ", 6, vocab) + np.zeros(vocab, "<f4").tobytes())
    align = 32
    infos, offset, sizes = [], 0, []
    for name, ne, t in tensors:
        tid, per, nbytes = GGUF_TYPES[t]
        n = int(np.prod(ne))
        size = n // per * nbytes
        infos.append(s(name) + struct.pack("<I", len(ne)) + b"".join(struct.pack("<Q", d) for d in ne) + struct.pack("<IQ", tid, offset))
        sizes.append(size)
        offset += (size + align - 1) // align * align
    head = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(kv)) + b"".join(kv) + b"".join(infos)
    head += b"\0" * ((-len(head)) % align)
    with open(path, "wb") as f:
        f.write(head)
        for size in sizes:
            fill(f, size)
            f.write(b"\0" * ((-size) % align))
    return len(tensors)


# ---- Keras 2 full model (h5py, the layout keras.engine.saving writes)

def keras(path, scale):
    import h5py
    target = 4 << 30
    target = int(target * scale)
    layers = []
    per_block = 0
    stage = 0
    # ResNet-like: conv (kernel), batch norm (4 vectors) per layer; wide convs to reach the size
    while sum(int(np.prod(s)) * 4 for _, ws in layers for _, s in ws) < target and len(layers) < 4000:
        i = len(layers)
        c = 256 * (1 + stage % 4)
        if i % 2 == 0:
            layers.append((f"conv2d_{i}", [(f"conv2d_{i}/kernel:0", (3, 3, c, c)), (f"conv2d_{i}/bias:0", (c,))]))
        else:
            layers.append((f"batch_normalization_{i}", [(f"batch_normalization_{i}/{w}:0", (c,)) for w in ("gamma", "beta", "moving_mean", "moving_variance")]))
        per_block += 1
        if per_block == 60:
            per_block, stage = 0, stage + 1
    count = 0
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = b"2.4.0"
        f.attrs["backend"] = b"tensorflow"
        f.attrs["model_config"] = b'{"class_name": "Functional", "config": {"name": "bench", "layers": []}}'
        g = f.create_group("model_weights")
        g.attrs["layer_names"] = np.array([n.encode() for n, _ in layers])
        g.attrs["backend"] = b"tensorflow"
        g.attrs["keras_version"] = b"2.4.0"
        for name, weights in layers:
            lg = g.create_group(name)
            lg.attrs["weight_names"] = np.array([w.encode() for w, _ in weights])
            for w, shape in weights:
                n = int(np.prod(shape))
                data = np.frombuffer(BLOCK[: n * 4], "<f4") if n * 4 <= len(BLOCK) else np.resize(np.frombuffer(BLOCK, "<f4"), n)
                lg.create_dataset(w, data=data.reshape(shape))
                count += 1
        o = f.create_group("optimizer_weights")
        o.create_dataset("Adam/iterations:0", data=np.array(1000, "<i8"))
        o.attrs["weight_names"] = np.array([b"Adam/iterations:0"])
    return count + 1


# ---- TensorFlow TF2 checkpoint (TensorBundle: leveldb table index + data shards)

def tf(folder, scale):
    import make_tf_fixtures as tfw
    target = int((4 << 30) * scale)
    entries = {}
    shards = [0, 0]
    files = [open(os.path.join(folder, "bert.ckpt.data-%05d-of-00002" % i), "wb") for i in range(2)]
    i = 0
    total = 0
    while total < target:
        layer = i // 12
        shape = [1024, 4096] if i % 12 in (0, 1) else ([4096, 1024] if i % 12 == 2 else [1024])
        n = int(np.prod(shape)) * 4
        shard = i % 2
        key = f"model/layer_with_weights-{layer}/{'kernel' if len(shape) > 1 else 'bias'}_{i % 12}/.ATTRIBUTES/VARIABLE_VALUE"
        entries[key.encode()] = tfw.entry_proto(1, shape, shard, shards[shard], n, 0)
        fill(files[shard], n)
        shards[shard] += n
        total += n
        i += 1
    for f in files:
        f.close()
    items = [(b"", tfw.header_proto(2))] + sorted(entries.items())
    with open(os.path.join(folder, "bert.ckpt.index"), "wb") as f:
        f.write(tfw.table(items))
    return len(entries)


def main():
    out = sys.argv[1]
    scale = float(sys.argv[2]) / 4 if len(sys.argv) > 2 else 1.0
    os.makedirs(out, exist_ok=True)
    counts = {
        "llama.gguf": gguf(os.path.join(out, "llama.gguf"), scale),
        "resnet.h5": keras(os.path.join(out, "resnet.h5"), scale),
        "bert.ckpt": tf(out, scale),
    }
    with open(os.path.join(out, "crossframework.counts"), "w") as f:
        for k, v in counts.items():
            f.write(f"{k}\t{v}\n")
    print(counts)


if __name__ == "__main__":
    main()
