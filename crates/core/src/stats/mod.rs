//! Statistics over runs: mean, population SD, percentiles, and the bootstrap errors and
//! confidence intervals of docs/protocol.md section 3: per-run values and SD ratios
//! ([`bootstrap`]), means of pairwise metrics over resampled runs ([`pairwise`]).
//!
//! Errors are [`MetricsError`], shared with [`crate::metrics`].

pub mod bootstrap;
pub mod interval;
pub mod pairwise;

pub use bootstrap::{
    bootstrap_sd, bootstrap_statistic, sd_ratio, Bootstrap, BootstrapEstimate, DEFAULT_RESAMPLES,
};
pub use interval::Interval;
pub use pairwise::{bootstrap_pairwise_mean, pair_mean_ratio};

use crate::metrics::MetricsError;

/// Arithmetic mean, summed in `f64` in order.
///
/// Matches `numpy.mean(values)`.
///
/// # Remarks
/// Constant input gives that constant only up to rounding of the sum; use
/// [`population_sd`] for spreads, which is exact on constant input.
///
/// # Errors
/// [`MetricsError::Empty`] on an empty slice; [`MetricsError::NonFiniteValue`] on NaN or
/// infinity.
///
/// # Examples
/// ```
/// assert_eq!(runvar_core::stats::mean(&[1.0, 2.0, 6.0]).unwrap(), 3.0);
/// ```
pub fn mean(values: &[f64]) -> Result<f64, MetricsError> {
    check_values(values, "mean")?;
    Ok(values.iter().sum::<f64>() / values.len() as f64)
}

/// Population standard deviation (ddof 0): `sqrt(sum((x - mean)^2) / N)`.
///
/// docs/protocol.md section 3 (accuracy SD and cross-entropy SD over runs). Matches
/// `numpy.std(values)` (whose default is `ddof=0`).
///
/// # Remarks
/// Computed as a two-pass sum of squares shifted by the first value, so bitwise-equal values
/// (the deterministic control) give exactly `0.0` and a single value gives `0.0`.
///
/// # Errors
/// [`MetricsError::Empty`] on an empty slice; [`MetricsError::NonFiniteValue`] on NaN or
/// infinity.
///
/// # Examples
/// ```
/// use runvar_core::stats::population_sd;
/// assert_eq!(population_sd(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]).unwrap(), 2.0);
/// assert_eq!(population_sd(&[0.1; 7]).unwrap(), 0.0);
/// ```
pub fn population_sd(values: &[f64]) -> Result<f64, MetricsError> {
    check_values(values, "population SD")?;
    Ok(sd_unchecked(values.iter().copied(), values.len()))
}

/// Population SD of `len` finite values; `len >= 1`. Shifted two-pass: deviations from the
/// first value, so equal values give exactly zero.
pub(crate) fn sd_unchecked(values: impl Iterator<Item = f64> + Clone, len: usize) -> f64 {
    let mut it = values.clone();
    let shift = it.next().unwrap_or(0.0);
    let n = len as f64;
    let m = values.clone().map(|v| v - shift).sum::<f64>() / n;
    let ss = values
        .map(|v| (v - shift - m) * (v - shift - m))
        .sum::<f64>();
    (ss / n).sqrt()
}

/// Percentile `q` in `[0, 1]` of sorted data, linear interpolation between order statistics.
///
/// Matches `numpy.percentile(values, 100 * q)` (method `"linear"`, the default).
///
/// # Remarks
/// `sorted` must be sorted ascending and non-empty (checked: the result is NaN otherwise).
///
/// # Examples
/// ```
/// use runvar_core::stats::percentile_sorted;
/// assert_eq!(percentile_sorted(&[1.0, 2.0, 3.0, 4.0], 0.5), 2.5);
/// assert_eq!(percentile_sorted(&[1.0, 2.0, 3.0, 4.0], 0.0), 1.0);
/// ```
pub fn percentile_sorted(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() || !(0.0..=1.0).contains(&q) {
        return f64::NAN;
    }
    let h = (sorted.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    let frac = h - lo as f64;
    if frac == 0.0 {
        sorted[lo]
    } else {
        sorted[lo] + frac * (sorted[hi] - sorted[lo])
    }
}

pub(crate) fn check_values(values: &[f64], what: &'static str) -> Result<(), MetricsError> {
    if values.is_empty() {
        return Err(MetricsError::Empty { what });
    }
    match values.iter().position(|v| !v.is_finite()) {
        Some(index) => Err(MetricsError::NonFiniteValue {
            what,
            index,
            value: values[index],
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sd_by_hand() {
        // values 1, 2, 3, 4: mean 2.5, squared deviations 2.25 + 0.25 + 0.25 + 2.25 = 5,
        // var 5 / 4 = 1.25, sd = sqrt(1.25) (numpy.std([1, 2, 3, 4]) = 1.118033988749895).
        assert_eq!(
            population_sd(&[1.0, 2.0, 3.0, 4.0]).unwrap(),
            1.25_f64.sqrt()
        );
        assert_eq!(population_sd(&[3.5]).unwrap(), 0.0);
        // Constant non-representable values: an unshifted mean would not be exactly 0.1.
        assert_eq!(population_sd(&[0.1, 0.1, 0.1]).unwrap(), 0.0);
        assert_eq!(population_sd(&[1e300, 1e300]).unwrap(), 0.0);
    }

    #[test]
    fn empty_and_nan_rejected() {
        assert_eq!(
            population_sd(&[]),
            Err(MetricsError::Empty {
                what: "population SD"
            })
        );
        assert!(matches!(
            mean(&[1.0, f64::NAN]),
            Err(MetricsError::NonFiniteValue { index: 1, .. })
        ));
        assert!(matches!(
            population_sd(&[f64::INFINITY]),
            Err(MetricsError::NonFiniteValue { index: 0, .. })
        ));
    }

    #[test]
    fn percentile_matches_numpy_linear() {
        // numpy.percentile([1, 2, 4, 8, 16], [10, 25, 90]) = [1.4, 2.0, 12.8]
        let s = [1.0, 2.0, 4.0, 8.0, 16.0];
        assert!((percentile_sorted(&s, 0.10) - 1.4).abs() < 1e-12);
        assert_eq!(percentile_sorted(&s, 0.25), 2.0);
        assert!((percentile_sorted(&s, 0.90) - 12.8).abs() < 1e-12);
        assert_eq!(percentile_sorted(&s, 1.0), 16.0);
        assert!(percentile_sorted(&[], 0.5).is_nan());
    }
}
