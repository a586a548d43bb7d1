"""Worked example of the exporter (docs/export.md): a small binarized CNN with a pruned channel
and a squeeze-and-excitation gate, trained for a few batches on Fashion-MNIST, exported for cimsim.

    /usr/bin/python3 workloads/export/example.py OUT_DIR [BATCHES]
    ./build/cimsim run --workload OUT_DIR
"""
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cimsim_export import load_fashion_mnist, write_bundle  # noqa: E402
from cimsim_export.layers import BinaryConv2d, BinaryLinear, StepSTE, clamp_all, freeze  # noqa: E402


class SmallNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(BinaryConv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), StepSTE(), nn.MaxPool2d(2))
        self.conv = BinaryConv2d(16, 16, 3, padding=1)
        self.conv.prune_outputs([3, 7])          # two pruned output channels: cimsim gates them
        self.bn, self.act = nn.BatchNorm2d(16), StepSTE()
        self.squeeze = nn.Sequential(BinaryConv2d(16, 4, 1), nn.BatchNorm2d(4), StepSTE())
        self.excite = nn.Sequential(BinaryConv2d(4, 16, 1), nn.BatchNorm2d(16), StepSTE())
        self.head = nn.Sequential(nn.MaxPool2d(2), nn.Flatten(), BinaryLinear(16 * 49, 10), nn.BatchNorm1d(10))

    def forward(self, x):
        a = self.stem(x)
        y = self.act(self.bn(self.conv(a)) + a)                               # residual
        y = y * self.excite(self.squeeze(F.adaptive_avg_pool2d(y, 1)))        # binary SE gate
        return self.head(y)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "out/example"
    batches = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    torch.manual_seed(0)
    x, y = map(torch.from_numpy, load_fashion_mnist("train"))
    model = SmallNet()
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    for b in range(batches):
        idx = torch.randint(0, len(x), (64,))
        loss = F.cross_entropy(model(x[idx]), y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        clamp_all(model)                         # latent weights stay in the STE's range
    xt, yt = map(torch.from_numpy, load_fashion_mnist("test"))
    write_bundle(freeze(model), xt[:64], out, labels=yt[:64], sets=2)
    print(f"wrote {out}: loss {float(loss):.3f} after {batches} batches")


if __name__ == "__main__":
    main()
