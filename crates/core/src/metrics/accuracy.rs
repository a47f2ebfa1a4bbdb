//! Per-run metrics: predictions, accuracy and mean cross-entropy (docs/protocol.md section 3).

use super::error::{MetricsError, Subject};
use super::parallel::map_indexed;
use super::view::{check_finite, check_labels, check_logit_runs, Logits};

/// Index of the largest value of one row of logits; ties go to the lowest index (as
/// `numpy.argmax`).
///
/// # Remarks
/// Unchecked, for callers that hold their own logits (training, lockstep measurements): a NaN
/// never compares greater, so a NaN at index 0 wins and later NaNs are skipped; an empty row
/// gives 0. The checked path for user data is [`predictions`].
///
/// # Examples
/// ```
/// use runvar_core::metrics::argmax;
/// assert_eq!(argmax(&[0.1, 0.7, 0.7]), 1);
/// ```
#[inline]
pub fn argmax(row: &[f32]) -> usize {
    let mut best = 0;
    for (c, &v) in row.iter().enumerate().skip(1) {
        if v > row[best] {
            best = c;
        }
    }
    best
}

/// Cross-entropy `logsumexp(x) - x[y]` of one row given as `f64` values, in `f64`, shifted by
/// the row maximum so no `exp` overflows. Shared by members and ensembles so that equal inputs
/// give bitwise-equal outputs.
#[inline]
pub(crate) fn cross_entropy_row(classes: usize, x: impl Fn(usize) -> f64, y: usize) -> f64 {
    let m = (1..classes).fold(x(0), |m, c| m.max(x(c)));
    let s: f64 = (0..classes).map(|c| (x(c) - m).exp()).sum();
    (m - x(y)) + s.ln()
}

/// Predicted class of every example: the argmax of its logits.
///
/// Matches `numpy.argmax(logits, axis=1)`.
///
/// # Remarks
/// Ties go to the lowest class index, like `numpy.argmax`; constant logits predict class 0.
/// Empty input cannot occur ([`Logits::new`] rejects it).
///
/// # Errors
/// [`MetricsError::NonFinite`] on a NaN or infinite logit (with its position).
///
/// # Examples
/// ```
/// use runvar_core::metrics::{predictions, Logits};
/// let x = [0.1, 0.7, 0.7, /**/ 2.0, 2.0, 2.0];
/// assert_eq!(predictions(Logits::new(&x, 2, 3).unwrap()).unwrap(), vec![1, 0]);
/// ```
pub fn predictions(logits: Logits<'_>) -> Result<Vec<usize>, MetricsError> {
    check_finite(
        logits.data(),
        logits.classes(),
        Subject {
            kind: "logits",
            run: None,
        },
    )?;
    Ok(logits.rows().map(argmax).collect())
}

/// Accuracy: the fraction of examples whose argmax equals the label, in `[0, 1]`.
///
/// `acc = (1/n) sum_e [argmax_c x[e, c] == y[e]]`. docs/protocol.md section 3. Matches
/// `numpy.mean(numpy.argmax(logits, axis=1) == labels)`.
///
/// # Remarks
/// Ties in the argmax go to the lowest class index (`numpy.argmax`); constant logits predict
/// class 0. Empty input cannot occur ([`Logits::new`] rejects it).
///
/// # Errors
/// [`MetricsError::NonFinite`] on a NaN or infinite logit; [`MetricsError::LabelCount`] and
/// [`MetricsError::LabelOutOfRange`] on bad labels.
///
/// # Examples
/// ```
/// use runvar_core::metrics::{accuracy, Logits};
/// let x = [0.1, 0.9, /**/ 0.8, 0.2, /**/ 0.5, 0.5];
/// let acc = accuracy(Logits::new(&x, 3, 2).unwrap(), &[1, 1, 0]).unwrap();
/// assert_eq!(acc, 2.0 / 3.0);
/// ```
pub fn accuracy(logits: Logits<'_>, labels: &[i64]) -> Result<f64, MetricsError> {
    check_one(logits, labels)?;
    Ok(correct_count(logits, labels) as f64 / logits.n() as f64)
}

