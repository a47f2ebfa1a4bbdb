//! Bootstrap errors and percentile confidence intervals (docs/protocol.md section 3).
//!
//! Every function here is a pure function of its inputs and [`Bootstrap::seed`]: resamples are
//! drawn in order from `ChaCha20Rng::seed_from_u64(seed)` with `rng.gen_range(0..len)` (rand
//! 0.8), whatever the number of threads.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

use super::{percentile_sorted, Interval};
use crate::metrics::{check_values, population_sd, sd_unchecked, MetricsError};

/// Resamples in the paper's bootstrap (docs/protocol.md section 3).
pub const DEFAULT_RESAMPLES: usize = 10_000;

/// Bootstrap settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bootstrap {
    /// Number of resamples `B` (default [`DEFAULT_RESAMPLES`]).
    pub resamples: usize,
    /// Seed of the resampling stream (default 0).
    pub seed: u64,
    /// Confidence level of the percentile interval, in `(0, 1)` (default 0.95).
    pub level: f64,
}

impl Default for Bootstrap {
    fn default() -> Self {
        Bootstrap {
            resamples: DEFAULT_RESAMPLES,
            seed: 0,
            level: 0.95,
        }
    }
}

impl Bootstrap {
    /// The defaults with the given seed.
    pub fn with_seed(seed: u64) -> Self {
        Bootstrap {
            seed,
            ..Self::default()
        }
    }

    pub(super) fn validate(&self) -> Result<(), MetricsError> {
        if self.resamples == 0 {
            return Err(MetricsError::InvalidParameter {
                name: "bootstrap resamples",
                value: "0".into(),
                expected: "at least 1 (the paper uses 10,000)",
            });
        }
        if !(self.level > 0.0 && self.level < 1.0) {
            return Err(MetricsError::InvalidParameter {
                name: "bootstrap confidence level",
                value: self.level.to_string(),
                expected: "a level strictly between 0 and 1, such as 0.95",
            });
        }
        Ok(())
    }
}

/// A statistic with its bootstrap standard error and percentile confidence interval.
#[derive(Debug, Clone, PartialEq)]
pub struct BootstrapEstimate {
    /// The statistic on the original data.
    pub estimate: f64,
    /// Population SD (ddof 0, as `numpy.std`) of the defined resampled statistics: the "±".
    pub std_error: f64,
    /// Percentile interval of the defined resampled statistics (`numpy.percentile`, linear).
    pub interval: Interval,
    /// Confidence level of [`BootstrapEstimate::interval`] ([`Bootstrap::level`]).
    pub level: f64,
    /// Resamples whose statistic was defined (finite) and used.
    pub defined: usize,
    /// Resamples whose statistic was undefined (NaN or infinite), left out.
    pub undefined: usize,
}

/// Bootstrap of any statistic of a list of per-run values: `B` resamples of `values.len()`
/// draws with replacement, the statistic of each, then their SD and percentile interval.
///
/// Matches `numpy.std(stats)` and `numpy.percentile(stats, [2.5, 97.5])` of
/// `stats = [statistic(rng.choice(values, len(values))) for _ in range(B)]` (the draws
/// themselves follow rand's `ChaCha20Rng`, not numpy's generator).
///
/// # Remarks
/// Resamples whose statistic is not finite are counted in
/// [`BootstrapEstimate::undefined`] and left out. A single value gives a degenerate bootstrap
/// (every resample is that value).
///
/// # Errors
/// [`MetricsError::Empty`] and [`MetricsError::NonFiniteValue`] on bad values;
/// [`MetricsError::InvalidParameter`] on bad settings; [`MetricsError::Undefined`] when no
/// resample gives a finite statistic.
pub fn bootstrap_statistic(
    values: &[f64],
    cfg: &Bootstrap,
    mut statistic: impl FnMut(&[f64]) -> f64,
) -> Result<BootstrapEstimate, MetricsError> {
    cfg.validate()?;
    check_values(values, "bootstrap values")?;
    let estimate = statistic(values);
    let mut rng = ChaCha20Rng::seed_from_u64(cfg.seed);
    let mut buf = vec![0.0; values.len()];
    let replicates = (0..cfg.resamples)
        .map(|_| {
            for b in buf.iter_mut() {
                *b = values[rng.gen_range(0..values.len())];
            }
            statistic(&buf)
        })
        .collect();
    summarize(estimate, replicates, cfg, "bootstrap statistic")
}

