//! The bootstrap of a statistic of two independent groups of runs: each group resampled on its
//! own, as [`super::sd_ratio`] does for the SD ratio.

use super::bootstrap::{resampled, summarize, Bootstrap, BootstrapEstimate};
use crate::metrics::{check_values, MetricsError};

/// Bootstrap of `statistic(a, b)` for two independent groups: per resample, `a*` (`len(a)`
/// draws with replacement from `a`) then `b*` (`len(b)` draws from `b`), from
/// `ChaCha20Rng::seed_from_u64(cfg.seed)` with `gen_range` (the draws of [`super::sd_ratio`]),
/// then the SD and percentile interval of the resampled statistics
/// ([`BootstrapEstimate`]). The runs, not the examples, are resampled: they are the
/// independent units.
///
/// Two calls with the same seed and group sizes draw the same resamples, so the intervals of
/// several statistics of one comparison come from one set of resamples.
///
/// # Errors
/// [`MetricsError::Empty`] or [`MetricsError::NonFiniteValue`] on bad values;
/// [`MetricsError::InvalidParameter`] on bad settings; [`MetricsError::Undefined`] when no
/// resample gives a finite statistic.
///
/// # Examples
/// ```
/// use runvar_core::stats::{bootstrap_two_samples, mean, Bootstrap};
/// let (a, b) = ([1.0, 2.0, 3.0], [2.0, 3.0, 4.0, 5.0]);
/// let diff = |a: &[f64], b: &[f64]| mean(b).unwrap() - mean(a).unwrap();
/// let e = bootstrap_two_samples(&a, &b, &Bootstrap::with_seed(1), diff).unwrap();
/// assert_eq!(e.estimate, 1.5);
/// assert!(e.interval.lo < 1.5 && 1.5 < e.interval.hi);
/// ```
pub fn bootstrap_two_samples(
    a: &[f64],
    b: &[f64],
    cfg: &Bootstrap,
    mut statistic: impl FnMut(&[f64], &[f64]) -> f64,
) -> Result<BootstrapEstimate, MetricsError> {
    cfg.validate()?;
    check_values(a, "bootstrap values, group A")?;
    check_values(b, "bootstrap values, group B")?;
    let estimate = statistic(a, b);
    let replicates = resampled(a, b, cfg, statistic);
    summarize(estimate, replicates, cfg, "two-sample bootstrap")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::population_sd;
    use crate::stats::sd_ratio;

    #[test]
    fn draws_the_resamples_of_sd_ratio() {
        let a = [1.0, 4.0, 2.0, 8.0, 5.0];
        let b = [3.0, 1.0, 7.0, 2.0];
        let cfg = Bootstrap {
            resamples: 500,
            seed: 11,
            level: 0.9,
        };
        let ratio = |a: &[f64], b: &[f64]| population_sd(a).unwrap() / population_sd(b).unwrap();
        let ours = bootstrap_two_samples(&a, &b, &cfg, ratio).unwrap();
        let theirs = sd_ratio(&a, &b, &cfg).unwrap();
        assert_eq!(ours.estimate, theirs.estimate);
        assert_eq!(ours.defined, theirs.defined);
        assert!((ours.interval.lo - theirs.interval.lo).abs() < 1e-12);
        assert!((ours.std_error - theirs.std_error).abs() < 1e-12);
    }

    #[test]
    fn constant_groups_give_a_point_interval() {
        let diff = |a: &[f64], b: &[f64]| b[0] - a[0];
        let e = bootstrap_two_samples(&[1.0; 3], &[2.0; 4], &Bootstrap::default(), diff).unwrap();
        assert_eq!((e.interval.lo, e.interval.hi, e.std_error), (1.0, 1.0, 0.0));
        assert!(bootstrap_two_samples(&[], &[1.0], &Bootstrap::default(), diff).is_err());
    }
}
