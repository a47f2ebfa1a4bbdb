"""What the package accepts: any array-like, float16/32/64 in any byte and memory order,
integer labels of any width, lists or stacks of runs; each converted as the CLI converts the
same array saved as a .npy file."""

import array
import json

import numpy as np
import pytest

import runvar
from conftest import equal, same

RNG = np.random.default_rng(7)
RUNS = RNG.standard_normal((4, 30, 5)).astype(np.float32)
LABELS = RNG.integers(0, 5, 30)


def row(logits, labels=LABELS, **kw):
    return runvar.analyze(logits, labels, bootstrap=50, **kw)


@pytest.mark.parametrize("dtype", ["<f2", ">f2", "<f8", ">f8", ">f4"])
def test_float_dtypes_are_read_as_the_cli_reads_their_files(cli, tmp_path, dtype):
    x = (RUNS * 3).astype(dtype)
    got = row(x)
    # float16 widens exactly and float64 rounds to nearest, as numpy's astype does.
    equal(got, row(x.astype(np.float32)), dtype)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", LABELS)
    out = cli(
        "analyze", tmp_path / "x.npy", "--labels", tmp_path / "y.npy", "--bootstrap", 50, "--json"
    )
    expected = json.loads(out)
    expected.pop("schema_version")
    same(got, expected)


def test_layouts_and_array_likes_give_the_same_row():
    base = row(RUNS)
    equal(row(list(RUNS)), base, "list")
    equal(row(tuple(RUNS)), base, "tuple")
    equal(row([RUNS[:2], RUNS[2:]]), base, "list of stacks")
    equal(row([RUNS[0], RUNS[1:]]), base, "a run and a stack")
    equal(row(np.asfortranarray(RUNS)), base, "Fortran order")
    equal(row(RUNS[:, :, ::-1][:, :, ::-1]), base, "a strided view")
    equal(row(RUNS.tolist()), base, "nested lists (float64, rounded back)")
    equal(row([memoryview(r) for r in RUNS]), base, "buffer protocol")

    class Duck:  # what JAX arrays and others expose: __array__
        def __init__(self, a):
            self.a = a

        def __array__(self, dtype=None, copy=None):
            return self.a

    equal(row([Duck(r) for r in RUNS], Duck(LABELS)), base, "__array__")
    for dtype in (np.int8, np.uint8, np.int16, np.int32, np.uint32, np.uint64):
        equal(row(RUNS, LABELS.astype(dtype)), base, f"labels {dtype}")
    equal(row(RUNS, LABELS.astype(">i4")), base, "big-endian labels")
    equal(row(RUNS, LABELS.tolist()), base, "labels as a list")
    equal(row(RUNS, array.array("q", LABELS.tolist())), base, "labels as array.array")


def test_the_name_names_the_row():
    assert row(RUNS, name="init")["name"] == "init"
    assert row(RUNS)["name"] == "runs" and row(RUNS)["sources"] == []


def test_jax_arrays_if_jax_is_installed():
    jnp = pytest.importorskip("jax.numpy", reason="jax is not installed in this venv")
    equal(row(jnp.asarray(RUNS), jnp.asarray(LABELS)), row(RUNS), "jax")
