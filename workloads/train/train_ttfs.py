"""Train an RC-Spike TTFS network 784-200-200-10 on Fashion-MNIST with DSTD in the loop.

Run from the repository root with Debian's interpreter (torch, onnx, numpy):

    /usr/bin/python3 workloads/train/train_ttfs.py --e-rev inf --out models/fmnist_ttfs_ideal
    /usr/bin/python3 workloads/train/train_ttfs.py --e-rev 2.80,-1.53 --out models/fmnist_ttfs_sky130
    /usr/bin/python3 workloads/train/train_ttfs.py --e-rev inf --ssr 0.3 --out models/fmnist_ttfs_ideal_ssr
    /usr/bin/python3 workloads/train/train_ttfs.py --smoke --out /tmp/ttfs   # a few batches (CI)

The neuron (docs/ttfs.md): over the window t in [0, 1], dv/dt = sum_i w_i (1 - v/E_i) H(t - t_i),
E_i = E+ for w_i >= 0 and E- for w_i < 0; then a ramp of slope 1 to the threshold 1, so the
output spike time is clamp(1 - v(1), 0, 1) and a neuron with v(1) <= 0 does not spike. Input
pixels x become spike times t = 1 - x; each neuron has one bias synapse firing at t = 0.

Training uses DSTD (Sakemi et al.): every input spike is spread over the grid T_m = m/M, so the
active fraction of synapse j during step m is clamp(1 + (T_m - t_j)/dt, 0, 1), and each step is
solved in closed form: v <- v e^{-B dt} + A dt phi(B dt), phi(x) = (1 - e^{-x}) / x, A = sum w c,
B = sum w c / E (B >= 0 since w/E >= 0). That is two matrix products per layer and M cheap
steps, all differentiable. The class is the output neuron that spikes first (largest v(1));
the loss is cross-entropy on beta v(1) of the output layer.

Output saturation (--out-penalty, default 1): an output neuron with v(1) >= threshold fires at
t = 0, and when two do, spike times cannot rank them. The term out_penalty * mean over samples
of sum over outputs of relu(v(1) - 0.9)^2 keeps outputs below the threshold; without it, 22% of
the ideal network's test samples had several outputs at t = 0 after 30 epochs.

Sparse-firing regularisation (--ssr LAMBDA), in the spirit of M-SSR (Sakemi et al., Sci. Rep.
2023): a penalty on the hidden neurons' membrane potential at the end of the window above the
firing boundary, LAMBDA * mean(relu(v(1) - (threshold - ramp))). It depends only on input spike
times and weights (v(1) is their function), is zero for a silent neuron, and pushes firing
neurons below the boundary, so fewer of them spike.

Evaluation is exact: the closed form advanced from input spike to input spike (sorted per
sample), vectorised over the batch — the solution cimsim computes with `solver: exact`. The
script reports both the DSTD and the exact test accuracy on the full 10,000 images and writes the
exported bundle (exact reference spike times from cimsim_export's independent numpy solver).
"""
import argparse
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "export"))
from cimsim_export import add_training_args, load_fashion_mnist, write_metrics, write_ttfs_bundle  # noqa: E402

SIZES = [784, 200, 200, 10]


def parse_e_rev(text):
    """'inf' -> (inf, -inf); '4' -> (4, -4); '2.80,-1.53' -> (2.80, -1.53)."""
    parts = [float(p) for p in text.split(",")]
    if len(parts) == 1:
        return abs(parts[0]), -abs(parts[0])
    if len(parts) != 2 or parts[0] <= 0 or parts[1] >= 0:
        raise SystemExit(f"--e-rev: expected 'inf', '|E|' or 'E+,E-' with E+ > 0 > E-, got {text!r}")
    return parts[0], parts[1]


def inv_e(w, e_pos, e_neg):
    """w / E_i elementwise (0 for an ideal integrator)."""
    ip = 0.0 if math.isinf(e_pos) else 1.0 / e_pos
    ineg = 0.0 if math.isinf(e_neg) else 1.0 / e_neg
    return torch.where(w >= 0, w * ip, w * ineg)


def phi(x):
    """(1 - e^{-x}) / x, smooth through x = 0."""
    small = x.abs() < 1e-4
    xs = torch.where(small, torch.ones_like(x), x)
    return torch.where(small, 1.0 - x / 2.0 + x * x / 6.0, -torch.expm1(-xs) / xs)


def dense(x, w):
    """x [n, in] @ w.T [in, out] via a 1x1 convolution: Debian's torch runs plain float matmul
    on reference BLAS, several times slower than the oneDNN convolution."""
    return F.conv2d(x[:, :, None, None], w[:, :, None, None]).flatten(1)


