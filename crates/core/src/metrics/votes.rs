//! The runs' vote on each test example: how many of a condition's runs predict each class.
//!
//! Everything about single test examples is counted from this table: whether an example
//! flips between runs ([`Votes::modal_share`]), how many pairs of runs disagree on it
//! ([`Votes::disagreeing_pairs`]), which examples split the runs most ([`Votes::most_split`]),
//! and from there the binomial SD ([`super::binomial`]) and the per-class disagreement
//! ([`super::class_disagreement`]). All counts are integers, so every derived number is exact
//! up to its final division and the same on every machine.

use super::accuracy::argmax;
use super::error::MetricsError;
use super::view::{check_logit_runs, Logits};

/// `examples x classes` counts: entry `(i, c)` is the number of runs whose argmax on test
/// example `i` is class `c` (ties to the lowest class, as [`super::predictions`]). Each row
/// sums to [`Votes::runs`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Votes {
    runs: usize,
    classes: usize,
    counts: Vec<u32>,
}

impl Votes {
    /// The vote of `runs` (at least one, all of one shape, finite).
    ///
    /// Matches `np.stack([np.bincount(col, minlength=C) for col in np.argmax(L, 2).T])` of the
    /// stacked `runs x n x C` logits `L`.
    ///
    /// # Errors
    /// [`MetricsError::TooFewRuns`] without a run; [`MetricsError::ShapeMismatch`] and
    /// [`MetricsError::NonFinite`] naming the run.
    ///
    /// # Examples
    /// ```
    /// use runvar_core::metrics::{Logits, Votes};
    /// let a = [1.0, 0.0, /**/ 0.0, 1.0];
    /// let b = [2.0, 0.0, /**/ 3.0, 1.0];
    /// let v = Votes::of(&[Logits::new(&a, 2, 2)?, Logits::new(&b, 2, 2)?])?;
    /// assert_eq!((v.row(0), v.row(1)), (&[2, 0][..], &[1, 1][..]));
    /// assert_eq!(v.disagreeing_pairs(1), 1);
    /// # Ok::<(), runvar_core::metrics::MetricsError>(())
    /// ```
    pub fn of(runs: &[Logits<'_>]) -> Result<Votes, MetricsError> {
        let shape = check_logit_runs(runs, 1, "votes")?;
        let classes = shape.cols;
        let mut counts = vec![0_u32; shape.rows * classes];
        for run in runs {
            for (row, out) in run.rows().zip(counts.chunks_exact_mut(classes)) {
                out[argmax(row)] += 1;
            }
        }
        Ok(Votes {
            runs: runs.len(),
            classes,
            counts,
        })
    }

    /// Number of runs voting.
    pub fn runs(&self) -> usize {
        self.runs
    }

    /// Number of classes.
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// Number of test examples.
    pub fn examples(&self) -> usize {
        self.counts.len() / self.classes.max(1)
    }

    /// The counts of example `i`, one per class (panics past the last example).
    pub fn row(&self, i: usize) -> &[u32] {
        &self.counts[i * self.classes..(i + 1) * self.classes]
    }

    /// Every row in example order.
    pub fn rows(&self) -> std::slice::ChunksExact<'_, u32> {
        self.counts.chunks_exact(self.classes)
    }

    /// The largest count of example `i`: the runs predicting its most predicted class.
    pub fn modal(&self, i: usize) -> u32 {
        self.row(i).iter().copied().max().unwrap_or(0)
    }

    /// Share of the runs voting for the most predicted class of example `i`, in
    /// `[1/classes, 1]`: 1 when every run predicts the same class.
    pub fn modal_share(&self, i: usize) -> f64 {
        f64::from(self.modal(i)) / self.runs as f64
    }

    /// Pairs of distinct runs that predict example `i` differently:
    /// `(R^2 - sum_c v_c^2) / 2` for the `R` runs' counts `v`.
    pub fn disagreeing_pairs(&self, i: usize) -> u64 {
        let r = self.runs as u64;
        let same: u64 = self
            .row(i)
            .iter()
            .map(|&v| u64::from(v) * u64::from(v))
            .sum();
        (r * r - same) / 2
    }

    /// Up to `k` examples on which the runs split most, most split first: those whose modal
    /// share ([`Votes::modal_share`]) is lowest, ties to the lower index. Examples every run
    /// predicts alike (share 1) never appear, so fewer than `k` come back when fewer flip.
    ///
    /// Matches `np.lexsort((idx, modal))[:k]` restricted to `modal < R`.
    pub fn most_split(&self, k: usize) -> Vec<usize> {
        let runs = self.runs as u32;
        let mut split: Vec<(u32, usize)> = (0..self.examples())
            .map(|i| (self.modal(i), i))
            .filter(|&(m, _)| m < runs)
            .collect();
        split.sort_unstable();
        split.into_iter().take(k).map(|(_, i)| i).collect()
    }
}
