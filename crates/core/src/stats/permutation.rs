//! Permutation tests of a difference in means: two independent groups (relabel runs between
//! the groups) and paired runs (flip the sign of each pair's difference).
//!
//! Under the null hypothesis that both groups' runs come from one distribution, every split of
//! the pooled runs into groups of the same sizes is as likely as the observed one (for pairs:
//! every sign pattern of the differences). The two-sided p-value is `2 min(P(T <= t_obs),
//! P(T >= t_obs))`, capped at 1, with `T = mean(B) - mean(A)` over the splits: the definition
//! of `scipy.stats.permutation_test(..., alternative="two-sided")`.
//!
//! - **exact** when the number of distinct splits (`C(na + nb, na)`; `2^N` sign patterns) is
//!   at most the number of resamples asked for: every split is enumerated, the observed one
//!   included, and `P` is a count over all of them, so p matches scipy's with
//!   `n_resamples=np.inf` exactly;
//! - otherwise **random**: `R` splits drawn with `ChaCha20Rng::seed_from_u64(seed)` on stream 1
//!   (stream 0 is the bootstrap's), `P = (k + 1) / (R + 1)` counting the observed split once
//!   (scipy's adjustment; the p-value of a random permutation test is never 0).
//!
//! Ties: a split counts as "at least as extreme" when its statistic is within `1e-9 max|x|`
//! of the observed one. Splits equal in exact arithmetic (accuracies are multiples of `1/n`,
//! so many are) can differ in the last bits of their floating-point means, and must count as
//! ties however they round (scipy uses `1e-14 |t_obs|`, which leaves those to the rounding).
//! Statistics are summed in index order whatever the draw, so results are bit-stable.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use serde::Serialize;

use crate::metrics::{check_values, MetricsError};

/// Relative tolerance for ties between a split's statistic and the observed one.
const TIE: f64 = 1e-9;

/// The result of a permutation test.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PermutationTest {
    /// Two-sided p-value.
    pub p: f64,
    /// Splits (or sign patterns) counted: all of them when exact, else the random draws.
    pub resamples: u64,
    /// True when every split was enumerated.
    pub exact: bool,
    /// The number of distinct splits (`C(na + nb, na)` or `2^N`), when it fits in 64 bits.
    pub distinct: Option<u64>,
}

impl PermutationTest {
    /// The smallest p-value the test could give: `2 / distinct` exact (when the observed split
    /// is the most extreme one alone), `2 / (R + 1)` random; at most 1.
    pub fn smallest_p(&self) -> f64 {
        let denominator = if self.exact {
            self.resamples as f64
        } else {
            self.resamples as f64 + 1.0
        };
        (2.0 / denominator).min(1.0)
    }
}

/// `C(n, k)`, or `None` above `u64::MAX`.
pub fn binomial(n: u64, k: u64) -> Option<u64> {
    if k > n {
        return Some(0);
    }
    let k = k.min(n - k);
    let mut c: u128 = 1;
    for i in 0..k {
        c = c * u128::from(n - i) / u128::from(i + 1);
        if c > u128::from(u64::MAX) {
            return None;
        }
    }
    u64::try_from(c).ok()
}

/// Counts of splits at most and at least the observed statistic, and the two-sided p.
struct Tally {
    observed: f64,
    tolerance: f64,
    less: u64,
    greater: u64,
}

impl Tally {
    fn new(observed: f64, values: &[f64]) -> Tally {
        let scale = values.iter().fold(0.0_f64, |m, x| m.max(x.abs()));
        Tally {
            observed,
            tolerance: TIE * scale,
            less: 0,
            greater: 0,
        }
    }

    fn add(&mut self, t: f64) {
        if t <= self.observed + self.tolerance {
            self.less += 1;
        }
        if t >= self.observed - self.tolerance {
            self.greater += 1;
        }
    }

    fn p(&self, resamples: u64, exact: bool) -> f64 {
        let adjust = if exact { 0.0 } else { 1.0 };
        let tail = |k: u64| (k as f64 + adjust) / (resamples as f64 + adjust);
        (2.0 * tail(self.less).min(tail(self.greater))).min(1.0)
    }
}

/// `mean(pool[in_b]) - mean(pool[!in_b])`, each summed in index order.
fn split_statistic(pool: &[f64], in_b: &[bool], nb: usize) -> f64 {
    let (mut sa, mut sb) = (0.0, 0.0);
    for (x, &b) in pool.iter().zip(in_b) {
        if b {
            sb += x;
        } else {
            sa += x;
        }
    }
    sb / nb as f64 - sa / (pool.len() - nb) as f64
}

