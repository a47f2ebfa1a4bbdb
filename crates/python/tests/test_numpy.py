"""The package's numbers against numpy on small hand cases: each metric written out in numpy
from its definition (docs/protocol.md section 3), on float32 logits as runvar computes them."""

import itertools

import numpy as np
import pytest

import runvar

RNG = np.random.default_rng(19)


def logits(n=40, c=5, runs=2, scale=1.0):
    return [(scale * RNG.standard_normal((n, c))).astype(np.float32) for _ in range(runs)]


def average_ranks(x):
    """Ranks 1..n, ties given their mean rank (scipy.stats.rankdata's default)."""
    x = np.asarray(x, dtype=np.float64).ravel()
    values, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)
    mean_rank = ends - (counts - 1) / 2.0
    return mean_rank[inverse]


def log_softmax(x):
    x = x.astype(np.float64)
    m = x.max(axis=1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=1, keepdims=True))


def cross_entropy(x, y):
    return -np.mean(log_softmax(x)[np.arange(len(y)), y])


def hsic(k, l, unbiased):
    n = k.shape[0]
    if not unbiased:
        h = np.eye(n) - 1.0 / n
        return np.trace(k @ h @ l @ h)
    k, l = k.copy(), l.copy()
    np.fill_diagonal(k, 0)
    np.fill_diagonal(l, 0)
    one = np.ones(n)
    return (
        np.trace(k @ l)
        + (one @ k @ one) * (one @ l @ one) / ((n - 1) * (n - 2))
        - 2.0 / (n - 2) * (one @ k @ l @ one)
    ) / (n * (n - 3))


def cka_numpy(x, y, unbiased):
    """Linear CKA: HSIC(K, L) / sqrt(HSIC(K, K) HSIC(L, L)), K = X X^T (Kornblith et al.
    2019), with the biased HSIC or Song et al.'s (2012) unbiased U-statistic."""
    x, y = x.astype(np.float64), y.astype(np.float64)
    k, l = x @ x.T, y @ y.T
    return hsic(k, l, unbiased) / np.sqrt(hsic(k, k, unbiased) * hsic(l, l, unbiased))


def test_disagreement_counts_different_argmaxes_ties_to_the_lowest_class():
    a = np.array([[1, 1, 0], [0, 2, 1], [3, 0, 0], [0, 0, 1]], np.float32)
    b = np.array([[0, 1, 1], [0, 2, 1], [0, 0, 3], [1, 1, 1]], np.float32)
    # argmax: a -> 0, 1, 0, 2; b -> 1, 1, 2, 0
    assert runvar.disagreement(a, b) == 75.0
    assert runvar.disagreement(a, a) == 0.0
    x, z = logits(n=333, c=7)
    expected = 100 * np.mean(x.argmax(1) != z.argmax(1))
    assert runvar.disagreement(x, z) == pytest.approx(expected, rel=1e-15)


def test_correlations_match_numpy():
    a, b = logits(n=60, c=4)
    r = np.corrcoef(a.ravel().astype(np.float64), b.ravel().astype(np.float64))[0, 1]
    assert runvar.correlation(a, b) == pytest.approx(r, abs=1e-13)
    assert runvar.correlation(a, a) == 1.0
    assert np.isnan(runvar.correlation(np.zeros((3, 2)), a[:3, :2]))
    # Ties (logits rounded to halves) get their average rank.
    ta, tb = (np.round(2 * a) / 2), (np.round(2 * b) / 2)
    s = np.corrcoef(average_ranks(ta), average_ranks(tb))[0, 1]
    assert runvar.spearman(ta, tb) == pytest.approx(s, abs=1e-13)
    assert runvar.spearman(a, 3 * a + 1) == pytest.approx(1.0, abs=1e-15)


