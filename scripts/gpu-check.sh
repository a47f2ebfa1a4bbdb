#!/usr/bin/env bash
# GPU checks, in one go, for a machine with PyTorch 2.11.0+cu130 installed and no Rust toolchain.
# Build on a CPU machine (make build), carry target/release/runvar, and run from the repo root:
#
#     bash scripts/gpu-check.sh            # results in $OUT (or /tmp/runvar-gpu), a table last
#
# Checks: (1) CUDA is found through PyTorch's libraries; (2) with low-level off, two runs of the
# same spec are bit-identical (deterministic algorithms, CUBLAS_WORKSPACE_CONFIG); (3) with
# low-level on (cuDNN free to choose), whether two runs differ; (4) wall time against the CPU.
# Uses generated data only (mnist1d): ../shared/data does not travel to the GPU machine.
set -uo pipefail
bin=${RUNVAR:-target/release/runvar}
out=${OUT:-/tmp/runvar-gpu}
mkdir -p "$out"
torch_lib=$(python3 -c 'import torch, os; print(os.path.dirname(torch.__file__))')/lib || {
  echo "gpu-check: python3 cannot import torch" >&2; exit 2; }
export LD_LIBRARY_PATH="$torch_lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true

run() { # name device low-level
  local dir="$out/$1"
  rm -rf "$dir"
  local start end
  start=$(date +%s.%N)
  if "$bin" train --preset mnist1d-resnet8 --device "$2" --low-level "$3" --threads 1 \
      --out "$dir" --json -q > "$dir.json" 2> "$dir.err"; then
    end=$(date +%s.%N)
    python3 -c "import json,sys; r=json.load(open('$dir.json')); print('%-14s %-5s %-4s %6.1f s  acc %.2f%%  %s' % ('$1', '$2', '$3', $end-$start, 100*r['test_accuracy'], r['param_hash'][:16]))"
  else
    echo "$1: FAILED: $(tail -1 "$dir.err")"
  fi
}

{
  run cuda-det-a cuda off
  run cuda-det-b cuda off
  run cuda-nd-a cuda on
  run cuda-nd-b cuda on
  run cpu-det cpu off
} | tee "$out/table.txt"

hash() { python3 -c "import json; print(json.load(open('$out/$1.json'))['param_hash'])" 2>/dev/null; }
echo
[ -n "$(hash cuda-det-a)" ] && [ "$(hash cuda-det-a)" = "$(hash cuda-det-b)" ] \
  && echo "deterministic (low-level off): bit-identical reruns: yes" \
  || echo "deterministic (low-level off): bit-identical reruns: NO"
[ "$(hash cuda-nd-a)" != "$(hash cuda-nd-b)" ] \
  && echo "low-level on: reruns differ (cuDNN nondeterminism is a real source here)" \
  || echo "low-level on: reruns identical (this model's kernels are deterministic anyway)"
