"""A study directory made by ``runvar study``, as plain Python data: :func:`load_study`."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple, Union

import numpy as np

from . import _native

# The type of each column of runs.csv (runvar_core::study::RUNS_CSV_HEADER); a column not
# listed (added by a newer runvar) stays a string. An empty cell is None.
_INT = {
    "replica",
    "seed_init",
    "seed_shuffle",
    "seed_augment",
    "seed_dropout",
    "seed_low_level",
    "seed_data",
    "bit_flip_seed",
    "bit_flip_index",
    "pack_size",
    "pack_index",
    "threads",
}
_FLOAT = {"test_accuracy", "test_cross_entropy", "wall_seconds"}
_BOOL = {"low_level"}


def _cell(column: str, text: str) -> Any:
    if text == "":
        return None
    if column in _INT:
        return int(text)
    if column in _FLOAT:
        return float(text)  # written in Rust's shortest round-trip form: exact
    if column in _BOOL:
        return text == "true"
    return text


class Arrays(Mapping):
    """Condition name to the stacked ``(N, n, k)`` array of one file of each of its counted
    runs, in replica order, read with ``numpy.load`` when first asked for and kept."""

    def __init__(self, study: "Study", file: str):
        self._study = study
        self._file = file
        self._cache: Dict[str, np.ndarray] = {}

    def __getitem__(self, condition: str) -> np.ndarray:
        if condition not in self._cache:
            runs = self._study.runs_of(condition)
            if not runs:
                raise KeyError(
                    f"{condition!r}: no counted runs of that condition in {self._study.path} "
                    f"(conditions with runs: {', '.join(self) or 'none'})"
                )
            self._cache[condition] = np.stack([np.load(Path(r["path"]) / self._file) for r in runs])
        return self._cache[condition]

    def __iter__(self) -> Iterator[str]:
        return (c for c in self._study.conditions if self._study.runs_of(c))

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __repr__(self) -> str:
        return f"<runvar {self._file} of {self._study.path}: {', '.join(self)}>"


class Study:
    """A study directory as plain data (see :func:`load_study`).

    Attributes:
        path: the directory.
        conditions: the condition names, in study order.
        replicas: planned runs per condition.
        bootstrap: the study's bootstrap resamples (pass them to ``runvar.analyze`` to
            reproduce its rows).
        runs: one dict per counted run, in condition and replica order: the columns of
            ``runs.csv`` (``condition``, ``replica``, ``seed_init`` ... ``seed_data``,
            ``low_level``, the bit flip's ``bit_flip_seed``, ``bit_flip_param`` and
            ``bit_flip_index``, ``test_accuracy`` (a fraction), ``test_cross_entropy``
            (nats), ``param_hash``, ``wall_seconds``, ``pack_size``, ``pack_index``,
            ``threads``, ``dir`` relative to the study) typed, ``None`` for an empty cell,
            plus ``path``, the run directory. ``pandas.DataFrame(study.runs)`` is a table.
        rejected: ``(run directory, reason)`` of finished runs that do not count (a file that
            changed after the run, a run of another study).
        unfinished: planned runs not trained yet.
        report: ``report.json`` as parsed JSON, or ``None`` before ``runvar report`` wrote one.
        rows: the report's rows (``report["conditions"]``), or ``[]``.
        logits: condition to its runs' stacked test logits ``(N, n, C)``, float32, each read
            when first used.
        features: the same for the penultimate features ``(N, n, d)``, where the model has
            them.
    """

    def __init__(self, path: Path, native: Dict[str, Any]):
        self.path: Path = path
        self.conditions: List[str] = list(native["conditions"])
        self.replicas: int = native["replicas"]
        self.bootstrap: int = native["bootstrap"]
        self.rejected: List[Tuple[str, str]] = [tuple(r) for r in native["rejected"]]
        self.unfinished: int = native["unfinished"]
        reader = csv.DictReader(io.StringIO(native["runs_csv"]))
        self.runs: List[Dict[str, Any]] = []
        for line in reader:
            run = {k: _cell(k, v) for k, v in line.items()}
            run["path"] = str(path / run["dir"])
            self.runs.append(run)
        report_path = path / "report.json"
        self.report: Optional[Dict[str, Any]] = (
            json.loads(report_path.read_text()) if report_path.is_file() else None
        )
        self.rows: List[Dict[str, Any]] = list(self.report["conditions"]) if self.report else []
        self.logits: Arrays = Arrays(self, "logits.npy")
        self.features: Arrays = Arrays(self, "features.npy")
        self._labels: Optional[np.ndarray] = None

    def runs_of(self, condition: str) -> List[Dict[str, Any]]:
        """The counted runs of ``condition``, in replica order."""
        return [r for r in self.runs if r["condition"] == condition]

    @property
    def labels(self) -> np.ndarray:
        """The test labels (the first counted run's ``labels.npy``, which every counted run
        shares), read when first used."""
        if self._labels is None:
            if not self.runs:
                raise ValueError(f"{self.path}: no counted runs, so no labels yet")
            self._labels = np.load(Path(self.runs[0]["path"]) / "labels.npy")
        return self._labels

    def __repr__(self) -> str:
        return (
            f"<runvar.Study {self.path}: {len(self.runs)} counted runs of "
            f"{len(self.conditions)} conditions x {self.replicas}>"
        )


def load_study(path: Union[str, "os.PathLike[str]"]) -> Study:
    """A study directory made by ``runvar study`` as plain Python data.

    The runs that count are those ``runvar report`` counts: finished, every file matching the
    checksum recorded when the run finished, trained with the spec the study plans for them.
    Reading checks every file's checksum, so it takes as long as reading the logits once.

    Raises:
        FileNotFoundError: no such directory.
        ValueError: not a study directory, or an unreadable ``study.json``.
    """
    p = Path(os.fspath(path))
    return Study(p, _native.load_study(p))
