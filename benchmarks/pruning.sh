#!/usr/bin/env bash
# Pruning on the digits study (examples/digits-mlp.yaml: random search over the built-in MLP,
# 100 epochs per trial, val_loss reported every epoch) with W local workers, for each seed:
#   none   no pruning, TRIALS trials                  (the reference: its best val_loss is the target)
#   pruned   with PRUNER, the same TRIALS trials (the same configurations in the same order: same seed)
#   pruned+  with PRUNER, up to 10 × TRIALS trials, but a wall-time budget of half the reference's
#            wall time: the time pruning saves goes to more configurations
# and prints, per run: wall time, the best val_loss, when (and after how many finished trials) the
# reference's best was reached, pruned trials and epochs trained in all.
#   benchmarks/pruning.sh [TRIALS=24] [WORKERS=4] [SEEDS="1 2 3"]
# PRUNER (default "{kind: asha, min_resource: 1, reduction_factor: 3}") is the study file's
# pruner. Release build; BUILD_DIR (default .build) is the build folder to use.
set -euo pipefail
cd "$(dirname "$0")/.."
trials=${1:-24}
workers=${2:-4}
seeds=${3:-"1 2 3"}
pruner=${PRUNER:-"{kind: asha, min_resource: 1, reduction_factor: 3}"}
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

echo "digits-mlp, $trials trials, $workers local workers on $(nproc) cores; seeds: $seeds; pruner: $pruner"
for seed in $seeds; do
  run "none-$seed" "$seed" "$trials" "" ""
  half=$(python3 -c "print(f'{float(\"$(wall "$scratch/none-$seed.jsonl")\") / 2:.1f}s')")
  run "pruned-$seed" "$seed" "$trials" "" "$pruner"
  run "pruned+-$seed" "$seed" "$((10 * trials))" "$half" "$pruner"
  python3 - "$seed" "$scratch/summary.jsonl" "$scratch/none-$seed.jsonl" "$scratch/pruned-$seed.jsonl" "$scratch/pruned+-$seed.jsonl" <<'PY'
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

seed, out = sys.argv[1], sys.argv[2]
runs = {name: summary(path) for name, path in zip(["none", "pruned", "pruned+"], sys.argv[3:])}
target = runs["none"]["best"]
print(f"seed {seed}: target = the reference's best val_loss {target:.4f}")
print(f"  {'run':7} {'wall s':>7} {'trials':>6} {'pruned':>6} {'epochs':>6} {'best':>8}  reached the target")
for name, run in runs.items():
    hit = reached(run, target)
    when = f"after {hit[0]:.1f} s, {hit[1]} trials finished" if hit else "no"
    print(f"  {name:7} {run['wall']:7.1f} {run['finished']:6d} {run['pruned']:6d} {run['epochs']:6d} {run['best']:8.4f}  {when}")
with open(out, "a") as f:
    for name, run in runs.items():
        hit = reached(run, target)
        f.write(json.dumps({"seed": seed, "run": name, "wall": run["wall"], "epochs": run["epochs"], "best": run["best"],
                            "target": target, "reached": hit[0] if hit else None,
                            "reference_wall": runs["none"]["wall"], "reference_epochs": runs["none"]["epochs"]}) + "\n")
PY
done
python3 - "$scratch/summary.jsonl" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
seeds = len({r["seed"] for r in rows})
print(f"over {seeds} seeds (times relative to the reference's whole wall time; medians):")
for name in ["none", "pruned", "pruned+"]:
    runs = [r for r in rows if r["run"] == name]
    hits = [r for r in runs if r["reached"] is not None]
    half = [r for r in hits if r["reached"] <= r["reference_wall"] / 2]
    to_target = statistics.median(r["reached"] / r["reference_wall"] for r in hits) if hits else float("nan")
    print(f"  {name:7} reached the target in {len(hits)}/{len(runs)} (within half the reference's wall time: {len(half)}), "
          f"time to it {to_target:.2f}; wall {statistics.median(r['wall'] / r['reference_wall'] for r in runs):.2f}, "
          f"epochs {statistics.median(r['epochs'] / r['reference_epochs'] for r in runs):.2f}; "
          f"best/target {statistics.median(r['best'] / r['target'] for r in runs):.3f}")
PY
