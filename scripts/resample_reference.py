#!/usr/bin/env python3
"""Reference values for the `data` source's bootstrap resample (crates/core/src/resample).

A bootstrap resample of n draws with replacement from n examples holds D distinct examples,
with (occupancy problem; e.g. Feller, "An Introduction to Probability Theory", vol. 1, ch. IV)

    E[D]   = n (1 - (1 - 1/n)^n)
    Var[D] = n (1 - 1/n)^n + n (n - 1) (1 - 2/n)^n - n^2 (1 - 1/n)^(2n)

This prints E[D] / n and SD[D] / n for the sizes the tests use, computed exactly (fractions)
and checked by simulation with numpy's own generator (independent of runvar's ChaCha20
draws). The tests commit the exact numbers and compare runvar's resamples with them.

Usage: python3 scripts/resample_reference.py   (numpy required)
"""

from fractions import Fraction

import numpy as np


def exact(n: int) -> tuple[float, float]:
    q1 = Fraction(n - 1, n) ** n
    q2 = Fraction(n - 2, n) ** n
    mean = n * (1 - q1)
    var = n * q1 + n * (n - 1) * q2 - n * n * q1 * q1
    return float(mean / n), float(var) ** 0.5 / n


def simulated(n: int, reps: int, rng) -> tuple[float, float]:
    d = np.array([np.unique(rng.integers(0, n, n)).size for _ in range(reps)], dtype=float)
    return d.mean() / n, d.std() / n


def main() -> None:
    rng = np.random.default_rng(20210401)
    for n, reps in [(1348, 4000), (4000, 2000), (100_000, 200)]:
        mean, sd = exact(n)
        smean, ssd = simulated(n, reps, rng)
        print(f"n = {n}: E[D]/n = {mean!r}, SD[D]/n = {sd!r}  (simulated: {smean:.6f}, {ssd:.6f})")
    print(f"limit 1 - 1/e = {1 - np.exp(-1)!r}")


if __name__ == "__main__":
    main()
