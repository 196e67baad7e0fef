#!/usr/bin/env bash
# Installs the Debian packages swift-hpo needs (libzmq, OpenBLAS/LAPACKE, Python for command trials,
# Chromium for the tests that drive `hpo serve`'s page headless and for scripts/render-report.sh).
# Needs a Swift 6.1+ toolchain on PATH (swift.org); everything else comes from Debian.
#
#   scripts/install-deps.sh               the build's packages
#   scripts/install-deps.sh --with-slurm  and, as root, Slurm for cluster/slurm/local-slurm-test.sh
#                                         (slurmctld, slurmd, slurm-client, munge without their
#                                         recommends: 8 packages, ~20 s; scripts/test.sh)
#   scripts/install-deps.sh --slurm-only  only Slurm (what the Slurm test runs when it is missing)
#
# One `apt-get update` at most, and only when something is missing.
set -euo pipefail

# chromium: about 130 packages, 2 GB and 2 minutes on a new machine (docs/performance.md, "hpo serve").
packages=(libzmq3-dev libopenblas-dev liblapacke-dev pkg-config python3 chromium)
slurm=0
case "${1:-}" in
  --with-slurm) slurm=1 ;;
  --slurm-only) slurm=1; packages=() ;;
  "") ;;
  *) echo "usage: scripts/install-deps.sh [--with-slurm|--slurm-only]" >&2; exit 2 ;;
esac
missing=() missing_slurm=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ "$slurm" = 1 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    # Without recommends: slurm-wlm would bring 43 packages (HDF5, IPMI, ROCm, … plugins) the
    # private one-node cluster never loads.
    for package in slurmctld slurmd slurm-client munge; do
      dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing_slurm+=("$package")
    done
  else
    echo "not root: not installing Slurm (its test runs its daemons as root and skips without)"
  fi
fi
if [ ${#missing[@]} -gt 0 ] || [ ${#missing_slurm[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing: ${missing[*]} ${missing_slurm[*]}"
  $sudo apt-get update -qq
  [ ${#missing[@]} -eq 0 ] || DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  [ ${#missing_slurm[@]} -eq 0 ] \
    || DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing_slurm[@]}" >/dev/null
fi
[ ${#packages[@]} -eq 0 ] || command -v swift >/dev/null \
  || { echo "error: swift not found on PATH (install a Swift 6.1+ toolchain from swift.org)" >&2; exit 1; }