/// Mean cross-entropy in nats: `(1/n) sum_e [logsumexp_c x[e, c] - x[e, y[e]]]`.
///
/// docs/protocol.md section 3. Each row's log-softmax is computed in `f64` after subtracting the
/// row maximum (numerically stable). Matches
/// `torch.nn.functional.cross_entropy(logits.double(), labels)` and
/// `-numpy.mean(scipy.special.log_softmax(logits.astype(float), axis=1)[range(n), labels])`.
///
/// # Remarks
/// Constant logits give `ln(classes)` for every example. Ties do not matter. Empty input
/// cannot occur ([`Logits::new`] rejects it).
///
/// # Errors
/// As [`accuracy`].
///
/// # Examples
/// ```
/// use runvar_core::metrics::{cross_entropy, Logits};
/// let x = [0.0, 0.0, 0.0, 0.0];
/// let ce = cross_entropy(Logits::new(&x, 1, 4).unwrap(), &[2]).unwrap();
/// assert!((ce - 4.0_f64.ln()).abs() < 1e-15);
/// ```
pub fn cross_entropy(logits: Logits<'_>, labels: &[i64]) -> Result<f64, MetricsError> {
    check_one(logits, labels)?;
    Ok(cross_entropy_unchecked(logits, labels))
}

/// Accuracy and mean cross-entropy of one run as training records them (`record.json`,
/// `metrics.json`, `runvar train`'s output): the values of [`accuracy`] and [`cross_entropy`]
/// from `n x classes` row-major logits, in one unchecked pass.
///
/// # Remarks
/// Each row's cross-entropy is associated as `(m + ln s) - x[y]` (`m` the row maximum,
/// `s = sum_c exp(x[c] - m)`), where [`cross_entropy`] computes `(m - x[y]) + ln s`. The two
/// are the same number but may differ in the last bit of a row, and so of the mean (on the
/// digits runs of a 3-replica study, 42 of 50 logit files differ, by at most a few ULP);
/// both orders are kept so that stored records and reports stay bit-identical to those
/// already written. Accuracy is bit-equal to [`accuracy`].
///
/// Not checked: NaN logits give a NaN cross-entropy (a run that diverged after its last
/// finite loss is still recorded), labels must lie in `0..classes`, and no labels give
/// `(0, 0)`.
///
/// # Examples
/// ```
/// use runvar_core::metrics::{accuracy_and_cross_entropy, Logits, accuracy};
/// let x = [1.0, 1.0, 0.0, /**/ 0.0, 1.0, 2.0];
/// let (acc, ce) = accuracy_and_cross_entropy(&x, &[0, 1], 3);
/// assert_eq!(acc, accuracy(Logits::new(&x, 2, 3).unwrap(), &[0, 1]).unwrap());
/// assert!((ce - 1.1348).abs() < 1e-4);
/// ```
pub fn accuracy_and_cross_entropy(logits: &[f32], labels: &[i64], classes: usize) -> (f64, f64) {
    let mut correct = 0usize;
    let mut ce = 0.0f64;
    for (row, &y) in logits.chunks_exact(classes).zip(labels) {
        let best = argmax(row);
        correct += usize::from(best as i64 == y);
        let max = f64::from(row[best]);
        let lse = max
            + row
                .iter()
                .map(|&v| (f64::from(v) - max).exp())
                .sum::<f64>()
                .ln();
        ce += lse - f64::from(row[y as usize]);
    }
    let n = labels.len().max(1) as f64;
    (correct as f64 / n, ce / n)
}

/// Accuracy and cross-entropy of each run, in run order.
#[derive(Debug, Clone, PartialEq)]
pub struct RunValues {
    /// Accuracy of each run, a fraction in `[0, 1]`.
    pub accuracy: Vec<f64>,
    /// Mean cross-entropy of each run, in nats.
    pub cross_entropy: Vec<f64>,
}