def test_ensemble_gain_matches_numpy():
    a, b = logits(n=200, c=6, scale=2.0)
    y = RNG.integers(0, 6, 200)
    e = (a + b) / 2  # float32, as the ensemble's argmax uses
    acc = lambda x: np.mean(x.argmax(1) == y)
    gain = 100 * (acc(e) - (acc(a) + acc(b)) / 2)
    ce_e = cross_entropy((a.astype(np.float64) + b.astype(np.float64)) / 2, y)
    gain_ce = (cross_entropy(a, y) + cross_entropy(b, y)) / 2 - ce_e
    g = runvar.ensemble_gain(a, b, y)
    assert g["ensemble_gain"] == pytest.approx(gain, abs=1e-12)
    assert g["ensemble_gain_ce"] == pytest.approx(gain_ce, abs=1e-12)
    assert runvar.ensemble_gain(a, a, y) == {"ensemble_gain": 0.0, "ensemble_gain_ce": 0.0}


@pytest.mark.parametrize("unbiased", [True, False])
def test_cka_matches_numpy(unbiased):
    x = RNG.standard_normal((30, 8)).astype(np.float32)
    y = (x[:, :5] @ RNG.standard_normal((5, 3)) + 0.5 * RNG.standard_normal((30, 3))).astype(
        np.float32
    )
    assert runvar.cka(x, y, unbiased=unbiased) == pytest.approx(
        cka_numpy(x, y, unbiased), rel=1e-10
    )
    assert runvar.cka(x, x, unbiased) == pytest.approx(1.0, abs=1e-12)


def test_analyze_matches_numpy():
    runs = logits(n=120, c=4, runs=5, scale=1.5)
    y = RNG.integers(0, 4, 120)
    feats = [RNG.standard_normal((120, 6)).astype(np.float32) for _ in runs]
    row = runvar.analyze(runs, y, features=feats, bootstrap=200)
    acc = np.array([100 * np.mean(r.argmax(1) == y) for r in runs])
    ce = np.array([cross_entropy(r, y) for r in runs])
    assert row["n"] == 5
    assert row["accuracies"] == pytest.approx(acc, abs=1e-12)
    assert row["mean_acc"] == pytest.approx(acc.mean(), abs=1e-12)
    assert row["acc_sd"] == pytest.approx(acc.std(), abs=1e-12)  # population SD (ddof 0)
    assert row["ce_sd"] == pytest.approx(ce.std(), abs=1e-12)
    pairs = list(itertools.combinations(range(5), 2))
    mean = lambda f: np.mean([f(runs[i], runs[j]) for i, j in pairs])
    assert row["disagreement"] == pytest.approx(
        mean(lambda a, b: 100 * np.mean(a.argmax(1) != b.argmax(1))), abs=1e-12
    )
    assert row["correlation"] == pytest.approx(
        mean(lambda a, b: np.corrcoef(a.ravel(), b.ravel())[0, 1]), abs=1e-12
    )
    assert row["spearman"] == pytest.approx(
        mean(lambda a, b: np.corrcoef(average_ranks(a), average_ranks(b))[0, 1]), abs=1e-12
    )
    cka = np.mean([cka_numpy(feats[i], feats[j], True) for i, j in pairs])
    assert row["cka"] == pytest.approx(cka, abs=1e-10)
    assert row["cka_other"] == pytest.approx(
        np.mean([cka_numpy(feats[i], feats[j], False) for i, j in pairs]), abs=1e-10
    )
    # The bootstrap is seeded: the same seed gives the same row, another seed other errors.
    assert row["disagreement_ci"]["lo"] < row["disagreement_ci"]["hi"]
    assert runvar.analyze(runs, y, features=feats, bootstrap=200) == row
    other = runvar.analyze(runs, y, features=feats, bootstrap=200, seed=1)
    assert other["acc_sd"] == row["acc_sd"] and other["acc_sd_err"] != row["acc_sd_err"]


def test_the_pair_functions_are_analyze_on_two_runs():
    a, b = logits(n=50, c=3)
    y = RNG.integers(0, 3, 50)
    row = runvar.analyze([a, b], y, features=[a, b], bootstrap=10)
    assert runvar.disagreement(a, b) == row["disagreement"]
    assert runvar.correlation(a, b) == row["correlation"]
    assert runvar.spearman(a, b) == row["spearman"]
    g = runvar.ensemble_gain(a, b, y)
    assert (g["ensemble_gain"], g["ensemble_gain_ce"]) == (
        row["ensemble_gain"],
        row["ensemble_gain_ce"],
    )
    assert runvar.cka(a, b) == row["cka"] and runvar.cka(a, b, False) == row["cka_other"]
