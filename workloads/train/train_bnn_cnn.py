"""Train the binarized SE-ResNet-style reference CNN (or its depthwise-separable variant) on
Fashion-MNIST and export it for cimsim.

Run from the repository root with Debian's interpreter (torch, onnx, numpy):

    /usr/bin/python3 workloads/train/train_bnn_cnn.py --variant resnet --out models/fmnist_bnn_se_resnet
    /usr/bin/python3 workloads/train/train_bnn_cnn.py --variant depthwise --out models/fmnist_bnn_se_dw
    /usr/bin/python3 workloads/train/train_bnn_cnn.py --smoke --out /tmp/cnn      # a few batches (CI)

Network (every conv and the classifier have ±1 weights; activations are {0,1} = Step(BN(.))):
  stem      Conv 1->C 3x3 on the 8-bit image, MaxPool 2                       [C,14,14]
  block 1   residual: a = Step(BN(conv(x))); y = Step(BN(conv(a)) + x)
  block 2   residual as block 1, then a binary squeeze-and-excitation gate:
            y = y * Step(BN(Conv 8->C 1x1(Step(BN(Conv C->8 1x1(GlobalAvgPool(y)))))))
  down      Step(BN(Conv C->2C 1x1(MaxPool 2(y))))                          [2C,7,7]
  block 3   residual, block 4 residual + SE gate (2C channels)
  head      Flatten -> Linear(2C*49 -> 10, ±1) -> BatchNorm1d -> logits
`conv` is a 3x3 convolution (resnet) or depthwise 3x3 -> BN -> Step -> pointwise 1x1
(depthwise): 15 weight layers (resnet), 23 (depthwise). Trained with latent float weights and
straight-through estimators (cimsim_export.layers); the exported model is `freeze(model)`.
"""
import argparse
import os
import sys
import time

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "export"))
from cimsim_export import add_training_args, load_fashion_mnist, op_types, write_bundle, write_metrics  # noqa: E402
from cimsim_export.layers import BinaryConv2d, BinaryLinear, StepSTE, clamp_all, freeze  # noqa: E402


class Conv3(nn.Module):
    """3x3 ±1 convolution, or depthwise 3x3 + BN + Step + pointwise 1x1."""

    def __init__(self, c, depthwise):
        super().__init__()
        if depthwise:
            self.body = nn.Sequential(BinaryConv2d(c, c, 3, padding=1, groups=c), nn.BatchNorm2d(c), StepSTE(),
                                      BinaryConv2d(c, c, 1))
        else:
            self.body = BinaryConv2d(c, c, 3, padding=1)

    def forward(self, x):
        return self.body(x)


class SEGate(nn.Module):
    def __init__(self, c, hidden=8):
        super().__init__()
        self.squeeze = nn.Sequential(BinaryConv2d(c, hidden, 1), nn.BatchNorm2d(hidden), StepSTE())
        self.excite = nn.Sequential(BinaryConv2d(hidden, c, 1), nn.BatchNorm2d(c), StepSTE())

    def forward(self, x):
        return x * self.excite(self.squeeze(F.adaptive_avg_pool2d(x, 1)))


class Block(nn.Module):
    def __init__(self, c, depthwise, se):
        super().__init__()
        self.conv1, self.bn1, self.act1 = Conv3(c, depthwise), nn.BatchNorm2d(c), StepSTE()
        self.conv2, self.bn2, self.act2 = Conv3(c, depthwise), nn.BatchNorm2d(c), StepSTE()
        self.se = SEGate(c) if se else None

    def forward(self, x):
        a = self.act1(self.bn1(self.conv1(x)))
        y = self.act2(self.bn2(self.conv2(a)) + x)
        return self.se(y) if self.se is not None else y


class SEResNet(nn.Module):
    def __init__(self, width, depthwise):
        super().__init__()
        c = width
        self.stem = nn.Sequential(BinaryConv2d(1, c, 3, padding=1), nn.BatchNorm2d(c), StepSTE(), nn.MaxPool2d(2))
        self.block1, self.block2 = Block(c, depthwise, False), Block(c, depthwise, True)
        self.down = nn.Sequential(nn.MaxPool2d(2), BinaryConv2d(c, 2 * c, 1), nn.BatchNorm2d(2 * c), StepSTE())
        self.block3, self.block4 = Block(2 * c, depthwise, False), Block(2 * c, depthwise, True)
        self.head = nn.Sequential(nn.Flatten(), BinaryLinear(2 * c * 49, 10), nn.BatchNorm1d(10))

    def forward(self, x):
        x = self.block2(self.block1(self.stem(x)))
        x = self.block4(self.block3(self.down(x)))
        return self.head(x)


def accuracy(model, x, y, bs=500):
    model.eval()
    with torch.no_grad():
        pred = torch.cat([model(x[i:i + bs]).argmax(1) for i in range(0, len(x), bs)])
    return (pred == y).float().mean().item()


