"""Export helpers that write ONNX model-zoo style bundles for cimsim.

Importable module (no CLI). Typical use, from a script that has put this
directory on sys.path:

    from cimsim_export import write_bundle, load_fashion_mnist
    write_bundle(model.eval(), inputs, "models/foo", labels=labels, sets=3)

Bundle layout:
    out_dir/model.onnx
    out_dir/test_data_set_N/input_0.pb   input batch N (TensorProto, float32)
    out_dir/test_data_set_N/output_0.pb  PyTorch eval-mode output (float32)
    out_dir/test_data_set_N/label_0.pb   int64 [batch], only if labels given

Requires /usr/bin/python3 with numpy, torch and onnx.
"""
import gzip
import io
import os

import numpy as np
import onnx
import torch
from onnx import numpy_helper

FMNIST_DIR = "/usr/share/datasets/fashion-mnist"


def _write_atomic(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def _tensor_bytes(array, name):
    return numpy_helper.from_array(np.ascontiguousarray(array), name=name).SerializeToString()


def write_bundle(model, inputs, out_dir, labels=None, sets=1, opset=13,
                 input_name="input", output_name="output",
                 do_constant_folding=True):
    """Export `model` to out_dir/model.onnx and write `sets` test data sets.

    `inputs` is a float32 tensor (batch first) split into `sets` equal
    batches; `labels` (optional) is an integer tensor/array of length batch.
    """
    model.eval()
    inputs = torch.as_tensor(inputs, dtype=torch.float32)
    n = inputs.shape[0]
    if sets < 1 or n % sets:
        raise ValueError(f"{n} inputs cannot be split into {sets} equal sets")
    if labels is not None:
        labels = torch.as_tensor(labels).to(torch.int64)
        if labels.shape != (n,):
            raise ValueError(f"labels shape {tuple(labels.shape)} != ({n},)")
    os.makedirs(out_dir, exist_ok=True)

    buf = io.BytesIO()
    with torch.no_grad():
        torch.onnx.export(
            model, inputs[: n // sets], buf, opset_version=opset,
            input_names=[input_name], output_names=[output_name],
            dynamic_axes={input_name: {0: "batch"}, output_name: {0: "batch"}},
            do_constant_folding=do_constant_folding)
    onnx_model = onnx.load_from_string(buf.getvalue())
    onnx.checker.check_model(onnx_model)
    _write_atomic(os.path.join(out_dir, "model.onnx"), buf.getvalue())

    bs = n // sets
    for i in range(sets):
        d = os.path.join(out_dir, f"test_data_set_{i}")
        os.makedirs(d, exist_ok=True)
        x = inputs[i * bs:(i + 1) * bs]
        with torch.no_grad():
            y = model(x).to(torch.float32)
        _write_atomic(os.path.join(d, "input_0.pb"), _tensor_bytes(x.numpy(), input_name))
        _write_atomic(os.path.join(d, "output_0.pb"), _tensor_bytes(y.numpy(), output_name))
        if labels is not None:
            _write_atomic(os.path.join(d, "label_0.pb"),
                          _tensor_bytes(labels[i * bs:(i + 1) * bs].numpy(), "label"))
    return onnx_model


def add_training_args(ap):
    """The options every training script shares: seed, training subset, bundle size, threads and
    the CI smoke mode."""
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--train-subset", type=int, default=0, help="use the first N training images (0 = all)")
    ap.add_argument("--samples", type=int, default=1000, help="test samples in the bundle")
    ap.add_argument("--sets", type=int, default=10)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--smoke", action="store_true", help="a few batches on small subsets (CI)")


def write_metrics(out_dir, metrics):
    """out_dir/metrics.json (atomic): a bundle's training figures, which the tests and
    docs/models.md compare cimsim against. Infinite floats (ideal reversal potentials) become null."""
    import json
    import math
    clean = {k: (None if isinstance(v, float) and math.isinf(v) else v) for k, v in metrics.items()}
    _write_atomic(os.path.join(out_dir, "metrics.json"), (json.dumps(clean, indent=1, sort_keys=True) + "\n").encode())


def op_types(onnx_model):
    """List of node op types of a loaded ONNX model, in graph order."""
    return [node.op_type for node in onnx_model.graph.node]


def _read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_fashion_mnist(split, root=FMNIST_DIR):
    """Return (images float32 [N,1,28,28] in [0,1], labels int64 [N]).

    split is "train" (60,000 images) or "test"/"t10k" (10,000 images).
    """
    prefix = {"train": "train", "test": "t10k", "t10k": "t10k"}[split]
    images = _read_idx(os.path.join(root, f"{prefix}-images-idx3-ubyte.gz"))
    labels = _read_idx(os.path.join(root, f"{prefix}-labels-idx1-ubyte.gz"))
    images = (images.astype(np.float32) / 255.0)[:, None, :, :]
    return images, labels.astype(np.int64)


# ---- TTFS networks (custom op domain `cimsim`) --------------------------------------------

def ttfs_layer_forward(t_in, w, b=None, e_pos=np.inf, e_neg=-np.inf, threshold=1.0, ramp=1.0):
    """Exact RC-Spike solution of one TTFS dense layer for one sample (numpy, independent of
    cimsim's C++): dv/dt = sum_i w_i (1 - v/E_i) H(t - t_i) over the window [0, 1], then a ramp
    of `ramp` per window to `threshold`. Returns output spike times, 1.0 where no spike."""
    w = np.asarray(w, dtype=np.float64)
    inv = np.where(w >= 0, 0.0 if np.isinf(e_pos) else 1.0 / e_pos, 0.0 if np.isinf(e_neg) else 1.0 / e_neg)
    n = w.shape[0]
    v, a, bb, t = np.zeros(n), np.zeros(n), np.zeros(n), 0.0

    def advance(v, a, bb, d):
        x = bb * d
        small = np.abs(x) < 1e-8
        phi = np.where(small, d * (1 - x / 2), -np.expm1(-x) / np.where(small, 1.0, bb))
        return v * np.exp(-x) + a * phi

    if b is not None:
        b = np.asarray(b, dtype=np.float64)
        a += b
        bb += b * np.where(b >= 0, 0.0 if np.isinf(e_pos) else 1.0 / e_pos, 0.0 if np.isinf(e_neg) else 1.0 / e_neg)
    for i in np.argsort(t_in, kind="stable"):
        ti = float(t_in[i])
        if ti >= 1.0:
            break
        ti = max(ti, 0.0)
        if ti > t:
            v = advance(v, a, bb, ti - t)
            t = ti
        a += w[:, i]
        bb += w[:, i] * inv[:, i]
    v = advance(v, a, bb, 1.0 - t)
    t_out = np.clip((threshold - v) / ramp, 0.0, None)
    return np.where(t_out <= 1.0, t_out, 1.0), v


def write_ttfs_bundle(layers, inputs, out_dir, labels=None, sets=1, e_rev_pos=np.inf, e_rev_neg=-np.inf,
                      threshold=1.0, ramp=1.0):
    """Writes a TTFS network of dense layers in the model-zoo layout. `layers`: list of (W [out, in],
    b [out] or None) numpy arrays; `inputs`: values x in [0, 1], shape [samples, features]; the
    bundle's input_0.pb holds their spike times t = 1 - x, output_0.pb the last layer's spike times
    (1.0 = no spike) from the exact solution above."""
    from onnx import TensorProto, helper
    inputs = np.asarray(inputs, dtype=np.float32)
    # The references use exactly the float32 values the file stores.
    layers = [(np.asarray(w, np.float32).astype(np.float64), None if b is None else np.asarray(b, np.float32).astype(np.float64))
              for w, b in layers]
    t0 = (1.0 - inputs).astype(np.float32)
    inits, nodes, prev = [], [], "t_in"
    for k, (w, b) in enumerate(layers):
        ins = [prev, f"W{k}"]
        inits.append(numpy_helper.from_array(np.asarray(w, np.float32), f"W{k}"))
        if b is not None:
            inits.append(numpy_helper.from_array(np.asarray(b, np.float32), f"b{k}"))
            ins.append(f"b{k}")
        nodes.append(helper.make_node("TTFSDense", ins, [f"t{k}"], name=f"ttfs{k}", domain="cimsim",
                                      e_rev_pos=float(e_rev_pos), e_rev_neg=float(e_rev_neg),
                                      threshold=float(threshold), ramp=float(ramp)))
        prev = f"t{k}"
    n_out = np.asarray(layers[-1][0]).shape[0]
    graph = helper.make_graph(nodes, "ttfs", [helper.make_tensor_value_info("t_in", TensorProto.FLOAT, ["N", t0.shape[1]])],
                              [helper.make_tensor_value_info(prev, TensorProto.FLOAT, ["N", n_out])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid("cimsim", 1)])
    os.makedirs(out_dir, exist_ok=True)
    _write_atomic(os.path.join(out_dir, "model.onnx"), model.SerializeToString())
    per = len(t0) // sets
    for s in range(sets):
        d = os.path.join(out_dir, f"test_data_set_{s}")
        os.makedirs(d, exist_ok=True)
        batch = t0[s * per:(s + 1) * per]
        outs = []
        for x in batch.astype(np.float64):
            t = x
            for w, b in layers:
                t, _ = ttfs_layer_forward(t, w, b, e_rev_pos, e_rev_neg, threshold, ramp)
            outs.append(t)
        _write_atomic(os.path.join(d, "input_0.pb"), numpy_helper.from_array(batch, "t_in").SerializeToString())
        _write_atomic(os.path.join(d, "output_0.pb"), numpy_helper.from_array(np.asarray(outs, np.float32), prev).SerializeToString())
        if labels is not None:
            lab = np.asarray(labels[s * per:(s + 1) * per], np.int64)
            _write_atomic(os.path.join(d, "label_0.pb"), numpy_helper.from_array(lab, "label").SerializeToString())
