#!/usr/bin/env bash
# A sweep killed with SIGKILL at any moment and resumed gives the same sweep.csv as one run
# without interruption (no point lost or duplicated), and shard + merge gives it too.
set -euo pipefail
src=$1 cimsim=$2 work=$3
spec=$src/configs/sweeps/smoke.yaml
rm -rf "$work" && mkdir -p "$work"
"$cimsim" sweep "$spec" --jobs 2 --quiet --out "$work/whole"
total=$(ls "$work/whole/points" | grep -c '^[0-9]*$')
partial=0
for delay in 0.05 0.2 0.4; do
  out=$work/killed-$delay
  "$cimsim" sweep "$spec" --jobs 2 --quiet --out "$out" & pid=$!
  sleep "$delay"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  sleep 0.1  # the workers die with the sweep (PR_SET_PDEATHSIG)
  done_now=$({ find "$out/points" -name point.json 2>/dev/null || true; } | wc -l)  # no points/ yet if killed early
  [[ $done_now -lt $total ]] && partial=$((partial + 1))
  "$cimsim" sweep "$spec" --jobs 2 --quiet --resume --out "$out"
  cmp "$work/whole/sweep.csv" "$out/sweep.csv"
done
[[ $partial -gt 0 ]] || { echo "every kill came after the sweep had finished: the test proved nothing" >&2; exit 1; }
for i in 0 1 2; do "$cimsim" sweep "$spec" --jobs 1 --quiet --shard $i/3 --out "$work/shard$i"; done
"$cimsim" sweep --merge --quiet --out "$work/merged" "$work/shard0" "$work/shard1" "$work/shard2"
cmp "$work/whole/sweep.csv" "$work/merged/sweep.csv"
echo "kill -9 at 3 moments ($partial left the sweep partial) + resume, and 3 shards + merge: sweep.csv identical to the uninterrupted sweep"
