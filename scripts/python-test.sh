#!/usr/bin/env bash
# The Python package's tests (crates/python/tests), run by `make test` after cargo's.
#
# Builds the wheel (scripts/python-wheel.sh, in the git-ignored venv .venv-py, made from
# PyPI if missing), installs it there with numpy and pytest from PyPI, builds the CLI
# (target/release/runvar: the tests compare the package's numbers with the CLI's on the
# same files, in a small study the tests train), and runs pytest. Arguments go to pytest
# (`scripts/python-test.sh -k compare`).
#
# The torch-tensor test uses the PyTorch venv .venv-torch (scripts/torch-venv.sh makes it;
# RUNVAR_TORCH_VENV=DIR for another), and is skipped, saying so, when there is none.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
venv=${RUNVAR_PY_VENV:-$root/.venv-py}
cd "$root"

wheel=$(scripts/python-wheel.sh | tail -n1)
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "numpy>=1.21" "pytest>=7"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --force-reinstall \
  --no-deps "$wheel"
${CARGO:-cargo} build --release --bin runvar
export RUNVAR_BIN="$root/target/release/runvar"
export RUNVAR_TORCH_VENV="${RUNVAR_TORCH_VENV:-$root/.venv-torch}"
"$venv/bin/python" -m pytest crates/python/tests -q -rs "$@"
