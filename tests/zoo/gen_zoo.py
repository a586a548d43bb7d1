"""A zoo of small networks written the way public PyTorch code writes them, for cimsim's importer.

    /usr/bin/python3 tests/zoo/gen_zoo.py OUT_DIR [--opset 13] [--only SUBSTRING] [--list]

Each network is a plain nn.Module (no cimsim exporter layers): binarized activations in the styles
of public BNN code (torch.sign; the straight-through trick x + (sign(x) - x).detach(); Bi-Real's
approximated sign; torch.where(x >= 0, 1, -1); a {0,1} step), binarized weights computed inside
forward (w.sign(), XNOR-Net's mean(|w|) * sign(w), a straight-through weight, ternary weights),
flattening with x.view(x.size(0), -1), squeeze-and-excitation with expand_as, residual blocks with
strided-slice or pooled shortcuts, concatenated branches, channel shuffle, padded and ceil-mode
pooling, explicit Pad layers, softmax heads, 7x7 and 5x5 kernels, 1x3 / 3x1 and dilated kernels,
grouped and channel-multiplier depthwise convolutions, Conv1d, and full-precision layers (the
first and last layers, a real squeeze-and-excitation hidden layer) on the digital MAC unit. Half the networks are exported without PyTorch's
constant folding, so that cimsim folds the weight and shape subgraphs itself.

Writes OUT_DIR/NAME/model.onnx and test_data_set_0/{input,output}_0.pb (4 Fashion-MNIST test
images cropped to 16 x 16, pixel / 255), and prints one line per network. Deterministic.

Thresholds: every binarizer subtracts a per-channel threshold (a buffer, as learned thresholds and
ReActNet's RSign do), set by a calibration pass to a point 0.41 of the way across the widest gap between observed
pre-activation values near their median, so that float32 (PyTorch) and exact arithmetic (cimsim)
binarize alike; the script refuses a network where any pre-activation lies within 1e-4 (relative)
of its threshold.
"""
import argparse
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "workloads", "export"))
from cimsim_export import load_fashion_mnist, write_bundle  # noqa: E402

SIZE = 16  # input crop

# ---- binarized activations ---------------------------------------------------------------


class Binarize(nn.Module):
    """x - t (t per channel), then one of the public styles."""

    def __init__(self, channels, style, dims=4):
        super().__init__()
        shape = (1, channels) + (1,) * (dims - 2)
        self.register_buffer("t", torch.zeros(shape))
        self.style = style

    def forward(self, x):
        x = x - self.t
        if self.style == "sign":
            return torch.sign(x)
        if self.style == "ste":
            return x + (torch.sign(x) - x).detach()
        if self.style == "bireal":  # Bi-Real Net's piecewise polynomial with a straight-through sign
            out_forward = torch.sign(x)
            mask1 = x < -1
            mask2 = x < 0
            mask3 = x < 1
            out1 = (-1) * mask1.type(torch.float32) + (x * x + 2 * x) * (1 - mask1.type(torch.float32))
            out2 = out1 * mask2.type(torch.float32) + (-x * x + 2 * x) * (1 - mask2.type(torch.float32))
            out3 = out2 * mask3.type(torch.float32) + 1 * (1 - mask3.type(torch.float32))
            return out_forward.detach() - out3.detach() + out3
        if self.style == "where":
            return torch.where(x >= 0, torch.ones_like(x), -torch.ones_like(x))
        if self.style == "step":
            return (x >= 0).float()
        if self.style == "gt":
            return x.gt(0).type_as(x)
        raise ValueError(self.style)


# ---- binarized weights -------------------------------------------------------------------