def activation_zeros(model, x):
    """Fraction of zeros over every Step output of the exported model on x."""
    zeros, total = [0.0], [0]

    def hook(_m, _i, out):
        zeros[0] += float((out == 0).sum())
        total[0] += out.numel()
    hs = [m.register_forward_hook(hook) for m in model.modules() if type(m).__name__ == "Step"]
    with torch.no_grad():
        model(x)
    for h in hs:
        h.remove()
    return zeros[0] / max(1, total[0])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--variant", choices=["resnet", "depthwise"], default="resnet")
    ap.add_argument("--width", type=int, default=32, help="channels C of the first stage (2C in the second)")
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=3e-3)
    add_training_args(ap)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)

    xtr, ytr = map(torch.from_numpy, load_fashion_mnist("train"))
    xte, yte = map(torch.from_numpy, load_fashion_mnist("test"))
    max_batches = None
    if args.smoke:
        args.epochs, args.train_subset, args.samples, args.sets, max_batches = 1, 1024, 8, 2, 4
        xte, yte = xte[:200], yte[:200]
    if args.train_subset:
        xtr, ytr = xtr[:args.train_subset], ytr[:args.train_subset]

    model = SEResNet(args.width, args.variant == "depthwise")
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    per_epoch = (len(xtr) + args.batch - 1) // args.batch
    steps = args.epochs * (max_batches or per_epoch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=steps)
    g = torch.Generator().manual_seed(args.seed)
    t0 = time.time()
    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(len(xtr), generator=g)
        tot, n = 0.0, 0
        for b, i in enumerate(range(0, len(xtr), args.batch)):
            if max_batches is not None and b >= max_batches:
                break
            idx = perm[i:i + args.batch]
            x = xtr[idx]
            # light augmentation: random horizontal flip (garments are left-right symmetric)
            flip = torch.rand(len(idx), generator=g) < 0.5
            x = torch.where(flip[:, None, None, None], x.flip(3), x)
            loss = F.cross_entropy(model(x), ytr[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            clamp_all(model)
            tot, n = tot + float(loss) * len(idx), n + len(idx)
        acc = accuracy(freeze(model), xte, yte)
        print(f"epoch {epoch + 1}/{args.epochs} loss {tot / n:.4f} test {acc:.4f} {time.time() - t0:.0f}s", flush=True)
    train_s = time.time() - t0

    export = freeze(model)
    acc = accuracy(export, xte, yte)
    n = args.samples
    acc_samples = accuracy(export, xte[:n], yte[:n])
    zeros = activation_zeros(export, xte[:n])
    onnx_model = write_bundle(export, xte[:n], args.out, labels=yte[:n], sets=args.sets)
    onnx.checker.check_model(onnx_model)
    ops = op_types(onnx_model)
    print("ONNX ops:", " ".join(ops))
    print(f"test accuracy ({len(xte)} images, exported model): {acc:.4f}; on the {n} bundled samples: "
          f"{acc_samples:.4f}; activation zeros {zeros:.3f}; training {train_s:.0f} s")
    cmd = "/usr/bin/python3 workloads/train/train_bnn_cnn.py " + " ".join(sys.argv[1:])
    write_metrics(args.out, {"kind": "bnn_cnn", "variant": args.variant, "width": args.width, "epochs": args.epochs,
                             "seed": args.seed, "train_images": len(xtr), "train_seconds": round(train_s, 1),
                             "test_images": len(xte), "test_accuracy": acc, "bundle_samples": n,
                             "bundle_accuracy": acc_samples, "activation_zeros": zeros, "command": cmd})
    with open(os.path.join(args.out, "TRAINING.md.tmp"), "w") as f:
        f.write(f"# {os.path.basename(os.path.normpath(args.out))}\n\n"
                f"Binarized SE-ResNet-style CNN ({args.variant}, width {args.width}) on Fashion-MNIST, "
                f"trained by `workloads/train/train_bnn_cnn.py`.\n\n"
                f"- command: `{cmd}`\n"
                f"- seed {args.seed}, {args.epochs} epochs, batch {args.batch}, Adam one-cycle lr {args.lr}, "
                f"{len(xtr)} training images, {args.threads} thread(s), torch {torch.__version__}\n"
                f"- training time: {train_s:.0f} s\n"
                f"- test accuracy, {len(xte)} images (exported ±1 model): {acc:.4f}\n"
                f"- bundle: first {n} test images in {args.sets} sets; accuracy on them {acc_samples:.4f}\n"
                f"- fraction of zero activations on them: {zeros:.3f}\n\n"
                f"ONNX ops: {' '.join(ops)}\n")
    os.replace(os.path.join(args.out, "TRAINING.md.tmp"), os.path.join(args.out, "TRAINING.md"))


if __name__ == "__main__":
    main()
