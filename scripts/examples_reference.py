#!/usr/bin/env python3
"""Reference values for the study report's per-example numbers and multiple comparisons.

Why: the binomial SD, the shares of always-right / always-wrong / flipping test examples, the
runs' votes, the per-class disagreement, the ranking of the examples that flip most, the
bootstrap p-value of a ratio against 1, and Holm's adjustment are checked against an
independent implementation: numpy (and statsmodels for Holm), on fixed inputs written here.
The Rust tests (crates/core/src/metrics/examples_tests.rs, crates/core/src/stats/holm.rs and
ratio_test.rs, crates/core/src/analysis/examples_tests.rs) read the inputs and the expected
numbers from the JSON this script writes; no test runs Python.

Rerun (only to change the fixture; the JSON is committed):
  python3 -m venv /tmp/venv-ref && /tmp/venv-ref/bin/pip install numpy statsmodels
  /tmp/venv-ref/bin/python scripts/examples_reference.py
The output is the same on every run (seeded generator, values rounded before use).
"""

import itertools
import json
import os

import numpy as np
from statsmodels.stats.multitest import multipletests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "crates", "core", "tests", "fixtures", "reference", "examples.json")


def condition(rng, runs, n, classes):
    """Logits of `runs` runs on `n` examples: a fixed part per example plus run noise whose
    size varies by example, so some examples are always right, some always wrong, some flip."""
    labels = rng.integers(0, classes, n)
    base = rng.normal(0.0, 1.0, (n, classes))
    base[np.arange(n), labels] += rng.choice([2.5, 0.0, -1.5], n, p=[0.5, 0.3, 0.2])
    scale = rng.choice([0.0, 0.4, 1.5], n, p=[0.3, 0.4, 0.3])
    logits = base[None] + scale[None, :, None] * rng.normal(0.0, 1.0, (runs, n, classes))
    # Three decimals; the JSON holds these float64 values, and both sides take them to float32
    # the same way (Rust: parse as f64, then `as f32`).
    return np.round(logits, 3), labels


def reference(logits64, labels, classes):
    logits = logits64.astype(np.float32)
    runs, n, _ = logits.shape
    pred = logits.argmax(2)  # runs x n, ties to the lowest class
    wrong = pred != labels[None]
    p = wrong.mean(0)
    acc = 100.0 * (1.0 - wrong.mean(1))
    votes = np.stack([np.bincount(pred[:, i], minlength=classes) for i in range(n)])
    binom = 100.0 * np.sqrt(np.sum(p * (1.0 - p))) / n
    pairs = list(itertools.combinations(range(runs), 2))
    per_class = []
    for c in range(classes):
        m = labels == c
        per_class.append(
            None if not m.any() else 100.0 * np.mean([np.mean(pred[a, m] != pred[b, m]) for a, b in pairs])
        )
    modal = votes.max(1)
    order = np.lexsort((np.arange(n), modal))
    most = [int(i) for i in order if modal[i] < runs][:25]
    # The exact decomposition: var(acc) = binomial variance + covariances of errors (ddof 0).
    cov = np.cov(wrong.T.astype(float), ddof=0)
    off = (cov.sum() - np.trace(cov)) / n**2
    return {
        "labels": labels.tolist(),
        "logits": [float(v) for v in logits64.ravel()],
        "runs": runs,
        "examples": n,
        "classes": classes,
        "votes": votes.ravel().tolist(),
        "accuracy": acc.tolist(),
        "acc_sd": float(np.std(acc)),
        "binomial_sd": float(binom),
        "acc_sd_over_binomial": float(np.std(acc) / binom),
        "covariance_term": float(100.0**2 * off),
        "always_right": float(100.0 * np.mean(p == 0)),
        "always_wrong": float(100.0 * np.mean(p == 1)),
        "flipping": float(100.0 * np.mean((p > 0) & (p < 1))),
        "disagreement": float(100.0 * np.mean([np.mean(pred[a] != pred[b]) for a, b in pairs])),
        "class_disagreement": per_class,
        "most_split": most,
    }


def main():
    rng = np.random.default_rng(17)
    conditions = {
        "small": reference(*condition(rng, 7, 60, 4), 4),
        "wide": reference(*condition(rng, 10, 100, 10), 10),
    }
    holm_sets = [
        [0.012, 0.04, 0.04, 0.3, 0.0, 0.9, 0.011, 1.0],
        [float(v) for v in np.round(rng.uniform(0, 0.2, 9), 4)],
        [0.5],
    ]
    holm = [
        {"p": ps, "holm": multipletests(ps, method="holm")[1].tolist()} for ps in holm_sets
    ]
    r = np.round(rng.lognormal(0.1, 0.3, 999), 4)
    r[[5, 77, 300]] = np.nan
    finite = r[np.isfinite(r)]
    p_boot = min(1.0, 2.0 * min(np.mean(finite <= 1.0), np.mean(finite >= 1.0)))
    doc = {
        "generated_by": "scripts/examples_reference.py",
        "conditions": conditions,
        "holm": holm,
        "bootstrap_p": {"replicates": [None if np.isnan(v) else float(v) for v in r], "p": p_boot},
    }
    with open(OUT, "w") as f:
        json.dump(doc, f, indent=None, separators=(",", ":"))
        f.write("\n")
    for name, c in conditions.items():
        print(name, {k: c[k] for k in ("acc_sd", "binomial_sd", "acc_sd_over_binomial", "always_right", "always_wrong", "flipping", "disagreement")})
        print("  class_disagreement", c["class_disagreement"])
        print("  most_split", c["most_split"][:10], len(c["most_split"]))
        print("  check: acc_var", c["acc_sd"] ** 2, "= binom_var + cov", c["binomial_sd"] ** 2 + c["covariance_term"])
    for h in holm:
        print("holm", h)
    print("bootstrap p", p_boot)


if __name__ == "__main__":
    main()
