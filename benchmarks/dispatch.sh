#!/usr/bin/env bash
# Dispatch throughput: no-op trials (the built-in `sphere`, no sleep), random search, N local
# worker processes on loopback, every result fsynced before it is acknowledged.
#   benchmarks/dispatch.sh [TRIALS=20000] [WORKERS=8] [SLOTS=1] [--curve]
# Prints trials per second end to end (first dispatch to last completion, from the results log)
# and about how many results share one fsync (lines of one batch carry the same time; batches
# within the same millisecond count as one, so this is an upper bound). Release build.
#   BUILD_DIR=FOLDER      the build folder to use (default .build)
#   BIN_DIR=FOLDER        run the executables in FOLDER (e.g. a copy of an earlier build), no build
#   COORDINATOR_ARGS=...  more hpo-coordinator options, split on spaces ("--worker-prefetch 0")
#   PERF_OUT=FILE         record the whole run with `perf record -g` into FILE
set -euo pipefail
cd "$(dirname "$0")/.."
trials=${1:-20000}
workers=${2:-8}
slots=${3:-1}
curve=${4:-}
build=${BUILD_DIR:-.build}
bin=${BIN_DIR:-$build/release}
if [ -z "${BIN_DIR:-}" ]; then
  swift build -c release --scratch-path "$build" --product hpo-coordinator >/dev/null
  swift build -c release --scratch-path "$build" --product hpo-worker >/dev/null
  swift build -c release --scratch-path "$build" --product hpo >/dev/null
fi
# hpo-coordinator starts local workers from its own folder.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cat > "$scratch/study.yaml" <<YAML
name: dispatch-bench
objective: {metric: objective, direction: minimize}
budget: {trials: $trials}
strategy: random
space:
  x0: {type: float, low: -1, high: 1}
  x1: {type: float, low: -1, high: 1}
trial: {builtin: sphere}
YAML
extra=(${COORDINATOR_ARGS:-})
if [ "$curve" = "--curve" ]; then
  "$bin/hpo" keygen --out "$scratch/keys" >/dev/null
  extra+=(--curve-secret "$scratch/keys/coordinator.key" --authorized-keys "$scratch/keys/workers")
fi
run=()
if [ -n "${PERF_OUT:-}" ]; then run=(perf record -g -F 999 -o "$PERF_OUT" --); fi
start=$(date +%s.%N)
"${run[@]}" "$bin/hpo-coordinator" "$scratch/study.yaml" --log "$scratch/log.jsonl" \
  --local-workers "$workers" --worker-slots "$slots" "${extra[@]}" >/dev/null 2>"$scratch/stderr" || {
  cat "$scratch/stderr"; exit 1; }
end=$(date +%s.%N)
python3 - "$scratch/log.jsonl" "$trials" "$workers" "$slots" "${curve:-plain}" "$start" "$end" <<'PY'
import json, sys
path, trials, workers, slots, mode, start, end = sys.argv[1:]
first_dispatch = last_completed = None
completed = 0
batch_times = set()
for line in open(path):
    event = json.loads(line)
    if event["event"] == "trial_dispatched" and first_dispatch is None:
        first_dispatch = event["time"]
    if event["event"] == "trial_completed":
        completed += 1
        last_completed = event["time"]
        batch_times.add(event["time"])
span = last_completed - first_dispatch
print(f"dispatch: {completed} no-op trials, {workers} workers x {slots} slots, {mode}: "
      f"{completed / span:,.0f} trials/s (first dispatch to last result {span:.2f} s; "
      f"whole run {float(end) - float(start):.2f} s; <= {completed / len(batch_times):.1f} results per fsync)")
PY
