//! The spread of per-run values over runs: population SD (docs/protocol.md section 3, the
//! accuracy SD and cross-entropy SD columns), and the checks every list of per-run values
//! passes before a statistic is taken of it.

use super::error::MetricsError;

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
/// use runvar_core::metrics::population_sd;
/// assert_eq!(population_sd(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]).unwrap(), 2.0);
/// assert_eq!(population_sd(&[0.1; 7]).unwrap(), 0.0);
/// ```
pub fn population_sd(values: &[f64]) -> Result<f64, MetricsError> {
    check_values(values, "population SD")?;
    Ok(sd_unchecked(values.iter().copied(), values.len()))
}

/// Population SD of `len` finite values; `len >= 1`. Shifted two-pass: deviations from the
/// first value, so equal values give exactly zero. The bootstrap calls it once per resample,
/// where the values are known to be finite.
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

/// `values` is not empty and every value is finite; `what` names them in the error.
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
            population_sd(&[f64::INFINITY]),
            Err(MetricsError::NonFiniteValue { index: 0, .. })
        ));
    }
}
