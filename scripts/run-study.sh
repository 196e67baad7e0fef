#!/usr/bin/env bash
# The main job: install what is needed, build, and run a study with local workers.
#   scripts/run-study.sh [STUDY_FILE] [WORKERS]
set -euo pipefail
cd "$(dirname "$0")/.."
study=${1:-examples/digits-mlp.yaml}
workers=${2:-2}
scripts/install-deps.sh
# Only the two programs a study runs (hpo, with its web server, is built on its own: see README).
swift build -c release --product hpo-worker
swift build -c release --product hpo-coordinator
exec .build/release/hpo-coordinator "$study" --local-workers "$workers"
