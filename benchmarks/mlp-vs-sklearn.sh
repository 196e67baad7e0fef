#!/usr/bin/env bash
# The built-in trainer against scikit-learn's MLPClassifier, side by side in one run, on the same
# split of the digits: a 2x128 relu network, batch 64, SGD with momentum 0.9, constant learning
# rate, no L2, one BLAS thread each. Prints median seconds per epoch, validation accuracy and
# their ratio. See docs/performance.md ("Built-in trainer").
#
#   benchmarks/mlp-vs-sklearn.sh [EPOCHS] [LEARNING_RATE] [PRECISION] [ROUNDS]   (defaults 20 0.05 single 3)
#
# The two alternate for ROUNDS rounds, so that a burst of load from other processes does not land
# on one side only; each side's figure is the median over the rounds of its median epoch time.
# Environment: SCRATCH_PATH (swift build scratch folder, default .build); HPO (an hpo executable
# to use instead of building one). Installs scikit-learn with pip when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
epochs=${1:-20}
lr=${2:-0.05}
precision=${3:-single}
rounds=${4:-3}

if ! python3 -c "import sklearn" 2>/dev/null; then
    echo "installing scikit-learn (pip, for this benchmark only)…" >&2
    python3 -m pip install --quiet scikit-learn
fi
if [[ -z "${HPO:-}" ]]; then
    scratch=${SCRATCH_PATH:-.build}
    swift build -c release --product hpo --scratch-path "$scratch" >&2
    HPO="$scratch/release/hpo"
fi

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for round in $(seq "$rounds"); do
    "$HPO" bench-trainer --epochs "$epochs" --learning-rate "$lr" --precision "$precision" \
        --export-split "$work/split.json" --json "$work/swift-$round.json" >/dev/null
    python3 benchmarks/sklearn_mlp.py --split "$work/split.json" --epochs "$epochs" --learning-rate "$lr" \
        > "$work/sklearn-$round.json"
done

python3 - "$work" "$rounds" "$load_before" <<'PY'
import json, os, statistics, sys
work, rounds, load_before = sys.argv[1], int(sys.argv[2]), sys.argv[3]
runs = {side: [json.load(open(f"{work}/{side}-{r}.json")) for r in range(1, rounds + 1)] for side in ("swift", "sklearn")}
split = json.load(open(f"{work}/split.json"))
first = runs["swift"][0]
print(f"2x128 relu, batch 64, SGD momentum 0.9, lr {first['learning_rate']}, {first['epochs']} epochs, "
      f"same {len(split['train'])} training rows, 1 BLAS thread, {rounds} alternating rounds")
print(f"BLAS kernels: swift-hpo {first.get('openblas_kernel', first['openblas_coretype'])}; "
      f"scikit-learn {runs['sklearn'][0].get('blas_kernel', 'unknown')}")
print(f"OPENBLAS_CORETYPE in the environment: {os.environ.get('OPENBLAS_CORETYPE', '(not set)')}; "
      f"load average before {load_before}, after {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
print()
print(f"{'':36}{'median s/epoch':>16}{'val_accuracy':>14}{'val_loss':>10}  (each round's median)")
median = {}
for side, results in runs.items():
    times = [r["median_seconds_per_epoch"] for r in results]
    median[side] = statistics.median(times)
    last = results[-1]
    print(f"{last['implementation']:36}{median[side]:>16.5f}{last['val_accuracy']:>14.4f}{last['val_loss']:>10.4f}  "
          f"{' '.join(f'{t:.4f}' for t in times)}")
accuracy = {side: runs[side][-1]["val_accuracy"] for side in runs}
print()
print(f"swift-hpo is {median['sklearn'] / median['swift']:.1f}x faster per epoch; accuracy difference "
      f"{100 * (accuracy['swift'] - accuracy['sklearn']):+.2f} points")
PY
