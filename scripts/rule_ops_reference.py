#!/usr/bin/python3
"""Reference for the rules' data ops (rules version 2): for each case, an input state_dict, the
Weightbench rules, and what real torch computes with its own ops (permute, reshape, squeeze,
unsqueeze, flip, chunk, split, cat, stack, index reorder), written independently of the rules.
Writes DIR/cases.json and DIR/<case>_in.pth, DIR/<case>_want.pth; RuleOpsInteropTest applies the
rules and compares every tensor's sha256 bit for bit.

    /usr/bin/python3 scripts/rule_ops_reference.py DIR
"""
import json
import os
import sys

import torch


def rule(op, **fields):
    return dict(op=op, **fields)


def cases():
    g = torch.Generator().manual_seed(15)

    def randn(*shape, dtype=torch.float32):
        return torch.randn(*shape, generator=g).to(dtype)

    out = []
    # layout by kind: Keras / TF kernels to PyTorch weights
    dense = randn(5, 7)                       # Dense kernel [in, out]
    conv1d = randn(3, 4, 6)                   # Conv1D [k, in, out]
    conv2d = randn(3, 3, 4, 6)                # Conv2D [kh, kw, in, out]
    conv3d = randn(2, 3, 3, 4, 6)             # Conv3D [kd, kh, kw, in, out]
    dw = randn(3, 3, 8, 2)                    # DepthwiseConv2D [kh, kw, C, multiplier]
    tconv = randn(4, 4, 6, 3)                 # Conv2DTranspose [kh, kw, out, in]
    bias = randn(6)
    out.append(("layout", {
        "dense_1/kernel:0": dense, "conv1d/kernel:0": conv1d, "conv2d_3/kernel:0": conv2d, "conv3d/kernel:0": conv3d,
        "block_1/depthwise_conv/depthwise_kernel:0": dw, "conv2d_transpose/kernel:0": tconv, "conv2d_3/bias:0": bias,
    }, [
        rule("strip_suffix", suffix=":0"),
        # auto: depthwise by the key, dense by rank 2, conv by rank 3-5 (a Conv2DTranspose kernel
        # [kh, kw, out, in] takes the same permutation to torch's [in, out, kh, kw])
        rule("layout", match="(?:^|/)(?:kernel|depthwise_kernel)$", kind="auto"),
        rule("map_tokens", split="/", join=".", map={"kernel": "weight", "depthwise_kernel": "weight", "gamma": "weight", "beta": "bias"}),
        rule("renumber", pattern="^block_(\\d+)\\.", replace="blocks.$1.", add={"1": -1}),
    ], {
        "dense_1.weight": dense.permute(1, 0),
        "conv1d.weight": conv1d.permute(2, 1, 0),
        "conv2d_3.weight": conv2d.permute(3, 2, 0, 1),
        "conv3d.weight": conv3d.permute(4, 3, 0, 1, 2),
        "blocks.0.depthwise_conv.weight": dw.permute(2, 3, 0, 1).reshape(16, 1, 3, 3),
        "conv2d_transpose.weight": tconv.permute(3, 2, 0, 1),
        "conv2d_3.bias": bias,
    }))
    # squeeze, unsqueeze, flip (a Theano-backend kernel), in float16 and bfloat16 too
    a = randn(1, 4, 3)
    h = randn(6, 4, 3, 3, dtype=torch.float16)
    b = randn(5, 2, 3, dtype=torch.bfloat16)
    c = randn(4)
    out.append(("squeeze_flip", {"a": a, "theano.kernel": h, "b": b, "c": c}, [
        rule("squeeze", match="^a$", dim=0),
        rule("flip", match="^theano\\.kernel$", dims=[2, 3]),
        rule("flip", match="^b$", dims=[0, -1]),
        rule("unsqueeze", match="^c$", dim=-1),
    ], {"a": a.squeeze(0), "theano.kernel": h.flip([2, 3]), "b": b.flip([0, -1]), "c": c.unsqueeze(-1)}))
    # split a fused qkv (chunk) and a tensor with sizes (split); join q, k, v (cat) and layers (stack)
    qkv = randn(12, 4)
    qkv_b = randn(12)
    ab = randn(3, 7)
    q, k, v = randn(4, 4), randn(4, 4), randn(4, 4)
    layers = [randn(2, 3) for _ in range(3)]
    scanned = randn(3, 2, 5)
    out.append(("split_join", {
        "blocks.0.attn.qkv.weight": qkv, "blocks.0.attn.qkv.bias": qkv_b, "ab": ab,
        "enc.q_proj.weight": q, "enc.k_proj.weight": k, "enc.v_proj.weight": v,
        "layers.0.w": layers[0], "layers.1.w": layers[1], "layers.2.w": layers[2],
        "scan.kernel": scanned,
    }, [
        rule("split", match="^(.*)\\.qkv\\.(weight|bias)$", dim=0, into=["$1.q.$2", "$1.k.$2", "$1.v.$2"]),
        rule("split", match="^ab$", dim=1, sizes=[3, 4], into=["a", "b"]),
        rule("concat", match="^(.*)\\.q_proj\\.weight$", parts=["$1.q_proj.weight", "$1.k_proj.weight", "$1.v_proj.weight"],
             into="$1.in_proj_weight", dim=0),
        rule("stack", match="^layers\\.0\\.w$", parts=["layers.0.w", "layers.1.w", "layers.2.w"], into="stacked.w", dim=0),
        rule("split", match="^scan\\.kernel$", dim=0, into=["scan.0.kernel", "scan.1.kernel", "scan.2.kernel"], squeeze=True),
    ], dict(
        [(f"blocks.0.attn.{n}.weight", t) for n, t in zip("qkv", torch.chunk(qkv, 3, dim=0))]
        + [(f"blocks.0.attn.{n}.bias", t) for n, t in zip("qkv", torch.chunk(qkv_b, 3, dim=0))]
        + list(zip(["a", "b"], torch.split(ab, [3, 4], dim=1)))
        + [("enc.in_proj_weight", torch.cat([q, k, v], dim=0)), ("stacked.w", torch.stack(layers, dim=0))]
        + [(f"scan.{i}.kernel", t) for i, t in enumerate(torch.unbind(scanned, dim=0))]
    )))
    # recurrent gate order: ONNX LSTM (i, o, f, c) and Keras GRU (z, r, h) to PyTorch (i, f, g, o) / (r, z, n)
    hidden = 3
    onnx_w = randn(4 * hidden, 5)
    keras_gru = randn(3 * hidden, 5)
    keras_lstm_kernel = randn(5, 4 * hidden)   # Keras LSTM kernel [in, 4h], gates i, f, c, o
    blocks = lambda t, n: list(torch.chunk(t, n, dim=0))
    i, o, f, c = blocks(onnx_w, 4)
    z, r, hh = blocks(keras_gru, 3)
    out.append(("gates", {"lstm.weight_ih_l0": onnx_w, "gru.weight_ih_l0": keras_gru, "klstm.kernel": keras_lstm_kernel}, [
        rule("reorder_blocks", match="^lstm\\.", dim=0, **{"from": "onnx_lstm", "to": "torch_lstm"}),
        rule("reorder_blocks", match="^gru\\.", dim=0, **{"from": ["z", "r", "h"], "to": ["r", "z", "n"]}),
        rule("layout", match="^klstm\\.kernel$", kind="dense"),
        rule("reorder_blocks", match="^klstm\\.", dim=0, **{"from": "keras_lstm", "to": "torch_lstm"}),
    ], {
        "lstm.weight_ih_l0": torch.cat([i, f, c, o], dim=0),
        "gru.weight_ih_l0": torch.cat([r, z, hh], dim=0),
        "klstm.kernel": keras_lstm_kernel.t().index_select(0, torch.arange(4 * hidden)),  # same gate order
    }))
    # GGUF llama -> Hugging Face llama: llama.cpp's converter permutes q and k for its rotary
    # embedding (convert_hf_to_gguf.py's LlamaModel.permute); the gguf-llama preset undoes it with
    # the head counts of the file's metadata (here 4 query heads, 2 key/value heads of dim 6)
    def llama_cpp_permute(w, n_head):
        return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)

    hq = randn(24, 24)
    hk = randn(12, 24)
    hv = randn(12, 24)
    emb = randn(10, 24)
    out.append(("gguf_llama", {
        "token_embd.weight": emb, "blk.0.attn_q.weight": llama_cpp_permute(hq, 4), "blk.0.attn_k.weight": llama_cpp_permute(hk, 2),
        "blk.0.attn_v.weight": hv, "output_norm.weight": bias,
    }, {"preset": "gguf-llama", "metadata": {"llama.attention.head_count": "4", "llama.attention.head_count_kv": "2"}}, {
        "model.embed_tokens.weight": emb, "model.layers.0.self_attn.q_proj.weight": hq, "model.layers.0.self_attn.k_proj.weight": hk,
        "model.layers.0.self_attn.v_proj.weight": hv, "model.norm.weight": bias,
    }))
    # replace_nonfinite: NaN / inf replaced by a constant (torch.where), or whole tensors that hold
    # any by it (torch.full_like); in float32, float16 and bfloat16; clean tensors unchanged
    nan, inf = float("nan"), float("inf")
    r32 = randn(6, 5)
    r32[1, 2], r32[4, 0], r32[5, 4] = nan, inf, -inf
    r16 = randn(7, dtype=torch.float16)
    r16[3] = nan
    rbf = randn(2, 3, dtype=torch.bfloat16)
    rbf[0, 1] = -inf
    whole = randn(4, 4)
    whole[2, 2] = nan
    clean = randn(3)
    out.append(("nonfinite", {"r32": r32, "r16": r16, "rbf": rbf, "whole": whole, "clean": clean}, [
        rule("replace_nonfinite", match="^r", fill=0.25),
        rule("replace_nonfinite", match="^(whole|clean)$", fill=-1.5, whole_tensor=True),
    ], {
        "r32": torch.where(torch.isfinite(r32), r32, torch.tensor(0.25)),
        "r16": torch.where(torch.isfinite(r16), r16, torch.tensor(0.25, dtype=torch.float16)),
        "rbf": torch.where(torch.isfinite(rbf), rbf, torch.tensor(0.25, dtype=torch.bfloat16)),
        "whole": torch.full_like(whole, -1.5),
        "clean": clean,
    }))
    return out


def main():
    d = sys.argv[1]
    index = []
    for name, inp, rules, want in cases():
        torch.save(inp, os.path.join(d, f"{name}_in.pth"))
        torch.save({k: t.contiguous() for k, t in want.items()}, os.path.join(d, f"{name}_want.pth"))
        if isinstance(rules, dict):  # a preset, with the checkpoint metadata it reads
            index.append({"name": name, **rules})
        else:
            index.append({"name": name, "rules": {"weightbench_rules": 2, "rules": rules}})
    with open(os.path.join(d, "cases.json"), "w") as f:
        json.dump(index, f, indent=1)


if __name__ == "__main__":
    main()
