//! Two-model ensemble gain in accuracy and cross-entropy (docs/protocol.md section 3).
//!
//! The ensemble of runs `a` and `b` has logits `(a + b) / 2`. For the pairwise version, each
//! run is prepared once and each pair costs, per example, `C` float adds with an
//! argmax (accuracy) and `C` multiply-adds (cross-entropy), vectorized over 8 examples; see
//! [`super::ensemble_kernel`].

use super::accuracy::{argmax, correct_count, cross_entropy_row, per_run};
use super::ensemble_kernel::{finish, pair_sums, Prepared};
use super::error::MetricsError;
use super::pair::PairMatrix;
use super::parallel::over_row_blocks;
use super::view::{check_labels, check_logit_runs, identical_to, Logits};

/// Ensemble gain of one pair of runs (or the mean over pairs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EnsembleGain {
    /// `acc(ensemble) - mean(acc(a), acc(b))`, a fraction (times 100 for percentage points).
    /// Positive when the ensemble is more accurate.
    pub accuracy: f64,
    /// `mean(CE(a), CE(b)) - CE(ensemble)`, in nats. Positive when the ensemble is better
    /// (lower cross-entropy).
    pub cross_entropy: f64,
}

/// Ensemble gain of two runs: the ensemble's logits are the mean `(a + b) / 2`.
///
/// - `accuracy = acc(e) - (acc(a) + acc(b)) / 2`, the mean of the two differences
///   `acc(e) - acc(a)` and `acc(e) - acc(b)` (docs/protocol.md section 3).
/// - `cross_entropy = (CE(a) + CE(b)) / 2 - CE(e)`: the same with the sign flipped, so that
///   positive means the ensemble is better in both fields.
///
/// numpy equivalent: `e = (a + b) / 2` on the `float32` arrays; `acc(x) =
/// numpy.mean(x.argmax(1) == y)`; `CE(x) = -numpy.mean(scipy.special.log_softmax(x.astype(float),
/// 1)[range(n), y])`, with `CE(e)` taken from `(a.astype(float) + b.astype(float)) / 2`.
///
/// # Remarks
/// - The ensemble argmax uses the `float32` mean `0.5 a + 0.5 b` (equal to numpy's
///   `(a + b) / 2` unless `a + b` overflows) with ties to the lowest class, like
///   [`accuracy`](super::accuracy()); its cross-entropy uses the exact mean in `f64`.
/// - Identical runs give exactly `0.0` in both fields; constant logits give `0.0` too.
/// - Empty input cannot occur ([`Logits::new`] rejects it).
///
/// # Errors
/// [`MetricsError::ShapeMismatch`], [`MetricsError::NonFinite`] (run 0 is `a`, run 1 is `b`),
/// and the label errors of [`accuracy`](super::accuracy()).
///
/// # Examples
/// ```
/// use runvar_core::metrics::{ensemble_gain, Logits};
/// // Each run gets one of two examples right; their mean gets both right.
/// let a = [2.0, 0.0, /**/ 1.0, 0.0];
/// let b = [0.0, 1.0, /**/ 0.0, 2.0];
/// let g = ensemble_gain(Logits::new(&a, 2, 2).unwrap(), Logits::new(&b, 2, 2).unwrap(), &[0, 1]).unwrap();
/// assert_eq!(g.accuracy, 0.5);
/// assert!(g.cross_entropy > 0.0);
/// ```
pub fn ensemble_gain(
    a: Logits<'_>,
    b: Logits<'_>,
    labels: &[i64],
) -> Result<EnsembleGain, MetricsError> {
    let shape = check_logit_runs(&[a, b], 2, "ensemble gain")?;
    check_labels(labels, shape.rows, shape.cols)?;
    let (n, c) = (shape.rows, shape.cols);
    let mut mean_row = vec![0.0_f32; c];
    let (mut ens_correct, mut ens_ce, mut ce_a, mut ce_b) = (0_usize, 0.0, 0.0, 0.0);
    for ((ra, rb), &y) in a.rows().zip(b.rows()).zip(labels) {
        for (m, (&x, &z)) in mean_row.iter_mut().zip(ra.iter().zip(rb)) {
            *m = 0.5 * x + 0.5 * z;
        }
        ens_correct += usize::from(argmax(&mean_row) as i64 == y);
        let y = y as usize;
        ens_ce += cross_entropy_row(c, |k| (f64::from(ra[k]) + f64::from(rb[k])) * 0.5, y);
        ce_a += cross_entropy_row(c, |k| f64::from(ra[k]), y);
        ce_b += cross_entropy_row(c, |k| f64::from(rb[k]), y);
    }
    let (ca, cb) = (correct_count(a, labels), correct_count(b, labels));
    let nf = n as f64;
    Ok(EnsembleGain {
        accuracy: accuracy_gain(ens_correct, ca, cb, n),
        cross_entropy: 0.5 * (ce_a / nf + ce_b / nf) - ens_ce / nf,
    })
}

