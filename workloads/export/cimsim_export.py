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
