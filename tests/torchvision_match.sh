#!/usr/bin/env bash
# torchvision's resnet18 (7x7 stem, padded max pool, real residual path) and mobilenet_v2 (ReLU6,
# depthwise convolutions, linear bottlenecks) as they are, with binarized convolutions
# (tests/zoo/gen_torchvision.py), at 32 x 32: both import, run on the default chip and match PyTorch.
set -euo pipefail
src=$1 cimsim=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
/usr/bin/python3 "$src/tests/zoo/gen_torchvision.py" "$work/bundles" >/dev/null 2>"$work/gen.log" || { cat "$work/gen.log" >&2; exit 1; }
for name in resnet18 mobilenet_v2; do
  "$cimsim" run --workload "$work/bundles/$name" --out "$work/out/$name" --quiet
  grep -q '"outputs_match_reference": true' "$work/out/$name/report.json" ||
    { echo "torchvision $name: outputs differ from PyTorch's" >&2; exit 1; }
done
echo "torchvision resnet18 and mobilenet_v2 (binarized convolutions): outputs match PyTorch"
