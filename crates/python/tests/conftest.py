"""Shared fixtures of the Python package's tests: the CLI binary, a small study it trains once
per session, and its `all` condition's arrays saved as .npy files for `runvar analyze` and
`runvar compare`.

`scripts/python-test.sh` (run by `make test`) builds the binary and sets RUNVAR_BIN.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[3]


def _bin() -> Path:
    path = Path(os.environ.get("RUNVAR_BIN", REPO / "target" / "release" / "runvar"))
    if not path.is_file():
        pytest.fail(
            f"{path}: no runvar binary; build it with `cargo build --release --bin runvar` "
            f"(scripts/python-test.sh does)"
        )
    return path


@pytest.fixture(scope="session")
def cli():
    """Run the CLI: `cli(args...)` returns stdout, raising on a non-zero exit;
    `cli(args..., fail=True)` returns the error message (stderr without `runvar: `), asserting
    exit 2. `cwd`: the directory to run in."""
    binary = _bin()

    def run(*args, fail=False, cwd=None):
        p = subprocess.run(
            [str(binary), *map(str, args)],
            capture_output=True,
            text=True,
            timeout=600,
            cwd=cwd,
        )
        if fail:
            assert p.returncode == 2, (p.returncode, p.stdout, p.stderr)
            err = p.stderr.strip()
            assert err.startswith("runvar: "), err
            return err[len("runvar: ") :]
        assert p.returncode == 0, (p.returncode, p.stderr)
        return p.stdout

    return run


@pytest.fixture(scope="session")
def study(cli, tmp_path_factory) -> Path:
    """A study of digits-mlp: 4 replicas of control, init and all, 2 epochs (seconds)."""
    out = tmp_path_factory.mktemp("study") / "digits"
    cli(
        "study",
        "--preset",
        "digits-mlp",
        "--replicas",
        4,
        "--epochs",
        2,
        "--conditions",
        "control,init,all",
        "--workers",
        1,
        "--out",
        out,
        "--quiet",
    )
    return out


@pytest.fixture(scope="session")
def files(study, tmp_path_factory):
    """The study's `all` and `init` runs as array files: per-run logits .npy, one stack, the
    features stack and the labels."""
    d = tmp_path_factory.mktemp("files")
    out = {"dir": d}
    for cond in ("all", "init"):
        runs = sorted((study / "runs" / cond).iterdir())
        logits = [np.load(r / "logits.npy") for r in runs]
        paths = []
        for i, l in enumerate(logits):
            p = d / f"{cond}_{i}.npy"
            np.save(p, l)
            paths.append(p)
        np.save(d / f"{cond}_stack.npy", np.stack(logits))
        np.save(d / f"{cond}_features.npy", np.stack([np.load(r / "features.npy") for r in runs]))
        out[cond] = {"paths": paths, "logits": logits, "runs": runs}
    out["labels"] = np.load(study / "runs" / "all" / "0000" / "labels.npy")
    np.save(d / "labels.npy", out["labels"])
    return out


def same(py: dict, cli_json: dict, skip=()):
    """Assert every key of the CLI's JSON equals the package's dict, numbers exactly; JSON
    `null` stands for the package's NaN where the value is undefined."""
    for k, v in cli_json.items():
        if k in skip:
            continue
        assert k in py, k
        equal(py[k], v, k)


def equal(p, c, where):
    if isinstance(c, dict):
        assert isinstance(p, dict), where
        assert set(p) == set(c), (where, set(p) ^ set(c))
        for k in c:
            equal(p[k], c[k], f"{where}.{k}")
    elif isinstance(c, list):
        assert len(p) == len(c), where
        for i, (x, y) in enumerate(zip(p, c)):
            equal(x, y, f"{where}[{i}]")
    elif c is None and isinstance(p, float):
        assert np.isnan(p), (where, p)
    else:
        assert p == c, (where, p, c)
        assert type(p) is type(c) or {type(p), type(c)} <= {int, float}, (where, p, c)


def load_json(text: str) -> dict:
    return json.loads(text)