def layer_dstd(t_in, w, b, e_pos, e_neg, steps):
    """v(1) of one dense layer under DSTD with `steps` grid steps; t_in [n, in]."""
    n, k = t_in.shape[0], w.shape[0]
    dt = 1.0 / steps
    grid = torch.arange(steps, dtype=t_in.dtype) * dt                          # T_0 .. T_{M-1}
    c = torch.clamp(1.0 + (grid[None, :, None] - t_in[:, None, :]) / dt, 0.0, 1.0)  # [n, M, in]
    wb = torch.cat([w, inv_e(w, e_pos, e_neg)], 0)                              # [2k, in]
    ab = dense(c.reshape(n * steps, -1), wb).reshape(n, steps, 2 * k)
    a, bb = ab[..., :k] + b, ab[..., k:] + inv_e(b, e_pos, e_neg)
    v = torch.zeros(n, k, dtype=t_in.dtype)
    for m in range(steps):
        x = bb[:, m] * dt
        v = v * torch.exp(-x) + a[:, m] * dt * phi(x)
    return v


def layer_exact(t_in, w, b, e_pos, e_neg):
    """v(1) of one dense layer, exact: inputs sorted per sample, closed form between spikes."""
    n, k = t_in.shape[0], w.shape[0]
    t_s, order = torch.sort(t_in, dim=1)
    live = (t_s < 1.0).to(t_in.dtype)                                           # spikes in the window
    wt = w.t()[order] * live[..., None]                                         # [n, in, k]
    iet = inv_e(w, e_pos, e_neg).t()[order] * live[..., None]
    a = torch.cumsum(wt, 1) + b                                                 # after spike j
    bb = torch.cumsum(iet, 1) + inv_e(b, e_pos, e_neg)
    t_c = torch.clamp(t_s, 0.0, 1.0)
    d = torch.diff(torch.cat([t_c, torch.ones(n, 1, dtype=t_in.dtype)], 1), dim=1)  # time to next spike
    x = bb * d[..., None]
    gain = a * d[..., None] * phi(x)                                            # v added in interval j
    # v(1) = v_bias(t_0) decayed + sum_j gain_j * exp(-sum_{l>j} x_l)
    tail = torch.flip(torch.cumsum(torch.flip(x, [1]), 1), [1]) - x             # sum over later intervals
    v = (gain * torch.exp(-tail)).sum(1)
    # interval before the first spike: only the bias is on, from 0 to t_(0)
    b0 = inv_e(b, e_pos, e_neg)[None, :]
    x0 = b0 * t_c[:, :1]
    v0 = b[None, :] * t_c[:, :1] * phi(x0)
    return v + v0 * torch.exp(-x.sum(1))


class TTFSNet(torch.nn.Module):
    def __init__(self, e_pos, e_neg, seed):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.e_pos, self.e_neg = e_pos, e_neg
        self.ws = torch.nn.ParameterList()
        self.bs = torch.nn.ParameterList()
        for a, b in zip(SIZES, SIZES[1:]):
            self.ws.append(torch.nn.Parameter(torch.randn(b, a, generator=g) * math.sqrt(2.0 / a)))
            self.bs.append(torch.nn.Parameter(torch.full((b,), 0.05)))

    def forward(self, x, steps=0):
        """x: pixel values [n, 784]. Returns (output v(1), list of hidden v(1))."""
        t = 1.0 - x
        hidden = []
        for i, (w, b) in enumerate(zip(self.ws, self.bs)):
            v = layer_exact(t, w, b, self.e_pos, self.e_neg) if steps == 0 else \
                layer_dstd(t, w, b, self.e_pos, self.e_neg, steps)
            if i < len(self.ws) - 1:
                hidden.append(v)
                t = torch.clamp(1.0 - v, 0.0, 1.0)       # threshold 1, ramp 1
        return v, hidden


