#!/usr/bin/env bash
# Smoke version of the default workload's training: a few batches, exported in the model-zoo
# layout, then simulated; the hardware's outputs must match PyTorch's reference outputs.
set -euo pipefail
src=$1 cimsim=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
/usr/bin/python3 "$src/workloads/train/train_bnn_mlp.py" --smoke --out "$work/bundle"
"$cimsim" run --workload "$work/bundle" --out "$work/out" --quiet
grep -q '"outputs_match_reference": true' "$work/out/report.json"
echo "smoke training: exported bundle simulated, outputs match the reference"
