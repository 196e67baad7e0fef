#!/usr/bin/env bash
# Long studies: a 10,000-trial study (no-op trials, 8 local workers), then on its log: the
# coordinator's peak memory during the study, the time to replay the log as a resume does, and
# `hpo status`.
#   benchmarks/long-study.sh [TRIALS=10000]
# Release build; BUILD_DIR (default .build) is the build folder to use, as in pruning.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
trials=${1:-10000}
build=${BUILD_DIR:-.build}
swift build -c release --scratch-path "$build" >/dev/null
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
study() {
  cat <<YAML
name: long-study
objective: {metric: objective, direction: minimize}
budget: {trials: $1}
strategy: random
space:
  x0: {type: float, low: -1, high: 1}
  x1: {type: float, low: -1, high: 1}
trial: {builtin: sphere}
YAML
}
study "$trials" > "$scratch/study.yaml"
/usr/bin/time -f "%M" -o "$scratch/memory" "$build"/release/hpo-coordinator "$scratch/study.yaml" \
  --log "$scratch/log.jsonl" --local-workers 8 >/dev/null 2>&1
lines=$(wc -l < "$scratch/log.jsonl")
# A resume reads and replays the whole log before it serves; on a finished log it stops there.
start=$(date +%s.%N)
"$build"/release/hpo-coordinator "$scratch/study.yaml" --log "$scratch/log.jsonl" >/dev/null 2>&1
replay=$(echo "$(date +%s.%N) - $start" | bc)
start=$(date +%s.%N)
"$build"/release/hpo status "$scratch/log.jsonl" >/dev/null
status=$(echo "$(date +%s.%N) - $start" | bc)
printf 'long study: %s trials (%s log lines, %s MiB); coordinator peak memory %s MiB; replay on resume %.2f s; hpo status %.2f s\n' \
  "$trials" "$lines" "$(( $(stat -c %s "$scratch/log.jsonl") / 1048576 ))" "$(( $(cat "$scratch/memory") / 1024 ))" "$replay" "$status"
