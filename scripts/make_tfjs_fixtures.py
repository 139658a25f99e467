"""Writes TF.js model folders that exercise what the corpus lacks, following tfjs' weights-manifest
format (tfjs-core io/types.ts and io_utils.ts): weights of a group concatenated in manifest order
across the group's shard files; converter quantization (uint8 / uint16 affine: q * scale + min;
float16); strings as a 4-byte little-endian length before each value.

    /usr/bin/python3 scripts/make_tfjs_fixtures.py src/test/resources/fixtures/tfjs
"""
import json
import os
import sys

import numpy as np


def quantize_affine(w, dtype):
    # tfjs-converter's quantization.py: scale = (max - min) / (2^bits - 1), q = round((w - min) / scale)
    bits = 8 if dtype == 'uint8' else 16
    lo, hi = float(w.min()), float(w.max())
    scale = (hi - lo) / (2 ** bits - 1) if hi > lo else 1.0
    q = np.round((w - lo) / scale).astype(np.uint8 if bits == 8 else '<u2')
    return q, scale, lo


def write_model(folder, groups, fmt='layers-model', topology=None, extra=None):
    os.makedirs(folder, exist_ok=True)
    manifest = []
    for g, (weights, shard_sizes) in enumerate(groups):
        blob = bytearray()
        specs = []
        for name, array, spec in weights:
            blob += array
            entry = {'name': name, 'shape': spec['shape'], 'dtype': spec['dtype']}
            if 'quantization' in spec:
                entry['quantization'] = spec['quantization']
            specs.append(entry)
        cuts = [0]
        for size in shard_sizes:
            cuts.append(min(len(blob), cuts[-1] + size))
        cuts.append(len(blob))
        paths = []
        for i in range(len(cuts) - 1):
            name = 'group%d-shard%dof%d.bin' % (g + 1, i + 1, len(cuts) - 1)
            with open(os.path.join(folder, name), 'wb') as f:
                f.write(blob[cuts[i]:cuts[i + 1]])
            paths.append(name)
        manifest.append({'paths': paths, 'weights': specs})
    model = {'format': fmt, 'generatedBy': 'weightbench scripts/make_tfjs_fixtures.py',
             'convertedBy': None, 'modelTopology': topology or {}, 'weightsManifest': manifest}
    if extra:
        model.update(extra)
    with open(os.path.join(folder, 'model.json'), 'w') as f:
        json.dump(model, f, indent=1)


def main(out):
    rng = np.random.default_rng(7)
    dense = rng.standard_normal((6, 5)).astype('<f4')
    q8, s8, m8 = quantize_affine(dense, 'uint8')
    q16, s16, m16 = quantize_affine(dense, 'uint16')
    half = dense.astype('<f2')
    ints = np.array([3, -7, 11, 100000], dtype='<i4')
    qi, si, mi = quantize_affine(ints.astype(np.float64), 'uint8')
    bools = np.array([[1, 0, 1], [0, 0, 1]], dtype=np.uint8)
    cplx = (rng.standard_normal(4) + 1j * rng.standard_normal(4)).astype('<c8')
    strings = [b'alpha', b'', b'\xce\xbb']
    sbytes = b''.join(len(s).to_bytes(4, 'little') + s for s in strings)
    big = rng.standard_normal((4, 8, 3)).astype('<f4')
    weights = [
        ('dense/kernel', dense.tobytes(), {'shape': [6, 5], 'dtype': 'float32'}),
        ('dense/kernel_uint8', q8.tobytes(), {'shape': [6, 5], 'dtype': 'float32',
                                              'quantization': {'dtype': 'uint8', 'scale': s8, 'min': m8}}),
        ('dense/kernel_uint16', q16.tobytes(), {'shape': [6, 5], 'dtype': 'float32',
                                                'quantization': {'dtype': 'uint16', 'scale': s16, 'min': m16}}),
        ('dense/kernel_float16', half.tobytes(), {'shape': [6, 5], 'dtype': 'float32',
                                                  'quantization': {'dtype': 'float16'}}),
        ('vocab', sbytes, {'shape': [3], 'dtype': 'string'}),
        ('counts', ints.tobytes(), {'shape': [4], 'dtype': 'int32'}),
        ('counts_uint8', qi.tobytes(), {'shape': [4], 'dtype': 'int32',
                                        'quantization': {'dtype': 'uint8', 'scale': si, 'min': mi}}),
        ('mask', bools.tobytes(), {'shape': [2, 3], 'dtype': 'bool'}),
        ('phase', cplx.tobytes(), {'shape': [4], 'dtype': 'complex64'}),
        ('scalar', np.array(2.5, dtype='<f4').tobytes(), {'shape': [], 'dtype': 'float32'}),
    ]
    # group 1 split in three shards whose boundaries fall inside weights; group 2 one shard
    write_model(os.path.join(out, 'sharded'),
                [(weights, [100, 150]), ([('conv/kernel', big.tobytes(), {'shape': [4, 8, 3], 'dtype': 'float32'})], [])])

    # hostile: a shard path that leaves the folder; a manifest promising more bytes than the shards hold
    write_model(os.path.join(out, 'escape'), [([('w', dense.tobytes(), {'shape': [6, 5], 'dtype': 'float32'})], [])])
    with open(os.path.join(out, 'escape', 'model.json')) as f:
        m = json.load(f)
    m['weightsManifest'][0]['paths'] = ['../sharded/group2-shard1of1.bin']
    with open(os.path.join(out, 'escape', 'model.json'), 'w') as f:
        json.dump(m, f, indent=1)
    write_model(os.path.join(out, 'short'), [([('w', dense.tobytes()[:50], {'shape': [6, 5], 'dtype': 'float32'})], [])])


if __name__ == '__main__':
    main(sys.argv[1])
