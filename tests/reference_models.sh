#!/usr/bin/env bash
# The shipped reference networks (models/*/ with metrics.json): cimsim runs every bundled sample,
# its outputs match the exported reference, and its accuracy equals the training script's PyTorch
# accuracy on the same samples within 0.2 points.
set -euo pipefail
src=$1 cimsim=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
n=0
for m in "$src"/models/*/; do
  name=$(basename "$m")
  [ -f "$m/metrics.json" ] || continue
  "$cimsim" run --workload "$m" --out "$work/$name" --quiet
  /usr/bin/python3 - "$m/metrics.json" "$work/$name/report.json" "$name" <<'PY'
import json, sys
metrics, report, name = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
f = report["function"]
assert f["outputs_match_reference"], f"{name}: outputs differ from the reference"
assert f["samples"] == metrics["bundle_samples"] >= 1000, f"{name}: {f['samples']} samples"
hw, torch_acc = f["accuracy"], metrics["bundle_accuracy"]
assert abs(hw - torch_acc) <= 0.002, f"{name}: cimsim {hw:.4f} vs PyTorch {torch_acc:.4f}"
extra = ""
if report.get("ttfs"):
    t = report["ttfs"]
    assert abs(t["spikes_per_hidden_neuron"] - metrics["spikes_per_hidden_neuron"]) < 0.02, name
    extra = f", {t['spikes_per_hidden_neuron']:.3f} spikes per hidden neuron"
print(f"{name}: cimsim {100 * hw:.1f}% = PyTorch {100 * torch_acc:.1f}% on {f['samples']} samples, "
      f"{report['totals']['energy_pj'] / f['samples']:.4g} pJ per inference{extra}")
PY
  n=$((n + 1))
done
[ "$n" -ge 3 ] || { echo "only $n reference models with metrics.json"; exit 1; }
echo "$n reference models: accuracy on the hardware equals PyTorch's"
