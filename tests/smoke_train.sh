#!/usr/bin/env bash
# Smoke versions of every training script and the exporter's worked example: a few batches each,
# exported in the model-zoo layout, then simulated; the hardware's outputs must match the
# reference outputs (PyTorch's, or the exporter's exact TTFS solution).
set -euo pipefail
src=$1 cimsim=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
py=/usr/bin/python3
$py "$src/workloads/train/train_bnn_mlp.py" --smoke --out "$work/mlp"
$py "$src/workloads/train/train_bnn_cnn.py" --smoke --out "$work/cnn"
$py "$src/workloads/train/train_bnn_cnn.py" --smoke --variant depthwise --out "$work/cnn_dw"
$py "$src/workloads/train/train_ttfs.py" --smoke --e-rev 2.80,-1.53 --ssr 1 --out "$work/ttfs"
$py "$src/workloads/export/example.py" "$work/example" 5
for b in mlp cnn cnn_dw ttfs example; do
  "$cimsim" run --workload "$work/$b" --out "$work/out-$b" --quiet
  grep -q '"outputs_match_reference": true' "$work/out-$b/report.json" || { echo "$b: outputs differ"; exit 1; }
done
# The training scripts record what the tests compare against.
for b in cnn cnn_dw ttfs; do
  $py -c "import json,sys; m=json.load(open(sys.argv[1])); assert m['bundle_samples'] > 0 and 0 <= m['bundle_accuracy'] <= 1" "$work/$b/metrics.json"
done
echo "smoke training: 5 exported bundles simulated, outputs match the reference"
