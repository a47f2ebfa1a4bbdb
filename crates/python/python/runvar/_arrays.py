"""What the user passes, made what ``runvar._native`` reads: each array as the bytes of a
``.npy`` file, with the name error messages call it by.

runvar-core decodes those bytes with the reader ``runvar analyze`` reads files with, so
float16, float32 and float64 (either byte order, C or Fortran order) are converted to float32
and integer labels of any width to int64 exactly as the CLI converts a file, and an unsupported
dtype gets the CLI's message.
"""

from __future__ import annotations

import io
import operator
from typing import Any, List, Tuple

import numpy as np

Encoded = Tuple[str, bytes]


def as_numpy(x: Any, name: str) -> np.ndarray:
    """``x`` as a numpy array, without copying where numpy need not.

    A torch tensor is detached and moved to the CPU first (``np.asarray`` refuses tensors that
    require grad or live on a GPU); anything else goes through ``np.asarray``, which reads the
    array protocol (``__array__``, the buffer protocol) of numpy arrays, JAX arrays, lists...
    """
    if isinstance(x, np.ndarray):
        return x
    if all(hasattr(x, a) for a in ("detach", "cpu", "numpy")):
        t = x.detach().cpu()
        try:
            return t.numpy()
        except TypeError as e:  # bfloat16 and other dtypes numpy lacks
            raise ValueError(
                f"{name}: a tensor of dtype {t.dtype}, which numpy cannot hold ({e}); convert "
                f"it first, e.g. {name}.float()"
            ) from None
    try:
        return np.asarray(x)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{name}: cannot be read as an array of numbers ({e})") from None


def encode(x: Any, name: str) -> Encoded:
    """``(name, npy_bytes)`` of one array."""
    arr = as_numpy(x, name)
    if arr.dtype.hasobject:
        raise ValueError(
            f"{name}: an array of Python objects ({type(x).__name__}), not of numbers; pass "
            f"a numeric array (ragged lists of runs are lists of different shapes)"
        )
    buf = io.BytesIO()
    np.lib.format.write_array(buf, arr, allow_pickle=False)
    return (name, buf.getvalue())


def encode_runs(x: Any, name: str) -> List[Encoded]:
    """Runs: a list (or tuple) of arrays, each one run ``(n, C)`` or a stack, named
    ``name[i]``; or one array, one run or a stack ``(N, n, C)``, named ``name``."""
    if isinstance(x, (list, tuple)):
        return [encode(r, f"{name}[{i}]") for i, r in enumerate(x)]
    return [encode(x, name)]


def count(value: Any, name: str) -> int:
    """A whole number of at least 1 (``bootstrap``, ``permutations``)."""
    n = whole(value, name)
    if n < 1:
        raise ValueError(f"{name}={value!r}: must be at least 1")
    return n


def seed(value: Any) -> int:
    """A seed: a whole number from 0 to 2**64 - 1."""
    n = whole(value, "seed")
    if not 0 <= n < 2**64:
        raise ValueError(f"seed={value!r}: must be from 0 to 2**64 - 1")
    return n


def whole(value: Any, name: str) -> int:
    """``value`` as an int, refusing floats and bools (``bootstrap=1e4`` is a float)."""
    if isinstance(value, bool):
        raise TypeError(f"{name}={value!r}: expected a whole number")
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{name}={value!r}: expected a whole number") from None
