# Type stub of the compiled module runvar._native (crates/python/src). Private: use the
# functions of `runvar`, which convert arrays to the (name, npy bytes) pairs these take.
from typing import Any, Dict, List, Optional, Tuple

Encoded = Tuple[str, bytes]

__version__: str

def analyze(
    logits: List[Encoded],
    labels: Encoded,
    features: List[Encoded],
    name: str,
    bootstrap: int,
    seed: int,
) -> Dict[str, Any]: ...
def table(report: Optional[Any], rows: Optional[Any], title: str, task: str) -> str: ...
def disagreement(a: Encoded, b: Encoded) -> float: ...
def correlation(a: Encoded, b: Encoded) -> float: ...
def spearman(a: Encoded, b: Encoded) -> float: ...
def ensemble_gain(a: Encoded, b: Encoded, labels: Encoded) -> Tuple[float, float]: ...
def cka(x: Encoded, y: Encoded, unbiased: bool) -> float: ...
def compare(
    a: List[Encoded],
    b: List[Encoded],
    labels: Encoded,
    names: Tuple[str, str],
    permutations: int,
    bootstrap: int,
    seed: int,
    alpha: float,
) -> Dict[str, Any]: ...
def load_study(path: Any) -> Dict[str, Any]: ...
