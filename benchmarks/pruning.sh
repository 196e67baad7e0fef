#!/usr/bin/env bash
# Pruning on the digits study (examples/digits-mlp.yaml: random search over the built-in MLP,
# 100 epochs per trial, val_loss reported every epoch) with W local workers, for each seed:
#   none   no pruning, TRIALS trials                  (the reference: its best val_loss is the target)
#   asha   pruner asha (min_resource 1, η 3), the same TRIALS trials (the same configurations: same seed)
#   asha+  pruner asha, 3 × TRIALS trials, but a wall-time budget of half the reference's wall time
# and prints, per run: wall time, the best val_loss, when (and after how many finished trials) the
# reference's best was reached, pruned trials and epochs trained in all.
#   benchmarks/pruning.sh [TRIALS=24] [WORKERS=4] [SEEDS="1 2 3"]
# Release build. BUILD_DIR (default .build) is the build folder to use.
set -euo pipefail
cd "$(dirname "$0")/.."
trials=${1:-24}
workers=${2:-4}
seeds=${3:-"1 2 3"}
build=${BUILD_DIR:-.build}
swift build -c release --scratch-path "$build" --product hpo-coordinator >/dev/null
swift build -c release --scratch-path "$build" --product hpo-worker >/dev/null
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# hpo-coordinator starts local workers from its own folder.
coordinator="$build/release/hpo-coordinator"

# The example study with another seed, budget and (optionally) a pruner.
study() { # seed trials wall_time pruner
  sed -e "s/^seed: .*/seed: $1/" -e "s/^budget: .*/budget: {trials: $2${3:+, wall_time: $3}}/" examples/digits-mlp.yaml
  if [ -n "$4" ]; then echo "pruner: $4"; fi
}

run() { # name seed trials wall_time pruner
  local name=$1
  study "$2" "$3" "$4" "$5" >"$scratch/$name.yaml"
  "$coordinator" "$scratch/$name.yaml" --log "$scratch/$name.jsonl" --local-workers "$workers" \
    >"$scratch/$name.out" 2>"$scratch/$name.err" || { cat "$scratch/$name.err"; exit 1; }
}

# Wall time of a log: first dispatch to study_finished.
wall() {
  python3 - "$1" <<'PY'
import json, sys
events = [json.loads(line) for line in open(sys.argv[1])]
first = next(e["time"] for e in events if e["event"] == "trial_dispatched")
last = next(e["time"] for e in events if e["event"] == "study_finished")
print(f"{last - first:.1f}")
PY
}

echo "digits-mlp, $trials trials, $workers local workers on $(nproc) cores; seeds: $seeds"
for seed in $seeds; do
  run "none-$seed" "$seed" "$trials" "" ""
  half=$(python3 -c "print(f'{float(\"$(wall "$scratch/none-$seed.jsonl")\") / 2:.1f}s')")
  run "asha-$seed" "$seed" "$trials" "" "{kind: asha, min_resource: 1, reduction_factor: 3}"
  run "asha+-$seed" "$seed" "$((3 * trials))" "$half" "{kind: asha, min_resource: 1, reduction_factor: 3}"
  python3 - "$seed" "$scratch/none-$seed.jsonl" "$scratch/asha-$seed.jsonl" "$scratch/asha+-$seed.jsonl" <<'PY'
import json, sys

def summary(path):
    events = [json.loads(line) for line in open(path)]
    first = next(e["time"] for e in events if e["event"] == "trial_dispatched")
    end = next(e["time"] for e in events if e["event"] == "study_finished")
    finished, completions, steps = 0, [], {}
    for e in events:
        if e["event"] == "trial_report":
            steps[e["trial"]] = max(steps.get(e["trial"], 0), e["step"])
        if e["event"] in ("trial_completed", "trial_pruned") or (e["event"] == "trial_failed" and not e["will_retry"]):
            finished += 1
        if e["event"] == "trial_completed":
            completions.append((e["time"] - first, e["objective"], finished))
    return {
        "wall": end - first, "best": min((c[1] for c in completions), default=float("inf")),
        "completions": completions, "finished": finished,
        "pruned": sum(e["event"] == "trial_pruned" for e in events), "epochs": sum(steps.values()),
    }

def reached(run, target):
    return next(((t, n) for t, value, n in run["completions"] if value <= target + 1e-12), None)

seed = sys.argv[1]
runs = {name: summary(path) for name, path in zip(["none", "asha", "asha+"], sys.argv[2:])}
target = runs["none"]["best"]
print(f"seed {seed}: target = the reference's best val_loss {target:.4f}")
print(f"  {'run':6} {'wall s':>7} {'trials':>6} {'pruned':>6} {'epochs':>6} {'best':>8}  reached the target")
for name, run in runs.items():
    hit = reached(run, target)
    when = f"after {hit[0]:.1f} s, {hit[1]} trials finished" if hit else "no"
    print(f"  {name:6} {run['wall']:7.1f} {run['finished']:6d} {run['pruned']:6d} {run['epochs']:6d} {run['best']:8.4f}  {when}")
PY
done