def binary_weight(w, style):
    if style == "plain":
        return w  # stored already binary (set at construction)
    if style == "sign":
        return w.sign()
    if style == "xnor":  # XNOR-Net: per output channel scale mean(|w|)
        dims = tuple(range(1, w.dim()))
        alpha = w.abs().mean(dim=dims, keepdim=True)
        return alpha * w.sign()
    if style == "ste":
        return w + (w.sign() - w).detach()
    if style == "ternary":  # TWN: threshold 0.7 * mean(|w|)
        delta = 0.7 * w.abs().mean()
        return (w > delta).float() - (w < -delta).float()
    raise ValueError(style)


class BConv(nn.Conv2d):
    def __init__(self, cin, cout, k, style, stride=1, padding=None, groups=1):
        super().__init__(cin, cout, k, stride=stride, padding=(k // 2) if padding is None else padding,
                         groups=groups, bias=False)
        self.style = style
        if style == "plain":
            with torch.no_grad():
                self.weight.copy_(self.weight.sign())

    def forward(self, x):
        return F.conv2d(x, binary_weight(self.weight, self.style), None, self.stride, self.padding,
                        self.dilation, self.groups)


class BConv1d(nn.Conv1d):
    def __init__(self, cin, cout, k, style, padding=0):
        super().__init__(cin, cout, k, padding=padding, bias=False)
        self.style = style
        if style == "plain":
            with torch.no_grad():
                self.weight.copy_(self.weight.sign())

    def forward(self, x):
        return F.conv1d(x, binary_weight(self.weight, self.style), None, self.stride, self.padding)


class BLinear(nn.Linear):
    def __init__(self, cin, cout, style, bias=False):
        super().__init__(cin, cout, bias=bias)
        self.style = style
        if style == "plain":
            with torch.no_grad():
                self.weight.copy_(self.weight.sign())

    def forward(self, x):
        return F.linear(x, binary_weight(self.weight, self.style), self.bias)


def bn2(c):
    return nn.BatchNorm2d(c)


# ---- structures --------------------------------------------------------------------------
# Each takes (a, w): the activation style and the weight style.


class MlpView(nn.Module):
    def __init__(self, a, w):
        super().__init__()
        self.fc1 = BLinear(SIZE * SIZE, 64, w)
        self.bn1 = nn.BatchNorm1d(64)
        self.act1 = Binarize(64, a, dims=2)
        self.fc2 = BLinear(64, 10, w, bias=True)

    def forward(self, x):
        x = x.view(x.size(0), -1)
        x = self.act1(self.bn1(self.fc1(x)))
        return self.fc2(x)


class MlpFlattenDropout(nn.Module):
    def __init__(self, a, w):
        super().__init__()
        self.net = nn.Sequential(
            nn.Flatten(), BLinear(SIZE * SIZE, 96, w), nn.BatchNorm1d(96), Binarize(96, a, dims=2), nn.Dropout(0.2),
            BLinear(96, 48, w), nn.BatchNorm1d(48), Binarize(48, a, dims=2), BLinear(48, 10, w), nn.BatchNorm1d(10))

    def forward(self, x):
        return self.net(x)


class MlpBinaryInputLogSoftmax(nn.Module):
    def __init__(self, a, w):
        super().__init__()
        self.fc1 = BLinear(SIZE * SIZE, 64, w)
        self.bn1 = nn.BatchNorm1d(64)
        self.act1 = Binarize(64, a, dims=2)
        self.fc2 = BLinear(64, 10, w)

    def forward(self, x):
        x = (x > 0.5).float()  # binarize the image in the graph
        x = torch.flatten(x, 1)
        x = self.act1(self.bn1(self.fc1(x)))
        return F.log_softmax(self.fc2(x), dim=1)


class CnnMaxPool(nn.Module):
    def __init__(self, a, w):
        super().__init__()
        self.conv1, self.bn1, self.act1 = BConv(1, 16, 3, w), bn2(16), Binarize(16, a)
        self.conv2, self.bn2, self.act2 = BConv(16, 32, 3, w), bn2(32), Binarize(32, a)
        self.pool = nn.MaxPool2d(2)
        self.fc = BLinear(32 * 4 * 4, 10, w)

    def forward(self, x):
        x = self.pool(self.act1(self.bn1(self.conv1(x))))
        x = self.pool(self.act2(self.bn2(self.conv2(x))))
        x = x.reshape(x.shape[0], -1)
        return self.fc(x)


class CnnSequentialSoftmax(nn.Module):
    def __init__(self, a, w):
        super().__init__()
        self.features = nn.Sequential(
            BConv(1, 16, 3, w, stride=2), bn2(16), nn.Hardtanh(), Binarize(16, a),
            BConv(16, 32, 3, w, stride=2), bn2(32), Binarize(32, a))
        self.classifier = nn.Sequential(nn.Flatten(), BLinear(32 * 4 * 4, 10, w), nn.Softmax(dim=1))

    def forward(self, x):
        return self.classifier(self.features(x))


class ResNetReal(nn.Module):
    """Bi-Real style: the real-valued residual path around each binary convolution."""

    def __init__(self, a, w):
        super().__init__()
        self.conv0, self.bn0, self.act0 = BConv(1, 16, 3, w), bn2(16), Binarize(16, a)
        self.conv1, self.bn1, self.act1 = BConv(16, 16, 3, w), bn2(16), Binarize(16, a)
        self.conv2, self.bn2, self.act2 = BConv(16, 16, 3, w), bn2(16), Binarize(16, a)
        self.fc = BLinear(16, 10, w)

    def forward(self, x):
        h = self.bn0(self.conv0(x))
        r = self.bn1(self.conv1(self.act0(h))) + h
        r2 = self.bn2(self.conv2(self.act1(r))) + r
        out = F.adaptive_avg_pool2d(self.act2(r2), 1)
        return self.fc(out.view(out.size(0), -1))


class ResNetPoolShortcut(nn.Module):
    """Downsampling block with an AvgPool + 1x1 convolution shortcut on the binary activations."""

    def __init__(self, a, w):
        super().__init__()
        self.conv0, self.bn0, self.act0 = BConv(1, 16, 3, w), bn2(16), Binarize(16, a)
        self.conv1, self.bn1 = BConv(16, 32, 3, w, stride=2), bn2(32)
        self.downsample = nn.Sequential(nn.AvgPool2d(2), BConv(16, 32, 1, w), bn2(32))
        self.act1 = Binarize(32, a)
        self.fc = BLinear(32, 10, w)

    def forward(self, x):
        a0 = self.act0(self.bn0(self.conv0(x)))
        out = self.bn1(self.conv1(a0)) + self.downsample(a0)
        out = self.act1(out)
        out = torch.mean(out, dim=(2, 3))
        return self.fc(out)


class ResNetOptionA(nn.Module):
    """CIFAR ResNet option A: strided-slice shortcut padded with zero channels."""

    def __init__(self, a, w):
        super().__init__()
        self.conv0, self.bn0, self.act0 = BConv(1, 16, 3, w), bn2(16), Binarize(16, a)
        self.conv1, self.bn1 = BConv(16, 32, 3, w, stride=2), bn2(32)
        self.act1 = Binarize(32, a)
        self.fc = BLinear(32 * 8 * 8, 10, w)

    def forward(self, x):
        a0 = self.act0(self.bn0(self.conv0(x)))
        shortcut = F.pad(a0[:, :, ::2, ::2], (0, 0, 0, 0, 8, 8), "constant", 0)
        out = self.act1(self.bn1(self.conv1(a0)) + shortcut)
        return self.fc(torch.flatten(out, 1))


class SEBlock(nn.Module):
    def __init__(self, a, w, c, r=4, hard=False):
        super().__init__()
        self.fc1 = BLinear(c, c // r, w)
        self.bn = nn.BatchNorm1d(c // r)
        self.act = Binarize(c // r, a, dims=2)
        self.fc2 = BLinear(c // r, c, w)
        self.bn2 = nn.BatchNorm1d(c)
        self.hard = hard

    def forward(self, x):
        b, c, _, _ = x.size()
        y = x.mean((2, 3)) if not self.hard else F.adaptive_avg_pool2d(x, 1).view(b, c)
        y = self.act(self.bn(self.fc1(y)))
        y = self.bn2(self.fc2(y))
        y = F.hardsigmoid(y) if self.hard else torch.sigmoid(y)
        return x * y.view(b, c, 1, 1).expand_as(x)


class SENet(nn.Module):
    def __init__(self, a, w, hard=False):
        super().__init__()
        self.conv0, self.bn0, self.act0 = BConv(1, 16, 3, w, stride=2), bn2(16), Binarize(16, a)
        self.se = SEBlock(a, w, 16, hard=hard)
        self.bn1, self.act1 = bn2(16), Binarize(16, a)
        self.conv1, self.bn2, self.act2 = BConv(16, 32, 3, w), bn2(32), Binarize(32, a)
        self.fc = BLinear(32, 10, w)

    def forward(self, x):
        x = self.act0(self.bn0(self.conv0(x)))
        x = self.act1(self.bn1(self.se(x)))
        x = self.act2(self.bn2(self.conv1(x)))
        x = F.adaptive_avg_pool2d(x, (1, 1))
        return self.fc(x.view(x.size(0), -1))


class SENetHard(SENet):
    def __init__(self, a, w):
        super().__init__(a, w, hard=True)


class MobileNetDW(nn.Module):
    def __init__(self, a, w):
        super().__init__()
        self.stem, self.bn0, self.act0 = BConv(1, 16, 3, w, stride=2), bn2(16), Binarize(16, a)
        self.dw, self.bn1, self.act1 = BConv(16, 16, 3, w, groups=16), bn2(16), Binarize(16, a)
        self.pw, self.bn2, self.act2 = BConv(16, 32, 1, w), bn2(32), Binarize(32, a)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = BLinear(32, 10, w)

    def forward(self, x):
        x = self.act0(self.bn0(self.stem(x)))
        x = self.act1(self.bn1(self.dw(x)))
        x = self.act2(self.bn2(self.pw(x)))
        return self.fc(torch.flatten(self.pool(x), 1))


class InceptionConcat(nn.Module):
    def __init__(self, a, w):
        super().__init__()
        self.stem, self.bn0, self.act0 = BConv(1, 16, 3, w, stride=2), bn2(16), Binarize(16, a)
        self.b1, self.bn1, self.act1 = BConv(16, 8, 1, w), bn2(8), Binarize(8, a)
        self.b3, self.bn3, self.act3 = BConv(16, 8, 3, w), bn2(8), Binarize(8, a)
        self.mix, self.bnm, self.actm = BConv(16, 16, 1, w), bn2(16), Binarize(16, a)
        self.fc = BLinear(16 * 8 * 8, 10, w)

    def forward(self, x):
        x = self.act0(self.bn0(self.stem(x)))
        x = torch.cat([self.act1(self.bn1(self.b1(x))), self.act3(self.bn3(self.b3(x)))], dim=1)
        x = self.actm(self.bnm(self.mix(x)))
        return self.fc(x.view(-1, 16 * 8 * 8))


def channel_shuffle(x, groups):
    batchsize, num_channels, height, width = x.size()
    channels_per_group = num_channels // groups
    x = x.view(batchsize, groups, channels_per_group, height, width)
    x = torch.transpose(x, 1, 2).contiguous()
    return x.view(batchsize, -1, height, width)


class ShuffleNet(nn.Module):
    def __init__(self, a, w):
        super().__init__()
        self.stem, self.bn0, self.act0 = BConv(1, 16, 3, w, stride=2), bn2(16), Binarize(16, a)
        self.pw, self.bn1, self.act1 = BConv(16, 16, 1, w), bn2(16), Binarize(16, a)
        self.fc = BLinear(16 * 8 * 8, 10, w)

    def forward(self, x):
        x = self.act0(self.bn0(self.stem(x)))
        x = channel_shuffle(x, 4)
        x = self.act1(self.bn1(self.pw(x)))
        return self.fc(torch.flatten(x, 1))


class StemPaddedMaxPool(nn.Module):
    """The ResNet stem's max pool: kernel 3, stride 2, padding 1."""

    def __init__(self, a, w):
        super().__init__()
        self.conv1, self.bn1, self.act1 = BConv(1, 16, 3, w), bn2(16), Binarize(16, a)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.conv2, self.bn2, self.act2 = BConv(16, 16, 3, w), bn2(16), Binarize(16, a)
        self.fc = BLinear(16 * 8 * 8, 10, w)

    def forward(self, x):
        x = self.maxpool(self.act1(self.bn1(self.conv1(x))))
        x = self.act2(self.bn2(self.conv2(x)))
        return self.fc(x.flatten(1))


class CeilModePool(nn.Module):
    def __init__(self, a, w):
        super().__init__()
        self.conv1, self.bn1, self.act1 = BConv(1, 16, 3, w, padding=0), bn2(16), Binarize(16, a)  # 14 x 14
        self.pool = nn.MaxPool2d(3, stride=2, ceil_mode=True)  # 7 x 7
        self.conv2, self.bn2, self.act2 = BConv(16, 16, 3, w), bn2(16), Binarize(16, a)
        self.fc = BLinear(16 * 7 * 7, 10, w)

    def forward(self, x):
        x = self.pool(self.act1(self.bn1(self.conv1(x))))
        x = self.act2(self.bn2(self.conv2(x)))
        return self.fc(torch.flatten(x, 1))


class AvgPoolPadded(nn.Module):
    """AvgPool2d(3, 2, padding=1) with PyTorch's default count_include_pad, on {0,1} activations
    (the padded mean of +-1 activations is real-valued, which a macro does not take)."""

    def __init__(self, a, w):
        super().__init__()
        a = "step" if a in ("sign", "ste", "bireal", "where") else a
        self.conv1, self.bn1, self.act1 = BConv(1, 16, 3, w), bn2(16), Binarize(16, a)
        self.pool = nn.AvgPool2d(3, stride=2, padding=1)
        self.conv2, self.bn2, self.act2 = BConv(16, 16, 1, w), bn2(16), Binarize(16, a)
        self.fc = BLinear(16 * 8 * 8, 10, w)

    def forward(self, x):
        x = self.pool(self.act1(self.bn1(self.conv1(x))))
        x = self.act2(self.bn2(self.conv2(x)))
        return self.fc(torch.flatten(x, 1))


class ExplicitPad(nn.Module):
    """Padding as separate layers: ZeroPad2d before a convolution, reflection padding before another."""

    def __init__(self, a, w):
        super().__init__()
        self.conv1, self.bn1, self.act1 = BConv(1, 16, 3, w, stride=2), bn2(16), Binarize(16, a)
        self.pad = nn.ZeroPad2d(1)
        self.conv2, self.bn2, self.act2 = BConv(16, 16, 3, w, padding=0), bn2(16), Binarize(16, a)
        self.conv3, self.bn3, self.act3 = BConv(16, 16, 3, w, padding=0), bn2(16), Binarize(16, a)
        self.fc = BLinear(16 * 8 * 8, 10, w)

    def forward(self, x):
        x = self.act1(self.bn1(self.conv1(x)))
        x = self.act2(self.bn2(self.conv2(self.pad(x))))
        x = self.act3(self.bn3(self.conv3(F.pad(x, (1, 1, 1, 1), mode="reflect"))))
        return self.fc(torch.flatten(x, 1))


class PReLUBlock(nn.Module):
    """ReActNet-like: BatchNorm, a learnable PReLU and a LeakyReLU on the real path before binarizing."""

    def __init__(self, a, w):
        super().__init__()
        self.conv1, self.bn1, self.prelu, self.act1 = BConv(1, 16, 3, w, stride=2), bn2(16), nn.PReLU(16), Binarize(16, a)
        self.conv2, self.bn2, self.act2 = BConv(16, 32, 3, w, stride=2), bn2(32), Binarize(32, a)
        self.fc = BLinear(32 * 4 * 4, 10, w)

    def forward(self, x):
        x = self.act1(self.prelu(self.bn1(self.conv1(x))))
        x = self.act2(F.leaky_relu(self.bn2(self.conv2(x)), 0.1))
        return self.fc(x.view(x.size(0), -1))


class Stem7x7(nn.Module):
    """torchvision ResNet's stem: 7x7 stride 2 padding 3, then max pool 3 / 2 / 1."""

    def __init__(self, a, w):
        super().__init__()
        self.conv1 = BConv(1, 16, 7, w, stride=2, padding=3)
        self.bn1, self.act1 = bn2(16), Binarize(16, a)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.conv2, self.bn2, self.act2 = BConv(16, 16, 5, w), bn2(16), Binarize(16, a)
        self.fc = BLinear(16 * 4 * 4, 10, w)

    def forward(self, x):
        x = self.maxpool(self.act1(self.bn1(self.conv1(x))))
        x = self.act2(self.bn2(self.conv2(x)))
        return self.fc(torch.flatten(x, 1))


class Factorized(nn.Module):
    """Inception-v3 style 1x3 and 3x1 kernels, and a dilated 3x3."""

    def __init__(self, a, w):
        super().__init__()
        self.stem, self.bn0, self.act0 = BConv(1, 16, 3, w, stride=2), bn2(16), Binarize(16, a)
        self.conv13 = BConv(16, 16, (1, 3), w, padding=(0, 1))
        self.bn1, self.act1 = bn2(16), Binarize(16, a)
        self.conv31 = BConv(16, 16, (3, 1), w, padding=(1, 0))
        self.bn2, self.act2 = bn2(16), Binarize(16, a)
        self.dil = nn.Conv2d(16, 16, 3, padding=2, dilation=2, bias=False)
        with torch.no_grad():
            self.dil.weight.copy_(self.dil.weight.sign())
        self.bn3, self.act3 = bn2(16), Binarize(16, a)
        self.fc = BLinear(16 * 8 * 8, 10, w)

    def forward(self, x):
        x = self.act0(self.bn0(self.stem(x)))
        x = self.act1(self.bn1(self.conv13(x)))
        x = self.act2(self.bn2(self.conv31(x)))
        x = self.act3(self.bn3(self.dil(x)))
        return self.fc(torch.flatten(x, 1))


class GroupedConv(nn.Module):
    """ResNeXt-like grouped 3x3 (groups 4) and a depthwise 3x3 with two outputs per channel."""

    def __init__(self, a, w):
        super().__init__()
        self.stem, self.bn0, self.act0 = BConv(1, 16, 3, w, stride=2), bn2(16), Binarize(16, a)
        self.grouped, self.bn1, self.act1 = BConv(16, 16, 3, w, groups=4), bn2(16), Binarize(16, a)
        self.dw2, self.bn2, self.act2 = BConv(16, 32, 3, w, stride=2, groups=16), bn2(32), Binarize(32, a)
        self.fc = BLinear(32 * 4 * 4, 10, w)

    def forward(self, x):
        x = self.act0(self.bn0(self.stem(x)))
        x = self.act1(self.bn1(self.grouped(x)))
        x = self.act2(self.bn2(self.dw2(x)))
        return self.fc(torch.flatten(x, 1))


class Conv1dNet(nn.Module):
    """A 1-D network over the image rows read as a sequence (Conv1d, MaxPool1d)."""

    def __init__(self, a, w):
        super().__init__()
        self.conv1 = BConv1d(SIZE, 16, 5, w, padding=2)
        self.bn1, self.act1 = nn.BatchNorm1d(16), Binarize(16, a, dims=3)
        self.conv2 = BConv1d(16, 16, 3, w, padding=1)
        self.bn2, self.act2 = nn.BatchNorm1d(16), Binarize(16, a, dims=3)
        self.fc = BLinear(16 * SIZE, 10, w)

    def forward(self, x):
        x = x.squeeze(1)  # [B, 16 rows as channels, 16 columns]
        x = self.act1(self.bn1(self.conv1(x)))
        x = self.act2(self.bn2(self.conv2(x)))
        return self.fc(x.flatten(1))


class FullPrecisionEnds(nn.Module):
    """The usual BNN practice: a full-precision first convolution and last layer (the digital MAC
    unit), binary layers between."""

    def __init__(self, a, w):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, stride=2, padding=1, bias=False)  # real weights
        self.bn1, self.act1 = bn2(16), Binarize(16, a)
        self.conv2, self.bn2 = BConv(16, 32, 3, w, stride=2), bn2(32)
        self.fc = nn.Linear(32, 10)  # real weights on a real input

    def forward(self, x):
        x = self.act1(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(x)))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class RealSEHidden(nn.Module):
    """Squeeze-and-excitation with a real-valued hidden layer (Linear, ReLU, Linear, sigmoid)."""

    def __init__(self, a, w):
        super().__init__()
        self.conv0, self.bn0, self.act0 = BConv(1, 16, 3, w, stride=2), bn2(16), Binarize(16, a)
        self.fc1, self.fc2 = nn.Linear(16, 4), nn.Linear(4, 16)
        self.bn1, self.act1 = bn2(16), Binarize(16, a)
        self.fc = BLinear(16 * 8 * 8, 10, w)

    def forward(self, x):
        x = self.act0(self.bn0(self.conv0(x)))
        b, c, _, _ = x.shape
        y = torch.sigmoid(self.fc2(F.relu(self.fc1(x.mean((2, 3))))))
        x = self.act1(self.bn1(x * y.view(b, c, 1, 1)))
        return self.fc(torch.flatten(x, 1))


STRUCTURES = [MlpView, MlpFlattenDropout, MlpBinaryInputLogSoftmax, CnnMaxPool, CnnSequentialSoftmax, ResNetReal,
              ResNetPoolShortcut, ResNetOptionA, SENet, SENetHard, MobileNetDW, InceptionConcat, ShuffleNet,
              StemPaddedMaxPool, CeilModePool, AvgPoolPadded, ExplicitPad, PReLUBlock, Stem7x7, Factorized, GroupedConv,
              Conv1dNet, FullPrecisionEnds, RealSEHidden]
ACTIVATIONS = ["sign", "ste", "bireal", "where", "step", "gt"]
WEIGHTS = ["plain", "sign", "xnor", "ste", "ternary"]
PER_STRUCTURE = 4


def networks():
    """(name, class, activation style, weight style, constant folding) for every zoo network."""
    out, k = [], 0
    for cls in STRUCTURES:
        for j in range(PER_STRUCTURE):
            a = ACTIVATIONS[k % len(ACTIVATIONS)]
            w = WEIGHTS[(k // 2 + j) % len(WEIGHTS)]
            fold = k % 2 == 0
            out.append((f"{cls.__name__}-{a}-{w}{'' if fold else '-nofold'}", cls, a, w, fold))
            k += 1
    return out


# ---- calibration -------------------------------------------------------------------------


def gap_midpoints(v):
    """Per channel (dim 1) a point inside the widest gap between distinct values near the median."""
    v = v.transpose(0, 1).reshape(v.shape[1], -1)
    t = torch.zeros(v.shape[0], dtype=v.dtype)
    for c in range(v.shape[0]):
        u = torch.unique(v[c])
        if len(u) == 1:
            t[c] = u[0] - 0.5
            continue
        lo, hi = max(0, int(0.3 * len(u)) - 1), min(len(u) - 1, int(0.7 * len(u)) + 1)
        gaps = u[lo + 1:hi + 1] - u[lo:hi]
        i = int(torch.argmax(gaps))
        # Not the exact middle: a middle can be a reachable value (integer dot products of one
        # parity leave gaps of 2), where torch.sign gives 0.
        t[c] = u[lo + i] + 0.4142 * (u[lo + i + 1] - u[lo + i])
    return t


def calibrate(model, x):
    """Sets every binarizer's threshold, in forward order, from the samples."""
    binarizers = [m for m in model.modules() if isinstance(m, Binarize)]
    order = []
    hooks = [b.register_forward_pre_hook(lambda m, inp: order.append(m) if m not in order else None)
             for b in binarizers]
    with torch.no_grad():
        model(x)
    for h in hooks:
        h.remove()
    for b in order:
        seen = {}
        h = b.register_forward_pre_hook(lambda m, inp: seen.setdefault("x", inp[0].clone()))
        with torch.no_grad():
            model(x)
        h.remove()
        b.t.copy_(gap_midpoints(seen["x"]).reshape(b.t.shape))


def randomize_bn(model, g):
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            c = m.num_features
            with torch.no_grad():
                m.weight.copy_((torch.rand(c, generator=g) + 0.5) * torch.where(torch.rand(c, generator=g) < 0.25, -1.0, 1.0))
                m.bias.copy_(torch.randn(c, generator=g) * 0.2)
                m.running_mean.copy_(torch.randn(c, generator=g))
                m.running_var.copy_(torch.rand(c, generator=g) + 0.5)
        if isinstance(m, nn.PReLU):
            with torch.no_grad():
                m.weight.copy_(torch.rand(m.weight.shape, generator=g) * 0.5)


def margin(model, x):
    """The smallest distance of a binarizer's input from its threshold, relative to the input's scale."""
    worst = []
    hooks = [b.register_forward_pre_hook(
        lambda m, inp: worst.append(float((inp[0] - m.t).abs().min() / max(1.0, float(inp[0].abs().max())))))
        for b in model.modules() if isinstance(b, Binarize)]
    with torch.no_grad():
        model(x)
    for h in hooks:
        h.remove()
    return min(worst) if worst else 1.0


def build(cls, a, w, x, seed):
    """The network with the first of a few seeds whose pre-activations all keep a margin."""
    for attempt in range(8):
        s = seed + 1000 * attempt
        torch.manual_seed(s)
        g = torch.Generator().manual_seed(s)
        model = cls(a, w).eval()
        randomize_bn(model, g)
        calibrate(model, x)
        m = margin(model, x)
        if m >= 1e-4:  # float32 rounding (PyTorch) against exact integers (cimsim) cannot decide a tie
            return model
    raise RuntimeError(f"{cls.__name__}: a pre-activation lies {m:.1e} from its threshold")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", nargs="?")
    ap.add_argument("--opset", type=int, default=13)
    ap.add_argument("--only", default="")
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args()
    nets = [(i, n) for i, n in enumerate(networks()) if args.only in n[0]]
    if args.list:
        print("\n".join(n[0] for _, n in nets))
        return
    if not args.out:
        ap.error("OUT_DIR is required")
    images, _ = load_fashion_mnist("test")
    lo = (28 - SIZE) // 2
    x = torch.from_numpy(images[:4, :, lo:lo + SIZE, lo:lo + SIZE].copy())
    for i, (name, cls, a, w, fold) in nets:
        model = build(cls, a, w, x, seed=i + 1)
        write_bundle(model, x, os.path.join(args.out, name), opset=args.opset, do_constant_folding=fold)
        print(name)


if __name__ == "__main__":
    main()
