//! Is a ratio of two conditions' spreads different from 1? The bootstrap p-value of a ratio
//! against the null value 1, taken from the very resamples its percentile interval comes
//! from ([`sd_ratio`], [`pair_mean_ratio`]), so testing changes no interval.
//!
//! # The p-value
//! Of the `D` finite resampled ratios `r*`, let `L = #{r* <= 1}` and `U = #{r* >= 1}`; the
//! two-sided p-value is `p = min(1, 2 min(L, U) / D)`. It is the percentile interval
//! inverted (Efron and Tibshirani, "An Introduction to the Bootstrap", 1993, section 15.4,
//! the achieved significance level of a bootstrap test; Davison and Hinkley, "Bootstrap
//! Methods and their Application", 1997, section 4.4): the smallest `alpha` at which the
//! `1 - alpha` percentile interval would still hold 1, so the report's 95% interval excludes 1
//! exactly when `p < 0.05`, up to the interpolation between neighbouring resamples of the
//! percentile. A ratio no resample puts on one side of 1 gets `p = 0`: read it as
//! `p < 1/D`. Resamples exactly at 1 count on both sides (conservative).

use super::bootstrap::{sd_ratio_replicates, summarize, Bootstrap, BootstrapEstimate};
use super::pairwise::pair_mean_ratio_replicates;
use crate::metrics::{MetricsError, PairMatrix};

#[cfg(doc)]
use super::{pair_mean_ratio, sd_ratio};

/// A ratio's bootstrap estimate with its two-sided p-value against 1.
#[derive(Debug, Clone, PartialEq)]
pub struct RatioTest {
    /// Exactly what [`sd_ratio`] or [`pair_mean_ratio`] gives for the same inputs and seed.
    pub estimate: BootstrapEstimate,
    /// The two-sided bootstrap p-value of "the ratio is 1" (module docs), in `[0, 1]`.
    pub p_value: f64,
}

/// The two-sided bootstrap p-value of `null` from resampled statistics (module docs); the
/// non-finite resamples are left out, as the interval leaves them out. `None` when no
/// resample is finite.
///
/// Matches `min(1, 2 * min(np.mean(r <= null), np.mean(r >= null)))` of the finite `r`.
///
/// # Examples
/// ```
/// use runvar_core::stats::bootstrap_p_value;
/// // 1 of 8 resamples at or below 1: p = 2 * 1 / 8.
/// let r = [0.9, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, f64::NAN, 1.7];
/// assert_eq!(bootstrap_p_value(&r, 1.0), Some(0.25));
/// assert_eq!(bootstrap_p_value(&[f64::NAN], 1.0), None);
/// ```
pub fn bootstrap_p_value(replicates: &[f64], null: f64) -> Option<f64> {
    let (mut below, mut above, mut defined) = (0_usize, 0_usize, 0_usize);
    for &r in replicates.iter().filter(|r| r.is_finite()) {
        defined += 1;
        below += usize::from(r <= null);
        above += usize::from(r >= null);
    }
    (defined > 0).then(|| (2.0 * below.min(above) as f64 / defined as f64).min(1.0))
}

fn test(
    (estimate, replicates): (f64, Vec<f64>),
    cfg: &Bootstrap,
    what: &'static str,
) -> Result<RatioTest, MetricsError> {
    let p_value = bootstrap_p_value(&replicates, 1.0);
    let estimate = summarize(estimate, replicates, cfg, what)?;
    Ok(RatioTest {
        estimate,
        // `summarize` refused the case without a finite resample.
        p_value: p_value.unwrap_or(1.0),
    })
}

/// [`sd_ratio`] with the p-value of "the two SDs are equal" from the same resamples.
///
/// # Errors
/// As [`sd_ratio`].
///
/// # Examples
/// ```
/// use runvar_core::stats::{sd_ratio, sd_ratio_test, Bootstrap};
/// let (a, b) = ([1.0, 5.0, 2.0, 8.0, 3.0, 9.0], [1.0, 1.5, 1.2, 1.4, 1.1, 1.3]);
/// let t = sd_ratio_test(&a, &b, &Bootstrap::with_seed(1)).unwrap();
/// assert_eq!(t.estimate, sd_ratio(&a, &b, &Bootstrap::with_seed(1)).unwrap());
/// assert!(t.p_value < 0.05); // a spreads far more than b
/// ```
pub fn sd_ratio_test(a: &[f64], b: &[f64], cfg: &Bootstrap) -> Result<RatioTest, MetricsError> {
    test(sd_ratio_replicates(a, b, cfg)?, cfg, "SD ratio")
}

