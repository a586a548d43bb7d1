#!/usr/bin/env bash
# Runs a cimsim sweep across a Slurm cluster as a job array: task I of N runs shard I/N of the
# sweep into OUT/shard-I (points with id % N == I), each on one node with all its cores; when
# every task has succeeded, a dependent job joins the shards into OUT.
#
#   configs/slurm/sweep_array.sh SWEEP.yaml OUT [N [-- SBATCH_OPTION ...]]   (N tasks, default 16)
#
# Options after `--` go to both sbatch calls, e.g. `-- --time=02:00:00 --partition=short
# --account=lab`; sbatch's own SBATCH_* environment variables (SBATCH_TIMELIMIT,
# SBATCH_PARTITION, SBATCH_ACCOUNT, ...) work as well.
#
# Needs: cimsim built on a shared file system (the same path on every node), the sweep's base
# config and workload readable there, sbatch on PATH. Resubmitting after failures or a cancel
# continues where the tasks stopped (--resume), since every point is written atomically. Each
# task runs cimsim in place of its shell (exec), so a cancel's SIGTERM reaches cimsim, which
# finishes no half point. Task logs (OUT/logs/shard-I.log) are appended to across requeues and
# resubmissions, and name every point that failed. The merge runs only when every task
# succeeded (a failed or cancelled task cancels it), and refuses shards with points missing. A
# task with a failed point exits non-zero, so its merge is cancelled once: resubmitting runs
# the merge (the failed point stays failed, its .error file counts as done, and sweep.csv shows
# it as an error row).
set -euo pipefail
if [[ $# -lt 2 ]]; then
  echo "usage: $0 SWEEP.yaml OUT [N [-- SBATCH_OPTION ...]]" >&2
  exit 2
fi
spec=$(realpath "$1")
out=$(realpath -m "$2")
n=${3:-16}
if ! [[ $n =~ ^[1-9][0-9]*$ ]]; then
  echo "$0: N must be a positive number of tasks, not '$n' (usage: $0 SWEEP.yaml OUT [N [-- SBATCH_OPTION ...]])" >&2
  exit 2
fi
shift $(($# < 3 ? $# : 3))
if [[ $# -gt 0 && $1 == -- ]]; then shift; fi
extra=("$@")
cimsim=${CIMSIM:-$(realpath "$(dirname "$0")/../../build/cimsim")}  # or set CIMSIM
mkdir -p "$out/logs"
# The commands run by sbatch's /bin/sh: every path in POSIX single quotes (a ' as '\''), so
# spaces and any other byte survive.
q() { printf "'%s'" "${1//\'/\'\\\'\'}"; }
# sbatch expands % in --output: a literal % is %%.
logs=${out//%/%%}/logs
task="exec $(q "$cimsim") sweep $(q "$spec") --resume --quiet --jobs \$(nproc) --shard \${SLURM_ARRAY_TASK_ID}/$n --out $(q "$out")/shard-\${SLURM_ARRAY_TASK_ID}"
array=$(sbatch --parsable --job-name=cimsim-sweep --array=0-$((n - 1)) --nodes=1 --ntasks=1 --exclusive \
  --open-mode=append --output="$logs/shard-%a.log" ${extra[@]+"${extra[@]}"} --wrap="$task")
array=${array%%;*}  # --parsable may add ";cluster"
merge="exec $(q "$cimsim") sweep --merge --out $(q "$out")"
for i in $(seq 0 $((n - 1))); do merge+=" $(q "$out/shard-$i")"; done
sbatch --parsable --job-name=cimsim-merge --dependency=afterok:"$array" --kill-on-invalid-dep=yes \
  --open-mode=append --output="$logs/merge.log" ${extra[@]+"${extra[@]}"} --wrap="$merge" >/dev/null
echo "submitted array job $array ($n shards) and its merge; results in $out/sweep.csv"
