"""torchvision's resnet18 and mobilenet_v2, as they are, with binarized convolutions, for cimsim.

    /usr/bin/python3 tests/zoo/gen_torchvision.py OUT_DIR [--opset 13] [--samples 2]

Every nn.Conv2d and nn.Linear of the torchvision model is replaced by a subclass that applies
sign(w) to its weights and binarizes its input to {0,1} against a per-channel threshold (the
first convolution reads the image as it is): the network keeps torchvision's structure, its real
valued residual additions, BatchNorm, ReLU / ReLU6, the 7x7 stem and padded max pool, the
inverted residuals with depthwise convolutions and linear bottlenecks, and adaptive average
pooling. BatchNorm statistics are random; thresholds are calibrated as in gen_zoo.py. Inputs are
Fashion-MNIST test images padded to 32 x 32 and repeated over three channels.
Writes OUT_DIR/resnet18 and OUT_DIR/mobilenet_v2 bundles. Deterministic.
"""
import argparse
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from gen_zoo import Binarize, calibrate, load_fashion_mnist, margin, randomize_bn, write_bundle  # noqa: E402


class BinConv2d(nn.Conv2d):
    def __init__(self, conv, binarize_input=True):
        super().__init__(conv.in_channels, conv.out_channels, conv.kernel_size, conv.stride, conv.padding,
                         conv.dilation, conv.groups, conv.bias is not None)
        self.load_state_dict(conv.state_dict())
        self.act = Binarize(conv.in_channels, "step") if binarize_input else None

    def forward(self, x):
        if self.act is not None:
            x = self.act(x)
        return F.conv2d(x, self.weight.sign(), self.bias, self.stride, self.padding, self.dilation, self.groups)


class BinLinear(nn.Linear):
    def __init__(self, fc):
        super().__init__(fc.in_features, fc.out_features, fc.bias is not None)
        self.load_state_dict(fc.state_dict())
        self.act = Binarize(fc.in_features, "step", dims=2)

    def forward(self, x):
        return F.linear(self.act(x), self.weight.sign(), self.bias)


def binarize(model):
    first = [True]

    def walk(m):
        for name, child in m.named_children():
            if isinstance(child, nn.Conv2d):
                setattr(m, name, BinConv2d(child, binarize_input=not first[0]))
                first[0] = False
            elif isinstance(child, nn.Linear):
                setattr(m, name, BinLinear(child))
            else:
                walk(child)
    walk(model)
    return model


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--opset", type=int, default=13)
    ap.add_argument("--samples", type=int, default=2)
    args = ap.parse_args()
    images, _ = load_fashion_mnist("test")
    x = torch.from_numpy(images[:args.samples].copy())
    x = F.pad(x, (2, 2, 2, 2)).repeat(1, 3, 1, 1)  # [N, 3, 32, 32], pixel / 255
    for name, ctor in [("resnet18", torchvision.models.resnet18), ("mobilenet_v2", torchvision.models.mobilenet_v2)]:
        for attempt in range(8):
            torch.manual_seed(attempt)
            model = binarize(ctor(num_classes=10)).eval()
            randomize_bn(model, torch.Generator().manual_seed(attempt))
            calibrate(model, x)
            if margin(model, x) >= 1e-4:
                break
        else:
            raise RuntimeError(f"{name}: no seed keeps every pre-activation off its threshold")
        write_bundle(model, x, os.path.join(args.out, name), opset=args.opset)
        print(name)


if __name__ == "__main__":
    main()
