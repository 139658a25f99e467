#!/usr/bin/env python3
"""Writes plain pickles of one nested value in every protocol (0-5), plus the value in a JSON form
that the pickle VM test compares against. Standard library only:

    python3 scripts/make_pickle_fixtures.py src/test/resources/pickles
"""
import collections
import json
import os
import pickle
import sys


def canon(v):
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, int):
        return {"int": str(v)}
    if isinstance(v, float):
        return {"float": repr(v)}
    if isinstance(v, (bytes, bytearray)):
        return {"bytes": bytes(v).hex()}
    if isinstance(v, tuple):
        return {"tuple": [canon(x) for x in v]}
    if isinstance(v, list):
        return [canon(x) for x in v]
    if isinstance(v, (set, frozenset)):
        return {"set": sorted(json.dumps(canon(x), sort_keys=True) for x in v)}
    if isinstance(v, dict):
        return {"dict": [[canon(k), canon(x)] for k, x in v.items()]}
    if isinstance(v, complex):
        return {"complex": [repr(v.real), repr(v.imag)]}
    raise TypeError(type(v))


shared = [1, 2, 3]
VALUE = {
    "none": None, "true": True, "false": False,
    "small": 7, "byte": 255, "short": 65535, "neg": -5, "int32": -2**31, "int64": 2**62, "big": 2**100, "negbig": -2**70,
    "float": 3.25, "tiny": 1e-300, "inf": float("inf"),
    "text": "héllo\nworld", "empty": "", "long_text": "x" * 300, "emoji": "\U0001F600",
    "bytes": b"\x00\x01\xff", "long_bytes": bytes(range(256)) * 2,
    "tuple0": (), "tuple1": (1,), "tuple2": (1, "a"), "tuple3": (1, 2, 3), "tuple5": (1, 2, 3, 4, 5),
    "list": [1, [2, [3, []]]], "shared_a": shared, "shared_b": shared,
    "set": {1, 2, 3}, "frozenset": frozenset({"a"}),
    "ordered": collections.OrderedDict([("b", 1), ("a", 2)]),
    "int_keys": {0: "zero", 1: "one"}, "tuple_keys": {(1, 2): "pair"},
    "complex": complex(1.5, -2),
}


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for p in range(0, 6):
        with open(os.path.join(out, f"value_protocol{p}.pkl"), "wb") as f:
            pickle.dump(VALUE, f, protocol=p)
    with open(os.path.join(out, "value.json"), "w") as f:
        json.dump(canon(VALUE), f, indent=1)
    print("wrote protocols 0-5 to", out)


if __name__ == "__main__":
    main()
