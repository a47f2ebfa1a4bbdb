//! Every statistic of one metric (accuracy or cross-entropy) between the runs of A and B.
//!
//! Differences are always B - A, in the metric's units; [`Better`] says which sign is an
//! improvement (accuracy: positive; cross-entropy: negative). The probability of improvement
//! is the chance that a run of B is *better* than a run of A, whichever way better points.

use serde::Serialize;

use super::settings::Settings;
use crate::metrics::MetricsError;
use crate::stats::t_test::{differences, sample_variance};
use crate::stats::{
    bootstrap_statistic, bootstrap_two_samples, cohens_d, mean, paired_t, permutation_test,
    probability_of_improvement, sign_flip_test, welch, Better, BootstrapEstimate, CohensD,
    Interval, PermutationTest, TTest,
};

/// A statistic with its percentile bootstrap interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    /// The statistic on the runs.
    pub estimate: f64,
    /// Percentile bootstrap interval (`None` when no resample gave a finite value).
    pub interval: Option<Interval>,
    /// Bootstrap standard error (SD of the resampled statistics).
    pub std_error: f64,
}

impl From<BootstrapEstimate> for Estimate {
    fn from(e: BootstrapEstimate) -> Estimate {
        Estimate {
            estimate: e.estimate,
            interval: e.interval.scaled(1.0),
            std_error: e.std_error,
        }
    }
}

/// A statistic that could not be computed on these runs, and why (both arms constant, ...).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Maybe<T> {
    /// The value.
    Value(T),
    /// Why there is none.
    Undefined {
        /// The reason, in words.
        undefined: String,
    },
}

impl<T> Maybe<T> {
    fn from_result(r: Result<T, MetricsError>) -> Maybe<T> {
        match r {
            Ok(v) => Maybe::Value(v),
            Err(MetricsError::Undefined { reason, .. }) => Maybe::Undefined {
                undefined: format!("undefined: {reason}"),
            },
            Err(e) => Maybe::Undefined {
                undefined: e.to_string(),
            },
        }
    }

    /// The value, if any.
    pub fn value(&self) -> Option<&T> {
        match self {
            Maybe::Value(v) => Some(v),
            Maybe::Undefined { .. } => None,
        }
    }
}

/// The paired statistics: per-pair differences `b_i - a_i`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairedStatistics {
    /// Pairs.
    pub pairs: usize,
    /// Mean of the per-pair differences B - A, with a bootstrap interval resampling pairs.
    pub mean_difference: Estimate,
    /// Sign-flip permutation test of that mean.
    pub sign_flip: PermutationTest,
    /// Paired t test (`scipy.stats.ttest_rel(b, a)`).
    pub t_test: Maybe<TTest>,
}

/// Every statistic of one metric.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricComparison {
    /// `accuracy` or `cross_entropy`.
    pub metric: &'static str,
    /// `pp` (percentage points) or `nats`.
    pub unit: &'static str,
    /// Which direction is better.
    pub better: Better,
    /// Mean over A's runs.
    pub mean_a: f64,
    /// Mean over B's runs.
    pub mean_b: f64,
    /// Run-to-run SD of A (sample SD, `ddof = 1`).
    pub sd_a: f64,
    /// Run-to-run SD of B (sample SD, `ddof = 1`).
    pub sd_b: f64,
    /// `mean_b - mean_a`, with a bootstrap interval resampling each arm's runs independently.
    pub difference: Estimate,
    /// Permutation test of the difference (runs relabelled between A and B).
    pub permutation: PermutationTest,
    /// Welch's t test (`scipy.stats.ttest_ind(b, a, equal_var=False)`).
    pub welch: Maybe<TTest>,
    /// P(a run of B is better than a run of A), ties half, with a bootstrap interval.
    pub probability_of_improvement: Estimate,
    /// The difference in run-to-run SDs: Cohen's d with the pooled sample SD.
    pub effect_size: Maybe<CohensD>,
    /// The paired statistics, when A and B are paired.
    pub paired: Option<PairedStatistics>,
}

