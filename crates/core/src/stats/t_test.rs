//! t tests of two groups of per-run values: Welch's test for independent runs and the paired
//! t test for runs that share their seeds pairwise.
//!
//! - Welch (B. L. Welch, "The generalization of Student's problem when several different
//!   population variances are involved", Biometrika 1947): `t = (mean_b - mean_a) /
//!   sqrt(va/na + vb/nb)` with the Welch–Satterthwaite degrees of freedom
//!   `df = (va/na + vb/nb)^2 / ((va/na)^2 / (na - 1) + (vb/nb)^2 / (nb - 1))`; it does not
//!   assume equal spreads, which two training recipes need not have. Matches
//!   `scipy.stats.ttest_ind(b, a, equal_var=False)`.
//! - paired: `t = mean(d) / (sd(d) / sqrt(N))`, `d_i = b_i - a_i`, `df = N - 1`. Matches
//!   `scipy.stats.ttest_rel(b, a)`.
//!
//! Variances are sample variances (`ddof = 1`), summed in index order; p-values are two-sided,
//! from [`t_two_sided`]. Both tests assume roughly normal per-run values; the permutation
//! tests of [`super::permutation`] do not, and `runvar compare` reports both.

use serde::Serialize;

use super::describe::mean;
use super::distributions::t_two_sided;
use crate::metrics::MetricsError;

/// A t statistic with its degrees of freedom and two-sided p-value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TTest {
    /// The t statistic, positive when B's mean is the higher.
    pub t: f64,
    /// Degrees of freedom (Welch–Satterthwaite for Welch's test, `N - 1` paired).
    pub df: f64,
    /// Two-sided p-value, `P(|T| >= |t|)`.
    pub p: f64,
}

/// The sample variance (`ddof = 1`, as `numpy.var(x, ddof=1)`), summed in index order.
///
/// # Errors
/// [`MetricsError::TooFewRuns`] with fewer than 2 values; [`MetricsError::NonFiniteValue`].
pub fn sample_variance(values: &[f64], what: &'static str) -> Result<f64, MetricsError> {
    if values.len() < 2 {
        return Err(MetricsError::TooFewRuns {
            metric: what,
            needed: 2,
            found: values.len(),
        });
    }
    let m = mean(values)?;
    let ss: f64 = values.iter().map(|x| (x - m) * (x - m)).sum();
    Ok(ss / (values.len() - 1) as f64)
}

/// Welch's two-sample t test of `mean(b) - mean(a)`.
///
/// # Errors
/// [`MetricsError::TooFewRuns`] when a group has fewer than 2 values (it has no variance);
/// [`MetricsError::Undefined`] when both groups are constant (no spread to compare against).
pub fn welch(a: &[f64], b: &[f64]) -> Result<TTest, MetricsError> {
    let what = "Welch's t test";
    let (va, vb) = (sample_variance(a, what)?, sample_variance(b, what)?);
    let (na, nb) = (a.len() as f64, b.len() as f64);
    let (ea, eb) = (va / na, vb / nb);
    let se2 = ea + eb;
    if se2 == 0.0 {
        return Err(MetricsError::Undefined {
            what,
            reason: "every run of both groups has the same value (no spread)",
        });
    }
    let t = (mean(b)? - mean(a)?) / se2.sqrt();
    let df = se2 * se2 / (ea * ea / (na - 1.0) + eb * eb / (nb - 1.0));
    Ok(TTest {
        t,
        df,
        p: t_two_sided(t, df),
    })
}

/// The paired t test of `mean(b_i - a_i)`.
///
/// # Errors
/// [`MetricsError::InvalidParameter`] when the lengths differ; [`MetricsError::TooFewRuns`]
/// under 2 pairs; [`MetricsError::Undefined`] when every difference is the same.
pub fn paired_t(a: &[f64], b: &[f64]) -> Result<TTest, MetricsError> {
    let d = differences(a, b)?;
    let v = sample_variance(&d, "paired t test")?;
    if v == 0.0 {
        return Err(MetricsError::Undefined {
            what: "paired t test",
            reason: "every pair differs by the same amount (no spread)",
        });
    }
    let n = d.len() as f64;
    let t = mean(&d)? / (v / n).sqrt();
    let df = n - 1.0;
    Ok(TTest {
        t,
        df,
        p: t_two_sided(t, df),
    })
}

/// `b_i - a_i` for each pair.
///
/// # Errors
/// [`MetricsError::InvalidParameter`] when the lengths differ.
pub fn differences(a: &[f64], b: &[f64]) -> Result<Vec<f64>, MetricsError> {
    if a.len() != b.len() {
        return Err(MetricsError::InvalidParameter {
            name: "paired values",
            value: format!("{} against {}", a.len(), b.len()),
            expected: "the same number of values in both groups, one per pair",
        });
    }
    Ok(a.iter().zip(b).map(|(x, y)| y - x).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::reference::{close, floats, num, reference};

    #[test]
    fn welch_and_paired_match_scipy() {
        for case in reference()["two_sample"].as_array().unwrap() {
            let (a, b) = (floats(&case["a"]), floats(&case["b"]));
            let w = welch(&a, &b).unwrap();
            close(w.t, num(case, "welch_t"), 1e-12);
            close(w.df, num(case, "welch_df"), 1e-12);
            close(w.p, num(case, "welch_p"), 1e-10);
            close(
                sample_variance(&a, "a").unwrap().sqrt(),
                num(case, "sd_a"),
                1e-12,
            );
            if a.len() == b.len() {
                let p = paired_t(&a, &b).unwrap();
                close(p.t, num(case, "paired_t"), 1e-11);
                assert_eq!(p.df, num(case, "paired_df"));
                close(p.p, num(case, "paired_p"), 1e-10);
            }
        }
    }

    #[test]
    fn degenerate_groups_are_refused_by_name() {
        assert!(matches!(
            welch(&[1.0], &[1.0, 2.0]),
            Err(MetricsError::TooFewRuns {
                needed: 2,
                found: 1,
                ..
            })
        ));
        assert!(matches!(
            welch(&[1.0, 1.0], &[2.0, 2.0]),
            Err(MetricsError::Undefined { .. })
        ));
        // One constant group is fine: the other's spread carries the test.
        assert!(welch(&[1.0, 1.0], &[2.0, 3.0]).unwrap().p < 1.0);
        assert!(matches!(
            paired_t(&[1.0, 2.0], &[2.0, 3.0]),
            Err(MetricsError::Undefined { .. })
        ));
        assert!(matches!(
            paired_t(&[1.0, 2.0], &[2.0]),
            Err(MetricsError::InvalidParameter { .. })
        ));
    }
}