/// Two-sided permutation test of `mean(b) - mean(a)` for independent groups (module
/// documentation), exact when `C(na + nb, na) <= resamples`.
///
/// # Errors
/// [`MetricsError::Empty`] or [`MetricsError::NonFiniteValue`] on bad values;
/// [`MetricsError::InvalidParameter`] when `resamples` is 0.
pub fn permutation_test(
    a: &[f64],
    b: &[f64],
    resamples: usize,
    seed: u64,
) -> Result<PermutationTest, MetricsError> {
    check_values(a, "permutation test, group A")?;
    check_values(b, "permutation test, group B")?;
    check_resamples(resamples)?;
    let pool: Vec<f64> = a.iter().chain(b).copied().collect();
    let (n, nb) = (pool.len(), b.len());
    let mut in_b: Vec<bool> = (0..n).map(|i| i >= a.len()).collect();
    let mut tally = Tally::new(split_statistic(&pool, &in_b, nb), &pool);
    let distinct = binomial(n as u64, nb as u64);
    if let Some(count) = distinct.filter(|&c| c <= resamples as u64) {
        // Every choice of B's indices, in lexicographic order.
        let mut chosen: Vec<usize> = (0..nb).collect();
        loop {
            in_b.fill(false);
            for &i in &chosen {
                in_b[i] = true;
            }
            tally.add(split_statistic(&pool, &in_b, nb));
            let Some(k) = (0..nb).rev().find(|&k| chosen[k] < n - nb + k) else {
                break;
            };
            chosen[k] += 1;
            for j in k + 1..nb {
                chosen[j] = chosen[j - 1] + 1;
            }
        }
        return Ok(PermutationTest {
            p: tally.p(count, true),
            resamples: count,
            exact: true,
            distinct,
        });
    }
    let mut rng = permutation_rng(seed);
    let mut order: Vec<usize> = (0..n).collect();
    for _ in 0..resamples {
        // A uniform random choice of B's nb indices: a partial Fisher-Yates shuffle.
        for i in 0..nb {
            let j = rng.gen_range(i..n);
            order.swap(i, j);
        }
        in_b.fill(false);
        for &i in &order[..nb] {
            in_b[i] = true;
        }
        tally.add(split_statistic(&pool, &in_b, nb));
    }
    Ok(PermutationTest {
        p: tally.p(resamples as u64, false),
        resamples: resamples as u64,
        exact: false,
        distinct,
    })
}

/// Two-sided sign-flip test of the mean of paired differences `d_i = b_i - a_i` (module
/// documentation), exact when `2^N <= resamples`.
///
/// # Errors
/// As [`permutation_test`].
pub fn sign_flip_test(
    differences: &[f64],
    resamples: usize,
    seed: u64,
) -> Result<PermutationTest, MetricsError> {
    check_values(differences, "sign-flip test, paired differences")?;
    check_resamples(resamples)?;
    let n = differences.len();
    let statistic = |flip: &dyn Fn(usize) -> bool| {
        let sum: f64 = (0..n)
            .map(|i| {
                if flip(i) {
                    -differences[i]
                } else {
                    differences[i]
                }
            })
            .sum();
        sum / n as f64
    };
    let mut tally = Tally::new(statistic(&|_| false), differences);
    let distinct = (n < 64).then(|| 1_u64 << n);
    if let Some(count) = distinct.filter(|&c| c <= resamples as u64) {
        for mask in 0..count {
            tally.add(statistic(&|i| mask >> i & 1 == 1));
        }
        return Ok(PermutationTest {
            p: tally.p(count, true),
            resamples: count,
            exact: true,
            distinct,
        });
    }
    let mut rng = permutation_rng(seed);
    let mut flips = vec![false; n];
    for _ in 0..resamples {
        for f in flips.iter_mut() {
            *f = rng.gen_bool(0.5);
        }
        tally.add(statistic(&|i| flips[i]));
    }
    Ok(PermutationTest {
        p: tally.p(resamples as u64, false),
        resamples: resamples as u64,
        exact: false,
        distinct,
    })
}

/// The permutation tests' stream: the seed's ChaCha20 on stream 1, apart from the bootstrap's
/// resamples (stream 0 of the same seed).
fn permutation_rng(seed: u64) -> ChaCha20Rng {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    rng.set_stream(1);
    rng
}

