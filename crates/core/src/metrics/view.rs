//! Borrowed, shape-checked views of one run's logits or features, and the input checks every
//! metric shares.

use super::error::{MetricsError, Shape, Subject};

/// One run's test-set logits: `n x classes`, row-major `f32`, borrowed.
///
/// The constructor checks `data.len() == n * classes` and that neither is zero, so every
/// `Logits` value has a consistent shape. Finiteness is checked by each metric, which knows the
/// run index to put in the error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Logits<'a> {
    data: &'a [f32],
    n: usize,
    classes: usize,
}

impl<'a> Logits<'a> {
    /// A view of `data` as `n` examples of `classes` logits each.
    ///
    /// # Errors
    /// [`MetricsError::Length`] when `data.len() != n * classes`;
    /// [`MetricsError::EmptyShape`] when `n == 0` or `classes == 0`.
    ///
    /// # Examples
    /// ```
    /// use runvar_core::metrics::Logits;
    /// let data = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0];
    /// let logits = Logits::new(&data, 3, 2).unwrap();
    /// assert_eq!(logits.row(1), Some(&[2.0_f32, 3.0][..]));
    /// assert!(Logits::new(&data, 4, 2).is_err());
    /// ```
    pub fn new(data: &'a [f32], n: usize, classes: usize) -> Result<Self, MetricsError> {
        check_shape(data.len(), n, classes, "logits")?;
        Ok(Self { data, n, classes })
    }

    /// The values, row-major.
    pub fn data(&self) -> &'a [f32] {
        self.data
    }

    /// Number of examples.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Number of classes.
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// The shape `n x classes`.
    pub fn shape(&self) -> Shape {
        Shape {
            rows: self.n,
            cols: self.classes,
        }
    }

    /// The logits of example `i`, or `None` past the end.
    pub fn row(&self, i: usize) -> Option<&'a [f32]> {
        self.data.chunks_exact(self.classes).nth(i)
    }

    /// The rows, one slice of `classes` logits per example.
    pub fn rows(&self) -> std::slice::ChunksExact<'a, f32> {
        self.data.chunks_exact(self.classes)
    }
}

/// One run's penultimate-layer features over the test set: `n x dim`, row-major `f32`,
/// borrowed. Checked like [`Logits`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Features<'a> {
    data: &'a [f32],
    n: usize,
    dim: usize,
}

impl<'a> Features<'a> {
    /// A view of `data` as `n` examples of `dim` features each.
    ///
    /// # Errors
    /// [`MetricsError::Length`] when `data.len() != n * dim`; [`MetricsError::EmptyShape`] when
    /// `n == 0` or `dim == 0`.
    pub fn new(data: &'a [f32], n: usize, dim: usize) -> Result<Self, MetricsError> {
        check_shape(data.len(), n, dim, "features")?;
        Ok(Self { data, n, dim })
    }

    /// The values, row-major.
    pub fn data(&self) -> &'a [f32] {
        self.data
    }

    /// Number of examples.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Number of feature dimensions.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The shape `n x dim`.
    pub fn shape(&self) -> Shape {
        Shape {
            rows: self.n,
            cols: self.dim,
        }
    }
}

fn check_shape(
    len: usize,
    rows: usize,
    cols: usize,
    kind: &'static str,
) -> Result<(), MetricsError> {
    let subject = Subject { kind, run: None };
    let shape = Shape { rows, cols };
    let expected = rows.checked_mul(cols);
    if expected != Some(len) {
        let expected = expected.unwrap_or(usize::MAX);
        return Err(MetricsError::Length {
            subject,
            len,
            shape,
            expected,
        });
    }
    if rows == 0 || cols == 0 {
        return Err(MetricsError::EmptyShape { subject, shape });
    }
    Ok(())
}

/// First non-finite value of a row-major array with `cols` columns.
pub(crate) fn check_finite(
    data: &[f32],
    cols: usize,
    subject: Subject,
) -> Result<(), MetricsError> {
    // Fast scan first (vectorizes); locate the bad value only when there is one.
    if data.iter().all(|v| v.is_finite()) {
        return Ok(());
    }
    let pos = data
        .iter()
        .position(|v| !v.is_finite())
        .expect("a non-finite value exists");
    Err(MetricsError::NonFinite {
        subject,
        row: pos / cols,
        col: pos % cols,
        value: data[pos],
    })
}

/// Labels: one per example, each in `0..classes`.
pub(crate) fn check_labels(labels: &[i64], n: usize, classes: usize) -> Result<(), MetricsError> {
    if labels.len() != n {
        return Err(MetricsError::LabelCount {
            len: labels.len(),
            n,
        });
    }
    match labels
        .iter()
        .position(|&y| y < 0 || y as u64 >= classes as u64)
    {
        Some(index) => Err(MetricsError::LabelOutOfRange {
            index,
            label: labels[index],
            classes,
        }),
        None => Ok(()),
    }
}

