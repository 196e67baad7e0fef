#!/usr/bin/env bash
# Tests the sbatch scripts against a real single-machine Slurm (Debian's slurm-wlm and munge).
#
# Sets up a private munged, slurmctld and slurmd as root processes from one fresh base folder
# (every Slurm command pointed at it with SLURM_CONF; nothing in /etc is used or changed), then:
#
#   1. hpo-study.sbatch with 3 tasks (--overcommit on this 2-CPU node): the coordinator in the
#      batch step, 3 workers via srun. The job is cancelled (scancel) mid-study, then submitted
#      again with the same run folder: the study RESUMES and finishes with exactly its budget,
#      no trial twice, every task's worker joined, the job COMPLETED with exit code 0.
#   2. hpo-workers-array.sbatch: a 2-task worker array pointed (through its endpoint file) at a
#      coordinator started outside Slurm; the study finishes, both array tasks worked.
#
# Waits for the queue to drain before `scontrol shutdown`, stops munged, and removes the base
# folder (kept on failure). Loopback addresses only. Every wait has a deadline.
# Installs Slurm (slurmctld, slurmd, slurm-client, munge) with scripts/install-deps.sh if missing.
#
#   3. A worker job preempted mid-trial: a command trial that checkpoints every step
#      (examples/checkpointing/train.py) on one of two hpo-workers-array.sbatch jobs gets
#      `scancel --signal=TERM --full` once a checkpoint is durable; the log must show
#      trial_preempted (checkpoint_step > 0), trial_resumed on the other job's worker from that
#      step, and the trial completed there (retries: 0) with an uninterrupted run's val_loss; the
#      preempted job's worker left by itself (COMPLETED 0:0) within KillWait.
#
# Exit status: 0 passed, 1 failed, 77 skipped (not root). Environment: HPO_BIN (see
# cluster/lib/common.sh), HPO_SLURM_KEEP=1 keeps the base folder.
set -euo pipefail
source "$(dirname "$0")/../lib/common.sh"
SLURM_DIR="$CLUSTER_LIB/../slurm"
STARTED=$SECONDS

[ "$(id -u)" -eq 0 ] || { echo "SKIP: not root: the private Slurm runs its daemons (munged, slurmctld, slurmd) as root"; exit "$EXIT_SKIP"; }
find_binaries
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null \
   || ! command -v sbatch >/dev/null; then
  # scripts/install-deps.sh --with-slurm (scripts/test.sh) has usually done this already.
  "$REPO_ROOT/scripts/install-deps.sh" --slurm-only \
    || die "installing Slurm failed: scripts/install-deps.sh --slurm-only (run it by hand to see why)"
fi

BASE="$(mktemp -d /tmp/hpo-slurm.XXXXXX)"
chmod 755 "$BASE" # munged wants its socket's folder (and the way to it) open to all
mkdir -p "$BASE"/{munge,spool/ctld,spool/d,log,run,job}
chmod 755 "$BASE/munge"
export SLURM_CONF="$BASE/slurm.conf"
MUNGED_PID="" CTLD_PID="" SLURMD_PID="" COORD_PID=""

queue() { squeue -h -o '%i %T %r' 2>/dev/null || true; }

