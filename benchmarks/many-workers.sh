#!/usr/bin/env bash
# Many workers: W simulated worker connections (hpo loadgen, P processes) on one coordinator,
# held for D seconds with heartbeats, trials that sleep S seconds.
#   benchmarks/many-workers.sh [W=1000] [P=4] [D=180] [S=1.0]
# Prints: workers that joined, workers falsely declared lost (must be 0), trials completed and
# the result-to-next-trial gap seen by each simulated worker (loadgen lines), coordinator CPU time and peak memory.
set -euo pipefail
cd "$(dirname "$0")/.."
workers=${1:-1000}
processes=${2:-4}
duration=${3:-180}
sleep_s=${4:-1.0}
swift build -c release >/dev/null
scratch=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$scratch"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$scratch/study.yaml" <<YAML
name: many-workers
objective: {metric: objective, direction: minimize}
budget: {trials: 1000000, wall_time: ${duration}s}
strategy: random
space:
  x0: {type: float, low: -1, high: 1}
  x1: {type: float, low: -1, high: 1}
trial: {builtin: sphere, sleep: $sleep_s}
YAML
/usr/bin/time -v -o "$scratch/time.txt" .build/release/hpo-coordinator "$scratch/study.yaml" \
  --bind "tcp://127.0.0.1:$port" --log "$scratch/log.jsonl" --heartbeat 1 --liveness 5 \
  >/dev/null 2>"$scratch/coordinator.err" &
coordinator=$!
per=$(( (workers + processes - 1) / processes ))
for i in $(seq 1 "$processes"); do
  .build/release/hpo loadgen --connect "tcp://127.0.0.1:$port" --connections "$per" \
    --seconds $(( duration + 60 )) >"$scratch/loadgen$i.out" 2>&1 &
done
wait "$coordinator"
wait
cat "$scratch"/loadgen*.out
python3 - "$scratch/log.jsonl" "$scratch/time.txt" "$workers" "$duration" <<'PY'
import json, sys
log, timefile, workers, duration = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
joined, lost, completed, gaps = set(), 0, 0, []
for line in open(log):
    e = json.loads(line)
    kind = e["event"]
    if kind == "worker_joined": joined.add(e["worker"])
    elif kind == "worker_left" and e["reason"].startswith("lost"): lost += 1
    elif kind == "trial_completed": completed += 1
    elif kind == "trial_dispatched" and e.get("slot_idle_s") is not None: gaps.append(e["slot_idle_s"] * 1000)
gaps.sort()
pct = lambda p: gaps[min(len(gaps) - 1, int(p / 100 * len(gaps)))] if gaps else float("nan")
t = {l.split(":")[0].strip(): l.split(":", 1)[1].strip() for l in open(timefile) if ":" in l}
cpu = float(t["User time (seconds)"]) + float(t["System time (seconds)"])
print(f"many workers: {len(joined)} of {workers} joined, {lost} declared lost, {completed} trials in {duration} s; "
      f"dispatch gap p50 {pct(50):.2f} ms p99 {pct(99):.2f} ms; coordinator CPU {cpu:.1f} s, "
      f"peak memory {int(t['Maximum resident set size (kbytes)']) / 1024:.0f} MiB")
PY