/// Population SD of per-run values with its bootstrap error, docs/protocol.md section 3: "resample
/// the N per-run values with replacement 10,000 times, take the SD of each resample, report
/// the SD of those SDs".
///
/// [`BootstrapEstimate::estimate`] is [`population_sd`] of `values`;
/// [`BootstrapEstimate::std_error`] is the paper's "±" (e.g. 0.26 ± 0.02 points of accuracy).
///
/// # Remarks
/// Constant values (the deterministic control) give estimate, error and interval all exactly
/// 0.
///
/// # Errors
/// As [`bootstrap_statistic`].
///
/// # Examples
/// ```
/// use runvar_core::stats::{bootstrap_sd, Bootstrap};
/// let acc = [0.912, 0.915, 0.910, 0.917, 0.913];
/// let b = bootstrap_sd(&acc, &Bootstrap::with_seed(1)).unwrap();
/// assert!(b.std_error > 0.0 && b.interval.lo <= b.estimate);
/// assert_eq!(b, bootstrap_sd(&acc, &Bootstrap::with_seed(1)).unwrap()); // pure
/// ```
pub fn bootstrap_sd(values: &[f64], cfg: &Bootstrap) -> Result<BootstrapEstimate, MetricsError> {
    bootstrap_statistic(values, cfg, |v| sd_unchecked(v.iter().copied(), v.len()))
}

/// Ratio of SDs `sd(a) / sd(b)` of two conditions' per-run values (independent runs), with a
/// bootstrap resampling each list independently: `a*` (`len(a)` draws from `a`) then `b*`
/// (`len(b)` draws from `b`) per resample, ratio `sd(a*) / sd(b*)`.
///
/// Answers "does a mitigation change the accuracy SD": the interval excluding 1 says so at the
/// chosen level. SDs are population SDs (ddof 0), as [`population_sd`].
///
/// # Remarks
/// A resample with `sd(b*) = 0` (all draws equal) has no ratio: it is counted in
/// [`BootstrapEstimate::undefined`] and left out (rare unless `b` is short or nearly
/// constant).
///
/// # Errors
/// [`MetricsError::Undefined`] when `sd(b) = 0`; [`MetricsError::Empty`] or
/// [`MetricsError::NonFiniteValue`] on bad values; [`MetricsError::InvalidParameter`] on bad
/// settings.
///
/// # Examples
/// ```
/// use runvar_core::stats::{sd_ratio, Bootstrap};
/// let a = [1.0, 2.0, 3.0, 4.0];
/// let b = [2.0, 4.0, 6.0, 8.0];
/// let r = sd_ratio(&a, &b, &Bootstrap::with_seed(3)).unwrap();
/// assert_eq!(r.estimate, 0.5);
/// ```
pub fn sd_ratio(a: &[f64], b: &[f64], cfg: &Bootstrap) -> Result<BootstrapEstimate, MetricsError> {
    let (estimate, replicates) = sd_ratio_replicates(a, b, cfg)?;
    summarize(estimate, replicates, cfg, "SD ratio")
}

