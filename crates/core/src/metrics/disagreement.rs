//! Pairwise disagreement: the share of test examples two runs predict differently
//! (docs/protocol.md section 3).

use super::accuracy::argmax;
use super::error::MetricsError;
use super::kernels::{count_ne_u32, count_ne_u8};
use super::pair::PairMatrix;
use super::parallel::{map_indexed, over_row_blocks};
use super::view::{check_logit_runs, identical_to, Logits};

/// Disagreement of two runs: the fraction of examples whose argmax differs, in `[0, 1]`.
///
/// `dis(a, b) = (1/n) sum_e [argmax_c a[e, c] != argmax_c b[e, c]]`. docs/protocol.md section 3
/// (reported there in %, i.e. times 100). Matches
/// `numpy.mean(a.argmax(1) != b.argmax(1))`. Symmetric; 0 for identical runs.
///
/// # Remarks
/// Ties in the argmax go to the lowest class index (`numpy.argmax`), so two runs with constant
/// logits both predict class 0 and agree. Empty input cannot occur ([`Logits::new`] rejects
/// it). Labels play no part.
///
/// # Errors
/// [`MetricsError::ShapeMismatch`] when the shapes differ; [`MetricsError::NonFinite`] on a
/// NaN or infinite logit (run 0 is `a`, run 1 is `b`).
///
/// # Examples
/// ```
/// use runvar_core::metrics::{disagreement, Logits};
/// let a = [1.0, 0.0, /**/ 0.0, 1.0, /**/ 1.0, 1.0, /**/ 0.0, 2.0];
/// let b = [2.0, 0.0, /**/ 1.0, 0.0, /**/ 0.0, 3.0, /**/ 1.0, 4.0];
/// let d = disagreement(Logits::new(&a, 4, 2).unwrap(), Logits::new(&b, 4, 2).unwrap()).unwrap();
/// assert_eq!(d, 0.5);
/// ```
pub fn disagreement(a: Logits<'_>, b: Logits<'_>) -> Result<f64, MetricsError> {
    check_logit_runs(&[a, b], 2, "disagreement")?;
    let differ = a
        .rows()
        .zip(b.rows())
        .filter(|(x, y)| argmax(x) != argmax(y))
        .count();
    Ok(differ as f64 / a.n() as f64)
}