/// `acc(e) - (acc(a) + acc(b)) / 2` from correct counts, rounded once.
pub(crate) fn accuracy_gain(ens: usize, a: usize, b: usize, n: usize) -> f64 {
    (2.0 * ens as f64 - a as f64 - b as f64) / (2.0 * n as f64)
}

/// [`ensemble_gain`] of every pair of runs.
#[derive(Debug, Clone, PartialEq)]
pub struct PairwiseEnsemble {
    /// Accuracy gain per pair, a fraction (times 100 for the table's percentage points).
    pub accuracy: PairMatrix,
    /// Cross-entropy gain per pair, in nats (positive: the ensemble is better).
    pub cross_entropy: PairMatrix,
}

impl PairwiseEnsemble {
    /// Means over pairs (docs/protocol.md: the mean over the `2 x pairs` differences).
    pub fn mean(&self) -> EnsembleGain {
        EnsembleGain {
            accuracy: self.accuracy.mean(),
            cross_entropy: self.cross_entropy.mean(),
        }
    }
}

/// [`ensemble_gain`] of every pair of runs, on all cores.
///
/// Cost: `N (N - 1) / 2` pairs times `n` examples times about `2 C` vector-lane operations;
/// no `exp` or `log` per pair. Runs are prepared once: halved logits (`float32`), half-shifted
/// exponentials `exp((x - max) / 2)` (`f64`), so that for an example
/// `sum_c exp(mean_c - (max_a + max_b) / 2) = sum_c ea_c eb_c`, and the ensemble's total
/// cross-entropy is `(K_a + K_b) / 2 + ln prod_e S_e`, the product kept as mantissa and exponent
/// (exact up to `f64` rounding; an example whose `S_e` would underflow is computed directly).
/// Memory: `12 n C` bytes per run (1.2 GB for 1,000 runs of 10,000 x 10), freed on return.
/// Agrees with [`ensemble_gain`] exactly in accuracy and to about `1e-13` in cross-entropy.
///
/// # Remarks
/// As [`ensemble_gain`]; bitwise-identical runs get exactly `0.0` in both fields.
///
/// # Errors
/// [`MetricsError::TooFewRuns`] for fewer than 2 runs; [`MetricsError::ShapeMismatch`] when a
/// run's shape differs from run 0's; [`MetricsError::NonFinite`] naming the run; the label
/// errors of [`accuracy`](super::accuracy()).
pub fn pairwise_ensemble_gain(
    runs: &[Logits<'_>],
    labels: &[i64],
) -> Result<PairwiseEnsemble, MetricsError> {
    let shape = check_logit_runs(runs, 2, "pairwise ensemble gain")?;
    check_labels(labels, shape.rows, shape.cols)?;
    if shape.cols > i32::MAX as usize {
        return Err(MetricsError::InvalidParameter {
            name: "classes",
            value: shape.cols.to_string(),
            expected: "at most 2^31 - 1 classes",
        });
    }
    let members = per_run(runs, labels)?;
    let prep = Prepared::new(runs, labels);
    let same = identical_to(&runs.iter().map(|r| r.data()).collect::<Vec<_>>());
    let n_runs = runs.len();
    let parts = over_row_blocks(n_runs, super::ensemble_kernel::TILE, |starts| {
        pair_sums(&prep, starts)
    });
    let mut acc = PairMatrix::zeros(n_runs);
    let mut ce = PairMatrix::zeros(n_runs);
    for (i, j, sums) in parts.into_iter().flatten() {
        if same[i] == same[j] {
            continue; // exact: the ensemble of a run with itself is that run
        }
        let (ens_correct, ens_ce) = finish(&prep, i, j, &sums);
        acc.set(
            i,
            j,
            accuracy_gain(ens_correct, prep.correct[i], prep.correct[j], shape.rows),
        );
        ce.set(
            i,
            j,
            0.5 * (members.cross_entropy[i] + members.cross_entropy[j]) - ens_ce,
        );
    }
    Ok(PairwiseEnsemble {
        accuracy: acc,
        cross_entropy: ce,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lg(x: &[f32], n: usize, c: usize) -> Logits<'_> {
        Logits::new(x, n, c).unwrap()
    }

    #[test]
    fn by_hand() {
        // Example 0, label 0: a = [2, 0] right, b = [0, 2] wrong, mean [1, 1] tie -> class 0, right.
        // Example 1, label 1: a = [0, 1] right, b = [1, 0] wrong, mean [0.5, 0.5] tie -> 0, wrong.
        // acc a = 1, acc b = 0, acc e = 1/2: gain = 1/2 - (1 + 0)/2 = 0.
        // CE: a: ln(1 + e^-2) and ln(1 + e^-1); b: ln(1 + e^2) and ln(1 + e^1); e: ln 2 twice.
        let a = [2.0, 0.0, 0.0, 1.0];
        let b = [0.0, 2.0, 1.0, 0.0];
        let g = ensemble_gain(lg(&a, 2, 2), lg(&b, 2, 2), &[0, 1]).unwrap();
        assert_eq!(g.accuracy, 0.0);
        let l = |x: f64| (1.0 + x.exp()).ln();
        let ce_a = (l(-2.0) + l(-1.0)) / 2.0;
        let ce_b = (l(2.0) + l(1.0)) / 2.0;
        let want = (ce_a + ce_b) / 2.0 - 2.0_f64.ln();
        assert!(
            (g.cross_entropy - want).abs() < 1e-15,
            "{} vs {want}",
            g.cross_entropy
        );
        // = ((0.126928 + 0.313262) / 2 + (2.126928 + 1.313262) / 2) / 2 - 0.693147 = 0.276948
        assert!((g.cross_entropy - 0.27694766872065246).abs() < 1e-15);
        let m = pairwise_ensemble_gain(&[lg(&a, 2, 2), lg(&b, 2, 2)], &[0, 1]).unwrap();
        assert_eq!(m.accuracy.get(0, 1), Some(0.0));
        assert!((m.cross_entropy.get(0, 1).unwrap() - want).abs() < 1e-15);
    }

    #[test]
    fn identical_and_constant_runs_gain_nothing() {
        let a = [0.3, -1.0, 2.5, 0.1, 0.2, 0.3];
        let c = [1.5_f32; 6];
        for (x, y) in [(&a, &a), (&c, &c)] {
            let g = ensemble_gain(lg(x, 2, 3), lg(y, 2, 3), &[2, 0]).unwrap();
            assert_eq!((g.accuracy, g.cross_entropy), (0.0, 0.0));
        }
        let m =
            pairwise_ensemble_gain(&[lg(&a, 2, 3), lg(&a, 2, 3), lg(&c, 2, 3)], &[2, 0]).unwrap();
        assert_eq!(m.accuracy.get(0, 1), Some(0.0));
        assert_eq!(m.cross_entropy.get(0, 1), Some(0.0));
    }

    #[test]
    fn errors() {
        let a = [0.0_f32; 4];
        assert!(matches!(
            pairwise_ensemble_gain(&[lg(&a, 2, 2)], &[0, 0]),
            Err(MetricsError::TooFewRuns { .. })
        ));
        assert!(matches!(
            ensemble_gain(lg(&a, 2, 2), lg(&a, 2, 2), &[0, 5]),
            Err(MetricsError::LabelOutOfRange {
                index: 1,
                label: 5,
                classes: 2
            })
        ));
    }
}