/// [`sd_ratio`]'s estimate and its `B` resampled ratios in draw order (non-finite ones
/// included), before they are summarized: what [`super::ratio_test`] takes its p-value from.
pub(super) fn sd_ratio_replicates(
    a: &[f64],
    b: &[f64],
    cfg: &Bootstrap,
) -> Result<(f64, Vec<f64>), MetricsError> {
    cfg.validate()?;
    check_values(a, "SD ratio numerator values")?;
    check_values(b, "SD ratio denominator values")?;
    let (sa, sb) = (population_sd(a)?, population_sd(b)?);
    if sb == 0.0 {
        return Err(MetricsError::Undefined {
            what: "SD ratio",
            reason: "the denominator's values are all equal (SD 0)",
        });
    }
    let replicates = resampled(a, b, cfg, |ra, rb| {
        sd_unchecked(ra.iter().copied(), ra.len()) / sd_unchecked(rb.iter().copied(), rb.len())
    });
    Ok((sa / sb, replicates))
}

/// `statistic(a*, b*)` of `cfg.resamples` resamples, in draw order: per resample `a*`
/// (`len(a)` draws with replacement from `a`) then `b*`, from
/// `ChaCha20Rng::seed_from_u64(cfg.seed)` with `gen_range`. The one drawing loop of
/// [`sd_ratio`] and [`super::bootstrap_two_samples`].
pub(super) fn resampled(
    a: &[f64],
    b: &[f64],
    cfg: &Bootstrap,
    mut statistic: impl FnMut(&[f64], &[f64]) -> f64,
) -> Vec<f64> {
    let mut rng = ChaCha20Rng::seed_from_u64(cfg.seed);
    let (mut ra, mut rb) = (vec![0.0; a.len()], vec![0.0; b.len()]);
    (0..cfg.resamples)
        .map(|_| {
            for v in ra.iter_mut() {
                *v = a[rng.gen_range(0..a.len())];
            }
            for v in rb.iter_mut() {
                *v = b[rng.gen_range(0..b.len())];
            }
            statistic(&ra, &rb)
        })
        .collect()
}

