//! [`MetricsError`]: everything that can be wrong with the arrays handed to a metric.

use std::fmt;

/// A 2-D shape, printed as `rows x cols`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Shape {
    /// Number of rows (examples).
    pub rows: usize,
    /// Number of columns (classes or feature dimensions).
    pub cols: usize,
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} x {}", self.rows, self.cols)
    }
}

/// Which array an error is about: `logits` or `features`, of one run when the run is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subject {
    /// `"logits"` or `"features"`.
    pub kind: &'static str,
    /// Index of the run in the slice handed to the metric, if there is one.
    pub run: Option<usize>,
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.run {
            Some(run) => write!(f, "{} of run {run}", self.kind),
            None => f.write_str(self.kind),
        }
    }
}

/// Errors from the metrics and statistics. Each names the array, the run index and the
/// position concerned, and says what to do.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum MetricsError {
    /// A flat array's length is not `rows * cols`.
    #[error(
        "{subject}: {len} values cannot be a {shape} array ({expected} values); \
         pass the row and column counts the array was written with"
    )]
    Length {
        /// The array.
        subject: Subject,
        /// Its length.
        len: usize,
        /// The shape it was claimed to have.
        shape: Shape,
        /// `rows * cols`, or `usize::MAX` when that overflows.
        expected: usize,
    },
    /// A shape with no rows or no columns.
    #[error("{subject}: empty shape {shape}; a metric needs at least one example and one column")]
    EmptyShape {
        /// The array.
        subject: Subject,
        /// Its shape.
        shape: Shape,
    },
    /// Two arrays that must have the same shape do not.
    #[error(
        "{subject}: shape {found} does not match {reference}'s shape {expected}; \
         all runs must be evaluated on the same test set"
    )]
    ShapeMismatch {
        /// The array that differs.
        subject: Subject,
        /// Its shape.
        found: Shape,
        /// The array it was compared with.
        reference: Subject,
        /// The reference's shape.
        expected: Shape,
    },
    /// A NaN or infinite value in logits or features.
    #[error(
        "{subject}: non-finite value {value} at example {row}, column {col} (first one); \
         the run diverged or its file is corrupt: retrain it or leave it out"
    )]
    NonFinite {
        /// The array.
        subject: Subject,
        /// Example (row) of the first bad value.
        row: usize,
        /// Column (class or feature) of the first bad value.
        col: usize,
        /// The value.
        value: f32,
    },
    /// A NaN or infinite value in a list of per-run or per-pair statistics.
    #[error("{what}: non-finite value {value} at index {index}; leave out the run it came from")]
    NonFiniteValue {
        /// The list.
        what: &'static str,
        /// Index of the first bad value.
        index: usize,
        /// The value.
        value: f64,
    },
    /// The number of labels differs from the number of examples.
    #[error("labels: {len} labels for {n} examples; pass the labels of the same test set")]
    LabelCount {
        /// Number of labels.
        len: usize,
        /// Number of examples (logit rows).
        n: usize,
    },
    /// A label outside `0..classes`.
    #[error("labels: label {label} out of range 0..{classes} at index {index}; is this a {classes}-class dataset?")]
    LabelOutOfRange {
        /// Index of the first bad label.
        index: usize,
        /// The label.
        label: i64,
        /// Number of classes (logit columns).
        classes: usize,
    },
    /// Fewer runs than the metric needs (pairwise metrics need two).
    #[error("{metric}: needs at least {needed} runs, got {found}; train more runs")]
    TooFewRuns {
        /// The metric.
        metric: &'static str,
        /// Runs needed.
        needed: usize,
        /// Runs given.
        found: usize,
    },
    /// Fewer examples than the estimator needs (the unbiased HSIC needs four).
    #[error("{metric}: needs at least {needed} examples, got {found}; use more examples or the biased estimator")]
    TooFewExamples {
        /// The metric.
        metric: &'static str,
        /// Examples needed.
        needed: usize,
        /// Examples given.
        found: usize,
    },
    /// An empty list of values.
    #[error("{what}: empty input; pass at least one value")]
    Empty {
        /// The list.
        what: &'static str,
    },
    /// A parameter outside its domain (bootstrap resamples, confidence level, ...).
    #[error("{name}: {value} is not valid; {expected}")]
    InvalidParameter {
        /// The parameter.
        name: &'static str,
        /// Its value, printed.
        value: String,
        /// What is expected.
        expected: &'static str,
    },
    /// The statistic is undefined for this input (for example a ratio over a zero SD).
    #[error("{what}: undefined because {reason}")]
    Undefined {
        /// The statistic.
        what: &'static str,
        /// Why.
        reason: &'static str,
    },
}
