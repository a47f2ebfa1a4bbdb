#!/usr/bin/env python3
"""Speed benchmark: runvar vs the plain-PyTorch reference (what `make bench` runs).

For each workload it times the WHOLE command, process start to exit (interpreter / library
start-up, data loading, training, per-epoch evaluation, writing results), of

  runvar train --preset P --data-dir D --threads 2 --out <fresh tmp dir> [limits]
  <python> scripts/torch_reference.py --preset P --data-dir D --threads 2 [limits]

interleaved (runvar, pytorch, runvar, pytorch, ...), --repeats times each (default 3), and prints
the per-run wall times, the medians, and at the end one line per workload:

  ratio runvar/pytorch <workload> <runvar median / pytorch median, 3 decimals>

Workloads
  mnist-mlp               mnist-mlp preset, full data, 3 epochs           (data: <root>/mnist)
  fashion-resnet14-short  fashion-resnet14 --epochs 1 --train-limit 5120 --test-limit 2000
                                                                          (data: <root>/fashion-mnist)

Usage (from the repo root, after `cargo build --release` and scripts/torch-venv.sh):
  python3 scripts/bench.py [--runvar target/release/runvar] [--data-root ../shared/data]
                           [--python .venv-torch/bin/python] [--repeats 3]
                           [--workloads mnist-mlp,fashion-resnet14-short]
Exit status: 0 ok; 2 a missing binary / venv python / data folder; 1 a run failed.
"""

import argparse
import json
import os
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
    "mnist-mlp": dict(preset="mnist-mlp", data="mnist", extra=[]),
    "fashion-resnet14-short": dict(
        preset="fashion-resnet14", data="fashion-mnist",
        extra=["--epochs", "1", "--train-limit", "5120", "--test-limit", "2000"],
    ),
}


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


def runvar_once(args, wl, data_dir, tmp_root):
    out = os.path.join(tempfile.mkdtemp(prefix="run-", dir=tmp_root), "out")  # fresh, not yet created
    cmd = [args.runvar, "train", "--preset", wl["preset"], "--data-dir", data_dir,
           "--threads", str(THREADS), "--out", out] + wl["extra"]
    wall, _ = timed(cmd)
    acc = None
    try:
        with open(os.path.join(out, "metrics.json")) as f:
            acc = float(json.load(f)[-1]["test_accuracy"])
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        pass
    return wall, acc


def torch_once(args, wl, data_dir):
    cmd = [args.python, os.path.join(ROOT, "scripts", "torch_reference.py"),
           "--preset", wl["preset"], "--data-dir", data_dir, "--threads", str(THREADS)] + wl["extra"]
    wall, stdout = timed(cmd)
    acc = None
    try:
        acc = float(json.loads(stdout.strip().splitlines()[-1])["test_accuracy"])
    except (ValueError, KeyError, IndexError):
        pass
    return wall, acc


def fmt_acc(acc):
    return "n/a" if acc is None else f"{acc:.4f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runvar", default=os.path.join(ROOT, "target", "release", "runvar"))
    ap.add_argument("--data-root", default=os.path.join(ROOT, "..", "shared", "data"),
                    help="folder with mnist/ and fashion-mnist/ (default ../shared/data from the repo root)")
    ap.add_argument("--python", default=os.path.join(ROOT, ".venv-torch", "bin", "python"),
                    help="python of the PyTorch venv (default .venv-torch/bin/python)")
    ap.add_argument("--repeats", type=int, default=3, help="timed runs of each command (default 3)")
    ap.add_argument("--workloads", default=",".join(WORKLOADS),
                    help=f"comma-separated subset of: {', '.join(WORKLOADS)}")
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

    print(f"bench: threads {THREADS}, {args.repeats} interleaved runs each, whole-command wall time")
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
            wl = WORKLOADS[name]
            data_dir = os.path.join(data_root, wl["data"])
            r_times, t_times = [], []
            for i in range(args.repeats):
                wall, acc = runvar_once(args, wl, data_dir, tmp_root)
                r_times.append(wall)
                print(f"{name} run {i + 1}/{args.repeats}: runvar  {wall:8.3f} s  test_accuracy {fmt_acc(acc)}",
                      flush=True)
                wall, acc = torch_once(args, wl, data_dir)
                t_times.append(wall)
                print(f"{name} run {i + 1}/{args.repeats}: pytorch {wall:8.3f} s  test_accuracy {fmt_acc(acc)}",
                      flush=True)
            r_med, t_med = statistics.median(r_times), statistics.median(t_times)
            print(f"{name}: median runvar {r_med:.3f} s, median pytorch {t_med:.3f} s", flush=True)
            ratios.append((name, r_med / t_med))
    for name, ratio in ratios:
        print(f"ratio runvar/pytorch {name} {ratio:.3f}")


if __name__ == "__main__":
    main()
