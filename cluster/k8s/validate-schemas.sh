#!/usr/bin/env bash
# Validates the Kubernetes manifests (cluster/k8s and the GPU overlay cluster/k8s-gpu) against
# the real Kubernetes API schemas with kubernetes-validate from PyPI (validate-schemas.py says how).
#
#   cluster/k8s/validate-schemas.sh [validate-schemas.py options]
#
# kubernetes-validate is installed once into a virtual environment in .build-k8s-venv/ at the
# repository's root (git-ignored; HPO_K8S_VENV chooses another folder): that needs PyPI, about
# 12 s. It bundles the schemas, so every later run is offline, 1–3 s.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
VERSION=1.37.0
venv=${HPO_K8S_VENV:-$ROOT/.build-k8s-venv}

installed() {
  "$venv/bin/python" -c "import sys, kubernetes_validate.version as v; sys.exit(v.__version__ != '$VERSION')" 2>/dev/null
}
if ! installed; then
  echo "  installing kubernetes-validate $VERSION into $venv (once)"
  rm -rf "$venv"
  python3 -m venv "$venv" || { echo "python3 -m venv failed (Debian: apt-get install python3-venv)" >&2; exit 2; }
  "$venv/bin/pip" install --quiet --disable-pip-version-check "kubernetes-validate==$VERSION" \
    || { echo "pip could not install kubernetes-validate==$VERSION (PyPI unreachable?)" >&2; exit 2; }
fi
exec "$venv/bin/python" "$ROOT/cluster/k8s/validate-schemas.py" "$@"
