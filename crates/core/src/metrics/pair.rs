//! [`PairMatrix`]: one value per unordered pair of runs.

use super::error::MetricsError;

/// A symmetric `N x N` table of one pairwise metric over `N` runs; the diagonal (a run with
/// itself) is not a pair and holds no value.
///
/// Keeping the full table (rather than only the mean) lets callers bootstrap over runs
/// ([`crate::stats::bootstrap_pairwise_mean`]) and find outlying runs. `N = 1000` takes 8 MB.
#[derive(Debug, Clone, PartialEq)]
pub struct PairMatrix {
    runs: usize,
    /// Row-major `runs x runs`, symmetric, zero diagonal.
    values: Vec<f64>,
}

impl PairMatrix {
    /// Builds the table from the condensed upper triangle: the values of pairs `(0, 1), (0, 2),
    /// ..., (0, N-1), (1, 2), ...`, i.e. `i < j` in row-major order, as
    /// `scipy.spatial.distance.squareform` expects.
    ///
    /// # Errors
    /// [`MetricsError::TooFewRuns`] for `runs < 2`; [`MetricsError::InvalidParameter`] when
    /// `upper.len() != runs * (runs - 1) / 2`.
    ///
    /// # Examples
    /// ```
    /// use runvar_core::metrics::PairMatrix;
    /// let m = PairMatrix::from_upper(3, &[0.1, 0.2, 0.3]).unwrap();
    /// assert_eq!(m.get(2, 1), Some(0.3));
    /// assert_eq!(m.get(1, 1), None);
    /// assert!((m.mean() - 0.2).abs() < 1e-15);
    /// ```
    pub fn from_upper(runs: usize, upper: &[f64]) -> Result<Self, MetricsError> {
        if runs < 2 {
            return Err(MetricsError::TooFewRuns {
                metric: "pair matrix",
                needed: 2,
                found: runs,
            });
        }
        if Some(upper.len()) != runs.checked_mul(runs - 1).map(|p| p / 2) {
            return Err(MetricsError::InvalidParameter {
                name: "upper",
                value: format!("{} values for {runs} runs", upper.len()),
                expected: "one value per pair i < j: runs * (runs - 1) / 2 values",
            });
        }
        let mut m = Self {
            runs,
            values: vec![0.0; runs * runs],
        };
        let mut it = upper.iter();
        for i in 0..runs {
            for j in i + 1..runs {
                m.set(i, j, *it.next().expect("length checked"));
            }
        }
        Ok(m)
    }

    /// An all-zero table, filled in by the pairwise metrics.
    pub(crate) fn zeros(runs: usize) -> Self {
        Self {
            runs,
            values: vec![0.0; runs * runs],
        }
    }

    /// Sets the value of pair `(i, j)`, `i != j`, both in range.
    pub(crate) fn set(&mut self, i: usize, j: usize, v: f64) {
        self.values[i * self.runs + j] = v;
        self.values[j * self.runs + i] = v;
    }

    /// Number of runs `N`.
    pub fn runs(&self) -> usize {
        self.runs
    }

    /// Number of pairs, `N (N - 1) / 2`.
    pub fn len(&self) -> usize {
        self.runs * (self.runs - 1) / 2
    }

    /// Always false: a table has at least one pair.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The value of pair `(i, j)`; `None` when `i == j` or either is out of range.
    pub fn get(&self, i: usize, j: usize) -> Option<f64> {
        (i != j && i < self.runs && j < self.runs).then(|| self.values[i * self.runs + j])
    }

    /// Row `i` of the table with a `0.0` diagonal, for fast sums over pairs.
    pub(crate) fn row_zero_diag(&self, i: usize) -> &[f64] {
        &self.values[i * self.runs..(i + 1) * self.runs]
    }

    /// The pairs `(i, j, value)` with `i < j`, row-major.
    pub fn pairs(&self) -> impl Iterator<Item = (usize, usize, f64)> + '_ {
        (0..self.runs).flat_map(move |i| {
            (i + 1..self.runs).map(move |j| (i, j, self.values[i * self.runs + j]))
        })
    }

    /// The condensed upper triangle, the inverse of [`PairMatrix::from_upper`].
    pub fn upper(&self) -> Vec<f64> {
        self.pairs().map(|(_, _, v)| v).collect()
    }

    /// Mean over the `N (N - 1) / 2` pairs, summed in `f64` in row-major order.
    ///
    /// # Remarks
    /// NaN if any pair is NaN (an undefined correlation of a constant run), as `numpy.mean`;
    /// use [`PairMatrix::pairs`] to find or skip such pairs.
    pub fn mean(&self) -> f64 {
        self.pairs().map(|(_, _, v)| v).sum::<f64>() / self.len() as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upper_round_trip_and_symmetry() {
        let up = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let m = PairMatrix::from_upper(4, &up).unwrap();
        assert_eq!(m.upper(), up);
        assert_eq!(m.len(), 6);
        for i in 0..4 {
            assert_eq!(m.get(i, i), None);
            for j in 0..4 {
                assert_eq!(m.get(i, j), m.get(j, i));
            }
        }
        assert_eq!(m.get(1, 3), Some(5.0));
        assert_eq!(m.get(0, 4), None);
        assert_eq!(m.mean(), 3.5);
        assert!(PairMatrix::from_upper(4, &up[..5]).is_err());
        assert!(matches!(
            PairMatrix::from_upper(1, &[]),
            Err(MetricsError::TooFewRuns { .. })
        ));
    }
}
