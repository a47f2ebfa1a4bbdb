//! Disagreement per true class: which classes the runs disagree on.
//!
//! For class `c` with `n_c` test examples, the mean over pairs of distinct runs of the share
//! of class-`c` examples the two runs predict differently. Summed over examples rather than
//! pairs: example `i` is predicted differently by [`Votes::disagreeing_pairs`] of the
//! `R (R - 1) / 2` pairs, so the class's value is
//! `sum_{i in c} disagreeing_pairs(i) / (n_c R (R - 1) / 2)`; over all classes together it is
//! the condition's mean pairwise disagreement.

use super::error::MetricsError;
use super::view::check_labels;
use super::votes::Votes;

/// Mean pairwise disagreement among the test examples of each true class, as fractions, by
/// class index; `None` for a class without test examples or with fewer than 2 runs.
///
/// Matches, for the `R x n` predictions `P` and labels `y`:
/// `np.mean([np.mean(P[a, y == c] != P[b, y == c]) for a, b in combinations(range(R), 2)])`.
///
/// # Errors
/// [`MetricsError::LabelCount`] and [`MetricsError::LabelOutOfRange`] on bad labels.
///
/// # Examples
/// ```
/// use runvar_core::metrics::{class_disagreement, Logits, Votes};
/// // Two runs agree on the class-0 example and disagree on the class-1 one.
/// let a = [1.0, 0.0, /**/ 0.0, 1.0];
/// let b = [1.0, 0.0, /**/ 1.0, 0.0];
/// let v = Votes::of(&[Logits::new(&a, 2, 2)?, Logits::new(&b, 2, 2)?])?;
/// assert_eq!(class_disagreement(&v, &[0, 1])?, [Some(0.0), Some(1.0)]);
/// # Ok::<(), runvar_core::metrics::MetricsError>(())
/// ```
pub fn class_disagreement(votes: &Votes, labels: &[i64]) -> Result<Vec<Option<f64>>, MetricsError> {
    check_labels(labels, votes.examples(), votes.classes())?;
    let classes = votes.classes();
    let (mut pairs, mut count) = (vec![0_u64; classes], vec![0_u64; classes]);
    for (i, &y) in labels.iter().enumerate() {
        pairs[y as usize] += votes.disagreeing_pairs(i);
        count[y as usize] += 1;
    }
    let r = votes.runs() as u64;
    let per_example = r * r.saturating_sub(1) / 2;
    Ok(pairs
        .iter()
        .zip(&count)
        .map(|(&d, &k)| (k > 0 && per_example > 0).then(|| d as f64 / (k * per_example) as f64))
        .collect())
}
