#!/usr/bin/env bash
# The tests: install what is needed, build, run every test (unit and end-to-end, real processes).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build --build-tests
swift test --skip-build