/// [`accuracy`] and [`cross_entropy`] of every run, computed on all cores.
///
/// # Errors
/// [`MetricsError::TooFewRuns`] on no runs; [`MetricsError::ShapeMismatch`] when a run's shape
/// differs from run 0's; [`MetricsError::NonFinite`] naming the run; label errors as
/// [`accuracy`].
pub fn per_run(runs: &[Logits<'_>], labels: &[i64]) -> Result<RunValues, MetricsError> {
    let shape = check_logit_runs(runs, 1, "per-run metrics")?;
    check_labels(labels, shape.rows, shape.cols)?;
    let both = map_indexed(runs.len(), |r| {
        let acc = correct_count(runs[r], labels) as f64 / shape.rows as f64;
        (acc, cross_entropy_unchecked(runs[r], labels))
    });
    Ok(RunValues {
        accuracy: both.iter().map(|b| b.0).collect(),
        cross_entropy: both.iter().map(|b| b.1).collect(),
    })
}

fn check_one(logits: Logits<'_>, labels: &[i64]) -> Result<(), MetricsError> {
    check_finite(
        logits.data(),
        logits.classes(),
        Subject {
            kind: "logits",
            run: None,
        },
    )?;
    check_labels(labels, logits.n(), logits.classes())
}

/// Number of correct predictions; inputs checked.
pub(crate) fn correct_count(logits: Logits<'_>, labels: &[i64]) -> usize {
    logits
        .rows()
        .zip(labels)
        .filter(|(row, &y)| argmax(row) as i64 == y)
        .count()
}

fn cross_entropy_unchecked(logits: Logits<'_>, labels: &[i64]) -> f64 {
    let c = logits.classes();
    let sum: f64 = logits
        .rows()
        .zip(labels)
        .map(|(row, &y)| cross_entropy_row(c, |k| f64::from(row[k]), y as usize))
        .sum();
    sum / logits.n() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lg(x: &[f32], n: usize, c: usize) -> Logits<'_> {
        Logits::new(x, n, c).unwrap()
    }

    #[test]
    fn argmax_ties_take_lowest_index() {
        assert_eq!(argmax(&[1.0, 3.0, 3.0, 2.0]), 1);
        assert_eq!(argmax(&[5.0, 5.0]), 0);
        assert_eq!(argmax(&[-0.0, 0.0]), 0); // -0 == +0: a tie
        assert_eq!(argmax(&[-1.0, -0.5, -2.0]), 1);
        assert_eq!(argmax(&[7.0]), 0);
    }

    #[test]
    fn accuracy_by_hand() {
        // rows: [1, 2, 0] -> 1 (label 1, right); [3, 3, 1] -> 0 by tie (label 1, wrong);
        // [0, 0, 0] -> 0 constant (label 0, right); [0, 1, 5] -> 2 (label 0, wrong). 2/4.
        let x = [1.0, 2.0, 0.0, 3.0, 3.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 5.0];
        assert_eq!(accuracy(lg(&x, 4, 3), &[1, 1, 0, 0]).unwrap(), 0.5);
        assert_eq!(accuracy(lg(&x, 4, 3), &[1, 0, 0, 2]).unwrap(), 1.0);
        assert_eq!(accuracy(lg(&x, 4, 3), &[0, 2, 1, 1]).unwrap(), 0.0);
    }

    #[test]
    fn cross_entropy_by_hand() {
        // Row [0, ln 3] with label 1: softmax = [1/4, 3/4], CE = -ln(3/4) = ln(4/3).
        // Row [2, 2] (constant) with label 0: CE = ln 2.
        // Mean = (ln(4/3) + ln 2) / 2 = ln(8/3) / 2 = 0.49041462650586315.
        let x = [0.0, 3.0_f32.ln(), 2.0, 2.0];
        let ce = cross_entropy(lg(&x, 2, 2), &[1, 0]).unwrap();
        assert!((ce - (8.0_f64 / 3.0).ln() / 2.0).abs() < 1e-7, "{ce}"); // ln 3 rounded to f32
                                                                         // Huge logits: the shift keeps exp finite. Row [1000, 0], label 1: CE = 1000 + ln(1 + e^-1000) = 1000.
        let big = [1000.0, 0.0];
        assert_eq!(cross_entropy(lg(&big, 1, 2), &[1]).unwrap(), 1000.0);
        assert_eq!(cross_entropy(lg(&big, 1, 2), &[0]).unwrap(), 0.0);
    }

    #[test]
    fn errors_on_bad_input() {
        let x = [0.0, f32::INFINITY, 1.0, 1.0];
        let e = accuracy(lg(&x, 2, 2), &[0, 1]).unwrap_err();
        assert!(
            matches!(e, MetricsError::NonFinite { row: 0, col: 1, .. }),
            "{e}"
        );
        let ok = [0.0, 1.0, 1.0, 0.0];
        assert!(matches!(
            cross_entropy(lg(&ok, 2, 2), &[0, 2]),
            Err(MetricsError::LabelOutOfRange { index: 1, .. })
        ));
        assert!(matches!(
            per_run(&[], &[]),
            Err(MetricsError::TooFewRuns { found: 0, .. })
        ));
        let bad = [0.0, f32::NAN, 1.0, 1.0];
        let e = per_run(&[lg(&ok, 2, 2), lg(&bad, 2, 2)], &[0, 0]).unwrap_err();
        assert!(
            matches!(
                e,
                MetricsError::NonFinite {
                    subject: Subject { run: Some(1), .. },
                    ..
                }
            ),
            "{e}"
        );
    }

    #[test]
    fn recorded_values_by_hand() {
        // Row 0: tie between classes 0 and 1 -> argmax 0 (correct, label 0).
        // CE row 0: log(e^1 + e^1 + e^0) - 1 = log(2e + 1) - 1.
        // Row 1: argmax 2, label 1 -> wrong. CE: log(1 + e + e^2) - 1.
        let logits = [1.0, 1.0, 0.0, 0.0, 1.0, 2.0];
        let (acc, ce) = accuracy_and_cross_entropy(&logits, &[0, 1], 3);
        assert_eq!(acc, 0.5);
        let e = std::f64::consts::E;
        let want = ((2.0 * e + 1.0).ln() - 1.0 + (1.0 + e + e * e).ln() - 1.0) / 2.0;
        assert!((ce - want).abs() < 1e-12);
    }

    /// The recorded values are the checked metrics' up to the association of each row's
    /// cross-entropy: accuracy bit for bit, cross-entropy within a few ULP.
    #[test]
    fn recorded_values_match_the_checked_metrics() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
        for scale in [1.0f32, 10.0, 100.0] {
            let (n, c) = (300, 10);
            let x: Vec<f32> = (0..n * c)
                .map(|_| scale * (rng.gen::<f32>() - 0.5))
                .collect();
            let y: Vec<i64> = (0..n).map(|_| rng.gen_range(0..c as i64)).collect();
            let (acc, ce) = accuracy_and_cross_entropy(&x, &y, c);
            assert_eq!(acc.to_bits(), accuracy(lg(&x, n, c), &y).unwrap().to_bits());
            let checked = cross_entropy(lg(&x, n, c), &y).unwrap();
            assert!(
                (ce - checked).abs() <= 8.0 * f64::EPSILON * checked,
                "{ce} {checked}"
            );
        }
        // Row 0 [NaN, 0]: the NaN at index 0 wins (right); row 1 [1, 0] predicts 0 (wrong).
        let nan = [f32::NAN, 0.0, 1.0, 0.0];
        let (acc, ce) = accuracy_and_cross_entropy(&nan, &[0, 1], 2);
        assert_eq!(acc, 0.5);
        assert!(ce.is_nan());
    }

    #[test]
    fn per_run_matches_single_run_functions() {
        let a = [0.3, 0.1, 0.9, 0.2, 0.5, 0.4];
        let b = [0.1, 0.3, 0.2, 0.9, 0.4, 0.5];
        let runs = [lg(&a, 3, 2), lg(&b, 3, 2)];
        let y = [0, 1, 1];
        let v = per_run(&runs, &y).unwrap();
        for (r, run) in runs.iter().enumerate() {
            assert_eq!(v.accuracy[r], accuracy(*run, &y).unwrap());
            assert_eq!(v.cross_entropy[r], cross_entropy(*run, &y).unwrap());
        }
    }
}
