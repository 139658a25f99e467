"""The README's screenshots' inputs: a resnet50 template (torchvision's own state_dict) and a
DataParallel checkpoint of it fine-tuned for 10 classes (every key under module., weights moved a
little, under a Lightning-style state_dict entry). Run with Debian's torch:
    /usr/bin/python3 scripts/make_screenshot_inputs.py DIR
then: mvn test -Dtest=ScreenshotsTest -Dscreenshots=docs -Dscreenshots.model=DIR/resnet50_template.pth
      -Dscreenshots.checkpoint=DIR/resnet50_dp_10class.pth -Dscreenshots.size=1600x1000
"""
import sys

import torch
import torchvision

out = sys.argv[1]
torch.save(torchvision.models.resnet50().state_dict(), f"{out}/resnet50_template.pth")
torch.manual_seed(0)
tuned = torchvision.models.resnet50(num_classes=10).state_dict()
sd = {"module." + k: (v + 0.01 * torch.randn_like(v) if v.is_floating_point() else v) for k, v in tuned.items()}
torch.save({"state_dict": sd, "epoch": 12}, f"{out}/resnet50_dp_10class.pth")
