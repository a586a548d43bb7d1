"""Training-time layers for networks cimsim runs, and `freeze` to turn them into the plain
eval-mode modules whose ONNX export cimsim imports.

    from cimsim_export.layers import BinaryConv2d, BinaryLinear, StepSTE, freeze
    model = nn.Sequential(BinaryConv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), StepSTE(), ...)
    ... train ...
    export_model = freeze(model)      # a copy: ±1 constant weights, Step = (y >= 0).float()
    write_bundle(export_model, x, "out/dir", labels=y, sets=10)

- BinaryConv2d / BinaryLinear keep latent float weights and compute with sign(w) in {-1, +1}
  (sign(0) = +1), gradients passed straight through (STE). Weights that are exactly zero in
  `prune_mask` (a buffer, 1 = kept) stay zero: pruned channels or synapses, which cimsim gates.
- StepSTE: forward (y >= 0) in {0, 1}, backward the gradient of (hardtanh(y) + 1) / 2, so
  activations are {0, 1} and zeros exist to gate.
- freeze(model): deep copy in eval mode with every BinaryConv2d/BinaryLinear replaced by a plain
  nn.Conv2d/nn.Linear holding the constant ±1 (or 0 where pruned) weights, and every StepSTE by
  Step. BatchNorm stays BatchNorm: cimsim folds BN + Step into per-channel thresholds.
"""
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F


def sign_pm1(w):
    """±1 sign with sign(0) = +1."""
    return torch.where(w >= 0, torch.ones_like(w), -torch.ones_like(w))


class _Binary:
    def binary_weight(self):
        w = self.weight
        wb = w + (sign_pm1(w) - w).detach()
        if getattr(self, "prune_mask", None) is not None:
            wb = wb * self.prune_mask
        return wb

    def prune_outputs(self, channels):
        """Zero every weight of the given output channels (kept zero through training)."""
        mask = torch.ones_like(self.weight)
        mask[list(channels)] = 0.0
        self.register_buffer("prune_mask", mask)

    def clamp_latent(self):
        """Keep latent weights in the STE's live range; call after each optimiser step."""
        with torch.no_grad():
            self.weight.clamp_(-1.0, 1.0)


class BinaryConv2d(nn.Conv2d, _Binary):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("bias", False)
        super().__init__(*args, **kwargs)

    def forward(self, x):
        return F.conv2d(x, self.binary_weight(), self.bias, self.stride, self.padding, self.dilation, self.groups)


class BinaryLinear(nn.Linear, _Binary):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("bias", False)
        super().__init__(*args, **kwargs)

    def forward(self, x):
        # F.linear written as a 1x1 convolution: Debian's torch runs float matmul on reference
        # BLAS, several times slower than the oneDNN convolution.
        w = self.binary_weight()
        y = F.conv2d(x[:, :, None, None], w[:, :, None, None]).flatten(1)
        return y if self.bias is None else y + self.bias


def step_ste(y):
    """Forward (y >= 0) in {0,1}; backward gradient of (hardtanh(y) + 1) / 2."""
    soft = (torch.clamp(y, -1.0, 1.0) + 1.0) / 2.0
    return soft + ((y >= 0).float() - soft).detach()


class StepSTE(nn.Module):
    def forward(self, y):
        return step_ste(y)


class Step(nn.Module):
    """The exported activation: (y >= 0).float() (ONNX GreaterOrEqual/Not(Less) + Cast)."""

    def forward(self, y):
        return (y >= 0).float()


def clamp_all(model):
    """clamp_latent() on every binary layer of `model`."""
    for m in model.modules():
        if isinstance(m, _Binary):
            m.clamp_latent()


def freeze(model):
    """Eval-mode deep copy with constant binary weights and plain Step activations."""
    out = copy.deepcopy(model).eval()

    def swap(parent):
        for name, child in parent.named_children():
            if isinstance(child, BinaryConv2d):
                plain = nn.Conv2d(child.in_channels, child.out_channels, child.kernel_size, child.stride,
                                  child.padding, child.dilation, child.groups, bias=child.bias is not None)
            elif isinstance(child, BinaryLinear):
                plain = nn.Linear(child.in_features, child.out_features, bias=child.bias is not None)
            elif isinstance(child, StepSTE):
                setattr(parent, name, Step())
                continue
            else:
                swap(child)
                continue
            with torch.no_grad():
                plain.weight.copy_(child.binary_weight())
                if child.bias is not None:
                    plain.bias.copy_(child.bias)
            setattr(parent, name, plain.eval())

    swap(out)
    return out
