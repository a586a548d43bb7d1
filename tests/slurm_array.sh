#!/usr/bin/env bash
# The Slurm job-array script's commands, without a cluster: a stand-in `sbatch` on PATH runs
# every array task (with SLURM_ARRAY_TASK_ID set) and then the dependent merge, in order, and
# records the options it was given. The merged sweep.csv must equal the sweep run in one piece,
# with an output folder whose path holds a space; options after `--` reach both jobs; the
# merge needs every task to succeed and refuses shards with points missing.
set -euo pipefail
src=$1 cimsim=$2 work=$3
rm -rf "$work" && mkdir -p "$work/bin"
cat > "$work/bin/sbatch" <<'SB'
#!/usr/bin/env bash
# Stand-in for sbatch: runs the --wrap command now, once per --array index.
array="" wrap=""
printf '%s\n' "$*" >> "$(dirname "$0")/calls"
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
cluster="$work/a cluster"
CIMSIM=$cimsim PATH=$work/bin:$PATH "$src/configs/slurm/sweep_array.sh" "$spec" "$cluster" 3 -- --time=00:10:00 >/dev/null
"$cimsim" sweep "$spec" --jobs 2 --quiet --out "$work/whole"
cmp "$work/whole/sweep.csv" "$cluster/sweep.csv"
# Both jobs got the extra option; the merge waits for every task to succeed; logs are appended.
[[ $(grep -c -- '--time=00:10:00' "$work/bin/calls") -eq 2 ]]
grep -q -- '--dependency=afterok:4242 --kill-on-invalid-dep=yes' "$work/bin/calls"
[[ $(grep -c -- '--open-mode=append' "$work/bin/calls") -eq 2 ]]
# A merge of shards with points missing is refused, and writes nothing.
set +e
msg=$("$cimsim" sweep --merge --quiet --out "$work/partial" "$cluster/shard-0" "$cluster/shard-1" 2>&1)
rc=$?
set -e
[[ $rc -eq 2 && $msg == *"points are in none of the shards"* && ! -e $work/partial/sweep.csv ]] || {
  echo "merge of incomplete shards: exit $rc, $msg" >&2
  exit 1
}
echo "Slurm array script (3 tasks + merge, stand-in sbatch, a path with a space): sweep.csv identical to the unsharded sweep; options passed; incomplete merge refused"
