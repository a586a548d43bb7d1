#!/usr/bin/env bash
# The test-set exporter (workloads/export/export_test_set.py) reproduces shipped bundles byte for
# byte from their model.onnx and the Fashion-MNIST test images, so that the larger sets it makes
# (all 10,000 images, for the scale benchmark) come from the pipeline the shipped ones did.
set -euo pipefail
src=$1 cimsim=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
for m in fmnist_bnn_se_resnet fmnist_ttfs_sky130; do
  sets=$(ls -d "$src/models/$m"/test_data_set_* | wc -l)
  /usr/bin/python3 "$src/workloads/export/export_test_set.py" "$src/models/$m" --samples 1000 --sets "$sets" --out "$work/$m"
  for f in "$src/models/$m"/test_data_set_*/*.pb; do
    rel=${f#"$src/models/$m/"}
    cmp "$f" "$work/$m/$rel" || { echo "$m: $rel differs from the shipped bundle"; exit 1; }
  done
done
# A smaller set of a different size: simulated, its outputs match the references it carries.
/usr/bin/python3 "$src/workloads/export/export_test_set.py" "$src/models/fmnist_bnn_mlp" --samples 40 --sets 2 --out "$work/mlp40"
"$cimsim" run --workload "$work/mlp40" --out "$work/out-mlp40" --quiet
grep -q '"outputs_match_reference": true' "$work/out-mlp40/report.json" || { echo "mlp40: outputs differ"; exit 1; }
echo "export_test_set: shipped bundles reproduced; a 40-image set simulates to its references"
