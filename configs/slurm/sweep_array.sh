#!/usr/bin/env bash
# Runs a cimsim sweep across a Slurm cluster as a job array: task I of N runs shard I/N of the
# sweep into OUT/shard-I (points with id % N == I), each on one node with all its cores; when
# every task is done, a dependent job joins the shards into OUT.
#
#   configs/slurm/sweep_array.sh SWEEP.yaml OUT [N]        (submits N tasks, default 16)
#
# Needs: cimsim built on a shared file system (the same path on every node), the sweep's base
# config and workload readable there, sbatch on PATH. Resubmitting after failures continues
# where the tasks stopped (--resume), since every point is written atomically.
set -euo pipefail
spec=$(realpath "$1")
out=$(realpath -m "$2")
n=${3:-16}
cimsim=${CIMSIM:-$(realpath "$(dirname "$0")/../../build/cimsim")}  # or set CIMSIM
mkdir -p "$out/logs"
array=$(sbatch --parsable --job-name=cimsim-sweep --array=0-$((n - 1)) --nodes=1 --ntasks=1 --exclusive \
  --output="$out/logs/shard-%a.log" \
  --wrap="$cimsim sweep $spec --resume --quiet --jobs \$(nproc) --shard \${SLURM_ARRAY_TASK_ID}/$n --out $out/shard-\${SLURM_ARRAY_TASK_ID}")
shards=$(for i in $(seq 0 $((n - 1))); do printf '%s ' "$out/shard-$i"; done)
sbatch --job-name=cimsim-merge --dependency=afterany:"$array" --output="$out/logs/merge.log" \
  --wrap="$cimsim sweep --merge --out $out $shards"
echo "submitted array job $array ($n shards) and its merge; results in $out/sweep.csv"
