#!/usr/bin/env bash
# Formats the Swift sources in place with the toolchain's swift-format (configuration:
# .swift-format), then lints them and checks the line width as scripts/test.sh does.
set -euo pipefail
cd "$(dirname "$0")/.."
swift format format --in-place --recursive --parallel Sources Tests Package.swift
swift format lint --strict --recursive --parallel Sources Tests Package.swift
# swift-format cannot split a long string literal: this names the lines left to split by hand.
scripts/check-width.py
