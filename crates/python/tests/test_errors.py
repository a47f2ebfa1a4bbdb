"""Every error path: bad input raises ValueError (MemoryError, FileNotFoundError, TypeError
where those fit) with the CLI's message, naming the argument where the CLI names the file."""

import json

import numpy as np
import pytest

import runvar

RNG = np.random.default_rng(5)
GOOD = RNG.standard_normal((3, 4, 3)).astype(np.float32)  # 3 runs, 4 examples, 3 classes
LABELS = np.array([0, 1, 2, 1])


def with_nan(i, value=np.nan):
    x = GOOD.copy()
    x[2, 3, 1] = value
    return x


def save_runs(d, name, runs):
    """Save runs as the CLI's input files, named so that the CLI's message, with `.npy`
    removed, is the package's: `logits.npy[2]` is `logits[2]`, `logits[1].npy` is
    `logits[1]`."""
    if isinstance(runs, list):
        names = [f"{name}[{i}].npy" for i in range(len(runs))]
        for n, r in zip(names, runs):
            np.save(d / n, r)
        return names
    np.save(d / f"{name}.npy", runs)
    return [f"{name}.npy"]


# (what, logits, labels, features): each refused by the CLI and the package alike.
CASES = [
    ("NaN logit", with_nan(2), LABELS, None),
    ("infinite logit", with_nan(2, -np.inf), LABELS, None),
    ("NaN in a listed run", [GOOD[0], with_nan(2)[2]], LABELS, None),
    ("1-D logits", GOOD[0, :, 0], LABELS, None),
    ("4-D logits", GOOD[None], LABELS, None),
    ("a stack of one", GOOD[:1], LABELS, None),
    ("an empty stack", GOOD[:0], LABELS, None),
    ("no examples", np.zeros((3, 0, 3), np.float32), LABELS[:0], None),
    ("one run", GOOD[0], LABELS, None),
    ("integer logits", GOOD.astype(np.int32), LABELS, None),
    ("bool logits", GOOD > 0, LABELS, None),
    ("complex logits", GOOD.astype(np.complex64), LABELS, None),
    ("runs of different shapes", [GOOD[0], GOOD[1, :3]], LABELS, None),
    ("runs of different classes", [GOOD[0], GOOD[1, :, :2]], LABELS, None),
    ("label out of range", GOOD, np.array([0, 1, 3, 1]), None),
    ("negative label", GOOD, np.array([0, -1, 2, 1]), None),
    ("float labels", GOOD, LABELS.astype(np.float64), None),
    ("bool labels", GOOD, LABELS > 0, None),
    ("2-D labels", GOOD, LABELS[None], None),
    ("too many labels", GOOD, np.array([0, 1, 2, 1, 0]), None),
    ("features with fewer rows", GOOD, LABELS, RNG.standard_normal((3, 5, 2))),
    ("NaN feature", GOOD, LABELS, np.full((3, 4, 2), np.nan)),
]


@pytest.mark.parametrize("what,logits,labels,features", CASES, ids=[c[0] for c in CASES])
def test_bad_input_gets_the_clis_message(cli, tmp_path, what, logits, labels, features):
    with pytest.raises(ValueError) as e:
        runvar.analyze(logits, labels, features, bootstrap=10)
    args = save_runs(tmp_path, "logits", logits)
    np.save(tmp_path / "labels.npy", labels)
    if features is not None:
        args += ["--features", *save_runs(tmp_path, "features", features)]
    msg = cli(
        "analyze", *args, "--labels", "labels.npy", "--bootstrap", 10, fail=True, cwd=tmp_path
    )
    assert str(e.value) == msg.replace(".npy", ""), what


