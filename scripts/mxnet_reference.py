"""An independent reader of MXNet NDArray-list files (.params), for the tests: parses the file as
MXNet's NDArray::Load / dmlc streams lay it out, and prints one JSON object
{"tensors": [{"key", "dtype", "shape", "sha256"}]} in file order (names as keys; index when unnamed).

    /usr/bin/python3 scripts/mxnet_reference.py model-0000.params
"""
import hashlib
import json
import struct
import sys

import numpy as np

FLAGS = {0: ('float32', '<f4'), 1: ('float64', '<f8'), 2: ('float16', '<f2'), 3: ('uint8', '|u1'),
         4: ('int32', '<i4'), 5: ('int8', '|i1'), 6: ('int64', '<i8'), 7: ('bool', '|b1'),
         8: ('int16', '<i2'), 9: ('uint16', '<u2'), 10: ('uint32', '<u4'), 11: ('uint64', '<u8'),
         12: ('bfloat16', '<u2')}


def main(path):
    data = open(path, 'rb').read()
    pos = 0

    def take(fmt):
        nonlocal pos
        v = struct.unpack_from(fmt, data, pos)
        pos += struct.calcsize(fmt)
        return v[0] if len(v) == 1 else v

    assert take('<Q') == 0x112 and take('<Q') == 0
    arrays = []
    for _ in range(take('<Q')):
        magic = take('<I')
        if magic in (0xF993FAC9, 0xF993FACA):
            assert take('<i') == 0  # dense
            ndim = take('<i')
            shape = [take('<q') for _ in range(max(ndim, 0))]
            none = ndim == -1 or (magic == 0xF993FAC9 and ndim == 0)
        elif magic == 0xF993FAC8:
            ndim = take('<i')
            shape = [take('<q') for _ in range(ndim)]
            none = ndim == 0
        else:
            ndim = magic
            shape = [take('<I') for _ in range(ndim)]
            none = ndim == 0
        if none:
            arrays.append(None)
            continue
        take('<i'), take('<i')  # context
        name, np_dtype = FLAGS[take('<i')]
        n = int(np.prod(shape, dtype=np.int64))
        size = n * np.dtype(np_dtype).itemsize
        a = np.frombuffer(data, np_dtype, count=n, offset=pos)
        pos += size
        arrays.append((name, shape, hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()))
    names = []
    for _ in range(take('<Q')):
        length = take('<Q')
        names.append(data[pos:pos + length].decode())
        pos += length
    out = []
    for i, a in enumerate(arrays):
        if a is not None:
            out.append({'key': names[i] if names else str(i), 'dtype': a[0], 'shape': a[1], 'sha256': a[2]})
    print(json.dumps({'tensors': out}))


if __name__ == '__main__':
    main(sys.argv[1])
