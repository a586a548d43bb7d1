#!/usr/bin/env bash
# Whole-test-set runs (prints figures, never fails on time): the SE-ResNet BNN bundle at its
# shipped 1,000 samples and at the 10,000 Fashion-MNIST test images, and the TTFS SKY130 bundle
# at 10,000, each with --jobs 1 and --jobs 2. Prints, per run, the median wall time and the peak
# memory (PSS summed over cimsim and its worker processes) of REPS runs, the --jobs 2 speedup,
# and whether the two reports are byte-identical.
#   benchmarks/bench_scale.sh [CIMSIM]     (default build/cimsim; REPS=3 by default)
# The 10,000-image sets are exported into a temporary folder first (about a minute), from the
# bundles' own model.onnx (workloads/export/export_test_set.py); they are not kept.
set -euo pipefail
cd "$(dirname "$0")/.."
cimsim=$(realpath "${1:-build/cimsim}")
reps=${REPS:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 workloads/export/export_test_set.py models/fmnist_bnn_se_resnet --samples 10000 --out "$work/se_10k" >/dev/null
/usr/bin/python3 workloads/export/export_test_set.py models/fmnist_ttfs_sky130 --samples 10000 --out "$work/ttfs_10k" >/dev/null

# run NAME JOBS WORKLOAD [ARCH]: REPS runs; prints NAME_jobsJ_wall_s and NAME_jobsJ_peak_mb (medians)
run() {
  local name=$1 jobs=$2 wl=$3 arch=${4:-}
  local walls=() peaks=()
  for ((i = 0; i < reps; ++i)); do
    local line
    line=$(/usr/bin/python3 benchmarks/peak_memory.py "$cimsim" run -q --jobs "$jobs" --workload "$wl" \
           ${arch:+--arch "$arch"} --out "$work/out_${name}_j$jobs" 2>&1 >/dev/null | tail -1)
    walls+=("$(awk '{print $2}' <<<"$line")")
    peaks+=("$(awk '{print $4}' <<<"$line")")
  done
  printf '%s_jobs%s_wall_s %s\n' "$name" "$jobs" "$(printf '%s\n' "${walls[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')"
  printf '%s_jobs%s_peak_mb %s\n' "$name" "$jobs" "$(printf '%s\n' "${peaks[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')"
}

# pair NAME WORKLOAD [ARCH]: both job counts, the speedup, and the reports compared
pair() {
  local name=$1
  local r1 r2
  r1=$(run "$name" 1 "${@:2}")
  r2=$(run "$name" 2 "${@:2}")
  printf '%s\n%s\n' "$r1" "$r2"
  awk -v n="$name" '/_wall_s/ {w[++k] = $2} END {printf "%s_speedup_jobs2 %.2f\n", n, w[1] / w[2]}' <<<"$r1
$r2"
  if cmp -s "$work/out_${name}_j1/report.json" "$work/out_${name}_j2/report.json"; then
    echo "${name}_reports_identical 1"
  else
    echo "${name}_reports_identical 0"
  fi
  /usr/bin/python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); f = r.get("function", {});
print(sys.argv[2] + "_accuracy", f.get("accuracy")); print(sys.argv[2] + "_outputs_match_reference", int(bool(f.get("outputs_match_reference"))))' \
    "$work/out_${name}_j1/report.json" "$name"
}

pair se_resnet_1k models/fmnist_bnn_se_resnet
pair se_resnet_10k "$work/se_10k"
pair ttfs_sky130_10k "$work/ttfs_10k" configs/arch/ttfs_sky130.yaml
