"""Writes PaddlePaddle-style .pdparams for the tests as paddle.save writes a state dict
(paddle/framework/io.py): a pickle (protocol 2 or 4) of a dict of numpy arrays plus
'StructuredToParameterName@@', and for big parameters the 'UnpackBigParamInfor@@' slices. Paddle
is not installable here; numpy's own pickling makes the arrays exactly as Paddle's pickle does.

    /usr/bin/python3 scripts/make_paddle_fixtures.py src/test/resources/fixtures/paddle
"""
import os
import pickle
import sys

import numpy as np


def main(out):
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(5)
    embed = rng.standard_normal((600, 512)).astype('<f4')  # 1.2 MB: pickled as one large bytes object
    state = {
        'embedding.weight': embed,
        'linear_0.w_0': rng.standard_normal((16, 8)).astype('<f4'),
        'linear_0.b_0': np.zeros(8, '<f4'),
        'bn._mean': rng.standard_normal(8).astype('<f8'),
        'bn._variance': np.asfortranarray(rng.standard_normal((4, 3)).astype('<f4')),
        'head.weight_be': rng.standard_normal((3, 2)).astype('>f4'),
        'half': rng.standard_normal(5).astype('<f2'),
        'ids': np.arange(6, dtype='<i8').reshape(2, 3),
        'mask': np.array([True, False]),
        'StructuredToParameterName@@': {'embedding.weight': 'embedding_0.w_0', 'linear_0.w_0': 'linear_0.w_0'},
    }
    # a "big" parameter cut into slices as paddle.save does for arrays over 4 GB (here small)
    big = rng.standard_normal((4, 5)).astype('<f4')
    flat = big.reshape(-1)
    state['big.weight@@.0'] = flat[:12].copy()
    state['big.weight@@.1'] = flat[12:].copy()
    state['UnpackBigParamInfor@@'] = {'big.weight': {'OriginShape': big.shape, 'slices': ['big.weight@@.0', 'big.weight@@.1']}}
    for proto in (2, 4):
        with open(os.path.join(out, 'model_protocol%d.pdparams' % proto), 'wb') as f:
            pickle.dump(state, f, protocol=proto)
    # an object array among the numbers: listed, not read
    with open(os.path.join(out, 'object_array.pdparams'), 'wb') as f:
        pickle.dump({'w': np.zeros(2, '<f4'), 'names': np.array(['a', None], dtype=object)}, f, protocol=4)
    # data shorter than the array's shape says
    with open(os.path.join(out, 'model_protocol4.pdparams'), 'rb') as f:
        data = f.read()
    with open(os.path.join(out, 'hostile_truncated.pdparams'), 'wb') as f:
        f.write(data[:len(data) // 3])


if __name__ == '__main__':
    main(sys.argv[1])
