#!/usr/bin/env bash
# The built-in trainer against scikit-learn's MLPClassifier, side by side in one run, on the same
# split of the digits: a 2x128 relu network, batch 64, SGD with momentum 0.9, constant learning
# rate, no L2, one BLAS thread each. Prints median seconds per epoch, validation accuracy and
# their ratio. See docs/performance.md ("Built-in trainer").
#
#   benchmarks/mlp-vs-sklearn.sh [EPOCHS] [LEARNING_RATE] [PRECISION]   (defaults 20, 0.05, single)
#
# Environment: SCRATCH_PATH (swift build scratch folder, default .build); HPO (an hpo executable
# to use instead of building one). Installs scikit-learn with pip when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
epochs=${1:-20}
lr=${2:-0.05}
precision=${3:-single}

if ! python3 -c "import sklearn" 2>/dev/null; then
    echo "installing scikit-learn (pip, for this benchmark only)…" >&2
    python3 -m pip install --quiet scikit-learn
fi
if [[ -z "${HPO:-}" ]]; then
    scratch=${SCRATCH_PATH:-.build}
    swift build -c release --product hpo --scratch-path "$scratch" >&2
    HPO="$scratch/release/hpo"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$HPO" bench-trainer --epochs "$epochs" --learning-rate "$lr" --precision "$precision" --export-split "$work/split.json" --json "$work/swift.json" >/dev/null
python3 benchmarks/sklearn_mlp.py --split "$work/split.json" --epochs "$epochs" --learning-rate "$lr" > "$work/sklearn.json"

python3 - "$work/swift.json" "$work/sklearn.json" <<'PY'
import json, sys
swift, sk = (json.load(open(path)) for path in sys.argv[1:3])
print(f"2x128 relu, batch 64, SGD momentum 0.9, lr {swift['learning_rate']}, {swift['epochs']} epochs, "
      f"same {len(json.load(open(sys.argv[1].replace('swift.json', 'split.json')))['train'])} training rows, 1 BLAS thread")
print(f"OPENBLAS_CORETYPE for swift-hpo: {swift['openblas_coretype']}")
print()
print(f"{'':36}{'median s/epoch':>16}{'val_accuracy':>14}{'val_loss':>10}")
for name, r in ((swift["implementation"], swift), (sk["implementation"], sk)):
    print(f"{name:36}{r['median_seconds_per_epoch']:>16.5f}{r['val_accuracy']:>14.4f}{r['val_loss']:>10.4f}")
ratio = sk["median_seconds_per_epoch"] / swift["median_seconds_per_epoch"]
print()
print(f"swift-hpo is {ratio:.1f}x faster per epoch; accuracy difference "
      f"{100 * (swift['val_accuracy'] - sk['val_accuracy']):+.2f} points")
PY
