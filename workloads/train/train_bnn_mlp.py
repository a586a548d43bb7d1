"""Train the default cimsim workload: a binarized MLP on Fashion-MNIST.

Run from the repository root with Debian's interpreter (torch, onnx, numpy):

    /usr/bin/python3 workloads/train/train_bnn_mlp.py            # full run
    /usr/bin/python3 workloads/train/train_bnn_mlp.py --smoke --out /tmp/b

Model: x>=0.5 -> Flatten -> [Linear(±1, no bias) -> BatchNorm -> y>=0] x2
-> Linear(±1) -> BatchNorm1d(10) -> logits.  Training keeps latent float
weights and uses straight-through estimators; the exported eval model holds
the constant ±1 weights.  Writes an ONNX model-zoo bundle (model.onnx plus
test_data_set_N/{input,output,label}_0.pb) and TRAINING.md to --out.
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
from cimsim_export import load_fashion_mnist, op_types, write_bundle  # noqa: E402

SIZES = [784, 256, 256, 10]


def sign_pm1(w):
    """±1 sign with sign(0) = +1."""
    return torch.where(w >= 0, torch.ones_like(w), -torch.ones_like(w))


class BinaryLinear(nn.Linear):
    """Linear layer with ±1 weights (straight-through estimator on latent weights)."""

    def forward(self, x):
        w = self.weight
        wb = w + (sign_pm1(w) - w).detach()
        # Same as F.linear(x, wb), written as a 1x1 convolution: Debian's torch
        # runs float matmul on reference BLAS, ~12x slower than the oneDNN conv.
        return F.conv2d(x[:, :, None, None], wb[:, :, None, None]).flatten(1)


def step_ste(y):
    """Forward (y >= 0) in {0,1}; backward gradient of (hardtanh(y) + 1) / 2."""
    soft = (torch.clamp(y, -1.0, 1.0) + 1.0) / 2.0
    return soft + ((y >= 0).float() - soft).detach()


class TrainBNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.fcs = nn.ModuleList(BinaryLinear(a, b, bias=False) for a, b in zip(SIZES, SIZES[1:]))
        self.bns = nn.ModuleList(nn.BatchNorm1d(b) for b in SIZES[1:])

    def forward(self, x):
        x = torch.flatten((x >= 0.5).float(), 1)
        for i, (fc, bn) in enumerate(zip(self.fcs, self.bns)):
            x = bn(fc(x))
            if i < len(self.fcs) - 1:
                x = step_ste(x)
        return x


class ExportBNN(nn.Module):
    """Eval-only twin of TrainBNN with constant ±1 weights (plain Gemm in ONNX)."""

    def __init__(self, trained):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fcs = nn.ModuleList(nn.Linear(a, b, bias=False) for a, b in zip(SIZES, SIZES[1:]))
        self.bns = nn.ModuleList(nn.BatchNorm1d(b) for b in SIZES[1:])
        with torch.no_grad():
            for fc, tfc in zip(self.fcs, trained.fcs):
                fc.weight.copy_(sign_pm1(tfc.weight))
        for bn, tbn in zip(self.bns, trained.bns):
            bn.load_state_dict(tbn.state_dict())
        self.eval()

    def forward(self, x):
        x = self.flatten((x >= 0.5).float())
        for i, (fc, bn) in enumerate(zip(self.fcs, self.bns)):
            x = bn(fc(x))
            if i < len(self.fcs) - 1:
                x = (x >= 0).float()
        return x


def accuracy(model, x, y, bs=2000):
    model.eval()
    with torch.no_grad():
        pred = torch.cat([model(x[i:i + bs]).argmax(1) for i in range(0, len(x), bs)])
    return (pred == y).float().mean().item()


def train(model, x, y, epochs, bs, lr, seed, max_batches=None):
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    steps = epochs * (max_batches or (len(x) + bs - 1) // bs)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
    for ep in range(epochs):
        model.train()
        perm = torch.randperm(len(x), generator=gen)
        total, n = 0.0, 0
        for b, i in enumerate(range(0, len(x), bs)):
            if max_batches is not None and b >= max_batches:
                break
            idx = perm[i:i + bs]
            loss = F.cross_entropy(model(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            with torch.no_grad():  # keep latent weights in the STE's live range
                for fc in model.fcs:
                    fc.weight.clamp_(-1.0, 1.0)
            total, n = total + loss.item() * len(idx), n + len(idx)
        print(f"epoch {ep + 1}/{epochs} loss {total / n:.4f}", flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", default="models/fmnist_bnn_mlp")
    p.add_argument("--samples", type=int, default=300, help="test images exported, as 3 sets")
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--smoke", action="store_true", help="tiny CI run: few batches, 1 epoch")
    args = p.parse_args()

    torch.set_num_threads(2)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)

    xtr, ytr = map(torch.from_numpy, load_fashion_mnist("train"))
    xte, yte = map(torch.from_numpy, load_fashion_mnist("test"))
    epochs, max_batches = args.epochs, None
    if args.smoke:
        xtr, ytr, epochs, max_batches = xtr[:2048], ytr[:2048], 1, 8

    model = TrainBNN()
    t0 = time.perf_counter()
    train(model, xtr, ytr, epochs, args.batch_size, args.lr, args.seed, max_batches)
    train_s = time.perf_counter() - t0

    export = ExportBNN(model)
    acc = accuracy(export, xte, yte)
    n = args.samples
    acc_samples = accuracy(export, xte[:n], yte[:n])
    sets = 3 if n % 3 == 0 else 1
    onnx_model = write_bundle(export, xte[:n], args.out, labels=yte[:n], sets=sets)
    onnx.checker.check_model(onnx_model)
    ops = op_types(onnx_model)
    print("ONNX ops:", " ".join(ops))
    print(f"test accuracy (10k, ±1 export model): {acc:.4f}")
    print(f"accuracy on {n} exported samples: {acc_samples:.4f}")
    print(f"training time: {train_s:.1f} s")

    cmd = " ".join(["/usr/bin/python3", "workloads/train/train_bnn_mlp.py"] + sys.argv[1:])
    md = f"""# fmnist_bnn_mlp

Binarized MLP on Fashion-MNIST (784-256-256-10, ±1 weights, {{0,1}} activations,
input binarized at 0.5), trained by `workloads/train/train_bnn_mlp.py`.

| | |
|---|---|
| command | `{cmd}` |
| seed | {args.seed} |
| epochs | {epochs}{" (smoke: %d batches of a 2048-image subset)" % max_batches if args.smoke else ""} |
| accuracy, 10k test set | {acc * 100:.2f}% |
| accuracy, {n} exported samples ({sets} x {n // sets}) | {acc_samples * 100:.2f}% |
| training time | {train_s:.1f} s (torch.set_num_threads(2)) |
| torch | {torch.__version__} |
| onnx | {onnx.__version__} |

ONNX ops: {" ".join(ops)}
"""
    tmp = os.path.join(args.out, "TRAINING.md.tmp")
    with open(tmp, "w") as f:
        f.write(md)
    os.replace(tmp, os.path.join(args.out, "TRAINING.md"))


if __name__ == "__main__":
    main()
