#!/usr/bin/env bash
# Installs PyTorch into a virtual environment for the example: examples/pytorch/.venv (git-ignored).
#
#   examples/pytorch/setup.sh            # once; then see examples/pytorch/README.md
#
# From PyPI with pip (the only index needed). PyPI's Linux wheel of torch is the CUDA build and
# pulls NVIDIA's CUDA runtime packages with it (about 3 GB on disk, a few minutes); on a machine
# without a GPU it computes on the CPU. HPO_TORCH_VENV chooses another folder.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv=${HPO_TORCH_VENV:-$here/.venv}
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" || { echo "python3 -m venv failed (Debian: apt-get install python3-venv)" >&2; exit 2; }
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
"$venv/bin/python" - <<'PY'
import torch
print(f"torch {torch.__version__} in {torch.__file__.rsplit('/torch/', 1)[0]}; "
      f"CUDA available: {torch.cuda.is_available()}; CPU threads: {torch.get_num_threads()}")
PY
