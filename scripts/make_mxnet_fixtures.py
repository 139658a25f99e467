"""Writes small MXNet NDArray-list files (.params) for the tests, in each header version MXNet has
written (legacy, v1, v2, v3), as NDArray::Save and dmlc's vector/string serialisation lay them out;
plus hostile variants. MXNet itself is not installable here; the real file in
../shared/crossframework/mxnet is the reference for the v2 layout.

    /usr/bin/python3 scripts/make_mxnet_fixtures.py src/test/resources/fixtures/mxnet
"""
import os
import struct
import sys

import numpy as np

CODES = {'float32': 0, 'float64': 1, 'float16': 2, 'uint8': 3, 'int32': 4, 'int8': 5, 'int64': 6, 'bool': 7,
         'int16': 8, 'uint16': 9, 'uint32': 10, 'uint64': 11}


def array(a, version, flag=None):
    out = b''
    shape = a.shape
    if version == 'legacy':
        out += struct.pack('<I', len(shape)) + b''.join(struct.pack('<I', d) for d in shape)
    else:
        if version == 'v1':
            out += struct.pack('<I', 0xF993FAC8)
        else:
            out += struct.pack('<Ii', 0xF993FAC9 if version == 'v2' else 0xF993FACA, 0)
        out += struct.pack('<i', len(shape)) + b''.join(struct.pack('<q', d) for d in shape)
    out += struct.pack('<ii', 1, 0)  # cpu(0)
    out += struct.pack('<i', CODES[a.dtype.name] if flag is None else flag)
    return out + np.ascontiguousarray(a).astype(a.dtype.newbyteorder('<')).tobytes()


def params(arrays, names):
    out = struct.pack('<QQQ', 0x112, 0, len(arrays)) + b''.join(arrays)
    out += struct.pack('<Q', len(names))
    for n in names:
        b = n.encode()
        out += struct.pack('<Q', len(b)) + b
    return out


def main(out):
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(3)
    conv = rng.standard_normal((4, 3, 3, 3)).astype('f4')
    fc = rng.standard_normal((10, 8)).astype('f2')
    ids = np.arange(6, dtype='i8').reshape(2, 3)
    mask = np.array([True, False, True])
    u8 = np.arange(5, dtype='u1')
    files = {
        'v2_symbolic-0000.params': params([array(conv, 'v2'), array(fc, 'v2'), array(ids, 'v2'), array(mask, 'v2')],
                                          ['arg:conv0_weight', 'arg:fc1_weight', 'aux:ids', 'aux:mask']),
        'v3_gluon.params': params([array(conv, 'v3'), array(u8, 'v3'), array(np.array(2.5, dtype='f8'), 'v3')],
                                  ['features.0.weight', 'counts', 'scale']),
        'v1.params': params([array(conv, 'v1'), array(fc, 'v1')], ['conv_weight', 'fc_weight']),
        'legacy.params': params([array(conv, 'legacy'), array(u8, 'legacy')], ['conv_weight', 'counts']),
        'unnamed.params': params([array(conv, 'v2'), array(fc, 'v2')], []),
    }
    # a symbol file beside the v2 file: which op takes each variable
    with open(os.path.join(out, 'v2_symbolic-symbol.json'), 'w') as f:
        f.write('{"nodes": [{"op": "null", "name": "data", "inputs": []},'
                ' {"op": "null", "name": "conv0_weight", "inputs": []},'
                ' {"op": "Convolution", "name": "conv0", "attrs": {"kernel": "(3, 3)", "num_filter": "4", "num_group": "1", "no_bias": "True"},'
                '  "inputs": [[0, 0, 0], [1, 0, 0]]},'
                ' {"op": "null", "name": "fc1_weight", "inputs": []},'
                ' {"op": "FullyConnected", "name": "fc1", "attrs": {"num_hidden": "10"}, "inputs": [[2, 0, 0], [3, 0, 0]]}],'
                ' "arg_nodes": [0, 1, 3], "heads": [[4, 0, 0]]}')
    good = files['v2_symbolic-0000.params']
    files['hostile_truncated.params'] = good[:len(good) - 100]
    files['hostile_count.params'] = struct.pack('<QQQ', 0x112, 0, 1 << 60) + good[24:]
    files['hostile_sparse.params'] = params([struct.pack('<Ii', 0xF993FAC9, 1) + b'\0' * 64], ['w'])
    files['hostile_dims.params'] = params([struct.pack('<Iii', 0xF993FAC9, 0, 2) + struct.pack('<qq', 1 << 20, 1 << 20)
                                           + struct.pack('<iii', 1, 0, 0)], ['w'])
    files['hostile_flag.params'] = params([array(u8, 'v2', flag=99)], ['w'])
    for name, data in files.items():
        with open(os.path.join(out, name), 'wb') as f:
            f.write(data)


if __name__ == '__main__':
    main(sys.argv[1])