/// [`pair_mean_ratio`] with the p-value of "the two pairwise means are equal" from the same
/// resamples.
///
/// # Errors
/// As [`pair_mean_ratio`].
pub fn pair_mean_ratio_test(
    a: &PairMatrix,
    b: &PairMatrix,
    cfg: &Bootstrap,
) -> Result<RatioTest, MetricsError> {
    test(
        pair_mean_ratio_replicates(a, b, cfg)?,
        cfg,
        "ratio of pairwise means",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::{pair_mean_ratio, sd_ratio};

    #[test]
    fn p_value_counts_both_tails() {
        // numpy: r = [0.5, 0.8, 1.0, 1.2, 1.5, 2.0]; np.mean(r <= 1) = 0.5, np.mean(r >= 1)
        // = 4/6: p = min(1, 2 * 0.5) = 1.
        assert_eq!(
            bootstrap_p_value(&[0.5, 0.8, 1.0, 1.2, 1.5, 2.0], 1.0),
            Some(1.0)
        );
        // All above: p = 0 (read as p < 1/D).
        assert_eq!(bootstrap_p_value(&[1.1, 1.2, 1.3], 1.0), Some(0.0));
        // 3 of 40 below: 2 * 3 / 40 = 0.15.
        let r: Vec<f64> = (0..40).map(|k| if k < 3 { 0.9 } else { 1.2 }).collect();
        assert_eq!(bootstrap_p_value(&r, 1.0), Some(0.15));
        // numpy on 999 resamples with three NaN (scripts/examples_reference.py).
        let doc = crate::metrics::examples_tests::fixture();
        let r: Vec<f64> = doc["bootstrap_p"]["replicates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap_or(f64::NAN))
            .collect();
        let want = doc["bootstrap_p"]["p"].as_f64().unwrap();
        assert!((bootstrap_p_value(&r, 1.0).unwrap() - want).abs() < 1e-12);
    }

    #[test]
    fn the_estimate_is_the_untested_one_and_p_agrees_with_the_interval() {
        let b: Vec<f64> = (0..10).map(|k| ((k * 11) % 7) as f64 * 0.1).collect();
        let mut outcomes = [0, 0];
        for scale in [0.6, 0.9, 1.0, 1.3, 1.8, 2.5] {
            let a: Vec<f64> = (0..12)
                .map(|k| ((k * 37) % 13) as f64 * 0.05 * scale)
                .collect();
            for seed in 0..3 {
                let cfg = Bootstrap::with_seed(seed);
                let t = sd_ratio_test(&a, &b, &cfg).unwrap();
                assert_eq!(t.estimate, sd_ratio(&a, &b, &cfg).unwrap());
                let ci = t.estimate.interval;
                let excludes = ci.lo > 1.0 || ci.hi < 1.0;
                assert_eq!(
                    excludes,
                    t.p_value < 0.05,
                    "scale {scale}, seed {seed}: {ci:?}, p {}",
                    t.p_value
                );
                outcomes[usize::from(excludes)] += 1;
            }
        }
        assert!(outcomes[0] > 0 && outcomes[1] > 0, "{outcomes:?}");
        let ma = PairMatrix::from_upper(4, &[0.1, 0.5, 0.2, 0.7, 0.3, 0.4]).unwrap();
        let mb = PairMatrix::from_upper(3, &[0.6, 0.2, 0.9]).unwrap();
        let cfg = Bootstrap::with_seed(3);
        let t = pair_mean_ratio_test(&ma, &mb, &cfg).unwrap();
        assert_eq!(t.estimate, pair_mean_ratio(&ma, &mb, &cfg).unwrap());
        assert!(t.p_value > 0.05, "overlapping pairs: {}", t.p_value);
    }
}
