#!/usr/bin/env python3
"""Speed benchmark: runvar vs a PyTorch reference doing the same work (what `make bench` runs).

For each workload it times the WHOLE command, process start to exit (interpreter / library
start-up, data loading, training, per-epoch test evaluation, writing results), of runvar and of
the PyTorch variants, interleaved (runvar, pytorch-loop, pytorch-stack, runvar, ...), --repeats
times each (default 3). It prints every run's wall time and test accuracy (mean over the
replicas), then per workload the median wall times, replicas per hour (replicas * 3600 / median)
and which PyTorch variant is the faster, and at the end one line per workload:

  ratio runvar/pytorch <workload> <runvar median / median of the FASTER PyTorch variant, 3 decimals>

(below 1: runvar is faster). The commands, for a study workload of R replicas:

  runvar        runvar study --preset P --replicas R --conditions all --data-dir D --threads 1
                  --workers 2 --out <fresh tmp dir> --quiet --json [limits]
                  (runvar's own way to use the 2 cores: 2 single-thread runs at once; replica i
                  uses seed i for every source; its wall time also covers the study's analysis
                  and report, which the PyTorch side does not do)
  pytorch-loop  <python> scripts/torch_reference.py --preset P --replicas R --data-dir D
                  --threads 2 --out <fresh tmp dir> [limits]
                  (one process, data loaded once, a loop over seeds 0..R-1; each replica trains
                  with per-epoch test evaluation and saves its test logits and features)
  pytorch-stack the same with --stack: the R replicas trained at once as one stacked model, each
                  with its own init, data order and augmentation (torch.func stack_module_state +
                  vmap for the MLP; grouped convolutions for the ResNet, in packs of 4 to bound
                  memory; see scripts/torch_reference.py)

and for a single-run workload `runvar train --preset P --data-dir D --threads 2 --out <tmp>` vs
`<python> scripts/torch_reference.py --preset P --data-dir D --threads 2` (variant "pytorch").
Same model, recipe, data shapes and limits, epochs and replica count on both sides; the outputs
are deleted after each run.

Workloads (default: the two studies)
  study16-mnist-mlp         mnist-mlp, 16 replicas, full data, --epochs 3     (data: <root>/mnist)
  study16-fashion-resnet14  fashion-resnet14, 16 replicas,
                            --epochs 2 --train-limit 2048 --test-limit 1000   (data: <root>/fashion-mnist)
  mnist-mlp                 one run: mnist-mlp preset, full data, 3 epochs
  fashion-resnet14-short    one run: fashion-resnet14 --epochs 1 --train-limit 5120 --test-limit 2000
On a 2-core CPU one runvar study takes roughly 40 s (mlp) and 1.5-2 min (resnet14); the default
run (2 studies x 3 variants x 3 repeats) takes about 20-25 minutes.

Usage (from the repo root, after `cargo build --release` and scripts/torch-venv.sh):
  python3 scripts/bench.py [--runvar target/release/runvar] [--data-root ../shared/data]
                           [--python .venv-torch/bin/python] [--repeats 3]
                           [--workloads study16-mnist-mlp,study16-fashion-resnet14]
  (--tiny, for testing the script: 3 replicas, 1 epoch, 512 training / 500 test examples)
Exit status: 0 ok; 2 a missing binary / venv python / data folder; 1 a run failed.
"""

import argparse
import glob
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
THREADS = 2
IDX_FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
             "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
WORKLOADS = {
    "study16-mnist-mlp": dict(
        kind="study", preset="mnist-mlp", data="mnist", replicas=16, stack=True,
        extra=["--epochs", "3"],
    ),
    "study16-fashion-resnet14": dict(
        kind="study", preset="fashion-resnet14", data="fashion-mnist", replicas=16, stack=True,
        extra=["--epochs", "2", "--train-limit", "2048", "--test-limit", "1000"],
    ),
    "mnist-mlp": dict(kind="train", preset="mnist-mlp", data="mnist", replicas=1, extra=[]),
    "fashion-resnet14-short": dict(
        kind="train", preset="fashion-resnet14", data="fashion-mnist", replicas=1,
        extra=["--epochs", "1", "--train-limit", "5120", "--test-limit", "2000"],
    ),
}
DEFAULT_WORKLOADS = ("study16-mnist-mlp", "study16-fashion-resnet14")
TINY = dict(replicas=3, extra=["--epochs", "1", "--train-limit", "512", "--test-limit", "500"])


