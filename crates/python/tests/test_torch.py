"""PyTorch tensors in (CPU tensors, tensors that require grad, float16 and float64), the
numbers of the same values as numpy arrays out; and the README's PyTorch example runs.

torch is not a dependency of the package or of these tests: they run in a subprocess with the
PyTorch venv (RUNVAR_TORCH_VENV, by default .venv-torch, which scripts/torch-venv.sh makes),
importing the package installed here, and are skipped, saying so, when there is none.
"""

import os
import re
import subprocess
from pathlib import Path

import pytest

import runvar
from conftest import REPO

CHECK = r"""
import numpy as np
import torch
import runvar

torch.manual_seed(0)
runs = [torch.randn(60, 4) for _ in range(3)]
labels = torch.randint(0, 4, (60,))
as_np = [r.numpy() for r in runs]
base = runvar.analyze(as_np, labels.numpy(), bootstrap=100)
assert runvar.analyze(runs, labels, bootstrap=100) == base
assert runvar.analyze(torch.stack(runs), labels, bootstrap=100) == base
grad = [r.clone().requires_grad_(True) * 1.0 for r in runs]  # model outputs, in a graph
assert runvar.analyze(grad, labels, bootstrap=100) == base
for dtype in (torch.float16, torch.float64):
    t = [r.to(dtype) for r in runs]
    assert runvar.analyze(t, labels, bootstrap=100) == runvar.analyze(
        [x.numpy() for x in t], labels.numpy(), bootstrap=100
    ), dtype
assert runvar.disagreement(runs[0], runs[1]) == runvar.disagreement(as_np[0], as_np[1])
assert runvar.cka(runs[0], runs[1]) == runvar.cka(as_np[0], as_np[1])
try:
    runvar.analyze([r.to(torch.bfloat16) for r in runs], labels)
    raise AssertionError("bfloat16 accepted")
except ValueError as e:
    assert "logits[0]: a tensor of dtype torch.bfloat16" in str(e) and ".float()" in str(e), e
print("ok")
"""


def torch_python():
    venv = Path(os.environ.get("RUNVAR_TORCH_VENV", REPO / ".venv-torch"))
    py = venv / "bin" / "python"
    if not py.is_file():
        pytest.skip(
            f"no PyTorch venv at {venv}: make one with scripts/torch-venv.sh (or set "
            f"RUNVAR_TORCH_VENV) to test torch tensors and the README's example"
        )
    return py


def run_with_torch(code: str, tmp_path: Path) -> str:
    """Run `code` with the PyTorch venv's python, importing the package installed here (only
    it: a link to its folder is the whole PYTHONPATH)."""
    py = torch_python()
    (tmp_path / "runvar").symlink_to(Path(runvar.__file__).parent)
    p = subprocess.run(
        [str(py), "-c", code],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
    )
    assert p.returncode == 0, p.stderr
    return p.stdout


def test_torch_tensors_give_the_numbers_of_their_arrays(tmp_path):
    assert run_with_torch(CHECK, tmp_path).strip() == "ok"


def readme_example() -> str:
    """The Python block of the README's "From Python" section that imports torch."""
    text = (REPO / "README.md").read_text()
    section = text.split("## From Python", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    (block,) = [b for b in blocks if "import torch" in b]
    return block


def test_the_readme_example_runs(tmp_path):
    out = run_with_torch(readme_example(), tmp_path)
    assert out.startswith("runvar analyze: 8 runs\n"), out
    assert "\nruns       8 " in out, out
