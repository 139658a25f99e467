#!/usr/bin/python3
"""Checks a torchvision -> timm recipe by outputs, with Debian's torch and the vendored timm:

    /usr/bin/python3 scripts/verify_recipe.py TIMM_DIR save TV_ARCH OUT.pth [legacy-names]
        a torchvision model with seeded random weights (every parameter perturbed, BatchNorm
        statistics randomised, so that each of them shows in the outputs); legacy-names writes a
        DenseNet's keys as torchvision's downloadable files still have them (denselayerN.norm.1,
        conv.2 ...: names from before module names could not hold dots)
    /usr/bin/python3 scripts/verify_recipe.py TIMM_DIR check TV_ARCH TIMM_ARCH OUT.pth CONVERTED.(pth|safetensors)
        loads OUT.pth into the torchvision model and CONVERTED into timm's with strict=True, runs
        both in eval mode on the same seeded input and prints "max_abs_diff X" (exit 1 above 1e-4)
"""
import sys


def main():
    sys.path.insert(0, sys.argv[1])
    import torch
    import torchvision
    mode = sys.argv[2]
    torch.manual_seed(0)
    tv = torchvision.models.get_model(sys.argv[3], weights=None)
    if mode == "save":
        with torch.no_grad():
            for p in tv.parameters():  # every weight matters, also a ConvNeXt layer_scale (1e-6 at init)
                p.add_(torch.randn_like(p) * 0.02)
            for name, b in tv.named_buffers():
                if name.endswith("running_mean"):
                    b.normal_(0, 0.1)
                elif name.endswith("running_var"):
                    b.uniform_(0.5, 1.5)
        sd = tv.state_dict()
        if sys.argv[5:] == ["legacy-names"]:
            import re
            legacy = re.compile(r"^(.*denselayer\d+\.(?:norm|relu|conv))([12])\.(weight|bias|running_mean|running_var)$")
            # those files predate num_batches_tracked too
            sd = {legacy.sub(r"\1.\2.\3", k): v for k, v in sd.items() if not k.endswith("num_batches_tracked")}
            assert any(".norm.1." in k for k in sd), "no DenseNet layer names to rewrite"
        torch.save(sd, sys.argv[4])
        return
    import timm
    original = torch.load(sys.argv[5])
    if any(".norm.1." in k for k in original):  # what torchvision's DenseNet loader does with its legacy names
        import re
        pattern = re.compile(r"^(.*denselayer\d+\.(?:norm|relu|conv))\.((?:[12])\.(?:weight|bias|running_mean|running_var))$")
        original = {(pattern.sub(r"\1\2", k)): v for k, v in original.items()}
    tv.load_state_dict(original, strict=False)
    missing = [k for k in tv.state_dict() if k not in original and not k.endswith("num_batches_tracked")]
    assert not missing, missing
    model = timm.create_model(sys.argv[4], pretrained=False)
    converted = sys.argv[6]
    if converted.endswith(".safetensors"):
        raise SystemExit("give a .pth")
    model.load_state_dict(torch.load(converted), strict=True)
    tv.eval()
    model.eval()
    x = torch.randn(2, 3, 224, 224, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        a, b = tv(x), model(x)
    diff = (a - b).abs().max().item()
    print(f"max_abs_diff {diff:.3g} over {a.numel()} outputs (scale {a.abs().max().item():.3g})")
    sys.exit(0 if diff <= 1e-4 * max(1.0, a.abs().max().item()) else 1)


if __name__ == "__main__":
    main()
