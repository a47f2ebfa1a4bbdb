//! How precisely N runs would measure a pairwise metric: the variance of a mean over pairs of
//! runs, projected to any N from an observed pair table.
//!
//! The mean pairwise disagreement of N runs is a U-statistic of order 2 with kernel `h(i, j)`
//! (the metric of runs i and j). Hoeffding's decomposition (W. Hoeffding, "A class of
//! statistics with asymptotically normal distribution", Ann. Math. Statist. 1948) gives its
//! variance exactly:
//!
//! ```text
//! Var(U_N) = (4 (N - 2) ζ1 + 2 ζ2) / (N (N - 1))     ≈ 4 ζ1 / N + 2 ζ2 / (N (N - 1))
//! ζ1 = Cov(h(1, 2), h(1, 3)) = E[h12 h13] - θ²,   ζ2 = Var(h(1, 2)) = E[h12²] - θ²
//! ```
//!
//! `ζ1` is the part of a pair's value that comes from one run (a run that disagrees with
//! every other), `ζ2` the whole variance of one pair. From an observed table of M runs, each
//! expectation is estimated without bias by its own U-statistic: `E[h12²]` by the mean over
//! pairs, `E[h12 h13]` by the mean over ordered triples of distinct runs, `θ²` by the mean of
//! `h_ij h_kl` over ordered pairs of disjoint pairs (M >= 4). With row sums `r_i`, `S =
//! sum_{i<j} h_ij`, `Q = sum_{i<j} h_ij²` and `R = sum_i r_i²`, those sums are `Q`, `R - 2Q`
//! and `S² + Q - R`, so the estimate costs `O(M²)`. The projection assumes the N runs are
//! drawn as the M were; an estimate of `ζ` below 0 (possible from few runs) is taken as 0.

use serde::Serialize;

use crate::metrics::{MetricsError, PairMatrix};

/// Hoeffding's components of a pairwise metric's mean, estimated from a pair table.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Hoeffding {
    /// Runs of the table the estimates come from (M).
    pub runs: usize,
    /// The mean over pairs (the metric's value).
    pub mean: f64,
    /// `ζ1`: covariance of two pairs sharing one run.
    pub zeta1: f64,
    /// `ζ2`: variance of one pair.
    pub zeta2: f64,
}

impl Hoeffding {
    /// Estimate `ζ1` and `ζ2` from a table of M >= 4 runs (module documentation).
    ///
    /// # Errors
    /// [`MetricsError::TooFewRuns`] under 4 runs; [`MetricsError::NonFiniteValue`] on a
    /// non-finite pair.
    pub fn of(m: &PairMatrix) -> Result<Hoeffding, MetricsError> {
        let n = m.runs();
        if n < 4 {
            return Err(MetricsError::TooFewRuns {
                metric: "variance of a pairwise mean (two disjoint pairs)",
                needed: 4,
                found: n,
            });
        }
        let mut rows = vec![0.0; n];
        let (mut s, mut q) = (0.0, 0.0);
        for (index, (i, j, h)) in m.pairs().enumerate() {
            if !h.is_finite() {
                return Err(MetricsError::NonFiniteValue {
                    what: "pair matrix",
                    index,
                    value: h,
                });
            }
            rows[i] += h;
            rows[j] += h;
            s += h;
            q += h * h;
        }
        let r: f64 = rows.iter().map(|x| x * x).sum();
        let nf = n as f64;
        let pairs = nf * (nf - 1.0) / 2.0;
        let square = q / pairs;
        let shared = (r - 2.0 * q) / (nf * (nf - 1.0) * (nf - 2.0));
        let disjoint = (s * s + q - r) / (pairs * (nf - 2.0) * (nf - 3.0) / 2.0);
        Ok(Hoeffding {
            runs: n,
            mean: s / pairs,
            zeta1: shared - disjoint,
            zeta2: square - disjoint,
        })
    }

    /// The variance of the mean over pairs of `n >= 2` runs, `(4 (n - 2) ζ1 + 2 ζ2) / (n (n -
    /// 1))`, negative estimates of `ζ` taken as 0.
    pub fn variance_at(&self, n: usize) -> f64 {
        let nf = n as f64;
        (4.0 * (nf - 2.0) * self.zeta1.max(0.0) + 2.0 * self.zeta2.max(0.0)) / (nf * (nf - 1.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::reference::{close, floats, num, reference};

    #[test]
    fn matches_a_brute_force_numpy_computation() {
        let doc = &reference()["u_statistic"];
        let rows: Vec<Vec<f64>> = doc["matrix"]
            .as_array()
            .unwrap()
            .iter()
            .map(floats)
            .collect();
        let n = rows.len();
        let upper: Vec<f64> = (0..n).flat_map(|i| rows[i][i + 1..].to_vec()).collect();
        let h = Hoeffding::of(&PairMatrix::from_upper(n, &upper).unwrap()).unwrap();
        close(h.mean, num(doc, "mean"), 1e-13);
        close(h.zeta1, num(doc, "zeta1"), 1e-10);
        close(h.zeta2, num(doc, "zeta2"), 1e-11);
        for r in doc["variance_at"].as_array().unwrap() {
            let r = floats(r);
            close(h.variance_at(r[0] as usize), r[1], 1e-10);
        }
    }

    #[test]
    fn identical_pairs_have_no_variance_and_few_runs_are_refused() {
        let m = PairMatrix::from_upper(5, &[0.2; 10]).unwrap();
        let h = Hoeffding::of(&m).unwrap();
        assert!(h.zeta1.abs() < 1e-15 && h.zeta2.abs() < 1e-15);
        assert!(h.variance_at(10) < 1e-15);
        let small = PairMatrix::from_upper(3, &[0.1, 0.2, 0.3]).unwrap();
        assert!(matches!(
            Hoeffding::of(&small),
            Err(MetricsError::TooFewRuns { needed: 4, .. })
        ));
    }
}