fn check_resamples(resamples: usize) -> Result<(), MetricsError> {
    if resamples == 0 {
        return Err(MetricsError::InvalidParameter {
            name: "permutations",
            value: "0".into(),
            expected: "at least 1 (10,000 is the default)",
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::reference::{close, floats, num, reference};
    use crate::stats::t_test::differences;

    #[test]
    fn exact_tests_match_scipy_permutation_test() {
        let mut checked = 0;
        for case in reference()["two_sample"].as_array().unwrap() {
            let (a, b) = (floats(&case["a"]), floats(&case["b"]));
            if let Some(p) = case["permutation_p"].as_f64() {
                let t = permutation_test(&a, &b, 20_000, 0).unwrap();
                assert!(t.exact, "{}", case["name"]);
                assert_eq!(t.resamples as f64, num(case, "splits"));
                close(t.p, p, 1e-14);
                checked += 1;
            }
            if let Some(p) = case["sign_flip_p"].as_f64() {
                let t = sign_flip_test(&differences(&a, &b).unwrap(), 20_000, 0).unwrap();
                assert!(t.exact);
                assert_eq!(t.resamples as f64, num(case, "sign_flips"));
                close(t.p, p, 1e-14);
                checked += 1;
            }
        }
        assert!(checked >= 8, "{checked}");
    }

    #[test]
    fn random_tests_approach_the_exact_p_and_are_pure() {
        // 12 vs 12 runs: 2,704,156 splits, enumerated here (checked against scipy above on
        // smaller cases); 20,000 random ones give p within a few Monte Carlo SDs of it.
        let case = reference()["two_sample"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "larger")
            .unwrap();
        let (a, b) = (floats(&case["a"]), floats(&case["b"]));
        let exact = permutation_test(&a, &b, 3_000_000, 0).unwrap();
        assert!(exact.exact && exact.resamples == 2_704_156);
        let r = permutation_test(&a, &b, 20_000, 3).unwrap();
        assert!(!r.exact && r.resamples == 20_000 && r.distinct == Some(2_704_156));
        let mc_sd = 2.0 * (exact.p / 2.0 * (1.0 - exact.p / 2.0) / 20_000.0).sqrt();
        assert!(
            (r.p - exact.p).abs() < 4.0 * mc_sd,
            "{} vs {}",
            r.p,
            exact.p
        );
        assert_eq!(r, permutation_test(&a, &b, 20_000, 3).unwrap());
        assert_ne!(r.p, permutation_test(&a, &b, 20_000, 4).unwrap().p);
        // 12 pairs: 4,096 sign patterns; scipy's exact p against 2,000 random patterns.
        let d = differences(&a, &b).unwrap();
        let want = num(case, "sign_flip_p");
        let s = sign_flip_test(&d, 2_000, 1).unwrap();
        assert!(!s.exact && s.distinct == Some(4096) && s.p >= s.smallest_p());
        let mc_sd = 2.0 * (want / 2.0 * (1.0 - want / 2.0) / 2_000.0).sqrt();
        assert!((s.p - want).abs() < 4.0 * mc_sd, "{} vs {want}", s.p);
        assert_eq!(s, sign_flip_test(&d, 2_000, 1).unwrap());
    }

    #[test]
    fn ties_in_exact_arithmetic_count_as_ties() {
        // Accuracies in percent from 1/3-steps: 0.1 + 0.2 style rounding must not split ties.
        let a = [100.0 / 3.0, 200.0 / 3.0, 100.0 / 3.0];
        let b = [200.0 / 3.0, 100.0 / 3.0, 200.0 / 3.0];
        let t = permutation_test(&a, &b, 1000, 0).unwrap();
        // Splits by the number of 200/3 values in B (0..3): 1, 9, 9, 1 of 20; the observed has
        // 2, so P(T >= t) = 10/20 and P(T <= t) = 19/20: p = 1.
        assert_eq!((t.p, t.resamples, t.exact), (1.0, 20, true));
        let same = sign_flip_test(&[0.0, 0.0], 10, 0).unwrap();
        assert_eq!(same.p, 1.0);
        assert_eq!(binomial(24, 12), Some(2_704_156));
        assert_eq!(binomial(200, 100), None);
        assert!(permutation_test(&a, &b, 0, 0).is_err());
    }
}
