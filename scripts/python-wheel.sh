#!/usr/bin/env bash
# Build the Python package (`import runvar`, crates/python) as one wheel for CPython 3.9 and
# later (abi3), manylinux2014 (glibc 2.17 and later), at target/wheels/runvar-*.whl. The last
# line of output is the wheel's path:
#   whl=$(scripts/python-wheel.sh | tail -n1)
#
# maturin builds it in the git-ignored venv .venv-py (made once, from PyPI, with python3.11 or
# else python3), linking through zig (the `ziglang` package) so that the library asks for no
# glibc symbol newer than 2.17 whatever this machine's glibc is; maturin's auditwheel check
# verifies that before it names the wheel manylinux2014. The cargo build goes to
# target/python, apart from the workspace's: maturin builds PyO3 for an extension module
# (no libpython linked), which cargo would otherwise rebuild back and forth with `cargo test`.
#
# Usage: scripts/python-wheel.sh
# Env:   RUNVAR_PY_VENV=DIR   the build venv (default <repo>/.venv-py)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
venv=${RUNVAR_PY_VENV:-$root/.venv-py}
maturin_version=1.16.0
zig_version=0.17.1

if [ ! -x "$venv/bin/python" ]; then
  base=$(command -v python3.11 || command -v python3) || {
    echo "python-wheel: python3 is needed" >&2
    exit 2
  }
  echo "python-wheel: creating $venv with $base" >&2
  "$base" -m venv "$venv"
fi
if ! "$venv/bin/python" -m maturin --version 2>/dev/null | grep -qx "maturin $maturin_version" \
  || ! "$venv/bin/python" -c "import ziglang" 2>/dev/null; then
  echo "python-wheel: installing maturin $maturin_version and ziglang $zig_version from PyPI" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "maturin==$maturin_version" "ziglang==$zig_version" >&2
fi

cd "$root"
rm -f target/wheels/runvar-*.whl
# maturin finds zig as `python -m ziglang` with the python on PATH: the venv's.
PATH="$venv/bin:$PATH" CARGO_TARGET_DIR="$root/target/python" \
  maturin build --release --manifest-path crates/python/Cargo.toml --out target/wheels \
  --compatibility manylinux2014 --zig >&2
ls target/wheels/runvar-*-cp39-abi3-manylinux*.whl
