#!/usr/bin/env bash
# GPU checks and benchmarks, in one go (under 5 minutes), for a machine with PyTorch
# 2.11.0+cu130 in python3 and no Rust toolchain. Build on a CPU machine with `make gpu-binary`
# (target/gpu/runvar: the release binary without debug info, about 5 MB; target/release/runvar
# keeps its debug info for profiling and is too large to carry), carry target/gpu/runvar, and run
# from anywhere in the repo:
#
#     bash scripts/gpu-check.sh        # raw JSON and logs in $OUT (or /tmp/runvar-gpu), a table last
#
# Sections
#   1. environment: nvidia-smi, torch version.
#   2. determinism (mnist1d-resnet8, generated data: ../shared/data does not travel): two CUDA runs
#      with low-level off must be bit-identical (deterministic algorithms, CUBLAS_WORKSPACE_CONFIG);
#      two with low-level on (cuDNN free to choose) may differ; wall time against the CPU.
#  2b. packed studies on the GPU (mnist1d-resnet8, conditions control, low_level, init; 4
#      replicas in one pack of 4, the default pack for 4 replicas), in each layout: the control's
#      4 replicas must share one parameter hash (identical replicas stay exact inside a cuDNN
#      pack), low_level's should not.
#   3. runvar speed --preset cifar10-resnet14 --device cuda: fp32 deterministic, and bf16 with
#      low-level on (speed-fp32.json, speed-bf16.json), each also with --layout channels-last
#      (speed-fp32-cl.json, speed-bf16-cl.json: the layout PyTorch's bf16 anchor uses).
#   4. the PyTorch reference on the same workload: scripts/gpu_reference.py (reference.json).
#   5. the table: replica-steps/s of every variant, ratio to the PyTorch seed loop, FLOP/s and
#      bandwidth against the measured ceilings, memory per replica, the targets (fp32 >= 400,
#      bf16 >= 700 replica-steps/s), the paper protocol's projected hours, and the verdicts
#      of 2b.
# Every step runs under `timeout`, sized from what is left of $BUDGET seconds (default 290); a
# failing or timed-out step is marked FAILED and the rest goes on. Overrides: RUNVAR (binary;
# default target/gpu/runvar, else target/release/runvar), PYTHON (default python3), GPU_REFERENCE_ARGS (appended to gpu_reference.py's arguments, e.g.
# "--device cpu --batch-size 8 --packs 1,2 --packs-bf16 2" to try the script without a GPU).
# Exit status 0 unless the table itself could not be printed.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
if [ -x target/gpu/runvar ]; then bin=${RUNVAR:-target/gpu/runvar}; else bin=${RUNVAR:-target/release/runvar}; fi
out=${OUT:-/tmp/runvar-gpu}
budget=${BUDGET:-290}
py=${PYTHON:-python3}
mkdir -p "$out"
t0=$SECONDS

# Seconds a step may take: at most $1, and leave $2 seconds for the steps after it.
allow() {
  local left=$((budget - (SECONDS - t0) - $2))
  if ((left < $1)); then echo "$left"; else echo "$1"; fi
}
section() { printf '\n== %s  (t=%ds)\n' "$1" $((SECONDS - t0)); }

section "1. environment"
timeout 20 nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm,power.limit \
  --format=csv,noheader 2>&1 | tee "$out/nvidia-smi.txt" || true
torch_dir=$(timeout 30 "$py" -c 'import torch, os; print(os.path.dirname(torch.__file__))' 2>"$out/torch.err")
if [ -z "$torch_dir" ]; then
  echo "gpu-check: $py cannot import torch: $(tail -1 "$out/torch.err")"
else
  export LD_LIBRARY_PATH="$torch_dir/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  export RUNVAR_TORCH_CUDA="$torch_dir/lib/libtorch_cuda.so"
  timeout 30 "$py" -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda,
    "cudnn", torch.backends.cudnn.version(), "available", torch.cuda.is_available())' 2>&1 \
    | tee "$out/torch.txt"
fi
if [ -x "$bin" ]; then timeout 10 "$bin" --version 2>&1 | head -1; else echo "gpu-check: no runvar binary at $bin"; fi

