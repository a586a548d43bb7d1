#!/usr/bin/env bash
# Importer coverage on real PyTorch exports: generates the fixture bundles (Gemm with +-1 inputs
# and Sign, MatMul [K,N], Transpose + MatMul, Conv 1x1 with BatchNormalization folded into scaled
# weights, a layer tiled over rows), simulates each, and requires outputs equal to PyTorch's.
set -euo pipefail
src=$1 cimsim=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
/usr/bin/python3 "$src/tests/fixtures/gen_fixtures.py" "$work/bundles" >/dev/null
n=0
for b in "$work"/bundles/*/; do
  name=$(basename "$b")
  "$cimsim" run --workload "$b" --out "$work/out/$name" --quiet --set arch.macro.rows=64 \
    --set arch.macro.hierarchy=[16,4] --set arch.macro.cols=16
  if ! grep -q '"outputs_match_reference": true' "$work/out/$name/report.json"; then
    echo "fixture $name: outputs differ from the reference" >&2
    exit 1
  fi
  n=$((n + 1))
done
[[ $n -ge 5 ]] || { echo "expected 5 fixture bundles, found $n" >&2; exit 1; }
echo "$n fixture bundles simulated, outputs match the reference"