def fail(msg, code=2):
    print(f"bench: {msg}", file=sys.stderr)
    sys.exit(code)


def timed(cmd):
    """Run cmd; return (wall seconds from spawn to exit, stdout). Exit 1 on failure."""
    start = time.perf_counter()
    p = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    if p.returncode != 0:
        sys.stderr.write(p.stdout[-4000:] + p.stderr[-4000:])
        fail(f"command failed (exit {p.returncode}): {' '.join(cmd)}", code=1)
    return wall, p.stdout


def last_accuracy(metrics_path):
    try:
        with open(metrics_path) as f:
            doc = json.load(f)
        epochs = doc["epochs"] if isinstance(doc, dict) else doc  # before schema_version 1
        return float(epochs[-1]["test_accuracy"])
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return None


def mean_or_none(values):
    values = [v for v in values if v is not None]
    return (statistics.fmean(values), len(values)) if values else (None, 0)


def runvar_once(args, wl, data_dir, out):
    """(wall, mean test accuracy over the replicas or None, replicas with an accuracy)."""
    if wl["kind"] == "study":
        cmd = [args.runvar, "study", "--preset", wl["preset"], "--replicas", str(wl["replicas"]),
               "--conditions", "all", "--data-dir", data_dir, "--threads", "1",
               "--workers", str(THREADS), "--out", out, "--quiet", "--json"] + wl["extra"]
        wall, _ = timed(cmd)
        runs = sorted(glob.glob(os.path.join(out, "runs", "all", "*", "metrics.json")))
        acc, k = mean_or_none([last_accuracy(p) for p in runs])
    else:
        cmd = [args.runvar, "train", "--preset", wl["preset"], "--data-dir", data_dir,
               "--threads", str(THREADS), "--out", out] + wl["extra"]
        wall, _ = timed(cmd)
        acc = last_accuracy(os.path.join(out, "metrics.json"))
        k = 0 if acc is None else 1
    return wall, acc, k


def torch_once(args, wl, data_dir, out, stack):
    cmd = [args.python, os.path.join(ROOT, "scripts", "torch_reference.py"),
           "--preset", wl["preset"], "--data-dir", data_dir, "--threads", str(THREADS)]
    if wl["kind"] == "study":
        cmd += ["--replicas", str(wl["replicas"]), "--out", out] + (["--stack"] if stack else [])
    wall, stdout = timed(cmd + wl["extra"])
    try:
        result = json.loads(stdout.strip().splitlines()[-1])
        acc = float(result["test_accuracy"])
        k = len(result.get("test_accuracies", [acc]))
    except (ValueError, KeyError, IndexError, TypeError):
        acc, k = None, 0
    if wl["kind"] == "study":
        saved = len(glob.glob(os.path.join(out, "*", "logits.npy")))
        if saved != wl["replicas"]:
            fail(f"torch_reference.py saved {saved} logits.npy files in {out}, "
                 f"expected {wl['replicas']}", code=1)
    return wall, acc, k


def variants(wl):
    if wl["kind"] == "study":
        return ["runvar", "pytorch-loop"] + (["pytorch-stack"] if wl.get("stack") else [])
    return ["runvar", "pytorch"]