def test_errors_of_the_package_alone():
    def refused(exc, text, f, *args, **kw):
        with pytest.raises(exc) as e:
            f(*args, **kw)
        assert text in str(e.value), (text, str(e.value))

    analyze = runvar.analyze
    refused(ValueError, "no runs given; pairwise metrics need at least two", analyze, [], LABELS)
    refused(
        ValueError,
        "4 feature matrices for 3 runs; give one (n, d) per run",
        analyze,
        GOOD,
        LABELS,
        RNG.standard_normal((4, 4, 2)),
    )
    ragged = [[1.0, 2.0], [3.0]]
    refused(
        ValueError,
        "logits[0]: cannot be read as an array of numbers",
        analyze,
        [ragged, ragged],
        LABELS,
    )
    refused(
        ValueError,
        "labels: an array of Python objects",
        analyze,
        GOOD,
        np.array([{}], dtype=object),
    )
    for bad in (0, -3):
        refused(
            ValueError, f"bootstrap={bad}: must be at least 1", analyze, GOOD, LABELS, bootstrap=bad
        )
    refused(
        TypeError, "bootstrap=1000.0: expected a whole number", analyze, GOOD, LABELS, bootstrap=1e3
    )
    refused(
        TypeError, "bootstrap=True: expected a whole number", analyze, GOOD, LABELS, bootstrap=True
    )
    for bad in (-1, 2**64):
        refused(
            ValueError, f"seed={bad}: must be from 0 to 2**64 - 1", analyze, GOOD, LABELS, seed=bad
        )
    refused(
        MemoryError,
        f"bootstrap = {10**15} needs about",
        analyze,
        GOOD,
        LABELS,
        bootstrap=10**15,
    )


def test_pair_function_errors():
    a, b = GOOD[0], GOOD[1]
    refused = lambda text, f, *args: pytest.raises(ValueError, f, *args).match(text)
    for f in (runvar.disagreement, runvar.correlation, runvar.spearman):
        refused(r"^b: logits are 3 x 3 but a has 4 x 3; both runs must score", f, a, b[:3])
        refused(
            r"^a: logits must be a 2-D array \(examples x logits\), found shape \[3, 4, 3\]",
            f,
            GOOD,
            b,
        )
        refused(r"^b: logits value at example 0, column 0 is NaN", f, a, np.full((4, 3), np.nan))
    refused(r"^labels: 3 labels but a has 4 examples", runvar.ensemble_gain, a, b, LABELS[:3])
    refused(
        r"^labels: label 3 at index 2 is out of range 0\.\.3",
        runvar.ensemble_gain,
        a,
        b,
        LABELS + 1,
    )
    x, y = RNG.standard_normal((6, 3)), RNG.standard_normal((5, 2))
    refused(r"^y: features are 5 rows but x has 6 rows", runvar.cka, x, y)
    # Widths may differ; the unbiased estimator needs 4 examples.
    assert np.isfinite(runvar.cka(x, RNG.standard_normal((6, 2))))
    refused(r"n >= 4|at least 4", runvar.cka, x[:3], x[:3])


def test_compare_errors():
    c = runvar.compare
    refused = lambda text, *args, **kw: pytest.raises(ValueError, c, *args, **kw).match(text)
    refused(
        r"^B: only one run \(B\); a comparison needs at least 2 runs per arm", GOOD, GOOD[0], LABELS
    )
    refused(r"^A: no runs given; a comparison needs", [], GOOD, LABELS)
    refused(
        r"^A: A\[2\]: logits value at example 3, column 1 is NaN",
        [GOOD[0], GOOD[1], with_nan(2)[2]],
        GOOD,
        LABELS,
    )
    refused(r"^B: labels: label 2 at index 2 is out of range 0\.\.2", GOOD, GOOD[:, :, :2], LABELS)
    refused(r"are the same runs \(A\[0\] is in both\)", GOOD, GOOD, LABELS, names=("A", "A"))
    for alpha in (0, 1, 1.5, -0.1, float("nan")):
        refused(
            rf"^alpha={alpha!r}: must be strictly between 0 and 1", GOOD, GOOD, LABELS, alpha=alpha
        )
    refused(r"^permutations=0: must be at least 1", GOOD, GOOD, LABELS, permutations=0)


def test_load_study_and_table_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such directory"):
        runvar.load_study(tmp_path / "missing")
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match="is a file; give the directory runvar study wrote"):
        runvar.load_study(tmp_path / "file")
    with pytest.raises(ValueError, match=r"not a study directory \(no study.json\)"):
        runvar.load_study(tmp_path)
    (tmp_path / "study.json").write_text('{"replicas": "many"}')
    with pytest.raises(ValueError, match="study.json"):
        runvar.load_study(tmp_path)
    with pytest.raises(ValueError, match="^rows: not report rows as runvar writes them"):
        runvar.table([{"name": "x"}])
    row = runvar.analyze(GOOD, LABELS, bootstrap=10)
    assert runvar.table(json.loads(json.dumps(row)))  # a row through JSON renders
