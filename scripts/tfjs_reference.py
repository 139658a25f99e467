"""An independent reader of TF.js models, for the tests: decodes every weight of a model.json as
tfjs-core's io_utils.decodeWeight does (numpy), and prints one JSON object
{"tensors": [{"key", "dtype", "shape", "sha256"}], "strings": [...]} in manifest order.

    /usr/bin/python3 scripts/tfjs_reference.py path/to/model.json
"""
import hashlib
import json
import os
import sys

import numpy as np

SIZES = {'float32': 4, 'int32': 4, 'bool': 1, 'complex64': 8, 'uint8': 1, 'uint16': 2, 'float16': 2}
NUMPY = {'float32': '<f4', 'int32': '<i4', 'bool': '|u1', 'complex64': '<c8'}


def main(path):
    folder = os.path.dirname(path)
    with open(path) as f:
        model = json.load(f)
    out, strings = [], []
    for group in model['weightsManifest']:
        data = b''.join(open(os.path.join(folder, p), 'rb').read() for p in group['paths'])
        offset = 0
        for w in group['weights']:
            n = int(np.prod(w['shape'], dtype=np.int64))
            q = w.get('quantization')
            if w['dtype'] == 'string':
                for _ in range(n):
                    offset += 4 + int.from_bytes(data[offset:offset + 4], 'little')
                strings.append(w['name'])
                continue
            if q:
                raw = data[offset:offset + n * SIZES[q['dtype']]]
                offset += n * SIZES[q['dtype']]
                if q['dtype'] == 'float16':
                    values = np.frombuffer(raw, '<f2').astype('<f4')
                else:
                    qv = np.frombuffer(raw, '<u1' if q['dtype'] == 'uint8' else '<u2').astype(np.float64)
                    x = qv * q['scale'] + q['min']  # JavaScript numbers are doubles
                    if w['dtype'] == 'int32':
                        values = np.floor(x + 0.5).astype('<i4')  # Math.round, then Int32Array
                    else:
                        values = x.astype('<f4')
            else:
                raw = data[offset:offset + n * SIZES[w['dtype']]]
                offset += n * SIZES[w['dtype']]
                values = np.frombuffer(raw, NUMPY[w['dtype']])
            b = np.ascontiguousarray(values).tobytes()
            dtype = {'bool': 'bool', 'int32': 'int32', 'complex64': 'complex64'}.get(w['dtype'], 'float32')
            out.append({'key': w['name'], 'dtype': dtype, 'shape': w['shape'], 'sha256': hashlib.sha256(b).hexdigest()})
    print(json.dumps({'tensors': out, 'strings': strings}))


if __name__ == '__main__':
    main(sys.argv[1])