impl MetricComparison {
    /// Compute every statistic of `a` against `b` (`paired`: run i of A pairs with run i of
    /// B). Arms have at least 2 runs each, checked by the caller.
    ///
    /// # Errors
    /// [`MetricsError`] on non-finite values or bad settings.
    pub fn new(
        metric: &'static str,
        unit: &'static str,
        better: Better,
        a: &[f64],
        b: &[f64],
        paired: bool,
        s: &Settings,
    ) -> Result<MetricComparison, MetricsError> {
        let boot = s.bootstrap();
        let diff = |a: &[f64], b: &[f64]| mean_unchecked(b) - mean_unchecked(a);
        let pi = |a: &[f64], b: &[f64]| probability_of_improvement(a, b, better);
        let paired = if paired {
            let d = differences(a, b)?;
            Some(PairedStatistics {
                pairs: d.len(),
                mean_difference: bootstrap_statistic(&d, &boot, mean_unchecked)?.into(),
                sign_flip: sign_flip_test(&d, s.permutations, s.seed)?,
                t_test: Maybe::from_result(paired_t(a, b)),
            })
        } else {
            None
        };
        Ok(MetricComparison {
            metric,
            unit,
            better,
            mean_a: mean(a)?,
            mean_b: mean(b)?,
            sd_a: sample_variance(a, "run-to-run SD of A")?.sqrt(),
            sd_b: sample_variance(b, "run-to-run SD of B")?.sqrt(),
            difference: bootstrap_two_samples(a, b, &boot, diff)?.into(),
            permutation: permutation_test(a, b, s.permutations, s.seed)?,
            welch: Maybe::from_result(welch(a, b)),
            // The same seed: the same resamples as the difference's interval.
            probability_of_improvement: bootstrap_two_samples(a, b, &boot, pi)?.into(),
            effect_size: Maybe::from_result(cohens_d(a, b)),
            paired,
        })
    }

    /// The test the verdict uses: the sign-flip test when paired, else the permutation test;
    /// with the estimate of the difference it tests.
    pub fn headline(&self) -> (&PermutationTest, &Estimate) {
        match &self.paired {
            Some(p) => (&p.sign_flip, &p.mean_difference),
            None => (&self.permutation, &self.difference),
        }
    }

    /// True when B is better than A by the difference's sign (a difference of 0 is neither).
    pub fn b_is_better(&self) -> bool {
        let (_, d) = self.headline();
        self.better.beats(d.estimate, 0.0)
    }
}

fn mean_unchecked(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::reference::{close, floats, num, reference};

    #[test]
    fn every_number_matches_the_reference() {
        let s = Settings {
            permutations: 20_000,
            ..Settings::default()
        };
        for case in reference()["two_sample"].as_array().unwrap() {
            let (a, b) = (floats(&case["a"]), floats(&case["b"]));
            let paired = a.len() == b.len();
            let m = MetricComparison::new("accuracy", "pp", Better::Higher, &a, &b, paired, &s)
                .unwrap();
            close(m.mean_a, num(case, "mean_a"), 1e-15);
            close(m.mean_b, num(case, "mean_b"), 1e-15);
            close(m.sd_b, num(case, "sd_b"), 1e-12);
            close(
                m.difference.estimate,
                num(case, "mean_b") - num(case, "mean_a"),
                1e-12,
            );
            let w = m.welch.value().unwrap();
            close(w.p, num(case, "welch_p"), 1e-10);
            assert_eq!(
                m.probability_of_improvement.estimate,
                num(case, "pi_higher")
            );
            close(
                m.effect_size.value().unwrap().d,
                num(case, "cohens_d"),
                1e-12,
            );
            if let Some(p) = case["permutation_p"].as_f64() {
                close(m.permutation.p, p, 1e-14);
            }
            if let Some(p) = &m.paired {
                close(p.mean_difference.estimate, num(case, "paired_mean"), 1e-12);
                close(p.t_test.value().unwrap().p, num(case, "paired_p"), 1e-10);
                if let Some(want) = case["sign_flip_p"].as_f64() {
                    close(p.sign_flip.p, want, 1e-14);
                }
            }
            let lower =
                MetricComparison::new("cross_entropy", "nats", Better::Lower, &a, &b, false, &s)
                    .unwrap();
            assert_eq!(
                lower.probability_of_improvement.estimate,
                num(case, "pi_lower")
            );
            assert_eq!(lower.difference, m.difference, "B - A whatever is better");
        }
    }

    #[test]
    fn constant_arms_leave_the_t_tests_undefined_not_failed() {
        let s = Settings::default();
        let m = MetricComparison::new(
            "accuracy",
            "pp",
            Better::Higher,
            &[90.0, 90.0],
            &[91.0, 91.0],
            true,
            &s,
        )
        .unwrap();
        assert!(m.welch.value().is_none() && m.effect_size.value().is_none());
        let json = serde_json::to_value(&m).unwrap();
        assert!(json["welch"]["undefined"]
            .as_str()
            .unwrap()
            .contains("same value"));
        assert_eq!(m.difference.estimate, 1.0);
        assert_eq!(m.probability_of_improvement.estimate, 1.0);
        // 2 of 6 splits are as extreme as the observed one: p = 2 * 1/6.
        assert!((m.permutation.p - 1.0 / 3.0).abs() < 1e-15);
        assert!(m.b_is_better());
    }
}
