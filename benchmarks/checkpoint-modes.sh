#!/usr/bin/env bash
# How long a big checkpoint takes from the trial's {"checkpoint": N} line to its trial_checkpoint
# line in the results log (durable at the coordinator), in both modes of hpo-coordinator
# --checkpoints: upload (packed, sent in 256 KiB chunks over the worker's connection, written and
# fsynced beside the log) and shared:FOLDER (fsynced and hashed in place by the worker, read back
# and checked by the coordinator; only the description travels).
#
#   benchmarks/checkpoint-modes.sh [MB] [CHECKPOINTS]      (default 100 MB, 3 checkpoints per mode)
#
# One coordinator and one worker on loopback, release binaries (HPO_BIN_DIR, else built here).
# The trial writes MB of random bytes into HPO_CHECKPOINT_DIR (not timed), notes the time, prints
# the checkpoint line with that time as a report, and waits until the log has the checkpoint
# before it writes the next, so checkpoints never overlap. The "shared" folder is a local folder
# on the same disk as everything else here: a network filesystem adds its own transfer time.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=benchmarks/lib.sh
source benchmarks/lib.sh
hpo_binaries
megabytes=${1:-100}
count=${2:-3}
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT

cat > "$work/trial.py" <<'PY'
import json, os, sys, time
megabytes, count, log = int(sys.argv[1]), int(sys.argv[2]), os.environ["BENCH_LOG"]
folder = os.environ["HPO_CHECKPOINT_DIR"]

def stored(step):
    try:
        return any(json.loads(l).get("event") == "trial_checkpoint" and json.loads(l)["step"] == step
                   for l in open(log) if '"trial_checkpoint"' in l)
    except (OSError, ValueError):
        return False

for step in range(1, count + 1):
    deadline = time.time() + 300
    while (not os.path.isdir(folder) or os.listdir(folder)) and time.time() < deadline:
        time.sleep(0.01)
    with open(os.path.join(folder, "model.bin"), "wb") as f:
        for _ in range(megabytes):
            f.write(os.urandom(1 << 20))
    print(json.dumps({"checkpoint": step, "announced_at": time.time()}), flush=True)
    while not stored(step) and time.time() < deadline:
        time.sleep(0.01)
print(json.dumps({"objective": 0}), flush=True)
PY

run() {
  local mode=$1 log=$work/$1.jsonl extra=()
  if [ "$mode" = shared ]; then mkdir -p "$work/shared"; extra=(--checkpoints "shared:$work/shared"); fi
  cat > "$work/$mode.yaml" <<EOF
name: checkpoint-$mode
objective: {metric: objective, direction: minimize}
budget: {trials: 1}
strategy: random
space:
  x: {type: float, low: 0, high: 1}
trial:
  command: ["python3", "$work/trial.py", "$megabytes", "$count"]
  env: {BENCH_LOG: "$log"}
  timeout: 20m
EOF
  local port
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "$HPO_BIN_DIR/hpo-coordinator" "$work/$mode.yaml" --bind "tcp://127.0.0.1:$port" --log "$log" \
    --max-checkpoint-size 4G "${extra[@]}" > /dev/null 2> "$work/$mode.err" &
  local coordinator=$!; pids+=("$coordinator")
  "$HPO_BIN_DIR/hpo-worker" --connect "tcp://127.0.0.1:$port" --scratch "$work" 2> "$work/$mode-worker.err" &
  pids+=($!)
  timeout 1200 tail --pid="$coordinator" -f /dev/null || { echo "$mode: timed out" >&2; exit 1; }
  wait "$coordinator" || { echo "$mode: coordinator failed" >&2; tail "$work/$mode.err" >&2; exit 1; }
  python3 - "$log" "$mode" "$megabytes" <<'PY'
import json, statistics, sys
log, mode, megabytes = sys.argv[1], sys.argv[2], int(sys.argv[3])
events = [json.loads(l) for l in open(log)]
announced = {e["step"]: e["metrics"]["announced_at"] for e in events
             if e.get("event") == "trial_report" and "announced_at" in e.get("metrics", {})}
durable = {e["step"]: e["time"] for e in events if e.get("event") == "trial_checkpoint"}
seconds = [durable[s] - announced[s] for s in sorted(durable) if s in announced]
size = max(e["size"] for e in events if e.get("event") == "trial_checkpoint")
print(f"{mode:7} {megabytes} MB ({size} bytes): line to durable " + ", ".join(f"{s:.2f}" for s in seconds)
      + f" s; median {statistics.median(seconds):.2f} s ({megabytes / statistics.median(seconds):.0f} MB/s)")
PY
}

echo "checkpoint-modes: $megabytes MB x $count, commit $(git rev-parse --short HEAD), $(nproc) cores"
run upload
run shared
