#!/usr/bin/env bash
# ASHA's promotion form against its stop form, and what checkpointing every epoch costs, on the
# digits study (examples/digits-mlp.yaml with random search, EPOCHS epochs per trial, val_loss
# every epoch) with W local workers, release build:
#   checkpoints   no pruner, TRIALS trials, checkpoint_every 1 (a checkpoint after every epoch,
#                 sent to and stored by the coordinator) against checkpoint_every 100000 (none):
#                 mean seconds per trial (duration_s of the completed trials) and wall time
#   stop/promote  pruner {kind: asha, min_resource: 3, reduction_factor: 3, max_resource: 27,
#                 mode: stop|promote} (rungs at epochs 3 and 9),
#                 TRIALS trials: best val_loss, wall time, epochs trained (trial_report lines,
#                 epochs re-run after a resume included), pauses, promotions, pruned trials, and
#                 the workers' busy share (`hpo status --json`: workers.utilisation)
# for each seed.
#   benchmarks/asha-promote.sh [TRIALS=24] [WORKERS=2] [SEEDS="1 2 3"] [EPOCHS=30]
# BUILD_DIR (default .build) is the build folder to use.
set -euo pipefail
cd "$(dirname "$0")/.."
trials=${1:-24}
workers=${2:-2}
seeds=${3:-"1 2 3"}
epochs=${4:-30}
build=${BUILD_DIR:-.build}
for product in hpo-coordinator hpo-worker hpo; do
  swift build -c release --scratch-path "$build" --product "$product" >/dev/null
done
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

study() { # seed checkpoint_every pruner
  sed -e "s/^seed: .*/seed: $1/" -e "s/^budget: .*/budget: {trials: $trials}/" -e "s/^strategy: .*/strategy: random/" \
    -e "s/^  epochs: .*/  epochs: {type: choice, values: [$epochs]}\n  checkpoint_every: {type: choice, values: [$2]}\n  checkpoint_seconds: {type: choice, values: [0]}/" \
    examples/digits-mlp.yaml
  if [ -n "$3" ]; then echo "pruner: $3"; fi
}

run() { # name seed checkpoint_every pruner
  study "$2" "$3" "$4" >"$scratch/$1.yaml"
  "$build/release/hpo-coordinator" "$scratch/$1.yaml" --log "$scratch/$1.jsonl" --local-workers "$workers" \
    >"$scratch/$1.out" 2>"$scratch/$1.err" || { cat "$scratch/$1.err"; exit 1; }
  "$build/release/hpo" status "$scratch/$1.jsonl" --json >"$scratch/$1.status.json"
}

summary() { # seed name...
  python3 - "$scratch" "$@" <<'PY'
import json, sys
scratch, seed, names = sys.argv[1], sys.argv[2], sys.argv[3:]
for name in names:
    events = [json.loads(line) for line in open(f"{scratch}/{name}-{seed}.jsonl")]
    status = json.load(open(f"{scratch}/{name}-{seed}.status.json"))
    first = next(e["time"] for e in events if e["event"] == "trial_dispatched")
    end = next(e["time"] for e in events if e["event"] == "study_finished")
    count = lambda kind: sum(e["event"] == kind for e in events)
    completed = [e for e in events if e["event"] == "trial_completed"]
    per_trial = sum(e["duration_s"] for e in completed) / max(len(completed), 1)
    row = {"seed": seed, "run": name, "wall": end - first, "per_trial": per_trial,
           "best": min((e["objective"] for e in completed), default=float("inf")),
           "epochs": count("trial_report"), "checkpoints": count("trial_checkpoint"),
           "paused": count("trial_paused"), "promoted": count("trial_promoted"), "pruned": count("trial_pruned"),
           "completed": len(completed), "busy": status["workers"]["utilisation"]}
    print(f"  {name:8} wall {row['wall']:6.1f} s  per trial {per_trial:5.2f} s  best {row['best']:.4f}  "
          f"epochs {row['epochs']:5d}  checkpoints {row['checkpoints']:5d}  completed {row['completed']:3d}  "
          f"pruned {row['pruned']:3d}  paused {row['paused']:3d}  promoted {row['promoted']:3d}  busy {row['busy']:.3f}")
    with open(f"{scratch}/rows.jsonl", "a") as f:
        f.write(json.dumps(row) + "\n")
PY
}

echo "digits-mlp (random), $trials trials of $epochs epochs, $workers local workers on $(nproc) cores; seeds: $seeds"
asha="kind: asha, min_resource: 3, reduction_factor: 3, max_resource: 27"
for seed in $seeds; do
  echo "seed $seed"
  run "no-ckpt-$seed" "$seed" 100000 ""
  run "ckpt-$seed" "$seed" 1 ""
  run "stop-$seed" "$seed" 1 "{$asha, mode: stop}"
  run "promote-$seed" "$seed" 1 "{$asha, mode: promote}"
  summary "$seed" no-ckpt ckpt stop promote
done
python3 - "$scratch/rows.jsonl" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
print("medians over the seeds:")
for name in ["no-ckpt", "ckpt", "stop", "promote"]:
    runs = [r for r in rows if r["run"] == name]
    m = lambda key: statistics.median(r[key] for r in runs)
    print(f"  {name:8} wall {m('wall'):6.1f} s  per trial {m('per_trial'):5.2f} s  best {m('best'):.4f}  "
          f"epochs {m('epochs'):7.1f}  busy {m('busy'):.3f}")
PY