section "2. determinism (mnist1d-resnet8, 20 epochs)"
train() { # name device low-level
  local dir="$out/$1" start end s
  rm -rf "$dir" "$dir.seconds"
  s=$(allow 45 225)
  if ((s < 10)); then echo "$1: SKIPPED (out of time)"; return; fi
  start=$(date +%s.%N)
  if timeout -k 5 "$s" "$bin" train --preset mnist1d-resnet8 --device "$2" --low-level "$3" \
      --threads 1 --out "$dir" --json -q > "$dir.json" 2> "$dir.err"; then
    end=$(date +%s.%N)
    awk "BEGIN { print $end - $start }" > "$dir.seconds"
    "$py" -c "import json; r=json.load(open('$dir.json')); print('%-11s %-5s low-level %-4s %6.1f s  acc %.2f%%  %s' % ('$1', '$2', '$3', $end-$start, 100*r['test_accuracy'], r['param_hash'][:16]))"
  else
    local rc=$?
    rm -f "$dir.json"
    if ((rc == 124 || rc == 137)); then echo "$1: FAILED (timed out after ${s}s)"
    else echo "$1: FAILED (exit $rc): $(tail -1 "$dir.err")"; fi
  fi
}
phash() { "$py" -c "import json; print(json.load(open('$out/$1.json'))['param_hash'])" 2>/dev/null; }
{
  train cuda-det-a cuda off
  train cuda-det-b cuda off
  train cuda-nd-a cuda on
  train cuda-nd-b cuda on
  train cpu-det cpu off
  echo
  a=$(phash cuda-det-a) b=$(phash cuda-det-b)
  if [ -z "$a" ] || [ -z "$b" ]; then echo "deterministic (low-level off): FAILED (a run is missing)"
  elif [ "$a" = "$b" ]; then echo "deterministic (low-level off): bit-identical reruns: yes"
  else echo "deterministic (low-level off): bit-identical reruns: NO"; fi
  a=$(phash cuda-nd-a) b=$(phash cuda-nd-b)
  if [ -z "$a" ] || [ -z "$b" ]; then echo "low-level on: FAILED (a run is missing)"
  elif [ "$a" != "$b" ]; then echo "low-level on: reruns differ (cuDNN nondeterminism is a real source here)"
  else echo "low-level on: reruns identical (this model's kernels are deterministic anyway)"; fi
  "$py" -c "import json,sys; print('device as runs record it:', json.load(open(sys.argv[1]))['environment']['device'])" \
    "$out/cuda-det-a/spec.json" 2>/dev/null || true
  "$py" - "$out" <<'EOF' || true
import os, sys
def secs(n):
    try:
        return float(open(os.path.join(sys.argv[1], n + ".seconds")).read())
    except (OSError, ValueError):
        return None
g, c = secs("cuda-det-a"), secs("cpu-det")
if g and c:
    print(f"wall time of one run (process start to exit): cuda {g:.1f} s, cpu (1 thread) "
          f"{c:.1f} s; the cpu takes {c / g:.2f}x as long")
EOF
} 2>&1 | tee "$out/determinism.txt"

section "2b. packed studies on the GPU (mnist1d-resnet8, 4 replicas per pack, 3 epochs)"
study() { # name layout
  local dir="$out/$1" s rc
  rm -rf "$dir" "$dir.toml"
  s=$(allow 25 185)
  if ((s < 10)); then echo "$1: SKIPPED (out of time)"; return; fi
  printf 'replicas = 4\nconditions = ["control", "low_level", "init"]\n[run]\npreset = "mnist1d-resnet8"\ndevice = "cuda"\n[run.train]\nepochs = 3\nlayout = "%s"\n' "$2" > "$dir.toml"
  timeout -k 5 "$s" "$bin" study --spec "$dir.toml" --out "$dir" --json > "$dir.json" 2> "$dir.err"
  rc=$?
  if ((rc == 124 || rc == 137)); then echo "$1: FAILED (timed out after ${s}s)"; return; fi
  if ((rc != 0)); then echo "$1: FAILED (exit $rc): $(tail -1 "$dir.err")"; return; fi
  "$py" - "$dir" "$1" <<'EOF' || echo "$1: FAILED (unreadable records)"
import glob, json, os, sys
d, name = sys.argv[1], sys.argv[2]
for cond, want in [("control", "exact"), ("low_level", "differ"), ("init", "differ")]:
    recs = [json.load(open(p)) for p in sorted(glob.glob(os.path.join(d, "runs", cond, "*", "record.json")))]
    hashes = {r["param_hash"] for r in recs}
    packs = sorted({r.get("pack", {}).get("size", 1) for r in recs})
    verdict = ("ok" if len(hashes) == 1 else "NOT EXACT") if want == "exact" else \
        ("ok" if len(hashes) > 1 else "identical (kernels deterministic anyway)")
    print(f"{name:<13} {cond:<9} {len(recs)} runs, pack {packs}, {len(hashes)} distinct hashes: {verdict}")
EOF
}
{
  study study-nchw nchw
  study study-cl channels-last
} 2>&1 | tee "$out/studies.txt"

