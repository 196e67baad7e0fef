#!/usr/bin/env bash
# The main job: install what is needed, build, and run a study with local workers.
#   scripts/run-study.sh [STUDY_FILE] [WORKERS]
set -euo pipefail
cd "$(dirname "$0")/.."
study=${1:-examples/digits-mlp.yaml}
workers=${2:-2}
scripts/install-deps.sh
swift build -c release
exec .build/release/hpo-coordinator "$study" --local-workers "$workers"
