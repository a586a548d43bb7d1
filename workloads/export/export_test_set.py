#!/usr/bin/python3
"""Exports more Fashion-MNIST test images for a shipped bundle: the same model.onnx, the first
--samples test images (all 10,000 by default) in --sets sets, and reference outputs computed from
the model itself:

- a TTFS network (cimsim.TTFSDense nodes): by the exporter's exact RC-Spike solution
  (cimsim_export.write_ttfs_bundle), as the training script exports it;
- any other network: by evaluating model.onnx node by node with PyTorch's operators (Conv,
  MaxPool, GlobalAveragePool, BatchNormalization, MatMul, Gemm, Add, Mul, GreaterOrEqual, Cast,
  Flatten, Relu, Sign, Reshape, Constant), in float32 as the exported graph computes.

Run with Debian's interpreter, from the repository root:

    /usr/bin/python3 workloads/export/export_test_set.py models/fmnist_bnn_se_resnet --out /tmp/se_10k

The shipped bundles hold the first 1,000 test images; `--samples 1000` reproduces their files
(tests/export_test_set.sh checks that), so the 10,000-image sets come from the same pipeline.
Large sets are for measurements; do not commit them.
"""
import argparse
import os
import shutil
import sys

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cimsim_export import _tensor_bytes, _write_atomic, load_fashion_mnist, write_ttfs_bundle  # noqa: E402


def attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def pads2d(p):
    # ONNX [top, left, bottom, right]; symmetric pads only (what PyTorch's exporter writes).
    if p[0] != p[2] or p[1] != p[3]:
        raise ValueError(f"asymmetric pads {p} are not supported")
    return (p[0], p[1])


def run_graph(model, x):
    """Evaluates an ONNX graph on a float32 batch x; returns its first output."""
    env = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in model.graph.initializer}
    env[model.graph.input[0].name] = torch.from_numpy(x)
    for n in model.graph.node:
        a = attrs(n)
        ins = [env[i] if i else None for i in n.input]
        op = n.op_type
        if op == "Constant":
            out = torch.from_numpy(numpy_helper.to_array(a["value"]).copy())
        elif op == "Conv":
            out = F.conv2d(ins[0], ins[1], ins[2] if len(ins) > 2 else None, stride=tuple(a.get("strides", [1, 1])),
                           padding=pads2d(a.get("pads", [0, 0, 0, 0])), dilation=tuple(a.get("dilations", [1, 1])),
                           groups=a.get("group", 1))
        elif op == "MaxPool":
            out = F.max_pool2d(ins[0], tuple(a["kernel_shape"]), stride=tuple(a.get("strides", a["kernel_shape"])),
                               padding=pads2d(a.get("pads", [0, 0, 0, 0])), ceil_mode=bool(a.get("ceil_mode", 0)))
        elif op == "GlobalAveragePool":
            out = ins[0].mean(dim=(2, 3), keepdim=True)
        elif op == "BatchNormalization":
            out = F.batch_norm(ins[0], ins[3], ins[4], ins[1], ins[2], False, 0.0, a.get("epsilon", 1e-5))
        elif op == "MatMul":
            out = torch.matmul(ins[0], ins[1])
        elif op == "Gemm":
            A = ins[0].t() if a.get("transA", 0) else ins[0]
            B = ins[1].t() if a.get("transB", 0) else ins[1]
            out = a.get("alpha", 1.0) * (A @ B) + (a.get("beta", 1.0) * ins[2] if len(ins) > 2 else 0)
        elif op == "Add":
            out = ins[0] + ins[1]
        elif op == "Mul":
            out = ins[0] * ins[1]
        elif op == "GreaterOrEqual":
            out = ins[0] >= ins[1]
        elif op == "Cast":
            if a["to"] != onnx.TensorProto.FLOAT:
                raise ValueError(f"node {n.name}: Cast to type {a['to']} is not supported")
            out = ins[0].to(torch.float32)
        elif op == "Flatten":
            ax = a.get("axis", 1)
            out = ins[0].reshape(int(np.prod(ins[0].shape[:ax])), -1)
        elif op == "Reshape":
            shape = [int(s) for s in ins[1].tolist()]
            shape = [ins[0].shape[i] if s == 0 else s for i, s in enumerate(shape)]
            out = ins[0].reshape(shape)
        elif op == "Relu":
            out = F.relu(ins[0])
        elif op == "Sign":
            out = torch.sign(ins[0])
        else:
            raise ValueError(f"node {n.name}: op {op} is not supported by this exporter")
        env[n.output[0]] = out
    return env[model.graph.output[0].name].numpy()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("bundle", help="a shipped bundle folder (its model.onnx is used)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--samples", type=int, default=10000, help="first N test images (default: all 10,000)")
    ap.add_argument("--sets", type=int, default=10)
    ap.add_argument("--batch", type=int, default=500, help="images evaluated at a time")
    args = ap.parse_args()
    torch.set_num_threads(1)
    model = onnx.load(os.path.join(args.bundle, "model.onnx"))
    x, y = load_fashion_mnist("test")
    x, y = x[:args.samples], y[:args.samples]
    if args.samples < 1 or args.samples % args.sets:
        sys.exit(f"--samples {args.samples} cannot be split into {args.sets} equal sets")
    os.makedirs(args.out, exist_ok=True)
    ttfs = [n for n in model.graph.node if n.domain == "cimsim"]
    if ttfs:
        init = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
        layers = [(init[n.input[1]], init[n.input[2]] if len(n.input) > 2 else None) for n in ttfs]
        # The attributes are stored as float32; the exporter wrote them from decimal values (2.8, -1.53).
        a = {k: float(f"{v:.7g}") for k, v in attrs(ttfs[0]).items()}
        write_ttfs_bundle(layers, x.reshape(len(x), -1), args.out, labels=y, sets=args.sets, e_rev_pos=a["e_rev_pos"],
                          e_rev_neg=a["e_rev_neg"], threshold=a["threshold"], ramp=a["ramp"])
        return
    shutil.copyfile(os.path.join(args.bundle, "model.onnx"), os.path.join(args.out, "model.onnx"))
    in_name, out_name = model.graph.input[0].name, model.graph.output[0].name
    per = args.samples // args.sets
    with torch.no_grad():
        for s in range(args.sets):
            xs = x[s * per:(s + 1) * per]
            ys = np.concatenate([run_graph(model, xs[i:i + args.batch]) for i in range(0, len(xs), args.batch)])
            d = os.path.join(args.out, f"test_data_set_{s}")
            os.makedirs(d, exist_ok=True)
            _write_atomic(os.path.join(d, "input_0.pb"), _tensor_bytes(xs, in_name))
            _write_atomic(os.path.join(d, "output_0.pb"), _tensor_bytes(ys.astype(np.float32), out_name))
            _write_atomic(os.path.join(d, "label_0.pb"), _tensor_bytes(y[s * per:(s + 1) * per], "label"))


if __name__ == "__main__":
    main()
