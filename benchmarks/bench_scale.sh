#!/usr/bin/env bash
# Whole-test-set runs (prints figures, never fails on time): the SE-ResNet BNN bundle at its
# shipped 1,000 samples and at the 10,000 Fashion-MNIST test images, and the TTFS SKY130 bundle
# at 10,000, each with --jobs 1 and --jobs 2. Prints, per run, the median wall time and the peak
# memory (PSS summed over cimsim and its worker processes) of REPS runs, the --jobs 2 speedup,
# whether the two reports are byte-identical, and the machine's own two-process ceiling.
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

median() { sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

# once JOBS OUT WORKLOAD [ARCH]: one run; prints "wall_s peak_mb"
once() {
  local jobs=$1 out=$2 wl=$3 arch=${4:-}
  /usr/bin/python3 benchmarks/peak_memory.py "$cimsim" run -q --jobs "$jobs" --workload "$wl" ${arch:+--arch "$arch"} \
    --out "$out" 2>&1 >/dev/null | tail -1 | awk '{print $2, $4}'
}

# pair NAME WORKLOAD [ARCH]: REPS rounds of --jobs 1 then --jobs 2 (alternated, so that a drift of
# the machine's speed reaches both); medians, the median of the rounds' speedups, the reports
# compared, and the run's accuracy.
pair() {
  local name=$1 w1=() p1=() w2=() p2=() sp=()
  for ((i = 0; i < reps; ++i)); do
    read -r a pa < <(once 1 "$work/out_${name}_j1" "${@:2}")
    read -r b pb < <(once 2 "$work/out_${name}_j2" "${@:2}")
    w1+=("$a") p1+=("$pa") w2+=("$b") p2+=("$pb")
    sp+=("$(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.3f", a / b}')")
  done
  echo "${name}_jobs1_wall_s $(printf '%s\n' "${w1[@]}" | median)"
  echo "${name}_jobs1_peak_mb $(printf '%s\n' "${p1[@]}" | median)"
  echo "${name}_jobs2_wall_s $(printf '%s\n' "${w2[@]}" | median)"
  echo "${name}_jobs2_peak_mb $(printf '%s\n' "${p2[@]}" | median)"
  echo "${name}_speedup_jobs2 $(printf '%s\n' "${sp[@]}" | median)"
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

# What two processes gain on this machine at the moment: one --jobs 1 run alone, then two at
# once; 2 x alone / together is the most --jobs 2 could reach (2.0 on two free cores).
ceil=()
for ((i = 0; i < reps; ++i)); do
  s=$(date +%s.%N)
  "$cimsim" run -q --jobs 1 --workload "$work/ttfs_10k" --arch configs/arch/ttfs_sky130.yaml --out "$work/c0"
  m=$(date +%s.%N)
  "$cimsim" run -q --jobs 1 --workload "$work/ttfs_10k" --arch configs/arch/ttfs_sky130.yaml --out "$work/c1" &
  "$cimsim" run -q --jobs 1 --workload "$work/ttfs_10k" --arch configs/arch/ttfs_sky130.yaml --out "$work/c2"
  wait
  e=$(date +%s.%N)
  ceil+=("$(awk -v s="$s" -v m="$m" -v e="$e" 'BEGIN {printf "%.3f", 2 * (m - s) / (e - m)}')")
done
echo "machine_two_process_ceiling $(printf '%s\n' "${ceil[@]}" | median)"