section "3. runvar speed (cifar10-resnet14, batch 512, synthetic data)"
speed() { # name cap reserve args...
  local name=$1 cap=$2 reserve=$3 s rc
  shift 3
  s=$(allow "$cap" "$reserve")
  if ((s < 15)); then echo "$name: SKIPPED (out of time)"; rm -f "$out/$name.json"; return; fi
  echo "+ runvar speed $* --json   (timeout ${s}s)"
  timeout -k 5 "$s" "$bin" speed --preset cifar10-resnet14 --device cuda --batch-size 512 \
    --json "$@" > "$out/$name.json" 2> "$out/$name.err"
  rc=$?
  if ((rc == 124 || rc == 137)); then echo "$name: FAILED (timed out after ${s}s)"
  elif ((rc != 0)); then echo "$name: FAILED (exit $rc): $(tail -1 "$out/$name.err")"
  else "$py" -c "import json,sys; d=json.load(open(sys.argv[1])); print('\n'.join('  K=%-4s %8s replica-steps/s  %s' % (r.get('pack'), '%.1f' % r['replica_steps_per_s'] if r.get('replica_steps_per_s') is not None else '-', r.get('status')) for r in d.get('results', [])))" "$out/$name.json" \
    || echo "$name: FAILED (output is not JSON)"; fi
}
speed speed-fp32 70 150 --precision fp32 --low-level off --pack 1,8,32,64,128 --steps 30 --warmup 5
speed speed-fp32-cl 30 120 --precision fp32 --low-level off --layout channels-last --pack 32,64 \
  --steps 15 --warmup 3
speed speed-bf16 45 90 --precision bf16 --low-level on --pack 32,64,128 --steps 30 --warmup 5
speed speed-bf16-cl 30 60 --precision bf16 --low-level on --layout channels-last --pack 32,64,128 \
  --steps 15 --warmup 3

section "4. PyTorch reference (scripts/gpu_reference.py)"
s=$(allow 120 5)
if ((s < 20)); then echo "reference: SKIPPED (out of time)"
else
  echo "+ gpu_reference.py (timeout ${s}s; partial results survive in reference.json)"
  rm -f "$out/reference.json"
  read -ra ref_args <<< "${GPU_REFERENCE_ARGS:-}"  # extra arguments, e.g. for a CPU smoke run
  timeout -k 5 "$s" "$py" scripts/gpu_reference.py --json --out "$out/reference.json" \
    --packs 32,64 --packs-bf16 32,64,128 --steps 20 --warmup 5 --max-seconds 5 "${ref_args[@]}" \
    > "$out/reference.stdout" 2> "$out/reference.err"
  rc=$?
  grep '^\[gpu_reference\]' "$out/reference.err" | sed 's/^\[gpu_reference\] /  /'
  if ((rc != 0)); then echo "reference: FAILED (exit $rc$( ((rc == 124 || rc == 137)) && echo ", timed out after ${s}s")): $(tail -1 "$out/reference.err")"; fi
fi

section "5. summary"
"$py" scripts/gpu_reference.py --summarize "$out" 2>&1 | tee "$out/table.txt"
rc=${PIPESTATUS[0]}
if [ -s "$out/studies.txt" ]; then
  printf '\n== packed studies (control exact inside a pack: one hash)\n'
  tee -a "$out/table.txt" < "$out/studies.txt"
fi
echo
echo "total $((SECONDS - t0)) s; raw JSON and logs in $out"
exit "$rc"