# wait_drained SECONDS: until no job is left in the queue.
wait_drained() {
  local end=$((SECONDS + $1))
  while [ -n "$(queue)" ]; do
    [ "$SECONDS" -lt "$end" ] || return 1
    sleep 0.5
  done
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [ -n "$CTLD_PID" ] && kill -0 "$CTLD_PID" 2>/dev/null; then
    local jobs
    read -r -a jobs <<<"$(squeue -h -o %i 2>/dev/null | tr '\n' ' ')"
    [ ${#jobs[@]} -eq 0 ] || scancel --full "${jobs[@]}" 2>/dev/null || true
    wait_drained 30 || echo "jobs still queued at shutdown: $(queue)" >&2
    scontrol shutdown >/dev/null 2>&1 || true
  fi
  local daemons=()
  for pid in "$COORD_PID" "$SLURMD_PID" "$CTLD_PID"; do [ -n "$pid" ] && daemons+=("$pid"); done
  [ ${#daemons[@]} -gt 0 ] && stop_pids 20 "${daemons[@]}"
  [ -n "$MUNGED_PID" ] && stop_pids 5 "$MUNGED_PID"
  if [ "$status" -ne 0 ] || [ "${HPO_SLURM_KEEP:-0}" = 1 ]; then
    if [ "$status" -ne 0 ]; then
      for f in "$BASE"/job/*.out "$BASE"/log/*.log; do [ -f "$f" ] && { echo "--- $f"; tail -n 15 "$f"; }; done >&2
    fi
    echo "base folder kept: $BASE" >&2
  else
    rm -rf "$BASE"
  fi
  say "Slurm shut down (munged, slurmctld, slurmd stopped)"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- munge
mungekey --create --keyfile="$BASE/munge/munge.key" 2>/dev/null \
  || { dd if=/dev/urandom of="$BASE/munge/munge.key" bs=1024 count=1 status=none; }
chmod 600 "$BASE/munge/munge.key"
munged --foreground --force --key-file="$BASE/munge/munge.key" --socket="$BASE/munge/munge.socket.2" \
  --pid-file="$BASE/munge/munged.pid" --log-file="$BASE/munge/munged.log" --seed-file="$BASE/munge/munged.seed" \
  >"$BASE/log/munged.out" 2>&1 &
MUNGED_PID=$!
end=$((SECONDS + 20))
until munge -S "$BASE/munge/munge.socket.2" -n 2>/dev/null | unmunge -S "$BASE/munge/munge.socket.2" >/dev/null 2>&1; do
  kill -0 "$MUNGED_PID" 2>/dev/null || die "munged exited: $(cat "$BASE/log/munged.out")"
  [ "$SECONDS" -lt "$end" ] || die "munged does not answer on its socket within 20 s"
  sleep 0.2
done

# ---------------------------------------------------------------- slurm.conf
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# Slurm's kill grace (SIGTERM, KillWait seconds, SIGKILL) must exceed the worker's --grace, so that a
# preempted worker hands its trials back before Slurm kills it (cluster/README.md, "Preemption").
KILL_WAIT=20 GRACE=8 STEPS=60
node_line=$(slurmd -C 2>/dev/null | head -n 1)
[[ "$node_line" == NodeName=* ]] || die "slurmd -C printed no NodeName line: $node_line"
node=$(sed 's/^NodeName=\([^ ]*\).*/\1/' <<<"$node_line")
cat >"$SLURM_CONF" <<EOF
# A private one-node cluster for cluster/slurm/local-slurm-test.sh.
ClusterName=hpotest
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$BASE/munge/munge.socket.2
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$BASE/spool/ctld
SlurmdSpoolDir=$BASE/spool/d
SlurmctldPidFile=$BASE/run/slurmctld.pid
SlurmdPidFile=$BASE/run/slurmd.pid
SlurmctldLogFile=$BASE/log/slurmctld.log
SlurmdLogFile=$BASE/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
ReturnToService=2
MailProg=/bin/true
KillWait=$KILL_WAIT
MinJobAge=600
$node_line NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=test Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF

# ---------------------------------------------------------------- slurmctld, slurmd
slurmctld -D >"$BASE/log/slurmctld.out" 2>&1 &
CTLD_PID=$!
slurmd -D >"$BASE/log/slurmd.out" 2>&1 &
SLURMD_PID=$!
end=$((SECONDS + 60))
until [ "$(sinfo -h -n "$node" -o %T 2>/dev/null)" = "idle" ]; do
  kill -0 "$CTLD_PID" 2>/dev/null || die "slurmctld exited (see $BASE/log)"
  kill -0 "$SLURMD_PID" 2>/dev/null || die "slurmd exited (see $BASE/log)"
  [ "$SECONDS" -lt "$end" ] || die "node $node not idle within 60 s: $(sinfo -h -o '%T %E' 2>&1)"
  sleep 0.5
done
say "private Slurm up in $BASE: node $node idle ($(sed 's/.*\(CPUs=[0-9]*\).*/\1/' <<<"$node_line"))"

# submit ARGS...: prints the job id.
submit() { sbatch --parsable --chdir="$BASE/job" --time=10 "$@" | cut -d';' -f1; }

# wait_job ID SECONDS: until the job has left the queue; fails early on a reason that will not clear.
wait_job() {
  local id=$1 end=$((SECONDS + $2)) line
  while line=$(squeue -h -j "$id" -o '%T %r' 2>/dev/null) && [ -n "$line" ]; do
    case "$line" in
      *PartitionConfig*|*ReqNodeNotAvail*|*Resources*) [ "$SECONDS" -lt $((end - $2 + 20)) ] || die "job $id stuck: $line" ;;
    esac
    [ "$SECONDS" -lt "$end" ] || die "job $id still queued after $2 s: $line"
    sleep 0.5
  done
}

job_field() { scontrol show job "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1; }

HPO_BIN="$(dirname "$COORDINATOR")"
export HPO_BIN HPO_BIND_HOST=127.0.0.1 HPO_CONNECT_HOST=127.0.0.1 HPO_GRACE=$GRACE

# ---------------------------------------------------------------- 1. the study in one job, cancelled and resumed
phase=$SECONDS
BUDGET1=30
write_study "$BASE/job/study.yaml" slurm-study "$BUDGET1" 0.5
RUN="$BASE/job/run"
LOG1="$RUN/results.jsonl"
job=$(submit --ntasks=3 --overcommit --output="$BASE/job/study-%j.out" "$SLURM_DIR/hpo-study.sbatch" "$BASE/job/study.yaml" "$RUN")
say "1. submitted hpo-study.sbatch as job $job (3 tasks)"
python3 "$HPOLOG" wait "$LOG1" --timeout 60 --event trial_completed --where trial=6 >/dev/null \
  || die "job $job: no progress (squeue: $(queue))"
scancel "$job"
wait_job "$job" 60
done_before=$(python3 "$HPOLOG" count "$LOG1" --event trial_completed)
stopped=$(python3 "$HPOLOG" count "$LOG1" --event study_stopped)
say "   cancelled job $job after $done_before trials (study_stopped lines: $stopped); submitting again on the same folder"
[ "$done_before" -lt "$BUDGET1" ] || die "the study finished before it could be cancelled"
job2=$(submit --ntasks=3 --overcommit --output="$BASE/job/study-%j.out" "$SLURM_DIR/hpo-study.sbatch" "$BASE/job/study.yaml" "$RUN")
wait_job "$job2" 120
state=$(job_field "$job2" JobState) exit_code=$(job_field "$job2" ExitCode)
[ "$state" = COMPLETED ] && [ "$exit_code" = "0:0" ] || die "job $job2: state $state, exit code $exit_code"
grep -q "coordinator listening on port" "$BASE/job/study-$job2.out" || die "job $job2's output does not show the coordinator"
python3 "$HPOLOG" check-study "$LOG1" --budget "$BUDGET1" --worker-prefix "job$job2-$node-"
for task in 0 1 2; do
  [ "$(python3 "$HPOLOG" count "$LOG1" --event worker_joined --where "worker=job$job2-$node-$task")" -ge 1 ] \
    || die "the worker of task $task of job $job2 did not join"
done
resumed=$(python3 "$HPOLOG" count "$LOG1" --event study_resumed)
[ "$resumed" -ge 1 ] || die "job $job2 did not resume the log (no study_resumed line)"
say "1. passed in $((SECONDS - phase)) s: cancelled after $done_before trials, resumed by job $job2 (study_resumed), COMPLETED 0:0"

# ---------------------------------------------------------------- 2. a worker array for a running coordinator
phase=$SECONDS
BUDGET2=16
write_study "$BASE/job/array.yaml" slurm-array "$BUDGET2" 0.3
"$HPO" keygen --out "$BASE/job/array-keys" >/dev/null
"$COORDINATOR" "$BASE/job/array.yaml" --bind tcp://127.0.0.1:0 --endpoint-file "$BASE/job/array-endpoint" \
  --log "$BASE/job/array.jsonl" --curve-secret "$BASE/job/array-keys/coordinator.key" \
  --authorized-keys "$BASE/job/array-keys/workers" >"$BASE/job/array-coordinator.out" 2>&1 &
COORD_PID=$!
wait_file "$BASE/job/array-endpoint" 15 || die "the coordinator for the array did not start"
array=$(HPO_KEYS="$BASE/job/array-keys" submit --array=0-1 --output="$BASE/job/array-%A_%a.out" \
  "$SLURM_DIR/hpo-workers-array.sbatch" "$BASE/job/array-endpoint")
say "2. coordinator on $(cat "$BASE/job/array-endpoint") outside Slurm; submitted hpo-workers-array.sbatch as job $array (tasks 0-1)"
wait_exit "$COORD_PID" 90 || die "the array's study did not finish within 90 s"
[ "$WAIT_RC" -eq 0 ] || die "the array's coordinator exited with $WAIT_RC"
COORD_PID=""
wait_job "$array" 60
python3 "$HPOLOG" check-study "$BASE/job/array.jsonl" --budget "$BUDGET2" \
  --worker-prefix "array$array-0-" --worker-prefix "array$array-1-"
for task in 0 1; do
  state=$(job_field "${array}_$task" JobState)
  [ "$state" = COMPLETED ] || die "array task $task: $state"
done
say "2. passed in $((SECONDS - phase)) s: both array tasks worked and COMPLETED"

# ---------------------------------------------------------------- 3. a worker job preempted mid-trial
# A command trial that checkpoints every step (examples/checkpointing/train.py), two worker jobs
# (hpo-workers-array.sbatch, --grace GRACE < KillWait). The job whose worker runs the trial gets
# `scancel --signal=TERM --full` once a checkpoint is durable: the worker forwards SIGTERM, the
# trial writes a last checkpoint, the worker hands it back (trial_preempted) and leaves; the other
# job's worker resumes it from that checkpoint (trial_resumed, step > 0), and it completes with the
# result of an uninterrupted run, with retries: 0 (a preemption is not a failure).
phase=$SECONDS
lr=0.0123
cat >"$BASE/job/preempt.yaml" <<EOF
name: slurm-preempt
objective: {metric: val_loss, direction: minimize}
budget: {trials: 1}
strategy: random
seed: 5
space:
  lr: {type: choice, values: [$lr]}
trial:
  command: ["python3", "$REPO_ROOT/examples/checkpointing/train.py", "--lr={lr}", "--steps=$STEPS", "--step-seconds=0.2"]
  timeout: 5m
  retries: 0
EOF
expected=$(python3 "$REPO_ROOT/examples/checkpointing/train.py" --lr=$lr --steps=$STEPS | tail -n 1 \
  | python3 -c 'import json, sys; print(repr(json.load(sys.stdin)["val_loss"]))')
LOG3="$BASE/job/preempt.jsonl"
"$HPO" keygen --out "$BASE/job/preempt-keys" >/dev/null
"$COORDINATOR" "$BASE/job/preempt.yaml" --bind tcp://127.0.0.1:0 --endpoint-file "$BASE/job/preempt-endpoint" \
  --log "$LOG3" --curve-secret "$BASE/job/preempt-keys/coordinator.key" \
  --authorized-keys "$BASE/job/preempt-keys/workers" >"$BASE/job/preempt-coordinator.out" 2>&1 &
COORD_PID=$!
wait_file "$BASE/job/preempt-endpoint" 15 || die "the coordinator for the preemption test did not start"
preempt_array=$(HPO_KEYS="$BASE/job/preempt-keys" HPO_GRACE=$GRACE HPO_SLOTS=1 submit --array=0-1 \
  --output="$BASE/job/preempt-%A_%a.out" "$SLURM_DIR/hpo-workers-array.sbatch" "$BASE/job/preempt-endpoint")
say "3. coordinator outside Slurm; worker jobs ${preempt_array}_0 and _1 (--grace $GRACE, KillWait $KILL_WAIT)"
dispatched=$(python3 "$HPOLOG" wait "$LOG3" --timeout 60 --event trial_dispatched --where trial=1) \
  || die "trial 1 was not dispatched (squeue: $(queue))"
victim=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["worker"])' "$dispatched")
task=$(sed -n "s/^array${preempt_array}-\([0-9]*\)-.*/\1/p" <<<"$victim")
[ -n "$task" ] || die "trial 1 went to $victim, not a worker of job $preempt_array"
other=$((1 - task))
# The other job's worker must be there to take the trial over.
python3 "$HPOLOG" wait "$LOG3" --timeout 60 --event worker_joined --where-prefix "worker=array${preempt_array}-$other-" >/dev/null \
  || die "the worker of task $other did not join (squeue: $(queue))"
# Mid-trial: as soon as a checkpoint is durable (the trial has $STEPS steps of 0.2 s, ~12 s).
ckpt=$(python3 "$HPOLOG" wait "$LOG3" --timeout 60 --event trial_checkpoint --where trial=1) \
  || die "trial 1 wrote no durable checkpoint within 60 s"
[ "$(python3 "$HPOLOG" count "$LOG3" --event trial_completed)" -eq 0 ] || die "trial 1 finished before it could be preempted"
scancel --signal=TERM --full "${preempt_array}_$task"
say "3. trial 1 running on $victim, checkpoint of step $(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["step"])' "$ckpt") durable: scancel --signal=TERM --full ${preempt_array}_$task"
python3 "$HPOLOG" wait "$LOG3" --timeout $((GRACE + 15)) --event trial_preempted --where trial=1 >/dev/null \
  || die "no trial_preempted line within $((GRACE + 15)) s of the SIGTERM"
# The worker leaves by itself (status 0) well within KillWait.
wait_job "${preempt_array}_$task" "$KILL_WAIT"
state=$(job_field "${preempt_array}_$task" JobState) exit_code=$(job_field "${preempt_array}_$task" ExitCode)
[ "$state" = COMPLETED ] && [ "$exit_code" = "0:0" ] \
  || die "the preempted job: state $state, exit code $exit_code (its worker should leave by itself with 0)"
wait_exit "$COORD_PID" 90 || die "the preemption study did not finish within 90 s"
[ "$WAIT_RC" -eq 0 ] || die "the preemption study's coordinator exited with $WAIT_RC"
COORD_PID=""
python3 "$HPOLOG" check-study "$LOG3" --budget 1
python3 "$HPOLOG" check-preemption "$LOG3" --trial 1 --worker "$victim" --expect-objective "$expected"
wait_job "${preempt_array}_$other" 60
say "3. passed in $((SECONDS - phase)) s: job ${preempt_array}_$task preempted mid-trial left by itself (COMPLETED 0:0); the trial resumed on task $other"

wait_drained 30 || die "jobs left in the queue: $(queue)"
echo "PASS: local Slurm (sbatch study cancelled and resumed, worker array, a worker job preempted mid-trial) in $((SECONDS - STARTED)) s"
