#!/usr/bin/env bash
# Create (if missing) the PyTorch reference virtualenv at <repo>/.venv-torch (git-ignored) with
# torch==2.11.0 (the libtorch version runvar links) and numpy, installed from PyPI with pip.
# Used by scripts/torch_reference.py, scripts/parity.py and scripts/bench.py.
#
# Idempotent: when the venv already has torch 2.11.0 and numpy it does nothing and prints only
# the interpreter path. The last line of output is always the python to use, e.g.
#   py=$(scripts/torch-venv.sh | tail -n1)
#
# Usage: scripts/torch-venv.sh
# Env:   RUNVAR_TORCH_VENV=DIR        put the venv elsewhere (default <repo>/.venv-torch)
#        RUNVAR_WHEEL_CACHE=DIR       extra --find-links dir (default <repo>/.cache/wheels, where
#                                     scripts/setup-libtorch.sh keeps the torch wheel); pip's own
#                                     cache is used as usual.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
venv=${RUNVAR_TORCH_VENV:-$root/.venv-torch}
version=2.11.0
py="$venv/bin/python"

ready() {
  [ -x "$py" ] && "$py" - "$version" >/dev/null 2>&1 <<'PY'
import sys
import numpy, torch
assert torch.__version__.split("+")[0] == sys.argv[1], torch.__version__
PY
}

if ! ready; then
  base=$(command -v python3 || command -v python) || { echo "torch-venv: python3 is needed" >&2; exit 2; }
  if [ ! -x "$py" ]; then
    echo "torch-venv: creating $venv" >&2
    "$base" -m venv "$venv"
  fi
  links=()
  cache=${RUNVAR_WHEEL_CACHE:-$root/.cache/wheels}
  if [ -d "$cache" ]; then links=(--find-links "$cache"); fi
  echo "torch-venv: installing torch==$version and numpy from PyPI (several GB with CUDA deps; a minute or two)" >&2
  "$py" -m pip install --quiet --disable-pip-version-check ${links[@]+"${links[@]}"} "torch==$version" numpy >&2
  ready || { echo "torch-venv: torch $version / numpy still not importable from $py" >&2; exit 1; }
  echo "torch-venv: ready" >&2
fi
echo "$py"