pub(super) fn summarize(
    estimate: f64,
    replicates: Vec<f64>,
    cfg: &Bootstrap,
    what: &'static str,
) -> Result<BootstrapEstimate, MetricsError> {
    let total = replicates.len();
    let mut defined: Vec<f64> = replicates.into_iter().filter(|v| v.is_finite()).collect();
    if defined.is_empty() {
        return Err(MetricsError::Undefined {
            what,
            reason: "no resample gave a finite statistic",
        });
    }
    let std_error = sd_unchecked(defined.iter().copied(), defined.len());
    defined.sort_unstable_by(f64::total_cmp);
    let interval = Interval {
        lo: percentile_sorted(&defined, (1.0 - cfg.level) / 2.0),
        hi: percentile_sorted(&defined, (1.0 + cfg.level) / 2.0),
    };
    Ok(BootstrapEstimate {
        estimate,
        std_error,
        interval,
        level: cfg.level,
        defined: defined.len(),
        undefined: total - defined.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::PairMatrix;
    use crate::stats::bootstrap_pairwise_mean;

    #[test]
    fn pure_function_of_seed() {
        let v = [0.91, 0.915, 0.909, 0.92, 0.913, 0.911, 0.918];
        let a = bootstrap_sd(&v, &Bootstrap::with_seed(42)).unwrap();
        let b = bootstrap_sd(&v, &Bootstrap::with_seed(42)).unwrap();
        assert_eq!(a.std_error.to_bits(), b.std_error.to_bits());
        assert_eq!(a, b);
        let c = bootstrap_sd(&v, &Bootstrap::with_seed(43)).unwrap();
        assert_ne!(a.std_error, c.std_error);
        assert_eq!(a.estimate, population_sd(&v).unwrap());
        assert_eq!((a.defined, a.undefined), (DEFAULT_RESAMPLES, 0));
        assert!(a.interval.lo < a.estimate && a.estimate < a.interval.hi);
        let m = PairMatrix::from_upper(4, &[0.1, 0.2, 0.3, 0.15, 0.25, 0.12]).unwrap();
        let p = bootstrap_pairwise_mean(&m, &Bootstrap::with_seed(5)).unwrap();
        assert_eq!(
            p,
            bootstrap_pairwise_mean(&m, &Bootstrap::with_seed(5)).unwrap()
        );
        assert_ne!(
            p.std_error,
            bootstrap_pairwise_mean(&m, &Bootstrap::with_seed(6))
                .unwrap()
                .std_error
        );
    }

    #[test]
    fn matches_a_plain_loop_with_the_same_draws() {
        // Reference: numpy-style loop over the same ChaCha20 draws.
        let v = [1.0, 4.0, 2.0, 8.0, 5.0];
        let cfg = Bootstrap {
            resamples: 200,
            seed: 9,
            level: 0.9,
        };
        let mut rng = ChaCha20Rng::seed_from_u64(9);
        let mut sds: Vec<f64> = (0..200)
            .map(|_| {
                let s: Vec<f64> = (0..5).map(|_| v[rng.gen_range(0..5)]).collect();
                let m = s.iter().sum::<f64>() / 5.0;
                (s.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / 5.0).sqrt()
            })
            .collect();
        let b = bootstrap_sd(&v, &cfg).unwrap();
        let m = sds.iter().sum::<f64>() / 200.0;
        let se = (sds.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / 200.0).sqrt();
        assert!((b.std_error - se).abs() < 1e-12);
        sds.sort_by(f64::total_cmp);
        assert!((b.interval.lo - percentile_sorted(&sds, 0.05)).abs() < 1e-12);
        assert!((b.interval.hi - percentile_sorted(&sds, 0.95)).abs() < 1e-12);
    }

    #[test]
    fn degenerate_and_bad_inputs() {
        let c = bootstrap_sd(&[0.5; 10], &Bootstrap::default()).unwrap();
        assert_eq!(
            (c.estimate, c.std_error, c.interval.lo, c.interval.hi),
            (0.0, 0.0, 0.0, 0.0)
        );
        // N = 2: a resample drawing one run twice has no pair.
        let m = PairMatrix::from_upper(2, &[0.3]).unwrap();
        let b = bootstrap_pairwise_mean(&m, &Bootstrap::with_seed(1)).unwrap();
        assert!(b.undefined > 4000 && b.undefined < 6000, "{}", b.undefined);
        assert_eq!((b.std_error, b.interval.lo), (0.0, 0.3));
        let nan = PairMatrix::from_upper(3, &[0.1, f64::NAN, 0.2]).unwrap();
        assert!(matches!(
            bootstrap_pairwise_mean(&nan, &Bootstrap::default()),
            Err(MetricsError::NonFiniteValue { index: 1, .. })
        ));
        assert!(matches!(
            bootstrap_sd(&[], &Bootstrap::default()),
            Err(MetricsError::Empty { .. })
        ));
        let bad = Bootstrap {
            level: 1.0,
            ..Bootstrap::default()
        };
        assert!(matches!(
            bootstrap_sd(&[1.0], &bad),
            Err(MetricsError::InvalidParameter { .. })
        ));
        assert!(matches!(
            sd_ratio(&[1.0, 2.0], &[3.0, 3.0], &Bootstrap::default()),
            Err(MetricsError::Undefined { .. })
        ));
    }

    #[test]
    fn sd_ratio_interval_covers_the_truth_for_scaled_data() {
        // b = 2 a exactly, so sd(a) / sd(b) = 0.5; independent resampling gives an interval
        // around it.
        let a: Vec<f64> = (0..50).map(|k| ((k * 7919) % 101) as f64).collect();
        let b: Vec<f64> = a.iter().map(|x| 2.0 * x).collect();
        let r = sd_ratio(&a, &b, &Bootstrap::with_seed(2)).unwrap();
        assert_eq!(r.estimate, 0.5);
        assert!(
            r.interval.lo < 0.5 && 0.5 < r.interval.hi,
            "{:?}",
            r.interval
        );
        assert!(r.std_error > 0.0 && r.std_error < 0.2);
    }
}
