"""runvar: how much do neural-network training runs differ, and why?

The analysis of runvar (https://example.invalid/runvar) on logits already in memory: a list of
runs' test logits from PyTorch, JAX or numpy in, the numbers of ``runvar analyze`` out, with no
file and no libtorch in between. The computations are runvar-core's, the very functions the
CLI calls, so the numbers are the CLI's on the same inputs.

- :func:`analyze`: every metric of a group of runs, as a row of ``report.json``;
- :func:`disagreement`, :func:`correlation`, :func:`spearman`, :func:`ensemble_gain`,
  :func:`cka`: one pair of runs;
- :func:`compare`: is the difference between two groups of runs real? (``runvar compare``);
- :func:`table`: rows (or a whole ``report.json``) as the CLI's table;
- :func:`load_study`: a study directory made by ``runvar study`` as plain Python data.

Units are the report's: accuracy, its SD, disagreement and ensemble accuracy gain in percent
(points); cross-entropy in nats; correlations and CKA unitless. Arrays may be anything with
the array protocol (numpy arrays, CPU torch tensors, JAX arrays, nested lists); logits and
features float16, float32 or float64 (computed in float32, as the CLI reads them), labels
integers. Bad input raises ``ValueError`` with the CLI's message, naming the argument
(``logits[3]``, ``labels``) where the CLI names the file. Computations release the GIL and
answer Ctrl-C (``KeyboardInterrupt``) within a tenth of a second; an interrupted one finishes
in a background thread and its result is dropped.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Dict, Optional, Sequence, Tuple, Union

from . import _native
from ._arrays import count, encode, encode_runs, seed as _seed
from ._study import Arrays, Study, load_study

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

__version__: str = _native.__version__


def analyze(
    logits: Any,
    labels: Any,
    features: Any = None,
    bootstrap: int = 10_000,
    seed: int = 0,
    *,
    name: str = "runs",
) -> Dict[str, Any]:
    """Every variability metric of a group of runs: one row of ``report.json``.

    The same computation as ``runvar analyze FILES --labels LABELS --json`` on the same
    arrays saved as ``.npy`` files (and as a ``runvar study`` row, before its ratios to
    ``all``).

    Args:
        logits: the runs' test logits: a list of ``(n, C)`` arrays, one per run (an element
            may also be a stack of runs), or one ``(N, n, C)`` array of N >= 2 stacked runs.
        labels: the ``n`` test labels, integers in ``0..C``.
        features: penultimate-layer features for CKA, in the same layout as ``logits``
            (``(n, d)`` per run); ``None`` leaves the CKA keys ``None``.
        bootstrap: bootstrap resamples of every error and interval (the CLI's
            ``--bootstrap``).
        seed: seed of the bootstrap's random stream (the CLI uses 0).
        name: the row's ``name`` (the CLI's ``--name``).

    Returns:
        A dict with the keys of a ``report.json`` row: ``n`` (runs), ``mean_acc``,
        ``acc_sd`` (percentage points) with its bootstrap error ``acc_sd_err``, ``ce_sd``
        (nats), the mean pairwise ``disagreement`` (percent), ``correlation`` and
        ``spearman`` of logits, ``ensemble_gain`` (points) and ``ensemble_gain_ce`` (nats),
        ``cka``, each with a ``*_ci`` interval ``{"lo": ..., "hi": ...}``, ``accuracies``
        (per run), ``test_set`` and ``class_disagreement``. Ratio keys, which compare
        conditions of a study, are ``None``. A value the JSON writes as ``null`` because it
        is undefined (the correlation of constant logits) is ``nan`` here.

    Raises:
        ValueError: bad shapes, NaN or infinite values, labels out of range or of another
            length, runs of different shapes, fewer than two runs (the CLI's messages).
        MemoryError: more runs or resamples than this machine's memory holds.
    """
    runs = encode_runs(logits, "logits")
    feats = [] if features is None else encode_runs(features, "features")
    return _native.analyze(
        runs,
        encode(labels, "labels"),
        feats,
        str(name),
        count(bootstrap, "bootstrap"),
        _seed(seed),
    )


def disagreement(a: Any, b: Any) -> float:
    """Percent of test examples on which two runs predict different classes (argmax of the
    logits; ties go to the lowest class, as ``numpy.argmax``).

    ``a`` and ``b`` are ``(n, C)`` logits of one test set. Equal to ``analyze([a, b],
    labels)["disagreement"]``, bit for bit.
    """
    return _native.disagreement(encode(a, "a"), encode(b, "b"))


def correlation(a: Any, b: Any) -> float:
    """Pearson correlation of two runs' raw logits, over all ``n * C`` values
    (``numpy.corrcoef(a.ravel(), b.ravel())[0, 1]``, accumulated in float64); ``nan`` when a
    run's logits are constant.

    Equal to ``analyze([a, b], labels)["correlation"]``, bit for bit.
    """
    return _native.correlation(encode(a, "a"), encode(b, "b"))


def spearman(a: Any, b: Any) -> float:
    """Spearman rank correlation of two runs' raw logits over all ``n * C`` values, ties
    given their average rank (``scipy.stats.spearmanr(a.ravel(), b.ravel())``); ``nan`` when
    a run's logits are constant.

    Equal to ``analyze([a, b], labels)["spearman"]``, bit for bit.
    """
    return _native.spearman(encode(a, "a"), encode(b, "b"))


def ensemble_gain(a: Any, b: Any, labels: Any) -> Dict[str, float]:
    """What the two-run ensemble (the mean of the logits, ``(a + b) / 2``) gains over the
    runs alone.

    Returns:
        ``{"ensemble_gain": ..., "ensemble_gain_ce": ...}``: the ensemble's accuracy minus the
        runs' mean accuracy, in percentage points, and the runs' mean cross-entropy minus the
        ensemble's, in nats (positive: the ensemble is better). Equal to those keys of
        ``analyze([a, b], labels)``, bit for bit.
    """
    acc, ce = _native.ensemble_gain(encode(a, "a"), encode(b, "b"), encode(labels, "labels"))
    return {"ensemble_gain": acc, "ensemble_gain_ce": ce}


def cka(x: Any, y: Any, unbiased: bool = True) -> float:
    """Linear CKA (Kornblith et al. 2019) of two runs' features over the same ``n`` examples,
    ``(n, d1)`` and ``(n, d2)``.

    ``unbiased=True`` normalizes the unbiased HSIC estimator (Song et al. 2012; needs n >= 4),
    which ``analyze`` and the report show; ``unbiased=False`` the biased one of Kornblith et
    al., inflated for small ``n``.
    """
    return _native.cka(encode(x, "x"), encode(y, "y"), bool(unbiased))


def compare(
    a: Any,
    b: Any,
    labels: Any,
    *,
    permutations: int = 10_000,
    bootstrap: int = 10_000,
    seed: int = 0,
    alpha: float = 0.05,
    names: Tuple[str, str] = ("A", "B"),
) -> Dict[str, Any]:
    """Is the difference between two groups of runs real? ``runvar compare`` on logits.

    The test accuracy and cross-entropy of the runs of ``a`` (the baseline) and ``b``: means
    and run-to-run SDs, the difference B - A with a bootstrap interval, a permutation test,
    Welch's t test, the probability that a run of B beats a run of A, Cohen's d, and a
    verdict sentence per metric. Arrays record no seeds, so the runs are never paired.

    Args:
        a, b: each a list of ``(n, C)`` logits (or stacks) or one ``(N, n, C)`` array, at
            least 2 runs each, scored on one test set.
        labels: the ``n`` test labels.
        permutations, bootstrap, seed, alpha: the CLI's ``--permutations``,
            ``--bootstrap``, ``--seed`` and ``--alpha``, with its defaults.
        names: what the verdicts call A and B.

    Returns:
        The dict ``runvar compare --a FILES --b FILES --labels FILE --json`` prints for the
        same arrays saved as ``.npy`` files (``schema_version``, ``a``, ``b``,
        ``test_examples``, ``classes``, ``pairing``, ``accuracy``, ``cross_entropy``,
        ``settings``, ``notes``), with ``nan`` where the JSON has ``null``.

    Raises:
        ValueError: as :func:`analyze`, an arm with fewer than 2 runs, or a setting out of
            range.
    """
    if not (isinstance(alpha, (int, float)) and 0.0 < alpha < 1.0):
        raise ValueError(f"alpha={alpha!r}: must be strictly between 0 and 1 (e.g. alpha=0.05)")
    name_a, name_b = (str(n) for n in names)
    return _native.compare(
        encode_runs(a, name_a),
        encode_runs(b, name_b),
        encode(labels, "labels"),
        (name_a, name_b),
        count(permutations, "permutations"),
        count(bootstrap, "bootstrap"),
        _seed(seed),
        float(alpha),
    )


# Fields of a report row that report.json writes as `null` when they are undefined (NaN);
# the table reads them as NaN again.
_FLOAT_FIELDS = (
    "mean_acc",
    "acc_sd",
    "acc_sd_err",
    "ce_sd",
    "ce_sd_err",
    "disagreement",
    "correlation",
    "spearman",
    "ensemble_gain",
    "ensemble_gain_ce",
)


def _numbers(row: Mapping) -> Dict[str, Any]:
    out = dict(row)
    for k in _FLOAT_FIELDS:
        if k in out and out[k] is None:
            out[k] = math.nan
    return out


def table(
    rows: Union[Mapping, Sequence[Mapping]],
    *,
    title: Optional[str] = None,
    task: str = "",
) -> str:
    """The CLI's terminal table of report rows.

    Args:
        rows: a row of :func:`analyze`, a list of rows (e.g. ``load_study(p).rows``), or a
            whole report as ``report.json`` holds it (``load_study(p).report``), which prints
            as ``runvar report`` prints it.
        title: the first line; by default ``runvar analyze: N runs`` for one row, as
            ``runvar analyze`` prints it, and ``runvar`` for several.
        task: a line under the title describing the task (none by default).
    """
    if isinstance(rows, Mapping) and "conditions" in rows:
        report = dict(rows)
        report["conditions"] = [_numbers(r) for r in report["conditions"]]
        if report.get("mitigations"):
            report["mitigations"] = [
                {**m, "metrics": _numbers(m["metrics"])} for m in report["mitigations"]
            ]
        return _native.table(report, None, "", "")
    if isinstance(rows, Mapping):
        rows = [rows]
    rows = [_numbers(r) for r in rows]
    if title is None:
        title = f"runvar analyze: {rows[0].get('n')} runs" if len(rows) == 1 else "runvar"
    return _native.table(None, rows, str(title), str(task))
