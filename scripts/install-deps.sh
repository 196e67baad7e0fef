#!/usr/bin/env bash
# Installs the Debian packages swift-hpo needs (libzmq, OpenBLAS/LAPACKE, Python for command trials).
# Needs a Swift 6.1+ toolchain on PATH (swift.org); everything else comes from Debian.
set -euo pipefail

packages=(libzmq3-dev libopenblas-dev liblapacke-dev pkg-config python3)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v swift >/dev/null || { echo "error: swift not found on PATH (install a Swift 6.1+ toolchain from swift.org)" >&2; exit 1; }
