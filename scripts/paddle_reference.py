"""An independent reader of .pdparams for the tests: Python's own unpickler, allowed to build
numpy arrays only (any other global is refused, so nothing can run), then Paddle's big-parameter
slices joined; prints {"tensors": [{"key", "dtype", "shape", "sha256"}]} in dict order.

    /usr/bin/python3 scripts/paddle_reference.py model.pdparams
"""
import codecs
import hashlib
import json
import pickle
import sys

import numpy as np

ALLOWED = {('numpy.core.multiarray', '_reconstruct'), ('numpy', 'ndarray'), ('numpy', 'dtype'),
           ('_codecs', 'encode'), ('numpy._core.multiarray', '_reconstruct')}
NAMES = {'float32': 'float32', 'float64': 'float64', 'float16': 'float16', 'int64': 'int64', 'int32': 'int32',
         'bool': 'bool', 'uint8': 'uint8', 'int8': 'int8', 'int16': 'int16'}


class Restricted(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) not in ALLOWED:
            raise pickle.UnpicklingError('refused global %s.%s' % (module, name))
        if module == '_codecs':
            return codecs.encode
        return super().find_class(module.replace('numpy._core', 'numpy.core'), name)


def main(path):
    with open(path, 'rb') as f:
        d = Restricted(f, encoding='latin1').load()
    big = d.get('UnpackBigParamInfor@@', {})
    slices = {s for v in big.values() for s in v['slices']}
    out = []

    def add(key, a):
        a = np.ascontiguousarray(a)
        le = a.astype(a.dtype.newbyteorder('<')) if a.dtype.byteorder == '>' else a
        out.append({'key': key, 'dtype': NAMES[a.dtype.name], 'shape': list(a.shape),
                    'sha256': hashlib.sha256(le.tobytes()).hexdigest()})

    for k, v in d.items():
        if k in ('StructuredToParameterName@@', 'UnpackBigParamInfor@@') or k in slices:
            continue
        if isinstance(v, np.ndarray) and v.dtype != object:
            add(k, v)
    for k, v in big.items():
        add(k, np.concatenate([d[s] for s in v['slices']]).reshape(v['OriginShape']))
    print(json.dumps({'tensors': out}))


if __name__ == '__main__':
    main(sys.argv[1])
