//! Descriptive statistics of a list of values: the mean and linear-interpolation percentiles
//! (numpy's defaults, so the numbers can be checked with numpy). The spread over runs,
//! [`crate::metrics::population_sd`], is one of the metrics.

use crate::metrics::check_values;
use crate::metrics::MetricsError;

/// Arithmetic mean, summed in `f64` in order.
///
/// Matches `numpy.mean(values)`.
///
/// # Remarks
/// Constant input gives that constant only up to rounding of the sum; use
/// [`population_sd`](crate::metrics::population_sd) for spreads, which is exact on constant input.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_nan_rejected() {
        assert!(matches!(
            mean(&[1.0, f64::NAN]),
            Err(MetricsError::NonFiniteValue { index: 1, .. })
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
