//! How much of the accuracy SD the test set alone explains: the binomial SD (Jordan, "On the
//! variance of neural network training with respect to test sets and distributions", 2023).
//!
//! With `R` runs and `n` test examples, let `w_i` be the runs that get example `i` wrong and
//! `p_i = w_i / R` its error rate over the runs. If each example were an independent coin that
//! each run gets wrong with probability `p_i`, the SD of a run's accuracy would be
//!
//! `binomial SD = sqrt(sum_i p_i (1 - p_i)) / n`.
//!
//! Conventions: `p_i (1 - p_i)` is the population variance (ddof 0) over the `R` runs of
//! example `i`'s 0/1 error, matching the population SD of accuracy in the report. With both
//! in population form the identity is exact:
//! `acc SD^2 = binomial SD^2 + (1 / n^2) sum_{i != j} cov(e_i, e_j)`, the covariances of the
//! examples' errors over the runs (ddof 0). So `acc SD / binomial SD` above 1 means runs are
//! better or worse on many examples together (errors correlated across examples); about 1,
//! as Jordan found for CIFAR-10, means the run-to-run spread is what independent per-example
//! coin flips give; below 1 means errors trade off between examples.
//!
//! Computed from integer counts: `sum_i p_i (1 - p_i) = sum_i w_i (R - w_i) / R^2`, the sum
//! taken exactly in integers, so the result is the same on every machine.

use super::error::MetricsError;
use super::view::check_labels;
use super::votes::Votes;

/// The binomial SD, and how many test examples are always right, always wrong, or flipping.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BinomialSpread {
    /// `sqrt(sum_i p_i (1 - p_i)) / n` (module docs), a fraction of the test set.
    pub sd: f64,
    /// Test examples `n`.
    pub examples: usize,
    /// Test examples every run gets right.
    pub always_right: usize,
    /// Test examples every run gets wrong.
    pub always_wrong: usize,
    /// Test examples some runs get right and others wrong.
    pub flipping: usize,
}

/// The binomial spread of the runs whose vote is `votes`, against `labels`.
///
/// Matches, for the `R x n` boolean array `wrong` of the runs' errors and `p = wrong.mean(0)`:
/// `sqrt(np.sum(p * (1 - p))) / n`, `np.sum(p == 0)`, `np.sum(p == 1)`,
/// `np.sum((p > 0) & (p < 1))`.
///
/// # Errors
/// [`MetricsError::LabelCount`] and [`MetricsError::LabelOutOfRange`] on bad labels.
///
/// # Examples
/// ```
/// use runvar_core::metrics::{binomial_spread, Logits, Votes};
/// // Two runs, two examples of class 0: both right on the first; on the second one right,
/// // one wrong (p = 1/2): sqrt(1/4) / 2 = 0.25.
/// let a = [1.0, 0.0, /**/ 1.0, 0.0];
/// let b = [1.0, 0.0, /**/ 0.0, 1.0];
/// let v = Votes::of(&[Logits::new(&a, 2, 2)?, Logits::new(&b, 2, 2)?])?;
/// let s = binomial_spread(&v, &[0, 0])?;
/// assert_eq!((s.sd, s.always_right, s.flipping), (0.25, 1, 1));
/// # Ok::<(), runvar_core::metrics::MetricsError>(())
/// ```
pub fn binomial_spread(votes: &Votes, labels: &[i64]) -> Result<BinomialSpread, MetricsError> {
    let n = votes.examples();
    check_labels(labels, n, votes.classes())?;
    let r = votes.runs() as u64;
    let (mut sum, mut right, mut wrong) = (0_u128, 0_usize, 0_usize);
    for (i, &y) in labels.iter().enumerate() {
        let w = r - u64::from(votes.row(i)[y as usize]);
        sum += u128::from(w * (r - w));
        right += usize::from(w == 0);
        wrong += usize::from(w == r);
    }
    Ok(BinomialSpread {
        sd: (sum as f64).sqrt() / (r as f64 * n as f64),
        examples: n,
        always_right: right,
        always_wrong: wrong,
        flipping: n - right - wrong,
    })
}