/// [`disagreement`] of every pair of runs, as a fraction in `[0, 1]`.
///
/// docs/protocol.md section 3: the reported value is [`PairMatrix::mean`] times 100. Each run's
/// predictions are computed once (one byte per example when there are at most 256 classes)
/// and pairs compare the prediction arrays; this is exact, so the table equals [`disagreement`]
/// on every pair.
///
/// # Remarks
/// As [`disagreement`]. Bitwise-identical runs get exactly 0.
///
/// # Errors
/// [`MetricsError::TooFewRuns`] for fewer than 2 runs; [`MetricsError::ShapeMismatch`] when a
/// run's shape differs from run 0's; [`MetricsError::NonFinite`] naming the run.
pub fn pairwise_disagreement(runs: &[Logits<'_>]) -> Result<PairMatrix, MetricsError> {
    let shape = check_logit_runs(runs, 2, "pairwise disagreement")?;
    let n = shape.rows as f64;
    let same = identical_to(&runs.iter().map(|r| r.data()).collect::<Vec<_>>());
    let counts = if shape.cols <= 256 {
        let preds: Vec<Vec<u8>> = map_indexed(runs.len(), |r| {
            runs[r].rows().map(|row| argmax(row) as u8).collect()
        });
        pair_counts(runs.len(), |i, j| count_ne_u8(&preds[i], &preds[j]))
    } else {
        let preds: Vec<Vec<u32>> = map_indexed(runs.len(), |r| {
            runs[r].rows().map(|row| argmax(row) as u32).collect()
        });
        pair_counts(runs.len(), |i, j| count_ne_u32(&preds[i], &preds[j]))
    };
    let mut m = PairMatrix::zeros(runs.len());
    for (i, j, c) in counts {
        m.set(
            i,
            j,
            if same[i] == same[j] {
                0.0
            } else {
                c as f64 / n
            },
        );
    }
    Ok(m)
}

/// `count(i, j)` for every pair `i < j`, on all cores.
fn pair_counts(
    runs: usize,
    count: impl Fn(usize, usize) -> usize + Sync,
) -> Vec<(usize, usize, usize)> {
    const BLOCK: usize = 8;
    over_row_blocks(runs, BLOCK, |starts| {
        let mut out = Vec::new();
        for &s in starts {
            for i in s..(s + BLOCK).min(runs) {
                out.extend((i + 1..runs).map(|j| (i, j, count(i, j))));
            }
        }
        out
    })
    .concat()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha20Rng;

    #[test]
    fn by_hand_with_ties_and_constant_rows() {
        // a argmax: [0, 1, 0 (tie), 2]; b argmax: [0, 0 (tie), 0 (constant), 1] -> differ at
        // examples 1 and 3: 2 / 4.
        let a = [3.0, 1.0, 0.0, 0.0, 5.0, 1.0, 2.0, 2.0, 1.0, 0.0, 1.0, 9.0];
        let b = [3.0, 1.0, 0.0, 4.0, 4.0, 1.0, 7.0, 7.0, 7.0, 0.0, 9.0, 1.0];
        let (la, lb) = (
            Logits::new(&a, 4, 3).unwrap(),
            Logits::new(&b, 4, 3).unwrap(),
        );
        assert_eq!(disagreement(la, lb).unwrap(), 0.5);
        assert_eq!(disagreement(lb, la).unwrap(), 0.5);
        assert_eq!(disagreement(la, la).unwrap(), 0.0);
        let m = pairwise_disagreement(&[la, lb, la]).unwrap();
        assert_eq!(m.upper(), vec![0.5, 0.0, 0.5]);
    }

    #[test]
    fn symmetric_bounded_and_equal_to_two_run_version() {
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        let (n, c) = (301, 4);
        let data: Vec<Vec<f32>> = (0..6)
            .map(|_| (0..n * c).map(|_| rng.gen_range(0..3) as f32).collect())
            .collect();
        let runs: Vec<Logits<'_>> = data.iter().map(|d| Logits::new(d, n, c).unwrap()).collect();
        let m = pairwise_disagreement(&runs).unwrap();
        for i in 0..runs.len() {
            for j in 0..runs.len() {
                if i != j {
                    let d = disagreement(runs[i], runs[j]).unwrap();
                    assert_eq!(m.get(i, j), Some(d));
                    assert_eq!(m.get(j, i), Some(d));
                    assert!((0.0..=1.0).contains(&d));
                }
            }
        }
    }

    #[test]
    fn many_classes_use_wide_predictions() {
        let (n, c) = (5, 300);
        let mut a = vec![0.0_f32; n * c];
        let mut b = a.clone();
        for e in 0..n {
            a[e * c + 299] = 1.0;
            b[e * c + if e < 2 { 299 } else { 43 }] = 1.0;
        }
        let runs = [
            Logits::new(&a, n, c).unwrap(),
            Logits::new(&b, n, c).unwrap(),
        ];
        assert_eq!(pairwise_disagreement(&runs).unwrap().get(0, 1), Some(0.6));
    }

    #[test]
    fn errors() {
        let a = [0.0_f32; 4];
        let one = [Logits::new(&a, 2, 2).unwrap()];
        assert!(matches!(
            pairwise_disagreement(&one),
            Err(MetricsError::TooFewRuns {
                needed: 2,
                found: 1,
                ..
            })
        ));
        let b = [0.0_f32; 6];
        let e = disagreement(
            Logits::new(&a, 2, 2).unwrap(),
            Logits::new(&b, 3, 2).unwrap(),
        )
        .unwrap_err();
        assert!(matches!(e, MetricsError::ShapeMismatch { .. }), "{e}");
    }
}
