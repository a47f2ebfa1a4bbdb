# Type stub of the package `runvar` (docstrings in __init__.py and _study.py).
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np

__version__: str

__all__ = [
    "analyze",
    "disagreement",
    "correlation",
    "spearman",
    "ensemble_gain",
    "cka",
    "compare",
    "table",
    "load_study",
    "Study",
    "Arrays",
]

# Anything with the array protocol: numpy arrays, CPU torch tensors, JAX arrays, lists.
ArrayLike = Any
# A list of (n, C) runs (or stacks), or one (N, n, C) stack.
Runs = Union[Sequence[ArrayLike], ArrayLike]

def analyze(
    logits: Runs,
    labels: ArrayLike,
    features: Optional[Runs] = ...,
    bootstrap: int = ...,
    seed: int = ...,
    *,
    name: str = ...,
) -> Dict[str, Any]: ...
def disagreement(a: ArrayLike, b: ArrayLike) -> float: ...
def correlation(a: ArrayLike, b: ArrayLike) -> float: ...
def spearman(a: ArrayLike, b: ArrayLike) -> float: ...
def ensemble_gain(a: ArrayLike, b: ArrayLike, labels: ArrayLike) -> Dict[str, float]: ...
def cka(x: ArrayLike, y: ArrayLike, unbiased: bool = ...) -> float: ...
def compare(
    a: Runs,
    b: Runs,
    labels: ArrayLike,
    *,
    permutations: int = ...,
    bootstrap: int = ...,
    seed: int = ...,
    alpha: float = ...,
    names: Tuple[str, str] = ...,
) -> Dict[str, Any]: ...
def table(
    rows: Union[Mapping[str, Any], Sequence[Mapping[str, Any]]],
    *,
    title: Optional[str] = ...,
    task: str = ...,
) -> str: ...

class Arrays(Mapping[str, np.ndarray]):
    def __getitem__(self, condition: str) -> np.ndarray: ...
    def __iter__(self) -> Iterator[str]: ...
    def __len__(self) -> int: ...

class Study:
    path: Path
    conditions: List[str]
    replicas: int
    bootstrap: int
    runs: List[Dict[str, Any]]
    rejected: List[Tuple[str, str]]
    unfinished: int
    report: Optional[Dict[str, Any]]
    rows: List[Dict[str, Any]]
    logits: Arrays
    features: Arrays
    def runs_of(self, condition: str) -> List[Dict[str, Any]]: ...
    @property
    def labels(self) -> np.ndarray: ...

def load_study(path: Union[str, os.PathLike[str]]) -> Study: ...
