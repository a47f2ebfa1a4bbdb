#!/usr/bin/env python3
"""The sweep that chose the default study's recipe (mnist1d-mlp: epochs, learning rate, width).

The default study must finish in under 5 minutes on a 2-core machine and show the paper's
finding: every single source gives about the all-sources disagreement, and a one-ULP bit flip
gives 90% or more of it. Longer training and larger learning rates let one bit grow further;
both cost time or accuracy. This script measures the trade-off: for each candidate recipe it
runs a runvar study (by default only `all` and `bit_flip`, which decide the ratio; `--full`
runs every default condition) and prints accuracy, both disagreements, their ratio with its
95% bootstrap interval, and the wall time. Results are deterministic for a machine and thread
count; the wall time is only meaningful on an otherwise idle machine.

Usage:
  python3 scripts/recipe_sweep.py [--runvar target/release/runvar] [--replicas 12] [--full]
      [--out runs/recipe-sweep] [RECIPE ...]
RECIPE is EPOCHS:LR[:HIDDEN], e.g. 80:0.2 or 120:0.2:64x3 (default: the grid of the README).
Studies are resumable: rerunning reuses finished runs.
"""

import argparse
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GRID = ["40:0.1", "80:0.1", "120:0.1", "60:0.2", "80:0.2", "100:0.15", "40:0.3", "60:0.3",
        "40:0.4", "120:0.2:64x3"]


def study_toml(epochs, lr, hidden, replicas, full):
    conditions = "" if full else 'conditions = ["all", "bit_flip"]\n'
    return (f"replicas = {replicas}\n{conditions}[run]\npreset = \"mnist1d-mlp\"\n"
            f"[run.train]\nepochs = {epochs}\nlr = {lr}\n[run.model]\nhidden = {hidden}\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runvar", default=os.path.join(ROOT, "target", "release", "runvar"))
    ap.add_argument("--replicas", type=int, default=12)
    ap.add_argument("--full", action="store_true", help="every default condition, not only all and bit_flip")
    ap.add_argument("--out", default=os.path.join(ROOT, "runs", "recipe-sweep"))
    ap.add_argument("recipes", nargs="*", default=GRID)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    print(f"{'recipe':>14} {'acc %':>6} {'dis all':>8} {'dis flip':>8} {'flip/all':>8} {'95% CI':>14} {'wall s':>7}")
    for recipe in args.recipes:
        parts = recipe.split(":")
        if len(parts) not in (2, 3):
            sys.exit(f"recipe_sweep: {recipe!r}: expected EPOCHS:LR[:HIDDEN], e.g. 80:0.2:128x3")
        epochs, lr = int(parts[0]), float(parts[1])
        width, depth = (parts[2] if len(parts) == 3 else "128x3").split("x")
        hidden = [int(width)] * int(depth)
        name = f"e{epochs}-lr{lr}-{width}x{depth}-r{args.replicas}{'-full' if args.full else ''}"
        spec = os.path.join(args.out, name + ".toml")
        with open(spec, "w") as f:
            f.write(study_toml(epochs, lr, hidden, args.replicas, args.full))
        start = time.monotonic()
        p = subprocess.run([args.runvar, "study", "--spec", spec, "--out", os.path.join(args.out, name),
                            "--json", "--quiet"], capture_output=True, text=True)
        wall = time.monotonic() - start
        if p.returncode != 0:
            sys.exit(f"recipe_sweep: {name}: runvar exited {p.returncode}: {p.stderr.strip()}")
        rows = {c["name"]: c for c in json.loads(p.stdout)["conditions"]}
        a, b = rows["all"], rows["bit_flip"]
        ci = b.get("disagreement_ratio_ci") or {}
        print(f"{recipe:>14} {a['mean_acc']:6.1f} {a['disagreement']:8.2f} {b['disagreement']:8.2f} "
              f"{b['disagreement_ratio_to_all']:8.2f} [{ci.get('lo', float('nan')):.2f}, "
              f"{ci.get('hi', float('nan')):.2f}] {wall:7.0f}", flush=True)
        if args.full:
            for c in rows.values():
                if c["name"] not in ("control", "all", "bit_flip"):
                    cc = c.get("disagreement_ratio_ci") or {}
                    print(f"{'':>14}   {c['name']:>12}: dis/all {c['disagreement_ratio_to_all']:.2f} "
                          f"[{cc.get('lo', float('nan')):.2f}, {cc.get('hi', float('nan')):.2f}]")


if __name__ == "__main__":
    main()
