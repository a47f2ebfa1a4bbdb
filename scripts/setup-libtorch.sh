#!/usr/bin/env bash
# Fetch libtorch 2.11.0 (the version `tch = "=0.24.0"` binds) from PyPI and unpack it into
# ./libtorch (ignored by git). PyPI is the only source these machines reach; the torch wheel's
# torch/lib and torch/include are libtorch. The two small NVIDIA wheels provide libcudart and
# libcupti, which libtorch_cpu.so needs at load time even on a machine without a GPU.
#
# Usage: scripts/setup-libtorch.sh [DEST]      (default DEST: ./libtorch)
# Env:   RUNVAR_WHEEL_CACHE=DIR  reuse/keep downloaded wheels there (optional, speeds up CI).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
dest=${1:-$root/libtorch}
version=2.11.0
stamp="$dest/.runvar-libtorch-$version"

if [ -f "$stamp" ]; then
  echo "libtorch $version already in $dest"
  exit 0
fi

cache=${RUNVAR_WHEEL_CACHE:-$root/.cache/wheels}
mkdir -p "$cache"
py=$(command -v python3 || command -v python) || { echo "setup-libtorch: python3 with pip is needed to download wheels from PyPI" >&2; exit 2; }

have() { ls "$cache"/$1 >/dev/null 2>&1; }
if ! have "torch-$version-*.whl" || ! have "nvidia_cuda_runtime-13.0.96*.whl" || ! have "nvidia_cuda_cupti-13.0.85*.whl"; then
  echo "setup-libtorch: downloading torch==$version and the CUDA runtime wheels from PyPI into $cache"
  "$py" -m pip download --quiet --no-deps --only-binary=:all: \
    --python-version 3.11 --platform manylinux_2_28_x86_64 --platform manylinux_2_25_x86_64 \
    --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 -d "$cache" \
    "torch==$version" "nvidia-cuda-runtime==13.0.96.*" "nvidia-cuda-cupti==13.0.85.*"
fi

tmp=$(mktemp -d "${dest%/}.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo "setup-libtorch: unpacking into $dest"
"$py" - "$cache" "$tmp" "$version" <<'PY'
import glob, os, sys, zipfile
cache, out, version = sys.argv[1:4]
def unpack(pattern, prefixes, strip):
    (whl,) = glob.glob(os.path.join(cache, pattern))[-1:] or (None,)
    if whl is None:
        sys.exit(f"setup-libtorch: no wheel matching {pattern} in {cache}")
    with zipfile.ZipFile(whl) as z:
        for info in z.infolist():
            name = info.filename
            if info.is_dir() or not name.startswith(prefixes):
                continue
            target = os.path.join(out, name[len(strip):])
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with z.open(info) as src, open(target, "wb") as dst:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
unpack(f"torch-{version}-*.whl", ("torch/lib/", "torch/include/", "torch/share/"), "torch/")
unpack("nvidia_cuda_runtime-*.whl", ("nvidia/cu13/lib/",), "nvidia/cu13/")
unpack("nvidia_cuda_cupti-*.whl", ("nvidia/cu13/lib/",), "nvidia/cu13/")
PY
# The CPU build never loads the large CUDA libraries; drop them to keep the folder small.
rm -f "$tmp"/lib/libtorch_cuda*.so "$tmp"/lib/libc10_cuda.so "$tmp"/lib/libcaffe2_nvrtc.so \
      "$tmp"/lib/libnvrtc*.so* 2>/dev/null || true
touch "$tmp/.runvar-libtorch-$version"
rm -rf "$dest"
mv "$tmp" "$dest"
trap - EXIT
echo "setup-libtorch: libtorch $version ready in $dest"
