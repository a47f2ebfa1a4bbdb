//! The metrics of one pair of runs: `runvar.disagreement`, `correlation`, `spearman`,
//! `ensemble_gain` and `cka`. Each is the pairwise kernel `runvar analyze` runs over every
//! pair (`runvar_core::metrics::pairwise_*`), here on the one pair, in the report's units: so
//! `runvar.disagreement(a, b)` is the `disagreement` of `runvar.analyze([a, b], labels)`, bit
//! for bit.
//!
//! Each argument is checked as the CLI checks a file (`a: logits must be a 2-D array ...`,
//! NaN named by example and column); two runs of different shapes are refused naming both.

use pyo3::prelude::*;
use runvar_core::analysis::{labels_array, matrix_array};
use runvar_core::metrics::{
    pairwise_disagreement, pairwise_ensemble_gain, pairwise_linear_cka, pairwise_pearson,
    pairwise_spearman, Features, HsicEstimator, Logits, MetricsError, PairMatrix,
};

use crate::arrays::{Arg, Encoded};
use crate::errors::Error;
use crate::worker;

/// A run's matrix: values, rows, columns.
type Matrix = (Vec<f32>, usize, usize);

/// Two runs' matrices of the same shape (`what`: `logits` or `features`; features may differ
/// in width, `same_width` false).
fn pair(a: Encoded, b: Encoded, what: &str, same_width: bool) -> Result<[Matrix; 2], Error> {
    let (a_name, b_name) = (a.name().to_string(), b.name().to_string());
    let a = matrix_array(a.decode()?, what)?;
    let b = matrix_array(b.decode()?, what)?;
    if a.1 != b.1 || (same_width && a.2 != b.2) {
        let shape = |m: &Matrix| {
            if same_width {
                format!("{} x {}", m.1, m.2)
            } else {
                format!("{} rows", m.1)
            }
        };
        return Err(Error::Input(format!(
            "{b_name}: {what} are {} but {a_name} has {}; both runs must score the same test set",
            shape(&b),
            shape(&a)
        )));
    }
    Ok([a, b])
}

/// Both runs as logits views.
fn logits(m: &[Matrix; 2]) -> Result<[Logits<'_>; 2], MetricsError> {
    Ok([
        Logits::new(&m[0].0, m[0].1, m[0].2)?,
        Logits::new(&m[1].0, m[1].1, m[1].2)?,
    ])
}

/// A pairwise metric of two logits arrays, times `scale`, on a worker thread.
fn of_logits(
    py: Python<'_>,
    a: &Arg<'_>,
    b: &Arg<'_>,
    scale: f64,
    metric: fn(&[Logits<'_>]) -> Result<PairMatrix, MetricsError>,
) -> PyResult<f64> {
    let (a, b) = (Encoded::of(a), Encoded::of(b));
    let value = worker::run(py, move || -> Result<f64, Error> {
        let m = pair(a, b, "logits", true)?;
        Ok(metric(&logits(&m)?)?.mean() * scale)
    })??;
    Ok(value)
}

/// Percent of test examples whose predicted class (argmax) differs.
#[pyfunction]
pub fn disagreement(py: Python<'_>, a: Arg<'_>, b: Arg<'_>) -> PyResult<f64> {
    of_logits(py, &a, &b, 100.0, pairwise_disagreement)
}

/// Pearson correlation of the raw logits.
#[pyfunction]
pub fn correlation(py: Python<'_>, a: Arg<'_>, b: Arg<'_>) -> PyResult<f64> {
    of_logits(py, &a, &b, 1.0, pairwise_pearson)
}

/// Spearman correlation of the raw logits.
#[pyfunction]
pub fn spearman(py: Python<'_>, a: Arg<'_>, b: Arg<'_>) -> PyResult<f64> {
    of_logits(py, &a, &b, 1.0, pairwise_spearman)
}

/// The two-model ensemble's gains: accuracy in percentage points, cross-entropy in nats.
#[pyfunction]
pub fn ensemble_gain(
    py: Python<'_>,
    a: Arg<'_>,
    b: Arg<'_>,
    labels: Arg<'_>,
) -> PyResult<(f64, f64)> {
    let (a, b, labels) = (Encoded::of(&a), Encoded::of(&b), Encoded::of(&labels));
    let gains = worker::run(py, move || -> Result<(f64, f64), Error> {
        let (a_name, labels_name) = (a.name().to_string(), labels.name().to_string());
        let m = pair(a, b, "logits", true)?;
        let labels = labels_array(labels.decode()?, m[0].2)?;
        if labels.len() != m[0].1 {
            return Err(Error::Input(format!(
                "{labels_name}: {} labels but {a_name} has {} examples",
                labels.len(),
                m[0].1
            )));
        }
        let g = pairwise_ensemble_gain(&logits(&m)?, &labels)?;
        Ok((100.0 * g.accuracy.mean(), g.cross_entropy.mean()))
    })??;
    Ok(gains)
}

/// Linear CKA of two runs' features (n x d1, n x d2), unbiased or biased HSIC.
#[pyfunction]
pub fn cka(py: Python<'_>, x: Arg<'_>, y: Arg<'_>, unbiased: bool) -> PyResult<f64> {
    let (x, y) = (Encoded::of(&x), Encoded::of(&y));
    let estimator = if unbiased {
        HsicEstimator::Unbiased
    } else {
        HsicEstimator::Biased
    };
    let value = worker::run(py, move || -> Result<f64, Error> {
        let m = pair(x, y, "features", false)?;
        let views = [
            Features::new(&m[0].0, m[0].1, m[0].2)?,
            Features::new(&m[1].0, m[1].1, m[1].2)?,
        ];
        Ok(pairwise_linear_cka(&views, estimator)?.mean())
    })??;
    Ok(value)
}
