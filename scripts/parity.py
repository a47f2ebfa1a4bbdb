#!/usr/bin/env python3
"""Accuracy parity check: runvar vs the plain-PyTorch reference on the mnist-mlp preset.

Runs scripts/torch_reference.py --preset mnist-mlp and
`runvar train --preset mnist-mlp --data-dir D --seed-init S --seed-shuffle S --threads 2 --out DIR`
for seeds 0..N-1 (N = --seeds, default 5), reads runvar's final test accuracy from
DIR/metrics.json (its "epochs" array of per-epoch objects; the last one's "test_accuracy", a fraction),
and prints the per-seed values, both means and sample SDs, and a verdict. The means agree if

    |mean_runvar - mean_torch| <= 2 * sqrt(sd_runvar^2 / N + sd_torch^2 / N) + 0.001

(two standard errors of the difference plus 0.1 percentage point of slack).
Exit status: 0 agree, 1 disagree, 2 a missing binary / venv / data folder or a failed run.

Usage (from the repo root, after `cargo build --release` and scripts/torch-venv.sh):
  python3 scripts/parity.py [--runvar target/release/runvar] [--data-dir ../shared/data/mnist]
                            [--python .venv-torch/bin/python] [--epochs E] [--seeds N]
"""

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PRESET = "mnist-mlp"
THREADS = 2


def fail(msg, code=2):
    print(f"parity: {msg}", file=sys.stderr)
    sys.exit(code)


def run(cmd):
    p = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        sys.stderr.write(p.stdout + p.stderr)
        fail(f"command failed (exit {p.returncode}): {' '.join(cmd)}")
    return p.stdout


def torch_accuracy(args, seed):
    cmd = [args.python, os.path.join(ROOT, "scripts", "torch_reference.py"), "--preset", PRESET,
           "--data-dir", args.data_dir, "--seed", str(seed), "--threads", str(THREADS)]
    if args.epochs is not None:
        cmd += ["--epochs", str(args.epochs)]
    lines = [l for l in run(cmd).splitlines() if l.strip()]
    return float(json.loads(lines[-1])["test_accuracy"])


def runvar_accuracy(args, seed, tmp):
    out = os.path.join(tmp, str(seed))
    cmd = [args.runvar, "train", "--preset", PRESET, "--data-dir", args.data_dir,
           "--seed-init", str(seed), "--seed-shuffle", str(seed), "--threads", str(THREADS),
           "--out", out]
    if args.epochs is not None:
        cmd += ["--epochs", str(args.epochs)]
    run(cmd)
    path = os.path.join(out, "metrics.json")
    try:
        with open(path) as f:
            doc = json.load(f)
        epochs = doc["epochs"] if isinstance(doc, dict) else doc  # before schema_version 1
        acc = float(epochs[-1]["test_accuracy"])
    except (OSError, ValueError, KeyError, IndexError, TypeError) as e:
        fail(f"cannot read the last epoch's test_accuracy from {path}: {e}")
    if not 0.0 <= acc <= 1.0:
        fail(f"{path}: test_accuracy {acc} is not a fraction in [0, 1]")
    return acc


def summary(name, values):
    mean = statistics.fmean(values)
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    per_seed = " ".join(f"{v:.4f}" for v in values)
    print(f"{name:8s} mean {mean:.4f}  sd {sd:.4f}  per seed: {per_seed}")
    return mean, sd


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runvar", default=os.path.join(ROOT, "target", "release", "runvar"))
    ap.add_argument("--data-dir", default=os.path.join(ROOT, "..", "shared", "data", "mnist"))
    ap.add_argument("--python", default=os.path.join(ROOT, ".venv-torch", "bin", "python"))
    ap.add_argument("--epochs", type=int, default=None, help="override the preset's 3 epochs")
    ap.add_argument("--seeds", type=int, default=5, help="seeds 0..N-1 (default 5)")
    args = ap.parse_args()
    args.runvar = os.path.abspath(args.runvar)
    args.python = os.path.abspath(args.python)
    args.data_dir = os.path.abspath(args.data_dir)

    if args.seeds < 2:
        fail("--seeds must be at least 2 (the test needs a standard deviation)")
    if not (os.path.isfile(args.runvar) and os.access(args.runvar, os.X_OK)):
        fail(f"runvar binary not found: {args.runvar} (build it with `cargo build --release` or pass --runvar)")
    if not (os.path.isfile(args.python) and os.access(args.python, os.X_OK)):
        fail(f"PyTorch venv python not found: {args.python} (create it with scripts/torch-venv.sh or pass --python)")
    if not os.path.isdir(args.data_dir):
        fail(f"MNIST data folder not found: {args.data_dir} (pass --data-dir)")

    seeds = list(range(args.seeds))
    torch_accs, runvar_accs = [], []
    with tempfile.TemporaryDirectory(prefix="runvar-parity-") as tmp:
        for s in seeds:
            torch_accs.append(torch_accuracy(args, s))
            print(f"seed {s}: pytorch {torch_accs[-1]:.4f}", flush=True)
        for s in seeds:
            runvar_accs.append(runvar_accuracy(args, s, tmp))
            print(f"seed {s}: runvar  {runvar_accs[-1]:.4f}", flush=True)

    n = len(seeds)
    epochs = "preset default (3)" if args.epochs is None else args.epochs
    print(f"\n{PRESET}, epochs {epochs}, seeds 0..{n - 1}, threads {THREADS}, final test accuracy (fraction)")
    mean_r, sd_r = summary("runvar", runvar_accs)
    mean_t, sd_t = summary("pytorch", torch_accs)
    diff = abs(mean_r - mean_t)
    bound = 2 * math.sqrt(sd_r ** 2 / n + sd_t ** 2 / n) + 0.001
    print(f"test: |mean_runvar - mean_pytorch| <= 2*sqrt(sd_runvar^2/{n} + sd_pytorch^2/{n}) + 0.001 "
          f"(sample SDs)")
    verdict = "AGREE" if diff <= bound else "DISAGREE"
    print(f"verdict: {verdict}: |{mean_r:.4f} - {mean_t:.4f}| = {diff:.4f} "
          f"{'<=' if diff <= bound else '>'} {bound:.4f}")
    sys.exit(0 if diff <= bound else 1)


if __name__ == "__main__":
    main()
