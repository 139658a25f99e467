#!/usr/bin/python3
"""Checks a torchvision -> timm recipe by outputs, with Debian's torch and the vendored timm:

    /usr/bin/python3 scripts/verify_recipe.py TIMM_DIR save TV_ARCH OUT.pth [legacy-names]
        a torchvision model with seeded random weights (every parameter perturbed, BatchNorm
        statistics randomised, so that each of them shows in the outputs); legacy-names writes a
        DenseNet's keys as torchvision's downloadable files still have them (denselayerN.norm.1,
        conv.2 ...: names from before module names could not hold dots)
    /usr/bin/python3 scripts/verify_recipe.py TIMM_DIR save TV_ARCH OUT.pth dataparallel
        the same weights as saved from nn.DataParallel(model): every key under 'module.'
    /usr/bin/python3 scripts/verify_recipe.py TIMM_DIR save TV_ARCH OUT.pth mmdet
        the same weights as the trunk of an MMDetection Faster R-CNN checkpoint, as mmcv's
        save_checkpoint writes one: {"meta": {...}, "state_dict": {backbone.* (mmdet's ResNet has
        torchvision's names, no fc), neck.* (FPN), rpn_head.*, roi_head.*}}
    /usr/bin/python3 scripts/verify_recipe.py TIMM_DIR check TV_ARCH TIMM_ARCH OUT.pth CONVERTED.pth
        loads OUT.pth (without a 'module.' prefix) into the torchvision model and CONVERTED into timm's with strict=True, runs
        both in eval mode on the same seeded input and prints "max_abs_diff X" (exit 1 above 1e-4)
    /usr/bin/python3 scripts/verify_recipe.py TIMM_DIR check-features TV_RESNET TIMM_ARCH MMDET.pth CONVERTED.pth
        the backbone of MMDET.pth in torchvision's ResNet, CONVERTED in timm's TIMM_ARCH with
        features_only=True (strict=True); compares the five feature maps (stem activation,
        layer1..4) and prints "max_abs_diff X" over all of them
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
        if sys.argv[5:] == ["dataparallel"]:
            sd = torch.nn.DataParallel(tv).state_dict()
            assert all(k.startswith("module.") for k in sd)
        if sys.argv[5:] == ["mmdet"]:
            sd = mmdet_checkpoint(torch, sd)
        torch.save(sd, sys.argv[4])
        return
    import timm
    if mode == "check-features":
        check_features(torch, timm, tv, sys.argv[4], sys.argv[5], sys.argv[6])
        return
    original = torch.load(sys.argv[5])
    # a DataParallel file, loaded the way torch's own helper does it
    torch.nn.modules.utils.consume_prefix_in_state_dict_if_present(original, "module.")
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


def mmdet_checkpoint(torch, trunk):
    """A Faster R-CNN R-50-FPN checkpoint as mmcv's save_checkpoint writes it, around these trunk weights."""
    from collections import OrderedDict
    g = torch.Generator().manual_seed(2)
    sd = OrderedDict(("backbone." + k, v) for k, v in trunk.items() if not k.startswith("fc."))
    def t(*shape):
        return torch.randn(*shape, generator=g) * 0.01
    for i, c in enumerate([256, 512, 1024, 2048]):
        sd[f"neck.lateral_convs.{i}.conv.weight"], sd[f"neck.lateral_convs.{i}.conv.bias"] = t(256, c, 1, 1), t(256)
    for i in range(4):
        sd[f"neck.fpn_convs.{i}.conv.weight"], sd[f"neck.fpn_convs.{i}.conv.bias"] = t(256, 256, 3, 3), t(256)
    sd["rpn_head.rpn_conv.weight"], sd["rpn_head.rpn_conv.bias"] = t(256, 256, 3, 3), t(256)
    sd["rpn_head.rpn_cls.weight"], sd["rpn_head.rpn_cls.bias"] = t(3, 256, 1, 1), t(3)
    sd["rpn_head.rpn_reg.weight"], sd["rpn_head.rpn_reg.bias"] = t(12, 256, 1, 1), t(12)
    sd["roi_head.bbox_head.fc_cls.weight"], sd["roi_head.bbox_head.fc_cls.bias"] = t(81, 1024), t(81)
    sd["roi_head.bbox_head.fc_reg.weight"], sd["roi_head.bbox_head.fc_reg.bias"] = t(320, 1024), t(320)
    sd["roi_head.bbox_head.shared_fcs.0.weight"], sd["roi_head.bbox_head.shared_fcs.0.bias"] = t(1024, 256 * 7 * 7), t(1024)
    sd["roi_head.bbox_head.shared_fcs.1.weight"], sd["roi_head.bbox_head.shared_fcs.1.bias"] = t(1024, 1024), t(1024)
    meta = {"mmdet_version": "2.28.2", "CLASSES": tuple(f"class{i}" for i in range(80)), "epoch": 12, "iter": 87960,
            "time": "Mon Dec  7 10:00:00 2026", "env_info": "sys.platform: linux",
            "config": "model = dict(type='FasterRCNN', backbone=dict(type='ResNet', depth=50, num_stages=4, out_indices=(0, 1, 2, 3)))",
            "hook_msgs": {"last_ckpt": "work_dirs/faster_rcnn_r50_fpn_1x_coco/epoch_12.pth"}}
    return {"meta": meta, "state_dict": sd}


def check_features(torch, timm, tv, timm_arch, mmdet_file, converted):
    sd = torch.load(mmdet_file)["state_dict"]
    trunk = {k[len("backbone."):]: v for k, v in sd.items() if k.startswith("backbone.")}
    missing, unexpected = tv.load_state_dict(trunk, strict=False)
    assert not unexpected and all(k.startswith("fc.") for k in missing), (missing, unexpected)
    model = timm.create_model(timm_arch, pretrained=False, features_only=True)
    model.load_state_dict(torch.load(converted), strict=True)
    tv.eval()
    model.eval()
    x = torch.randn(2, 3, 224, 224, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        stem = tv.relu(tv.bn1(tv.conv1(x)))
        expected = [stem]
        y = tv.maxpool(stem)
        for layer in (tv.layer1, tv.layer2, tv.layer3, tv.layer4):
            y = layer(y)
            expected.append(y)
        got = model(x)
    assert len(got) == len(expected), (len(got), len(expected))
    diff = max((a - b).abs().max().item() for a, b in zip(expected, got))
    scale = max(a.abs().max().item() for a in expected)
    shapes = " ".join("x".join(map(str, a.shape[1:])) for a in got)
    print(f"max_abs_diff {diff:.3g} over {len(got)} feature maps {shapes} (scale {scale:.3g})")
    sys.exit(0 if diff <= 1e-4 * max(1.0, scale) else 1)


if __name__ == "__main__":
    main()
