//! Holm's step-down adjustment of p-values for multiple comparisons (Holm, "A simple
//! sequentially rejective multiple test procedure", Scandinavian Journal of Statistics, 1979).
//!
//! Sort the `m` p-values ascending, `p(1) <= ... <= p(m)`; the adjusted value of the `k`th is
//! `max_{j <= k} min(1, (m - j + 1) p(j))`. Rejecting where the adjusted value is below
//! `alpha` keeps the probability of any false rejection among the `m` at most `alpha`
//! whatever the dependence between the tests, and rejects at least what Bonferroni's
//! `min(1, m p)` rejects.

use crate::metrics::MetricsError;

/// Holm-adjusted p-values, in the order of `p` (ties in any order give the same values).
///
/// Matches `statsmodels.stats.multitest.multipletests(p, method="holm")[1]`. An empty list
/// gives an empty list.
///
/// # Errors
/// [`MetricsError::NonFiniteValue`] for a value that is not a probability in `[0, 1]` (the
/// index names it).
///
/// # Examples
/// ```
/// use runvar_core::stats::holm;
/// // Sorted 0.01, 0.03, 0.04 times 3, 2, 1: 0.03, 0.06, 0.04 -> running max 0.03, 0.06, 0.06.
/// assert_eq!(holm(&[0.04, 0.01, 0.03]).unwrap(), [0.06, 0.03, 0.06]);
/// ```
pub fn holm(p: &[f64]) -> Result<Vec<f64>, MetricsError> {
    if let Some(index) = p.iter().position(|v| !(0.0..=1.0).contains(v)) {
        return Err(MetricsError::NonFiniteValue {
            what: "p-values for Holm's adjustment (each in [0, 1])",
            index,
            value: p[index],
        });
    }
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]).then(a.cmp(&b)));
    let mut adjusted = vec![0.0; m];
    let mut running = 0.0_f64;
    for (rank, &i) in order.iter().enumerate() {
        running = running.max(((m - rank) as f64 * p[i]).min(1.0));
        adjusted[i] = running;
    }
    Ok(adjusted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_statsmodels() {
        // statsmodels.stats.multitest.multipletests(p, method="holm")[1], written by
        // scripts/examples_reference.py.
        let doc = crate::metrics::examples_tests::fixture();
        for set in doc["holm"].as_array().unwrap() {
            let values = |k: &str| -> Vec<f64> {
                set[k]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_f64().unwrap())
                    .collect()
            };
            let got = holm(&values("p")).unwrap();
            for (g, w) in got.iter().zip(values("holm")) {
                assert!((g - w).abs() < 1e-12, "{got:?} vs {:?}", values("holm"));
            }
        }
    }

    #[test]
    fn bad_values_are_refused_and_empty_is_empty() {
        assert_eq!(holm(&[]).unwrap(), Vec::<f64>::new());
        assert!(matches!(
            holm(&[0.1, f64::NAN]),
            Err(MetricsError::NonFiniteValue { index: 1, .. })
        ));
        assert!(matches!(
            holm(&[1.5]),
            Err(MetricsError::NonFiniteValue { index: 0, .. })
        ));
        assert_eq!(holm(&[0.2]).unwrap(), [0.2]);
    }
}
