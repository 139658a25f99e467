"""An independent reader of Flax msgpack checkpoints, for the tests: msgpack.unpackb with the
ext-type decoding and un-chunking of flax/serialization.py re-done in numpy, tree paths joined with
'/', printed as {"tensors": [{"key", "dtype", "shape", "sha256"}]} in tree order.

    /usr/bin/python3 scripts/flax_reference.py checkpoint.msgpack
"""
import hashlib
import json
import sys

import msgpack
import numpy as np


class Array:
    def __init__(self, shape, dtype, data):
        self.shape, self.dtype, self.data = list(shape), dtype, data


def ext_hook(code, data):
    if code in (1, 3):
        shape, dtype, buf = msgpack.unpackb(data, raw=True)
        return Array(shape, dtype.decode(), bytes(buf))
    return ('ext', code)


def walk(node, path, out):
    if isinstance(node, dict):
        if '__msgpack_chunked_array__' in node:
            chunks = [node['chunks'][str(i)] for i in range(len(node['chunks']))]
            shape = [node['shape'][str(i)] for i in range(len(node['shape']))]
            out.append((path, Array(shape, chunks[0].dtype, b''.join(c.data for c in chunks))))
            return
        for k, v in node.items():
            walk(v, k if not path else path + '/' + str(k), out)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            walk(v, str(i) if not path else path + '/' + str(i), out)
    elif isinstance(node, Array):
        out.append((path, node))


def main(path):
    tree = msgpack.unpackb(open(path, 'rb').read(), ext_hook=ext_hook, raw=False, strict_map_key=False)
    arrays = []
    walk(tree, '', arrays)
    out = []
    for key, a in arrays:
        np_dtype = '<u2' if a.dtype == 'bfloat16' else np.dtype(a.dtype).newbyteorder('<')
        values = np.frombuffer(a.data, np_dtype).reshape(a.shape)
        out.append({'key': key, 'dtype': a.dtype, 'shape': a.shape,
                    'sha256': hashlib.sha256(np.ascontiguousarray(values).tobytes()).hexdigest()})
    print(json.dumps({'tensors': out}))


if __name__ == '__main__':
    main(sys.argv[1])
