#!/usr/bin/env bash
# The Slurm job-array script's commands, without a cluster: a stand-in `sbatch` on PATH runs
# every array task (with SLURM_ARRAY_TASK_ID set) and then the dependent merge, in order. The
# merged sweep.csv must equal the sweep run in one piece.
set -euo pipefail
src=$1 cimsim=$2 work=$3
rm -rf "$work" && mkdir -p "$work/bin"
cat > "$work/bin/sbatch" <<'SB'
#!/usr/bin/env bash
# Stand-in for sbatch: runs the --wrap command now, once per --array index.
array="" wrap=""
for a in "$@"; do
  case $a in
    --array=*) array=${a#--array=} ;;
    --wrap=*) wrap=${a#--wrap=} ;;
  esac
done
if [[ -n $array ]]; then
  for ((i = ${array%-*}; i <= ${array#*-}; i++)); do SLURM_ARRAY_TASK_ID=$i bash -c "$wrap"; done
else
  bash -c "$wrap"
fi
echo 4242
SB
chmod +x "$work/bin/sbatch"
spec=$src/configs/sweeps/smoke.yaml
CIMSIM=$cimsim PATH=$work/bin:$PATH "$src/configs/slurm/sweep_array.sh" "$spec" "$work/cluster" 3 >/dev/null
"$cimsim" sweep "$spec" --jobs 2 --quiet --out "$work/whole"
cmp "$work/whole/sweep.csv" "$work/cluster/sweep.csv"
echo "Slurm array script (3 tasks + merge, stand-in sbatch): sweep.csv identical to the unsharded sweep"
