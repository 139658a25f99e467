"""Writes Flax msgpack checkpoints for the tests the way flax.serialization.msgpack_serialize does
(flax/serialization.py): arrays as MessagePack extension type 1 holding packb((shape, dtype name,
C-order bytes), use_bin_type=True), numpy scalars as type 3, Python complex as type 2, and arrays
chunked into {'__msgpack_chunked_array__': True, 'shape': {...}, 'chunks': {...}} (flax chunks at
1 GiB; a smaller chunk size here makes the same structure). JAX is not installable here; python3-msgpack is.

    /usr/bin/python3 scripts/make_flax_fixtures.py src/test/resources/fixtures/flax
"""
import os
import sys

import msgpack
import numpy as np


def ext_array(a, code=1):
    name = a.dtype.name if not (a.dtype == np.uint16 and getattr(a, '_bf16', False)) else 'bfloat16'
    return msgpack.ExtType(code, msgpack.packb((a.shape, name, a.tobytes('C')), use_bin_type=True))


def bf16(values):
    bits = (np.asarray(values, dtype='<f4').view('<u4') >> 16).astype('<u2')
    return msgpack.ExtType(1, msgpack.packb((bits.shape, 'bfloat16', bits.tobytes('C')), use_bin_type=True))


def chunked(a, chunk):
    flat = a.reshape(-1)
    return {'__msgpack_chunked_array__': True,
            'shape': {str(i): d for i, d in enumerate(a.shape)},
            'chunks': {str(i // chunk): ext_array(flat[i:i + chunk]) for i in range(0, flat.size, chunk)}}


def main(out):
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(11)
    state = {
        'params': {
            'Conv_0': {'kernel': ext_array(rng.standard_normal((3, 3, 3, 8)).astype('<f4')),
                       'bias': ext_array(np.zeros(8, '<f4'))},
            'Dense_0': {'kernel': ext_array(rng.standard_normal((8, 4)).astype('<f4')),
                        'bias': bf16(rng.standard_normal(4))},
            'Embed_0': {'embedding': chunked(rng.standard_normal((10, 6)).astype('<f4'), 16)},
        },
        'batch_stats': {'BatchNorm_0': {'mean': ext_array(rng.standard_normal(8).astype('<f8')),
                                        'var': ext_array(np.ones(8, '<f2'))}},
        'opt_state': [ext_array(np.arange(5, dtype='<i4')), {'count': ext_array(np.array(7, '<i8'), 3)}],
        'step': 1200,
        'config': {'name': 'tiny-cnn', 'dropout': 0.1, 'use_bias': True, 'note': None, 'phase': msgpack.ExtType(2, msgpack.packb((1.0, -2.0)))},
        'mask': ext_array(np.array([[True, False], [False, True]])),
    }
    with open(os.path.join(out, 'tiny_cnn.msgpack'), 'wb') as f:
        f.write(msgpack.packb(state, strict_types=True))
    good = msgpack.packb(state, strict_types=True)
    # hostile: truncated; a declared 4 GiB array in a small file; duplicate keys; a map claiming 2^32-1 entries; deep nesting
    with open(os.path.join(out, 'hostile_truncated.msgpack'), 'wb') as f:
        f.write(good[:len(good) // 2])
    liar = msgpack.packb({'w': msgpack.ExtType(1, msgpack.packb(((1 << 30,), 'float32', b'\0' * 16), use_bin_type=True))})
    with open(os.path.join(out, 'hostile_shape.msgpack'), 'wb') as f:
        f.write(liar)
    dup = b'\x82' + msgpack.packb('w') + msgpack.packb(ext_array(np.zeros(2, '<f4'))) + msgpack.packb('w') + msgpack.packb(ext_array(np.ones(2, '<f4')))
    with open(os.path.join(out, 'hostile_duplicate.msgpack'), 'wb') as f:
        f.write(dup)
    with open(os.path.join(out, 'hostile_count.msgpack'), 'wb') as f:
        f.write(b'\xdf\xff\xff\xff\xff' + msgpack.packb('w') + msgpack.packb(ext_array(np.zeros(2, '<f4'))))
    deep = msgpack.packb(ext_array(np.zeros(1, '<f4')))
    for _ in range(1000):
        deep = b'\x81\xa1a' + deep
    with open(os.path.join(out, 'hostile_deep.msgpack'), 'wb') as f:
        f.write(deep)


if __name__ == '__main__':
    main(sys.argv[1])
