#!/usr/bin/python3
"""Builds catalog models the ordinary way (timm.create_model / torchvision's builders, real
initialisation) and prints their state_dicts as JSON: what CatalogTruthTest compares the catalog's
derived specs with. Run with Debian's python3:

    /usr/bin/python3 scripts/timm_state_dicts.py ../shared/vendor/timm 'timm/convnext_tiny?num_classes=10&in_chans=1' ...

Output: one line "JSON {"<source>": [[key, [shape...], dtype, "param" | "buffer"], ...], ...} in state_dict order" after any warnings.
"""
import json
import sys
from urllib.parse import parse_qsl


def build(source):
    name, _, query = source.partition("?")
    ns, _, arch = name.partition("/")
    kw = {}
    for k, v in parse_qsl(query):
        kw[k] = v == "true" if k == "features_only" else int(v)
    if ns == "timm":
        import timm
        return timm.create_model(arch, pretrained=False, **kw)
    import torchvision
    return torchvision.models.get_model(arch, weights=None, **kw)


def main():
    sys.path.insert(0, sys.argv[1])
    import torch
    torch.manual_seed(0)
    out = {}
    for source in sys.argv[2:]:
        model = build(source)
        out[source] = [[k, list(v.shape), str(v.dtype).replace("torch.", ""), "param" if isinstance(v, torch.nn.Parameter) else "buffer"]
                       for k, v in model.state_dict(keep_vars=True).items()]
        del model
    sys.stdout.write("\nJSON " + json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
