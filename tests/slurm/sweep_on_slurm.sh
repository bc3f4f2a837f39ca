#!/usr/bin/env bash
# Starts a single-node SLURM cluster on 127.0.0.1 (slurmctld, slurmd and munged from Debian's slurm-wlm and
# munge, with every file in a temporary directory), submits a 20-point sweep as a job array written by
# `scalelab sweep emit slurm`, waits by polling squeue, and checks that the summary collected from the
# cluster's runs is byte-identical to the same sweep run on this machine. Every daemon it started is stopped.
#
# Usage: sweep_on_slurm.sh SCALELAB_BINARY SOURCE_DIR
# Runs only with SCALELAB_TEST_SLURM=1 (as root, the packages installed: .ci/run does both); otherwise it
# exits 77, which ctest reports as skipped.
set -euo pipefail
scalelab=$1
source_dir=$2
if [ "${SCALELAB_TEST_SLURM:-0}" != 1 ]; then
  echo "skipped: set SCALELAB_TEST_SLURM=1 to start a SLURM cluster (as root, with slurm-wlm and munge)"
  exit 77
fi
for command in slurmctld slurmd munged sbatch squeue sinfo; do
  command -v "$command" >/dev/null || { echo "missing $command: apt-get install slurm-wlm munge" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "the SLURM test starts slurmd, which needs root" >&2; exit 1; }

start=$SECONDS
work=$(mktemp -d /tmp/scalelab-slurm.XXXXXX)
chmod 755 "$work"
pids=()
stop_daemons() {
  local pid
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    # Not our children once backgrounded by the subshell: wait until each is gone (at most 10 s).
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap stop_daemons EXIT

# munge: a fresh key, its own socket.
dd if=/dev/urandom of="$work/munge.key" bs=1024 count=1 status=none
chmod 400 "$work/munge.key"
munged -F -f --key-file="$work/munge.key" --socket="$work/munge.socket" --pid-file="$work/munged.pid" \
  --log-file="$work/munged.log" --seed-file="$work/munged.seed" >"$work/munged.out" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -S "$work/munge.socket" ] && break; sleep 0.05; done

# slurm: one node of 2 CPUs; ports of our own so that nothing else on the machine is disturbed.
port=$((20000 + $$ % 20000))
host=$(hostname -s)
mkdir -p "$work/state" "$work/spool"
cat >"$work/slurm.conf" <<CONF
ClusterName=scalelabtest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
AuthInfo=socket=$work/munge.socket
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/builtin
SchedulerParameters=sched_interval=1,sched_min_interval=0
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
SwitchType=switch/none
NodeName=node1 NodeHostname=$host NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=debug Nodes=node1 Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$work/slurm.conf
daemons=$SECONDS
slurmctld -D -c -f "$SLURM_CONF" >"$work/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" -N node1 >"$work/slurmd.out" 2>&1 &
pids+=($!)
state=""
for _ in $(seq 300); do
  state=$(sinfo -h -o %T 2>/dev/null || true)
  [ "$state" = idle ] && break
  sleep 0.1
done
if [ "$state" != idle ]; then
  echo "the SLURM node is not ready after 30 s (state: ${state:-none})" >&2
  tail -n 20 "$work"/slurmctld.log "$work"/slurmd.log "$work"/*.out >&2 || true
  exit 1
fi
echo "slurmctld and slurmd ready in $((SECONDS - daemons)) s"

experiment=$source_dir/tests/slurm/twenty-points.yaml
"$scalelab" sweep "$experiment" --out "$work/local" --jobs 2 --quiet

"$scalelab" sweep emit slurm "$experiment" --out "$work/cluster"
submitted=$SECONDS
job=$(sbatch --parsable "$work/cluster/slurm/sweep.sbatch")
echo "submitted job array $job"
# sbatch --wait returns long after the last task; squeue says at once.
while [ -n "$(squeue -h -j "$job" 2>/dev/null || echo unreachable)" ]; do
  if ((SECONDS - submitted > 150)); then
    echo "job $job is still queued or running after 150 s" >&2
    squeue >&2 || true
    tail -n 20 "$work"/slurmctld.log >&2 || true
    exit 1
  fi
  sleep 0.5
done
echo "the job array ran in $((SECONDS - submitted)) s"
done_runs=$(find "$work/cluster/points" -name results.json | wc -l)
if [ "$done_runs" != 20 ]; then
  echo "the cluster finished $done_runs of 20 runs; its tasks said:" >&2
  cat "$work"/cluster/slurm/task-*.out >&2 || true
  exit 1
fi
"$scalelab" sweep collect "$experiment" --out "$work/cluster" --quiet
if ! cmp "$work/local/summary.csv" "$work/cluster/summary.csv"; then
  diff "$work/local/summary.csv" "$work/cluster/summary.csv" >&2 || true
  exit 1
fi
echo "the summaries are byte-identical ($(wc -l <"$work/local/summary.csv") lines); $((SECONDS - start)) s in all"