def evaluate(net, x, y, steps, batch=None, ties=False):
    """Accuracy (first spike = largest v(1)) and spikes per hidden neuron; with ties=True also the
    fraction of samples in which several output neurons fire at t = 0 (v(1) >= 1)."""
    batch = batch or (50 if steps == 0 else 250)  # the exact solver gathers [batch, in, out]
    correct, spikes, neurons, tied = 0, 0.0, 0, 0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            v, hid = net(x[i:i + batch], steps)
            correct += int((v.argmax(1) == y[i:i + batch]).sum())
            spikes += sum(float((h > 0).sum()) for h in hid)
            neurons += sum(h.numel() for h in hid)
            tied += int(((v >= 1.0).sum(1) >= 2).sum())
    out = (correct / len(x), spikes / neurons)
    return out + (tied / len(x),) if ties else out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--e-rev", default="inf", help="'inf', '|E|' or 'E+,E-' (units of the threshold)")
    ap.add_argument("--ssr", type=float, default=0.0, help="sparse-firing penalty strength (0 = off)")
    ap.add_argument("--out-penalty", type=float, default=1.0, help="output saturation penalty (0 = off)")
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--beta", type=float, default=5.0, help="logit scale on the output v(1)")
    ap.add_argument("--dstd-steps", type=int, default=10)
    add_training_args(ap)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    e_pos, e_neg = parse_e_rev(args.e_rev)

    xtr, ytr = load_fashion_mnist("train")
    xte, yte = load_fashion_mnist("test")
    xtr, xte = torch.tensor(xtr.reshape(len(xtr), -1)), torch.tensor(xte.reshape(len(xte), -1))
    ytr, yte = torch.tensor(ytr), torch.tensor(yte)
    if args.smoke:
        args.epochs, args.train_subset, args.samples, args.sets = 1, 500, 20, 2
        xte, yte = xte[:200], yte[:200]
    if args.train_subset:
        xtr, ytr = xtr[:args.train_subset], ytr[:args.train_subset]

    net = TTFSNet(e_pos, e_neg, args.seed)
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, max(1, args.epochs))
    g = torch.Generator().manual_seed(args.seed)
    t0 = time.time()
    for epoch in range(args.epochs):
        perm = torch.randperm(len(xtr), generator=g)
        tot, nb = 0.0, 0
        for i in range(0, len(xtr), args.batch):
            idx = perm[i:i + args.batch]
            v, hid = net(xtr[idx], args.dstd_steps)
            loss = F.cross_entropy(args.beta * v, ytr[idx])
            if args.out_penalty > 0:
                loss = loss + args.out_penalty * F.relu(v - 0.9).pow(2).sum(1).mean()
            if args.ssr > 0:
                loss = loss + args.ssr * sum(F.relu(h).mean() for h in hid) / len(hid)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot, nb = tot + float(loss), nb + 1
        sched.step()
        acc, spk = evaluate(net, xte, yte, args.dstd_steps)
        print(f"epoch {epoch + 1}/{args.epochs} loss {tot / nb:.4f} test(DSTD) {acc:.4f} "
              f"spikes/hidden {spk:.3f} {time.time() - t0:.0f}s", flush=True)
    train_s = time.time() - t0

    acc_dstd, spk_dstd = evaluate(net, xte, yte, args.dstd_steps)
    acc_exact, spk_exact, tie_exact = evaluate(net, xte, yte, 0, ties=True)
    print(f"test accuracy ({len(xte)} images): DSTD M={args.dstd_steps} {acc_dstd:.4f}, "
          f"exact {acc_exact:.4f}; spikes per hidden neuron (exact) {spk_exact:.3f}; "
          f"samples with tied outputs at t = 0: {tie_exact:.4f}")

    layers = [(w.detach().numpy(), b.detach().numpy()) for w, b in zip(net.ws, net.bs)]
    n = args.samples
    write_ttfs_bundle(layers, xte[:n].numpy(), args.out, labels=yte[:n].numpy(), sets=args.sets,
                      e_rev_pos=e_pos, e_rev_neg=e_neg)
    acc_bundle, _ = evaluate(net, xte[:n], yte[:n], 0)
    cmd = "/usr/bin/python3 workloads/train/train_ttfs.py " + " ".join(sys.argv[1:])
    write_metrics(args.out, {"kind": "ttfs", "e_rev_pos": e_pos, "e_rev_neg": e_neg, "ssr": args.ssr,
                             "dstd_steps": args.dstd_steps, "epochs": args.epochs, "seed": args.seed,
                             "train_images": len(xtr), "train_seconds": round(train_s, 1),
                             "test_images": len(xte), "test_accuracy_exact": acc_exact,
                             "test_accuracy_dstd": acc_dstd, "spikes_per_hidden_neuron": spk_exact,
                             "output_ties": tie_exact, "out_penalty": args.out_penalty,
                             "bundle_samples": n, "bundle_accuracy": acc_bundle, "command": cmd})
    with open(os.path.join(args.out, "TRAINING.md"), "w") as f:
        f.write(f"# {os.path.basename(os.path.normpath(args.out))}\n\n"
                f"RC-Spike TTFS network {'-'.join(map(str, SIZES))}, E+ = {e_pos}, E- = {e_neg}, "
                f"threshold 1, ramp 1, trained with DSTD M = {args.dstd_steps}"
                f"{f', sparse-firing penalty {args.ssr}' if args.ssr else ''}.\n\n"
                f"- command: `{cmd}`\n"
                f"- seed {args.seed}, {args.epochs} epochs, batch {args.batch}, Adam lr {args.lr} (cosine), "
                f"beta {args.beta}, output penalty {args.out_penalty}, {len(xtr)} training images, "
                f"{args.threads} thread(s), torch {torch.__version__}\n"
                f"- training time: {train_s:.0f} s\n"
                f"- test accuracy, {len(xte)} images: exact {acc_exact:.4f}, DSTD {acc_dstd:.4f}\n"
                f"- spikes per hidden neuron (exact, test set): {spk_exact:.3f}\n"
                f"- test samples with several outputs at t = 0 (tied first spikes): {tie_exact:.4f}\n"
                f"- bundle: first {n} test images in {args.sets} sets; exact accuracy on them {acc_bundle:.4f}\n")
    print(f"wrote {args.out} (bundle accuracy, exact, {n} samples: {acc_bundle:.4f}); training {train_s:.0f} s")


if __name__ == "__main__":
    main()
