#!/usr/bin/python3
"""Makes the benchmark inputs with real torch: a state_dict of N float32 tensors totalling about
SIZE bytes, saved as a torch zip .pth and as .safetensors (written by hand: the safetensors
package is not in Debian).

    /usr/bin/python3 bench/make_inputs.py OUT_DIR NAME TENSORS TOTAL_MB
"""
import json
import os
import struct
import sys

import torch


def main():
    out, name, count, total_mb = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    os.makedirs(out, exist_ok=True)
    per = max(1, total_mb * 1024 * 1024 // 4 // count)
    g = torch.Generator().manual_seed(0)
    sd = {}
    for i in range(count):
        # a mix of shapes, like a real network: matrices, conv kernels, vectors
        if i % 4 == 0:
            sd[f"layers.{i // 4}.attn.weight"] = torch.randn(per, generator=g).view(-1, 256) if per % 256 == 0 else torch.randn(per, generator=g)
        elif i % 4 == 1:
            sd[f"layers.{i // 4}.mlp.weight"] = torch.randn(per, generator=g)
        elif i % 4 == 2:
            sd[f"layers.{i // 4}.conv.weight"] = torch.randn(per, generator=g)
        else:
            sd[f"layers.{i // 4}.norm.weight"] = torch.randn(per, generator=g)
    pth = os.path.join(out, name + ".pth")
    torch.save(sd, pth)
    header, offset = {}, 0
    for k, t in sd.items():
        n = t.numel() * 4
        header[k] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + n]}
        offset += n
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(os.path.join(out, name + ".safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h)
        for t in sd.values():
            f.write(t.contiguous().numpy().tobytes())
    print(name, count, "tensors,", os.path.getsize(pth), "bytes")


if __name__ == "__main__":
    main()