def fmt_acc(acc, k, wl):
    if acc is None:
        return "test_accuracy n/a"
    return f"test_accuracy {acc:.4f}" + (f" (mean of {k} replicas)" if wl["kind"] == "study" else "")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runvar", default=os.path.join(ROOT, "target", "release", "runvar"))
    ap.add_argument("--data-root", default=os.path.join(ROOT, "..", "shared", "data"),
                    help="folder with mnist/ and fashion-mnist/ (default ../shared/data from the repo root)")
    ap.add_argument("--python", default=os.path.join(ROOT, ".venv-torch", "bin", "python"),
                    help="python of the PyTorch venv (default .venv-torch/bin/python)")
    ap.add_argument("--repeats", type=int, default=3, help="timed runs of each command (default 3)")
    ap.add_argument("--workloads", default=",".join(DEFAULT_WORKLOADS),
                    help=f"comma-separated subset of: {', '.join(WORKLOADS)} "
                         f"(default {','.join(DEFAULT_WORKLOADS)})")
    ap.add_argument("--tiny", action="store_true", help=argparse.SUPPRESS)  # test the script itself
    args = ap.parse_args()
    args.runvar = os.path.abspath(args.runvar)
    args.python = os.path.abspath(args.python)
    data_root = os.path.abspath(args.data_root)

    names = [w.strip() for w in args.workloads.split(",") if w.strip()]
    unknown = [w for w in names if w not in WORKLOADS]
    if unknown or not names:
        fail(f"unknown workload(s) {', '.join(unknown) or '(none given)'}; choose from {', '.join(WORKLOADS)}")
    if args.repeats < 1:
        fail("--repeats must be at least 1")
    if not (os.path.isfile(args.runvar) and os.access(args.runvar, os.X_OK)):
        fail(f"runvar binary not found: {args.runvar} (build it with `cargo build --release` or pass --runvar)")
    if not (os.path.isfile(args.python) and os.access(args.python, os.X_OK)):
        fail(f"PyTorch venv python not found: {args.python} (create it with scripts/torch-venv.sh or pass --python)")
    for name in names:
        d = os.path.join(data_root, WORKLOADS[name]["data"])
        missing = [f for f in IDX_FILES if not os.path.isfile(os.path.join(d, f))]
        if missing:
            what = "folder" if not os.path.isdir(d) else f"files {', '.join(missing)} in folder"
            fail(f"data {what} not found: {d} (needed by workload {name}; pass --data-root)")

    print(f"bench: {THREADS} cores per command (runvar study: --threads 1 --workers {THREADS}; "
          f"runvar train and PyTorch: {THREADS} threads), {args.repeats} interleaved runs each, "
          f"whole-command wall time" + (" [--tiny: 3 replicas, 1 epoch, 512/500 examples]" if args.tiny else ""))
    load1 = os.getloadavg()[0]
    if load1 > 0.5:
        print(f"bench: WARNING: 1-minute load average is {load1:.2f} before starting; other processes "
              f"competing for the cores make 2-thread libtorch runs many times slower (OpenMP "
              f"oversubscription), so these timings may be unreliable", file=sys.stderr)
    print(f"bench: runvar  = {args.runvar}")
    print(f"bench: pytorch = {args.python} scripts/torch_reference.py", flush=True)
    ratios = []
    with tempfile.TemporaryDirectory(prefix="runvar-bench-") as tmp_root:
        for name in names:
            wl = dict(WORKLOADS[name])
            if args.tiny:
                wl["extra"] = TINY["extra"]
                if wl["kind"] == "study":
                    wl["replicas"] = TINY["replicas"]
            data_dir = os.path.join(data_root, wl["data"])
            vs = variants(wl)
            print(f"{name}: preset {wl['preset']}, {wl['replicas']} replica(s), "
                  f"{' '.join(wl['extra']) or 'preset defaults'}; variants {', '.join(vs)}", flush=True)
            times = {v: [] for v in vs}
            for i in range(args.repeats):
                for v in vs:
                    run_dir = tempfile.mkdtemp(prefix="run-", dir=tmp_root)
                    out = os.path.join(run_dir, "out")  # fresh, not yet created
                    if v == "runvar":
                        wall, acc, k = runvar_once(args, wl, data_dir, out)
                    else:
                        wall, acc, k = torch_once(args, wl, data_dir, out, stack=(v == "pytorch-stack"))
                    shutil.rmtree(run_dir, ignore_errors=True)
                    times[v].append(wall)
                    print(f"{name} run {i + 1}/{args.repeats}: {v:13s} {wall:8.3f} s  {fmt_acc(acc, k, wl)}",
                          flush=True)
            med = {v: statistics.median(ts) for v, ts in times.items()}
            for v in vs:
                print(f"{name}: median {v:13s} {med[v]:8.3f} s  "
                      f"{wl['replicas'] * 3600 / med[v]:9.1f} replicas/hour", flush=True)
            denom = min((v for v in vs if v != "runvar"), key=lambda v: med[v])
            if len(vs) > 2:
                print(f"{name}: ratio denominator = {denom} (the faster PyTorch variant)", flush=True)
            ratios.append((name, med["runvar"] / med[denom]))
    for name, ratio in ratios:
        print(f"ratio runvar/pytorch {name} {ratio:.3f}")


if __name__ == "__main__":
    main()
