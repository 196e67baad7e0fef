#!/usr/bin/env bash
# The PyTorch example as a study with 2 local workers, one of them lost mid-trial: the trial
# resumes on the other worker from its last durable checkpoint, and ends with the numbers of an
# uninterrupted run.
#
#   examples/pytorch/run-kill-resume.sh [upload|shared]    (from anywhere; needs setup.sh first)
#
# 1. A coordinator (3 trials of the CNN, 20 epochs each, a checkpoint every epoch) and worker A.
# 2. Once worker A has a checkpoint at epoch 3 or later durable at the coordinator, worker B
#    joins and worker A is killed with SIGKILL, its trial with it (a host lost, not a clean exit).
# 3. The coordinator sees A gone (heartbeats: 0.5 s, lost after 4 silent intervals) and queues
#    the trial again; B runs it with HPO_RESUME_DIR. The study must finish.
# 4. The script prints the lost trial's story from the results log and runs train.py once more,
#    uninterrupted, with the same parameters: the resumed result must be identical.
#
# `shared` runs the same with `hpo-coordinator --checkpoints shared:FOLDER` (a temporary folder as
# the shared filesystem). Binaries: HPO_BIN (default .build/release; `swift build -c release`).
# Every wait is bounded; the whole run takes 1-3 minutes here. Exit 0 only if all of it held.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
mode=${1:-upload}
bin=${HPO_BIN:-$root/.build/release}
py=$here/.venv/bin/python
[ -x "$py" ] || { echo "no $py: run examples/pytorch/setup.sh first" >&2; exit 2; }
[ -x "$bin/hpo-coordinator" ] || { echo "no $bin/hpo-coordinator: swift build -c release" >&2; exit 2; }
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

cat > "$work/study.yaml" <<EOF
name: digits-cnn-kill-resume
objective: {metric: val_loss, direction: minimize}
budget: {trials: 3}
strategy: random
seed: 7
space:
  lr:       {type: float, low: 0.01, high: 0.1, log: true}
  momentum: {type: float, low: 0.5, high: 0.9}
  channels: {type: choice, values: [8, 16]}
trial:
  command: ["$py", "$here/train.py", "--lr={lr}", "--momentum={momentum}", "--channels={channels}", "--epochs=20"]
  timeout: 10m
  retries: 1
EOF
log=$work/results.jsonl
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
endpoint=tcp://127.0.0.1:$port
extra=()
if [ "$mode" = shared ]; then mkdir "$work/shared"; extra=(--checkpoints "shared:$work/shared"); fi

# wait_until SECONDS COMMAND...: polls COMMAND every 0.2 s; fails the script after SECONDS.
wait_until() {
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do
    [ $SECONDS -lt $deadline ] || { echo "timed out waiting for: $*" >&2; tail -20 "$work"/*.err >&2; exit 1; }
    sleep 0.2
  done
}
# A checkpoint of worker A at epoch 3 or later is durable (journaled).
a_has_checkpoint() {
  python3 - "$log" <<'PY'
import json, sys
try:
    lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
except (OSError, ValueError):
    sys.exit(1)
sys.exit(0 if any(e.get("event") == "trial_checkpoint" and e.get("worker") == "A" and e["step"] >= 3 for e in lines) else 1)
PY
}

start=$SECONDS
"$bin/hpo-coordinator" "$work/study.yaml" --bind "$endpoint" --log "$log" --heartbeat 0.5 --liveness 4 \
  "${extra[@]}" > "$work/coordinator.out" 2> "$work/coordinator.err" &
coordinator=$!; pids+=("$coordinator")
"$bin/hpo-worker" --connect "$endpoint" --name A --log-level info 2> "$work/A.err" &
a=$!; pids+=("$a")
wait_until 120 a_has_checkpoint
"$bin/hpo-worker" --connect "$endpoint" --name B --log-level info 2> "$work/B.err" &
b=$!; pids+=("$b")
# Worker A and its trial (the trial runs in a process group of its own) die at once.
children=$(ps -o pid= --ppid "$a" || true)
kill -KILL "$a"
{ wait "$a"; } 2>/dev/null || true
for child in $children; do kill -KILL -- "-$child" 2>/dev/null || true; done
echo "killed worker A (pid $a) and its trial at $((SECONDS - start)) s"
wait_until 300 bash -c "! kill -0 $coordinator 2>/dev/null"
wait "$coordinator" || { echo "coordinator failed:" >&2; tail -20 "$work/coordinator.err" >&2; exit 1; }
wait_until 30 bash -c "! kill -0 $b 2>/dev/null"
echo "study finished in $((SECONDS - start)) s; mode: $mode"
grep -E "finished|trials:|best:" "$work/coordinator.out" || true
[ "$mode" != shared ] || echo "shared folder after the study: $(cd "$work/shared" && find . -mindepth 1 | sort | tr '\n' ' ')"

# The story of the lost trial, and an uninterrupted run of it.
python3 - "$log" "$py" "$here/train.py" <<'PY'
import json, subprocess, sys
log, py, train = sys.argv[1:]
events = [json.loads(l) for l in open(log) if l.strip()]
resumed = [e for e in events if e.get("event") == "trial_resumed"]
if not resumed:
    sys.exit("no trial_resumed in the log")
trial = resumed[0]["trial"]
shown = ("trial_dispatched", "trial_checkpoint", "trial_resumed", "trial_completed", "trial_failed", "worker_left")
for e in events:
    if e.get("event") in shown and (e.get("trial") == trial or e.get("event") == "worker_left"):
        e = {k: v for k, v in e.items() if k not in ("params", "spec", "metrics", "time", "slot_idle_s", "sha256")}
        print("  " + json.dumps(e))
done = [e for e in events if e.get("event") == "trial_completed" and e["trial"] == trial][-1]
m, p = done["metrics"], done["params"]
print(f"trial {trial} resumed at step {resumed[0]['step']} on worker {resumed[0]['worker']}, "
      f"first epoch of the resumed attempt: {m['first_epoch']:.0f}; val_loss {m['val_loss']!r}")
args = [py, train, f"--lr={p['lr']!r}", f"--momentum={p['momentum']!r}", f"--channels={p['channels']}", "--epochs=20"]
full = json.loads(subprocess.run(args, capture_output=True, text=True, check=True).stdout.splitlines()[-1])
same = all(full[k] == m[k] for k in ("val_loss", "val_accuracy", "train_loss", "best_val_loss"))
print(f"uninterrupted run of the same parameters: val_loss {full['val_loss']!r}: "
      f"{'identical' if same else 'DIFFERENT'}")
sys.exit(0 if resumed[0]["step"] > 0 and same else 1)
PY