/// Checks logits of `runs.len() >= needed` runs: same shape as run 0, all finite.
pub(crate) fn check_logit_runs(
    runs: &[Logits<'_>],
    needed: usize,
    metric: &'static str,
) -> Result<Shape, MetricsError> {
    if runs.len() < needed || runs.is_empty() {
        return Err(MetricsError::TooFewRuns {
            metric,
            needed: needed.max(1),
            found: runs.len(),
        });
    }
    let expected = runs[0].shape();
    for (i, run) in runs.iter().enumerate() {
        if run.shape() != expected {
            return Err(MetricsError::ShapeMismatch {
                subject: Subject {
                    kind: "logits",
                    run: Some(i),
                },
                found: run.shape(),
                reference: Subject {
                    kind: "logits",
                    run: Some(0),
                },
                expected,
            });
        }
        check_finite(
            run.data,
            run.classes,
            Subject {
                kind: "logits",
                run: Some(i),
            },
        )?;
    }
    Ok(expected)
}

/// Checks features of `runs.len() >= needed` runs: same number of examples as run 0 (the
/// dimension may differ), all finite.
pub(crate) fn check_feature_runs(
    runs: &[Features<'_>],
    needed: usize,
    metric: &'static str,
) -> Result<usize, MetricsError> {
    if runs.len() < needed || runs.is_empty() {
        return Err(MetricsError::TooFewRuns {
            metric,
            needed: needed.max(1),
            found: runs.len(),
        });
    }
    let n = runs[0].n;
    for (i, run) in runs.iter().enumerate() {
        if run.n != n {
            return Err(MetricsError::ShapeMismatch {
                subject: Subject {
                    kind: "features",
                    run: Some(i),
                },
                found: run.shape(),
                reference: Subject {
                    kind: "features",
                    run: Some(0),
                },
                expected: runs[0].shape(),
            });
        }
        check_finite(
            run.data,
            run.dim,
            Subject {
                kind: "features",
                run: Some(i),
            },
        )?;
    }
    Ok(n)
}

/// For each run, the smallest index of a run with bitwise-identical data (itself if none).
///
/// Pairwise metrics give such pairs their exact values (disagreement 0, correlation 1, gains
/// 0), which makes the deterministic control exact however the fast paths round.
pub(crate) fn identical_to(runs: &[&[f32]]) -> Vec<usize> {
    let hashes = super::parallel::map_indexed(runs.len(), |r| {
        runs[r].iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, v| {
            (h ^ u64::from(v.to_bits()))
                .wrapping_mul(0x0000_0100_0000_01b3)
                .rotate_left(5)
        })
    });
    let bits_equal = |a: &[f32], b: &[f32]| {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
    };
    let mut rep: Vec<usize> = (0..runs.len()).collect();
    for i in 0..runs.len() {
        if let Some(j) =
            (0..i).find(|&j| rep[j] == j && hashes[j] == hashes[i] && bits_equal(runs[j], runs[i]))
        {
            rep[i] = j;
        }
    }
    rep
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constructor_checks_length_and_emptiness() {
        let d = [0.0_f32; 6];
        assert!(Logits::new(&d, 2, 3).is_ok());
        let e = Logits::new(&d, 4, 2).unwrap_err();
        assert!(
            matches!(
                e,
                MetricsError::Length {
                    len: 6,
                    expected: 8,
                    ..
                }
            ),
            "{e}"
        );
        assert!(
            e.to_string().contains("6 values cannot be a 4 x 2 array"),
            "{e}"
        );
        assert!(matches!(
            Logits::new(&[], 0, 3),
            Err(MetricsError::EmptyShape { .. })
        ));
        assert!(matches!(
            Features::new(&d, usize::MAX, 2),
            Err(MetricsError::Length { .. })
        ));
    }

    #[test]
    fn errors_name_run_and_position() {
        let a = [0.0_f32; 6];
        let mut b = [0.0_f32; 6];
        b[4] = f32::NAN;
        let runs = [
            Logits::new(&a, 2, 3).unwrap(),
            Logits::new(&b, 2, 3).unwrap(),
        ];
        let e = check_logit_runs(&runs, 2, "test").unwrap_err();
        match &e {
            MetricsError::NonFinite {
                subject,
                row: 1,
                col: 1,
                value,
            } => {
                assert_eq!(
                    *subject,
                    Subject {
                        kind: "logits",
                        run: Some(1)
                    }
                );
                assert!(value.is_nan());
            }
            other => panic!("unexpected error {other:?}"),
        }
        let msg = e.to_string();
        assert!(
            msg.starts_with("logits of run 1: non-finite value NaN at example 1, column 1"),
            "{msg}"
        );
        let c = [0.0_f32; 6];
        let runs = [
            Logits::new(&a, 2, 3).unwrap(),
            Logits::new(&c, 3, 2).unwrap(),
        ];
        let msg = check_logit_runs(&runs, 2, "test").unwrap_err().to_string();
        assert!(
            msg.contains(
                "logits of run 1: shape 3 x 2 does not match logits of run 0's shape 2 x 3"
            ),
            "{msg}"
        );
    }

    #[test]
    fn labels_checked() {
        assert!(check_labels(&[0, 2, 1], 3, 3).is_ok());
        assert_eq!(
            check_labels(&[0, 1], 3, 3),
            Err(MetricsError::LabelCount { len: 2, n: 3 })
        );
        let e = check_labels(&[0, 3, -1], 3, 3).unwrap_err();
        assert_eq!(
            e,
            MetricsError::LabelOutOfRange {
                index: 1,
                label: 3,
                classes: 3
            }
        );
        assert!(e
            .to_string()
            .contains("label 3 out of range 0..3 at index 1"));
        assert!(matches!(
            check_labels(&[-1], 1, 3),
            Err(MetricsError::LabelOutOfRange { index: 0, .. })
        ));
    }
}
