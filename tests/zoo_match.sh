#!/usr/bin/env bash
# Networks written the way public PyTorch code writes them (tests/zoo/gen_zoo.py: 96 plain
# nn.Modules, half exported without constant folding), exported with torch.onnx.export at opsets
# 13 and 17, each simulated on the default chip; every output must equal PyTorch's.
set -euo pipefail
src=$1 cimsim=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
n=0
for opset in 13 17; do
  /usr/bin/python3 "$src/tests/zoo/gen_zoo.py" "$work/opset$opset" --opset "$opset" >/dev/null 2>"$work/gen$opset.log" ||
    { cat "$work/gen$opset.log" >&2; exit 1; }
  m=0
  for b in "$work/opset$opset"/*/; do
    name=$(basename "$b")
    if ! "$cimsim" run --workload "$b" --out "$work/out/$opset-$name" --quiet; then
      echo "zoo network $name (opset $opset) was refused" >&2
      exit 1
    fi
    if ! grep -q '"outputs_match_reference": true' "$work/out/$opset-$name/report.json"; then
      echo "zoo network $name (opset $opset): outputs differ from PyTorch's" >&2
      exit 1
    fi
    m=$((m + 1))
  done
  [[ $m -ge 60 ]] || { echo "expected at least 60 zoo networks at opset $opset, ran $m" >&2; exit 1; }
  n=$((n + m))
done
echo "$n zoo runs (opsets 13 and 17): outputs match PyTorch"
