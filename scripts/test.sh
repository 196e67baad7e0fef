#!/usr/bin/env bash
# The tests: install what is needed, build, run every test (unit and end-to-end with real
# processes, then the cluster checks).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --with-slurm
scripts/check-docs.sh
# Formatting and lint (configuration: .swift-format); `scripts/format.sh` fixes what it can.
swift format lint --strict --recursive --parallel Sources Tests Package.swift
scripts/check-width.py
swift build --build-tests
swift test --skip-build
# The hand-written JSON of the wire and the log once more, optimised as the binaries that write
# them are: an optimiser bug once inverted JSONWriter.bool in release builds only.
swift build -c release --build-tests -Xswiftc -enable-testing --scratch-path .build-release-tests
swift test -c release --skip-build --scratch-path .build-release-tests --filter "FastEncoding|WireFastPath|FastPath"
# Cluster checks on the same build: Kubernetes manifests and their API schemas, systemd units, the
# SSH fan-out, the multi-host network-namespace test and the local Slurm test with a worker job
# preempted mid-trial (the last two reported as skipped, with the reason, when not root).
Tests/ClusterChecks/run.sh --bin "$(swift build --show-bin-path)"
