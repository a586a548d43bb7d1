#!/usr/bin/env bash
# The Slurm job-array script on a real Slurm: starts a private single-host cluster (munged,
# slurmctld and two slurmd node entries on this machine, Debian's slurm-wlm and munge, every
# file under the work folder, no systemd, no accounting database: job states from the
# job-completion log), submits the smoke sweep as a 3-task array with its merge, and checks the
# merged sweep.csv against the sweep run in one piece. Then submits it again into a new folder,
# cancels one array task, checks that the merge did not run, resubmits, and checks again.
#   tests/slurm_cluster.sh SRC CIMSIM WORK
set -euo pipefail
src=$1 cimsim=$2 work=$3
for tool in munged mungekey slurmctld slurmd sbatch squeue scancel sinfo; do
  command -v "$tool" >/dev/null || { echo "slurm_cluster: $tool not found (scripts/setup.sh installs slurm-wlm and munge)" >&2; exit 1; }
done
rm -rf "$work" && mkdir -p "$work"/{state,spool/n1,spool/n2,log}
work=$(realpath "$work")
c=$work
# Stops the daemons (by their pid files) and waits until they are gone, SIGKILL after 10 s.
cleanup() {
  local ps=()
  for f in "$c"/slurmd-*.pid "$c"/slurmctld.pid "$c"/munged.pid; do [[ -f $f ]] && ps+=("$(cat "$f")"); done
  ((${#ps[@]})) || return 0
  kill "${ps[@]}" 2>/dev/null || true
  for ((i = 0; i < 50; ++i)); do
    local alive=0
    for p in "${ps[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    ((alive)) || return 0
    sleep 0.2
  done
  kill -9 "${ps[@]}" 2>/dev/null || true
}
trap cleanup EXIT
fail() {
  echo "slurm_cluster: $*" >&2
  for f in "$c"/log/*.log "$c"/jobcomp.log; do [[ -f $f ]] && { echo "--- $f" >&2; tail -n 20 "$f" >&2; }; done
  exit 1
}

# Ports from this process's id, so that two runs of the suite on one machine do not collide.
base=$((20000 + ($$ % 2000) * 4))
host=$(hostname -s)

# munge: a private key, socket and daemon.
chmod 700 "$c"
mungekey --create --keyfile="$c/munge.key" >/dev/null 2>&1 || dd if=/dev/urandom of="$c/munge.key" bs=1024 count=1 status=none
chmod 400 "$c/munge.key"
munged --force --socket="$c/munge.sock" --key-file="$c/munge.key" --pid-file="$c/munged.pid" \
  --seed-file="$c/munge.seed" --log-file="$c/log/munged.log" || fail "munged did not start"

cat > "$c/slurm.conf" <<EOF
ClusterName=cimsimtest
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$base
SlurmdPort=$((base + 1))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$c/munge.sock
StateSaveLocation=$c/state
SlurmdSpoolDir=$c/spool/%n
SlurmctldPidFile=$c/slurmctld.pid
SlurmdPidFile=$c/slurmd-%n.pid
SlurmctldLogFile=$c/log/slurmctld.log
SlurmdLogFile=$c/log/slurmd-%n.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
JobCompType=jobcomp/filetxt
JobCompLoc=$c/jobcomp.log
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
MinJobAge=5
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
NodeName=n1 NodeHostname=$host NodeAddr=127.0.0.1 Port=$((base + 1)) CPUs=2 RealMemory=1000 State=UNKNOWN
NodeName=n2 NodeHostname=$host NodeAddr=127.0.0.1 Port=$((base + 2)) CPUs=2 RealMemory=1000 State=UNKNOWN
PartitionName=test Nodes=n1,n2 Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$c/slurm.conf
slurmctld -f "$SLURM_CONF" -i || fail "slurmctld did not start"
slurmd -f "$SLURM_CONF" -N n1 || fail "slurmd n1 did not start"
slurmd -f "$SLURM_CONF" -N n2 || fail "slurmd n2 did not start"
for ((i = 0; i < 100; ++i)); do
  [[ $(sinfo -h -o '%T' 2>/dev/null | sort -u | tr '\n' ' ') == "idle " ]] && break
  sleep 0.3
done
[[ $(sinfo -h -o '%T' | sort -u | tr '\n' ' ') == "idle " ]] || fail "the nodes did not come up: $(sinfo -h 2>&1)"

# Waits until the queue is empty (bounded).
drain() {
  for ((i = 0; i < 600; ++i)); do
    [[ -z $(squeue -h -o '%i' 2>/dev/null) ]] && return 0
    sleep 0.5
  done
  fail "jobs still queued after 300 s: $(squeue 2>&1)"
}
# The job-completion log's state of the job named $1 in its last entry.
state_of() { grep " Name=$1 " "$c/jobcomp.log" | tail -1 | sed 's/.*JobState=\([A-Z_]*\).*/\1/'; }

spec=$src/configs/sweeps/smoke.yaml
"$cimsim" sweep "$spec" --jobs 2 --quiet --out "$work/whole"

# 1. The array and its merge, uninterrupted.
CIMSIM=$cimsim "$src/configs/slurm/sweep_array.sh" "$spec" "$work/a" 3 -- --time=00:10:00 >/dev/null
drain
[[ -f $work/a/sweep.csv ]] || fail "the merge wrote no sweep.csv (merge job: $(state_of cimsim-merge))"
cmp "$work/whole/sweep.csv" "$work/a/sweep.csv" || fail "merged sweep.csv differs from the sweep run in one piece"
[[ $(state_of cimsim-merge) == COMPLETED ]] || fail "merge job state $(state_of cimsim-merge)"

# 2. One task cancelled: its merge must not run; a resubmission completes the sweep.
msg=$(CIMSIM=$cimsim "$src/configs/slurm/sweep_array.sh" "$spec" "$work/b" 3)
array=$(sed 's/.*array job \([0-9]*\).*/\1/' <<<"$msg")
scancel "${array}_1"
drain
[[ ! -e $work/b/sweep.csv ]] || fail "the merge ran although task 1 was cancelled"
CIMSIM=$cimsim "$src/configs/slurm/sweep_array.sh" "$spec" "$work/b" 3 >/dev/null
drain
[[ -f $work/b/sweep.csv ]] || fail "the resubmitted merge wrote no sweep.csv"
cmp "$work/whole/sweep.csv" "$work/b/sweep.csv" || fail "resubmitted sweep.csv differs from the sweep run in one piece"
echo "real Slurm (slurmctld + 2 slurmd node entries): 3-task array + merge gave sweep.csv identical to the unsharded sweep; a cancelled task stopped its merge; resubmitting completed it identically"
