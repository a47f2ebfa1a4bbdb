//! How large a difference between two groups of runs is, next to their run-to-run spread:
//! Cohen's d and the probability of improvement.
//!
//! - Cohen's d (J. Cohen, "Statistical Power Analysis for the Behavioral Sciences", 1988):
//!   `(mean_b - mean_a) / s_pooled`, `s_pooled = sqrt(((na - 1) va + (nb - 1) vb) / (na + nb -
//!   2))` with sample variances (`ddof = 1`): the difference in units of the run-to-run SD. No
//!   small-sample correction (Hedges' g would multiply by about `1 - 3 / (4 (na + nb) - 9)`).
//! - the probability of improvement (as in Agarwal et al., "Deep Reinforcement Learning at the
//!   Edge of the Statistical Precipice", NeurIPS 2021): the chance that a run of B drawn at
//!   random beats a run of A drawn at random, ties counting half; the Mann–Whitney U statistic
//!   of B divided by `na nb` (`scipy.stats.mannwhitneyu(b, a).statistic / (na nb)` when
//!   higher is better, `mannwhitneyu(a, b)` when lower is). 0.5 is no difference; it does not
//!   depend on the scale of the metric.

use serde::Serialize;

use super::describe::mean;
use super::t_test::sample_variance;
use crate::metrics::MetricsError;

/// Which direction of a metric is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Better {
    /// Higher is better (accuracy).
    Higher,
    /// Lower is better (cross-entropy).
    Lower,
}

impl Better {
    /// Whether `x` beats `y` strictly in this direction.
    pub fn beats(self, x: f64, y: f64) -> bool {
        match self {
            Better::Higher => x > y,
            Better::Lower => x < y,
        }
    }

    /// `higher` or `lower`.
    pub fn word(self) -> &'static str {
        match self {
            Better::Higher => "higher",
            Better::Lower => "lower",
        }
    }
}

/// Cohen's d with the SD it divides by.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CohensD {
    /// `(mean_b - mean_a) / pooled_sd`: positive when B's mean is the higher.
    pub d: f64,
    /// The pooled sample SD of both groups (`ddof = 1`), in the metric's units.
    pub pooled_sd: f64,
}

/// Cohen's d of `b` against `a` (module documentation).
///
/// # Errors
/// [`MetricsError::TooFewRuns`] when a group has fewer than 2 values;
/// [`MetricsError::Undefined`] when both groups are constant (pooled SD 0).
pub fn cohens_d(a: &[f64], b: &[f64]) -> Result<CohensD, MetricsError> {
    let what = "Cohen's d";
    let (va, vb) = (sample_variance(a, what)?, sample_variance(b, what)?);
    let (na, nb) = (a.len() as f64, b.len() as f64);
    let pooled_sd = (((na - 1.0) * va + (nb - 1.0) * vb) / (na + nb - 2.0)).sqrt();
    if pooled_sd == 0.0 {
        return Err(MetricsError::Undefined {
            what,
            reason: "every run of both groups has the same value (pooled SD 0)",
        });
    }
    Ok(CohensD {
        d: (mean(b)? - mean(a)?) / pooled_sd,
        pooled_sd,
    })
}

/// The probability that a run of `b` beats a run of `a` in direction `better`, ties counting
/// half: `(#{(i, j): b_j beats a_i} + #{ties} / 2) / (na nb)`. `O(na nb)`; inputs unchecked
/// (the caller has checked them finite and non-empty).
pub fn probability_of_improvement(a: &[f64], b: &[f64], better: Better) -> f64 {
    let mut twice = 0_u64; // twice the U statistic: a win counts 2, a tie 1
    for &y in b {
        for &x in a {
            if better.beats(y, x) {
                twice += 2;
            } else if y == x {
                twice += 1;
            }
        }
    }
    twice as f64 / (2.0 * a.len() as f64 * b.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::reference::{close, floats, num, reference};

    #[test]
    fn matches_numpy_and_mannwhitneyu() {
        for case in reference()["two_sample"].as_array().unwrap() {
            let (a, b) = (floats(&case["a"]), floats(&case["b"]));
            let d = cohens_d(&a, &b).unwrap();
            close(d.d, num(case, "cohens_d"), 1e-12);
            close(d.pooled_sd, num(case, "pooled_sd"), 1e-12);
            // Sums of halves over fewer than 2^52 pairs: exact.
            let higher = probability_of_improvement(&a, &b, Better::Higher);
            assert_eq!(higher, num(case, "pi_higher"), "{}", case["name"]);
            let lower = probability_of_improvement(&a, &b, Better::Lower);
            assert_eq!(lower, num(case, "pi_lower"), "{}", case["name"]);
        }
    }

    #[test]
    fn ties_count_half_and_constants_have_no_d() {
        assert_eq!(
            probability_of_improvement(&[1.0, 2.0], &[2.0, 2.0], Better::Higher),
            0.75
        );
        assert_eq!(
            probability_of_improvement(&[1.0, 2.0], &[2.0, 2.0], Better::Lower),
            0.25
        );
        assert!(matches!(
            cohens_d(&[3.0, 3.0], &[4.0, 4.0]),
            Err(MetricsError::Undefined { .. })
        ));
    }
}
