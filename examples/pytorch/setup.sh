#!/usr/bin/env bash
# Installs PyTorch (CPU) into a virtual environment for the example: examples/pytorch/.venv
# (git-ignored; HPO_TORCH_VENV chooses another folder).
#
#   examples/pytorch/setup.sh            # once; again does nothing while torch imports
#
# Which torch, smallest first:
#   1. A CPU-only wheel of torch that pip can already see on this machine: a file
#      torch-VERSION+cpu-cpXY-...-linux_x86_64.whl in a folder of PIP_FIND_LINKS (this project's
#      machines have /opt/wheels/torch-2.13.0+cpu-cp311-...whl, 183 MiB) or in HPO_TORCH_WHEELS.
#      With its pure-Python dependencies from PyPI: about 1 GB on disk.
#   2. Otherwise PyPI's torch (requirements.txt). PyPI's Linux wheel is the CUDA build: it does not
#      import without NVIDIA's CUDA runtime packages (libcublasLt and more), which pip installs
#      with it: about 5 GB. (PyPI has no CPU-only build for Linux; PyTorch's own CPU index is not
#      reachable from these machines.)
# Either way it runs on the CPU when there is no GPU. The script ends by printing what it has.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv=${HPO_TORCH_VENV:-$here/.venv}
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" || { echo "python3 -m venv failed (Debian: apt-get install python3-venv)" >&2; exit 2; }
fi
pip=("$venv/bin/pip" install --quiet --disable-pip-version-check)

if ! "$venv/bin/python" -c 'import torch' 2>/dev/null; then
  tag=$("$venv/bin/python" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')
  wheel=""
  for folder in ${HPO_TORCH_WHEELS:-} ${PIP_FIND_LINKS:-} /opt/wheels; do
    [ -d "$folder" ] || continue
    # The newest CPU build for this Python (names sort by version within a folder well enough).
    found=$(ls "$folder"/torch-*+cpu-"$tag"-"$tag"-*linux*x86_64.whl 2>/dev/null | sort -V | tail -1 || true)
    if [ -n "$found" ]; then wheel=$found; break; fi
  done
  numpy=$(grep -E '^numpy==' "$here/requirements.txt")
  if [ -n "$wheel" ]; then
    echo "installing the CPU-only wheel $wheel (and its pure-Python dependencies from PyPI)"
    "${pip[@]}" "$wheel" "$numpy"
  else
    echo "no CPU-only torch wheel here: installing PyPI's torch (the CUDA build, about 5 GB)"
    "${pip[@]}" -r "$here/requirements.txt"
  fi
fi
"$venv/bin/python" - "$venv" <<'PY'
import subprocess, sys, torch
size = subprocess.run(["du", "-sh", sys.argv[1]], capture_output=True, text=True).stdout.split()[0]
print(f"torch {torch.__version__} in {sys.argv[1]} ({size}); CUDA available: {torch.cuda.is_available()}; "
      f"CPU threads: {torch.get_num_threads()}")
PY
