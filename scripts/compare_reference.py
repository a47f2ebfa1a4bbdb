#!/usr/bin/env python3
"""Reference numbers for `runvar compare` and `runvar plan`, from numpy, scipy and statsmodels.

Why: the statistics of runvar's compare and plan (Student t and noncentral t distributions,
chi-square quantiles, Welch's and the paired t test, permutation tests, the probability of
improvement, Cohen's d, the power of a two-sample t test, the variance of a U-statistic) are
written from the formulas in Rust. Each is checked against an independent implementation:
this script computes the same numbers with scipy (whose t, chi2 and nct come from Boost and
Cephes), numpy and statsmodels, and writes them to
crates/core/tests/fixtures/compare_reference.json. The Rust unit tests (crates/core/src/stats/
and crates/core/src/compare/) read that file; tests never run Python.

Rerun (only needed when adding a case; the JSON is committed):
  python3 -m venv /tmp/venv-compare
  /tmp/venv-compare/bin/pip install numpy scipy statsmodels
  /tmp/venv-compare/bin/python scripts/compare_reference.py
The numbers were generated with numpy 2.4, scipy 1.17 and statsmodels 0.15; the inputs are
fixed (a seeded numpy generator), so reruns give the same file up to the last digit of the
libraries' own rounding.
"""

import itertools
import json
import math
import os

import numpy as np
from scipy import optimize, special, stats
from statsmodels.stats.power import TTestIndPower

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "crates", "core", "tests", "fixtures", "compare_reference.json")


def special_functions():
    t_sf = [
        [t, df, stats.t.sf(t, df)]
        for t in [-1.5, 0.1, 0.5, 1.3, 2.2, 4.7, 12.0]
        for df in [1.0, 2.5, 3.0, 7.3, 30.0, 250.7, 1e5]
    ]
    t_isf = [
        [p, df, stats.t.isf(p, df)]
        for p in [0.1, 0.025, 0.005, 1e-6]
        for df in [1.0, 2.0, 5.5, 18.0, 198.0, 1e4]
    ]
    chi2_ppf = [
        [q, df, stats.chi2.ppf(q, df)]
        for q in [1e-4, 0.025, 0.5, 0.975]
        for df in [1.0, 2.0, 4.0, 9.0, 24.0, 49.0, 99.0, 999.0]
    ]
    norm_cdf = [[z, stats.norm.cdf(z)] for z in [-8.0, -3.1, -1.0, -0.2, 0.0, 0.7, 1.96, 5.0]]
    norm_ppf = [[p, stats.norm.ppf(p)] for p in [1e-10, 0.001, 0.025, 0.3, 0.5, 0.8, 0.975]]
    # scipy (Boost) gives NaN for a few far-tail points (t = -2, nc = 12): those are left out.
    nct_cdf = [
        [t, df, nc, p]
        for t in [-2.0, 0.0, 1.5, 2.1, 4.0]
        for df in [2.0, 8.0, 18.0, 98.0, 500.0]
        for nc in [-3.0, 0.0, 0.5, 2.8, 6.0, 12.0]
        for p in [float(stats.nct.cdf(t, df, nc))]
        if math.isfinite(p)
    ]
    betainc = [
        [a, b, x, special.betainc(a, b, x)]
        for (a, b) in [(0.5, 0.5), (0.5, 5.0), (3.0, 0.5), (10.0, 20.0), (150.0, 0.5), (2.5, 400.0)]
        for x in [1e-6, 0.01, 0.3, 0.5, 0.9, 0.999]
    ]
    gammainc = [
        [a, x, special.gammainc(a, x)]
        for a in [0.5, 1.0, 4.5, 30.0, 500.0]
        for x in [1e-3, 0.5, 3.0, 25.0, 480.0, 600.0]
    ]
    return {
        "t_sf": t_sf,
        "t_isf": t_isf,
        "chi2_ppf": chi2_ppf,
        "norm_cdf": norm_cdf,
        "norm_ppf": norm_ppf,
        "nct_cdf": nct_cdf,
        "betainc": betainc,
        "gammainc": gammainc,
    }


