#!/usr/bin/env bash
# Sweep throughput (prints figures, never fails on time): a one-layer workload (a binary
# 256 -> 256 dense layer, 100 samples) swept over every hierarchy pattern of 256 rows at every
# gating level (218 points) with --jobs 2.
#   benchmarks/bench_sweep.sh [CIMSIM]     (default build/cimsim; KEEP=1 keeps the work folder)
set -euo pipefail
cd "$(dirname "$0")/.."
cimsim=$(realpath "${1:-build/cimsim}")
work=$(mktemp -d)
if [ -n "${KEEP:-}" ]; then echo "kept: $work" >&2; else trap 'rm -rf "$work"' EXIT; fi
/usr/bin/python3 - "$work/one_layer" <<'PY'
import os, sys, numpy as np, onnx
from onnx import helper as oh, numpy_helper as nh, TensorProto as TP
out = sys.argv[1]; os.makedirs(out + "/test_data_set_0")
rng = np.random.default_rng(1)
w = np.where(rng.random((256, 256)) < 0.5, -1.0, 1.0).astype(np.float32)
x = (rng.random((100, 256)) < 0.4).astype(np.float32)
g = oh.make_graph([oh.make_node("MatMul", ["x", "w"], ["y"], name="fc")], "one_layer",
                  [oh.make_tensor_value_info("x", TP.FLOAT, ["N", 256])], [oh.make_tensor_value_info("y", TP.FLOAT, ["N", 256])],
                  [nh.from_array(w, "w")])
onnx.save(oh.make_model(g, opset_imports=[oh.make_opsetid("", 13)]), out + "/model.onnx")
open(out + "/test_data_set_0/input_0.pb", "wb").write(nh.from_array(x, "x").SerializeToString())
open(out + "/test_data_set_0/output_0.pb", "wb").write(nh.from_array(x @ w, "y").SerializeToString())
PY
printf 'workload: %s\narch: %s\n' "$work/one_layer" "$PWD/configs/arch/default.yaml" > "$work/run.yaml"
printf 'base: run.yaml\naxes:\n  - generator: hierarchy\n    max_levels: 4\n    min_segment: 2\n' > "$work/sweep.yaml"
start=$(date +%s.%N)
"$cimsim" sweep "$work/sweep.yaml" --jobs 2 --quiet --out "$work/out"
end=$(date +%s.%N)
points=$(($(wc -l < "$work/out/sweep.csv") - 1))
ok=$(grep -c ',ok,' "$work/out/sweep.csv" || true)
awk -v p="$points" -v ok="$ok" -v s="$start" -v e="$end" 'BEGIN {
  t = e - s; printf "one-layer sweep, --jobs 2: %d points (%d ok) in %.2f s: %.0f points per minute\n", p, ok, t, 60 * p / t }'
