#!/usr/bin/env bash
# The tests: install what is needed, build, run every test (unit and end-to-end with real
# processes, then the cluster checks).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build --build-tests
swift test --skip-build
# Cluster checks on the same build: Kubernetes manifests, systemd units, the SSH fan-out, and the
# multi-host network-namespace test (reported as skipped where namespaces are not allowed).
Tests/ClusterChecks/run.sh --bin "$(swift build --show-bin-path)"