def diff_of_means(x, y, axis=-1):
    return np.mean(y, axis=axis) - np.mean(x, axis=axis)


def two_sample(name, a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    na, nb = len(a), len(b)
    welch = stats.ttest_ind(b, a, equal_var=False)
    pooled = math.sqrt(((na - 1) * a.var(ddof=1) + (nb - 1) * b.var(ddof=1)) / (na + nb - 2))
    case = {
        "name": name,
        "a": a.tolist(),
        "b": b.tolist(),
        "mean_a": float(np.mean(a)),
        "mean_b": float(np.mean(b)),
        "sd_a": float(np.std(a, ddof=1)),
        "sd_b": float(np.std(b, ddof=1)),
        "welch_t": float(welch.statistic),
        "welch_df": float(welch.df),
        "welch_p": float(welch.pvalue),
        "pooled_sd": pooled,
        "cohens_d": float((np.mean(b) - np.mean(a)) / pooled),
        # P(a run of B is higher), ties half, and P(a run of B is lower), ties half.
        "pi_higher": float(stats.mannwhitneyu(b, a).statistic / (na * nb)),
        "pi_lower": float(stats.mannwhitneyu(a, b).statistic / (na * nb)),
    }
    splits = math.comb(na + nb, na)
    if splits <= 20000:
        perm = stats.permutation_test(
            (a, b),
            diff_of_means,
            permutation_type="independent",
            alternative="two-sided",
            n_resamples=np.inf,
            vectorized=True,
        )
        case["splits"] = splits
        case["permutation_p"] = float(perm.pvalue)
    if na == nb:
        rel = stats.ttest_rel(b, a)
        case["paired_t"] = float(rel.statistic)
        case["paired_df"] = float(rel.df)
        case["paired_p"] = float(rel.pvalue)
        case["paired_mean"] = float(np.mean(b - a))
        if 2**na <= 20000:
            flip = stats.permutation_test(
                (a, b),
                diff_of_means,
                permutation_type="samples",
                alternative="two-sided",
                n_resamples=np.inf,
                vectorized=True,
            )
            case["sign_flips"] = 2**na
            case["sign_flip_p"] = float(flip.pvalue)
    return case


def two_sample_cases():
    rng = np.random.default_rng(20240917)
    base = rng.normal(91.0, 0.3, 7)
    cases = [
        two_sample("continuous_unequal", rng.normal(91.0, 0.3, 6), rng.normal(91.4, 0.3, 5)),
        # Multiples of 0.25 are exact in binary: tied values and tied splits are exact ties.
        two_sample(
            "ties",
            [90.25, 90.5, 90.5, 90.75],
            [90.5, 90.75, 91.0, 90.75, 91.25],
        ),
        two_sample("paired", base, base + rng.normal(0.2, 0.1, 7)),
        two_sample("cross_entropy", rng.normal(0.31, 0.01, 5), rng.normal(0.30, 0.01, 5)),
        two_sample("larger", rng.normal(91.0, 0.3, 12), rng.normal(91.1, 0.3, 12)),
        two_sample("two_each", [91.0, 91.5], [91.2, 91.9]),
    ]
    return cases


def power_cases():
    analysis = TTestIndPower()
    solve = []
    for d in [0.2, 0.5, 0.8, 1.5, 3.0]:
        for alpha in [0.05, 0.01]:
            for power in [0.8, 0.9]:
                n = float(analysis.solve_power(effect_size=d, alpha=alpha, power=power))
                n_int = max(2, math.ceil(n))
                solve.append(
                    {
                        "d": d,
                        "alpha": alpha,
                        "power": power,
                        "n": n,
                        "n_int": n_int,
                        "power_at_n_int": float(
                            analysis.power(effect_size=d, nobs1=n_int, alpha=alpha)
                        ),
                        "power_below": float(
                            analysis.power(effect_size=d, nobs1=n_int - 1, alpha=alpha)
                        )
                        if n_int > 2
                        else None,
                    }
                )
    # statsmodels returns NaN where scipy's nct fails (power within 1e-16 of 1 at d = 2.5,
    # n >= 50): those points are left out.
    at = [
        [d, n, alpha, p]
        for d in [0.1, 0.4, 1.0, 2.5]
        for n in [2, 5, 10, 25, 50, 100]
        for alpha in [0.05, 0.001]
        for p in [float(analysis.power(effect_size=d, nobs1=n, alpha=alpha))]
        if math.isfinite(p)
    ]
    # solve_power's root finder stops at about 1e-6 relative; the last column solves
    # statsmodels' own power function to 1e-15 with brentq.
    effect = []
    for n in [5, 10, 25, 50, 100]:
        alpha, power = 0.05, 0.8
        loose = float(analysis.solve_power(nobs1=n, alpha=alpha, power=power))
        tight = optimize.brentq(
            lambda d: analysis.power(effect_size=d, nobs1=n, alpha=alpha) - power,
            0.99 * loose,
            1.01 * loose,
            xtol=1e-15,
            rtol=1e-15,
        )
        effect.append([n, alpha, power, loose, float(tight)])
    return {"solve": solve, "power_at": at, "effect_at": effect}


def sd_intervals():
    sd = 0.25
    rows = []
    for n in [5, 10, 25, 50, 100]:
        k = n - 1
        rows.append(
            [n, sd * math.sqrt(k / stats.chi2.ppf(0.975, k)), sd * math.sqrt(k / stats.chi2.ppf(0.025, k))]
        )
    return {"sd": sd, "level": 0.95, "rows": rows}


def u_statistic():
    """Hoeffding's decomposition of the mean pairwise disagreement, by brute force over
    index tuples (the Rust code uses O(M^2) sums instead)."""
    rng = np.random.default_rng(7)
    m = 7
    run = rng.normal(0.0, 1.0, m)  # a per-run effect makes zeta_1 > 0
    h = np.zeros((m, m))
    for i in range(m):
        for j in range(i + 1, m):
            h[i, j] = h[j, i] = 12.0 + run[i] + run[j] + rng.normal(0.0, 0.5)
    pairs = list(itertools.combinations(range(m), 2))
    theta = np.mean([h[i, j] for i, j in pairs])
    sq = np.mean([h[i, j] ** 2 for i, j in pairs])
    share = np.mean([h[i, j] * h[i, k] for i, j, k in itertools.permutations(range(m), 3)])
    disjoint = np.mean(
        [
            h[p] * h[q]
            for p in pairs
            for q in pairs
            if len(set(p) | set(q)) == 4
        ]
    )
    zeta1 = share - disjoint
    zeta2 = sq - disjoint
    rows = []
    for n in [5, 10, 25, 50, 100]:
        var = (4.0 * (n - 2) * zeta1 + 2.0 * zeta2) / (n * (n - 1))
        rows.append([n, var])
    return {
        "matrix": h.tolist(),
        "mean": theta,
        "zeta1": zeta1,
        "zeta2": zeta2,
        "variance_at": rows,
    }


def main():
    doc = {
        "generator": "scripts/compare_reference.py",
        "versions": {
            "numpy": np.__version__,
            "scipy": __import__("scipy").__version__,
            "statsmodels": __import__("statsmodels").__version__,
        },
        "special": special_functions(),
        "two_sample": two_sample_cases(),
        "power": power_cases(),
        "sd_interval": sd_intervals(),
        "u_statistic": u_statistic(),
    }
    text = json.dumps(doc, indent=1, allow_nan=False) + "\n"
    with open(OUT, "w") as f:
        f.write(text)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
