#!/usr/bin/env bash
# Worker utilisation: W local workers, trials that sleep S seconds, a strategy, N trials.
#   benchmarks/utilisation.sh [W=16] [S=0.2] [N=400] [STRATEGY=bayes]
# Prints the fraction of worker time spent in trials (sum of trial durations over workers x the
# span from the first dispatch to the last result) and the distribution of the time a worker's
# slot stood idle between one trial ending and the next starting, as the worker measured it
# (slot_idle_s of trial_completed; workers prefetch one trial by default). PREFETCH=0 makes the
# workers ask for each trial when a slot frees; the slot wait is then the coordinator's
# (slot_idle_s of trial_dispatched: proposals not ready, plus the coordinator's turn).
# Release build.
set -euo pipefail
cd "$(dirname "$0")/.."
workers=${1:-16}
sleep_s=${2:-0.2}
trials=${3:-400}
strategy=${4:-bayes}
prefetch=${PREFETCH:-1}
swift build -c release >/dev/null
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cat > "$scratch/study.yaml" <<YAML
name: utilisation
objective: {metric: objective, direction: minimize}
budget: {trials: $trials}
strategy: {kind: $strategy}
seed: 1
space:
  x0: {type: float, low: 0, high: 1}
  x1: {type: float, low: 0, high: 1}
  x2: {type: float, low: 0, high: 1}
  x3: {type: float, low: 0, high: 1}
  x4: {type: float, low: 0, high: 1}
  x5: {type: float, low: 0, high: 1}
trial: {builtin: hartmann6, sleep: $sleep_s}
YAML
.build/release/hpo-coordinator "$scratch/study.yaml" --log "$scratch/log.jsonl" --local-workers "$workers" \
  --worker-prefetch "$prefetch" >/dev/null 2>"$scratch/stderr" || { cat "$scratch/stderr"; exit 1; }
python3 - "$scratch/log.jsonl" "$workers" "$strategy" <<'PY'
import json, sys
path, workers, strategy = sys.argv[1], int(sys.argv[2]), sys.argv[3]
first = last = None
busy = 0.0
gaps = []          # the coordinator's view: a free place waiting for an assignment
worker_gaps = []   # the worker's view: a slot with nothing to run
fallbacks = 0      # configurations from the quasi-random fallback (the model was not ready)
best = None
# Per worker: its first dispatch, its last result, and its time in trials (the span excludes the
# tail, when the budget is spent and workers have nothing left to do).
spans = {}
for line in open(path):
    e = json.loads(line)
    if e["event"] == "trial_dispatched":
        first = e["time"] if first is None else first
        spans.setdefault(e["worker"], [e["time"], e["time"], 0.0])
        if e.get("slot_idle_s") is not None:
            gaps.append(e["slot_idle_s"] * 1000)
        if e.get("fallback") and e["attempt"] == 1:
            fallbacks += 1
    elif e["event"] == "trial_completed":
        busy += e["duration_s"]
        if e.get("slot_idle_s") is not None:
            worker_gaps.append(e["slot_idle_s"] * 1000)
        last = e["time"]
        spans[e["worker"]][1] = e["time"]
        spans[e["worker"]][2] += e["duration_s"]
        best = e["objective"] if best is None else min(best, e["objective"])
active = sum(w[2] for w in spans.values()) / sum(w[1] - w[0] for w in spans.values())
# Workers that measure their slots' idle time (prefetching ones do) are the truth.
source = "worker" if worker_gaps else "coordinator"
gaps = sorted(worker_gaps or gaps)
pct = lambda p: gaps[min(len(gaps) - 1, int(p / 100 * len(gaps)))] if gaps else float("nan")
span = last - first
print(f"utilisation ({strategy}, {workers} workers): {100 * active:.1f}% of each worker's time in trials from its first "
      f"trial to its last ({100 * busy / (workers * span):.1f}% of the whole {span:.1f} s, tail included); slot wait ({source}-measured, {len(gaps)} waits) ms p50 {pct(50):.1f} p90 {pct(90):.1f} p99 {pct(99):.1f} max {gaps[-1] if gaps else float('nan'):.1f}; "
      f"best {best:.4f} (Hartmann-6 minimum -3.3224); {fallbacks} of the trials from the fallback")
PY
