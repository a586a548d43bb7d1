#!/usr/bin/env bash
# Import and whole-network function on real PyTorch exports. Generates the fixture bundles
# (tests/fixtures/gen_fixtures.py: Gemm with +-1 inputs and Sign, MatMul [K,N], Transpose +
# MatMul, Conv 1x1 with BatchNormalization folded into scaled weights, a wide Gemm) and the
# acceptance CNNs (tests/fixtures/gen_cnn.py: 3x3 and 1x1 convolutions, residual Add, MaxPool,
# squeeze-and-excitation with a binary and a sigmoid gate, depthwise-separable block, 8-bit
# bit-serial input, ternary bit-sliced head), simulates each on the default chip, on a small chip
# where every layer is tiled, and there input-stationary, and requires outputs equal to
# PyTorch's reference outputs.
set -euo pipefail
src=$1 cimsim=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
/usr/bin/python3 "$src/tests/fixtures/gen_fixtures.py" "$work/bundles" >/dev/null
/usr/bin/python3 "$src/tests/fixtures/gen_cnn.py" "$work/bundles" >/dev/null
small=(--set arch.macro.rows=64 --set arch.macro.hierarchy=[16,4] --set arch.macro.cols=16)
n=0
for b in "$work"/bundles/*/; do
  name=$(basename "$b")
  for chip in default small input-stationary; do
    args=()
    [[ $chip == small ]] && args=("${small[@]}")
    [[ $chip == input-stationary ]] && args=("${small[@]}" --set mapping.stationary=input)
    "$cimsim" run --workload "$b" --out "$work/out/$name-$chip" --quiet "${args[@]}"
    if ! grep -q '"outputs_match_reference": true' "$work/out/$name-$chip/report.json"; then
      echo "bundle $name on the $chip chip: outputs differ from the reference" >&2
      exit 1
    fi
    n=$((n + 1))
  done
done
[[ $n -ge 21 ]] || { echo "expected 7 bundles x 3 chips, ran $n" >&2; exit 1; }
echo "$n runs (7 exported bundles x 3 chips/mappings): outputs match the reference"
