#!/usr/bin/env python3
"""What real torch (Debian's 1.13) reads from each file named: one line per file,
`name<TAB>keys<TAB>k1,k2...` (the top-level keys of torch.load's result), or `name<TAB>refused<TAB>message`.
With --weights-only, torch.load(weights_only=True) instead, reporting `loaded` or `refused`.

Only ever give it the benign *_probe files and the allowlist pickles of scripts/make_attack_files.py:
torch.load without weights_only runs what a pickle asks for.

    /usr/bin/python3 scripts/torch_reads.py [--weights-only] FILE...
"""
import sys
import warnings

import torch

warnings.simplefilter("ignore")


def main():
    args = sys.argv[1:]
    weights_only = args and args[0] == "--weights-only"
    if weights_only:
        args = args[1:]
    for path in args:
        name = path.rsplit("/", 1)[-1]
        try:
            value = torch.load(path, weights_only=True) if weights_only else torch.load(path)
        except Exception as e:  # torch's refusal, whatever its type
            message = " ".join(str(e).split())[-200:]  # torch names the class last
            print(f"{name}\trefused\t{type(e).__name__}: {message}")
            continue
        if weights_only:
            print(f"{name}\tloaded\t")
        else:
            keys = ",".join(str(k) for k in value) if isinstance(value, dict) else type(value).__name__
            print(f"{name}\tkeys\t{keys}")


if __name__ == "__main__":
    main()
