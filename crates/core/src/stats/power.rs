//! Planning N before training: the power of the two-sample t test, the runs per arm it needs
//! to detect a difference, the smallest difference N runs can detect, and how wide the
//! interval of a run-to-run SD is at N.
//!
//! - power of the two-sided two-sample t test with `n` runs per arm, effect `d = D / σ`
//!   (difference over the run-to-run SD) and level `α` (J. Cohen 1988, ch. 2; exact, not the
//!   normal approximation): with `df = 2n - 2`, noncentrality `δ = d sqrt(n / 2)` and critical
//!   value `c = t_{1-α/2, df}`, `power = P(T' > c) + P(T' < -c)`, `T'` noncentral t
//!   ([`super::noncentral_t`]). Matches statsmodels' `TTestIndPower().power(d, n, α)`;
//! - runs per arm: the smallest whole `n >= 2` whose power reaches the target (power grows
//!   with `n`), and the real-valued root statsmodels' `solve_power` returns;
//! - the chi-square interval of an SD (normal runs): `s` from `N` runs gives
//!   `[s sqrt((N-1) / χ²_{1-α/2, N-1}), s sqrt((N-1) / χ²_{α/2, N-1})]` for `σ`
//!   (e.g. NIST/SEMATECH e-Handbook of Statistical Methods, 7.2.3.1).

use serde::Serialize;

use super::distributions::{bisect, chi2_quantile, t_isf};
use super::noncentral_t::{nct_cdf, nct_sf};
use super::Interval;

/// The most runs per arm [`runs_per_arm`] searches; an effect that needs more is reported as
/// out of reach.
pub const MAX_RUNS: u64 = 1_000_000_000;

/// Power of the two-sided two-sample t test (module documentation) with `n >= 2` runs per arm
/// (real `n` allowed, as statsmodels allows), effect `d` in SD units and level `alpha`.
pub fn t_test_power(d: f64, n: f64, alpha: f64) -> f64 {
    let df = 2.0 * n - 2.0;
    let nc = d * (n / 2.0).sqrt();
    let crit = t_isf(alpha / 2.0, df);
    nct_sf(crit, df, nc) + nct_cdf(-crit, df, nc)
}

/// The runs per arm a two-sample t test needs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RunsNeeded {
    /// The smallest whole number of runs per arm whose power reaches the target.
    pub runs: u64,
    /// The power with that many runs per arm.
    pub power: f64,
    /// The real-valued `n` at which the power equals the target exactly (statsmodels'
    /// `solve_power`), when it is above 2.
    pub exact_n: Option<f64>,
}

/// Runs per arm to detect an effect of `d` SDs (either sign) with a two-sided two-sample t
/// test at level `alpha` with probability `power`; `None` when more than [`MAX_RUNS`] would be
/// needed. Arguments are checked by the caller: `d` finite and non-zero, `alpha` and `power`
/// in `(0, 1)`.
pub fn runs_per_arm(d: f64, alpha: f64, power: f64) -> Option<RunsNeeded> {
    let d = d.abs();
    let reaches = |n: u64| t_test_power(d, n as f64, alpha) >= power;
    let mut hi = 2_u64;
    while !reaches(hi) {
        if hi >= MAX_RUNS {
            return None;
        }
        hi = (hi * 2).min(MAX_RUNS);
    }
    let mut lo = hi / 2; // fails (or is below 2)
    if hi == 2 {
        lo = 1;
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if reaches(mid) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    let exact_n = (hi > 2).then(|| {
        bisect(
            |n| t_test_power(d, n, alpha) < power,
            (hi - 1) as f64,
            hi as f64,
        )
    });
    Some(RunsNeeded {
        runs: hi,
        power: t_test_power(d, hi as f64, alpha),
        exact_n,
    })
}

/// The smallest effect, in SD units, that `n >= 2` runs per arm detect with probability
/// `power` at level `alpha` (statsmodels' `solve_power(nobs1=n, alpha, power)`).
pub fn detectable_effect(n: u64, alpha: f64, power: f64) -> f64 {
    let below = |d: f64| t_test_power(d, n as f64, alpha) < power;
    let mut hi = 1.0;
    while below(hi) {
        hi *= 2.0;
        if hi > 1e12 {
            return f64::INFINITY;
        }
    }
    bisect(below, 0.0, hi)
}

/// The `level` chi-square interval of the SD `σ` of normal runs when `n >= 2` runs give the
/// sample SD `sd` (module documentation).
pub fn sd_interval(sd: f64, n: u64, level: f64) -> Interval {
    let k = (n - 1) as f64;
    let tail = (1.0 - level) / 2.0;
    Interval {
        lo: sd * (k / chi2_quantile(1.0 - tail, k)).sqrt(),
        hi: sd * (k / chi2_quantile(tail, k)).sqrt(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::reference::{close, floats, num, reference};

    #[test]
    fn power_matches_statsmodels() {
        for r in reference()["power"]["power_at"].as_array().unwrap() {
            let r = floats(r);
            let (d, n, alpha, want) = (r[0], r[1], r[2], r[3]);
            close(t_test_power(d, n, alpha), want, 1e-10);
        }
    }

    #[test]
    fn runs_per_arm_match_statsmodels_solve_power() {
        for case in reference()["power"]["solve"].as_array().unwrap() {
            let (d, alpha, power) = (num(case, "d"), num(case, "alpha"), num(case, "power"));
            let got = runs_per_arm(d, alpha, power).unwrap();
            assert_eq!(got.runs as f64, num(case, "n_int"), "{case}");
            close(got.power, num(case, "power_at_n_int"), 1e-10);
            close(got.exact_n.unwrap(), num(case, "n"), 1e-6);
            if let Some(below) = case["power_below"].as_f64() {
                let p = t_test_power(d, (got.runs - 1) as f64, alpha);
                close(p, below, 1e-10);
                assert!(p < power);
            }
            // The sign of the effect does not matter to a two-sided test.
            assert_eq!(runs_per_arm(-d, alpha, power), Some(got));
        }
        // An effect of 1e-6 SD needs about 1.6e13 runs per arm: out of reach.
        assert_eq!(runs_per_arm(1e-6, 0.05, 0.8), None);
        // A huge effect needs the minimum.
        assert_eq!(runs_per_arm(50.0, 0.05, 0.8).unwrap().runs, 2);
    }

    #[test]
    fn detectable_effect_matches_statsmodels() {
        for r in reference()["power"]["effect_at"].as_array().unwrap() {
            let r = floats(r);
            let (n, alpha, power) = (r[0], r[1], r[2]);
            // statsmodels' solve_power stops at about 1e-6 relative (its power at its root
            // misses the target by 3e-7); r[4] solves its power function to 1e-15.
            let d = detectable_effect(n as u64, alpha, power);
            close(d, r[3], 1e-5);
            close(d, r[4], 1e-10);
            close(t_test_power(d, n, alpha), power, 1e-12);
        }
    }

    #[test]
    fn sd_interval_matches_scipy_chi2() {
        let doc = &reference()["sd_interval"];
        let sd = num(doc, "sd");
        for r in doc["rows"].as_array().unwrap() {
            let r = floats(r);
            let i = sd_interval(sd, r[0] as u64, num(doc, "level"));
            close(i.lo, r[1], 1e-11);
            close(i.hi, r[2], 1e-11);
        }
    }
}
