//! Reading one run's arrays: a logits or features matrix, labels, a runvar run directory, and
//! the checks every source of runs goes through (finite values, labels in range, one shape).

use std::path::{Path, PathBuf};

use super::{invalid, AnalysisError};
use crate::store::{npy, RunFiles};

/// One run's test-set outputs.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOutputs {
    /// Where the logits came from, for messages: a run directory, a file, `stack.npy[3]` for
    /// the fourth run of a stacked array, `runs.npz:logits.npy[3]` inside an archive.
    pub source: PathBuf,
    /// `n x classes` logits, f32.
    pub logits: Vec<f32>,
    /// Examples.
    pub n: usize,
    /// Classes.
    pub classes: usize,
    /// `n x feature_dim` penultimate features, if available.
    pub features: Option<(Vec<f32>, usize)>,
}

/// Refuse NaN and infinite values of an `_ x k` matrix, naming the example and column.
pub(super) fn check_finite(
    values: &[f32],
    k: usize,
    source: &Path,
    what: &str,
) -> Result<(), AnalysisError> {
    match values.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(i) => Err(invalid(
            source,
            format!(
                "{what} value at example {}, column {} is {}; the run diverged or the file is corrupt",
                i / k.max(1),
                i % k.max(1),
                values[i]
            ),
        )),
    }
}

/// Refuse labels outside `0..classes`.
pub(super) fn check_labels(
    labels: &[i64],
    classes: usize,
    source: &Path,
) -> Result<(), AnalysisError> {
    match labels.iter().position(|&y| y < 0 || y as usize >= classes) {
        None => Ok(()),
        Some(i) => Err(invalid(
            source,
            format!(
                "label {} at index {i} is out of range 0..{classes} (the logits have {classes} columns)",
                labels[i]
            ),
        )),
    }
}

/// Labels from an array: 1-D integers.
pub(super) fn labels_of(arr: npy::NpyArray, source: &Path) -> Result<Vec<i64>, AnalysisError> {
    if arr.shape.len() != 1 {
        return Err(invalid(
            source,
            format!(
                "labels must be a 1-D integer array, found shape {:?}",
                arr.shape
            ),
        ));
    }
    Ok(arr.into_labels(source)?)
}

/// Read a 2-D float array (`n x k`; float16, float32 or float64, converted to f32), refusing
/// other ranks and non-finite values.
///
/// # Errors
/// [`AnalysisError`] naming the file.
pub fn read_matrix(path: &Path, what: &str) -> Result<(Vec<f32>, usize, usize), AnalysisError> {
    matrix_of(npy::read(path)?, path, what)
}

/// [`read_matrix`] of an array already read; `path` names it in messages.
pub(super) fn matrix_of(
    arr: npy::NpyArray,
    path: &Path,
    what: &str,
) -> Result<(Vec<f32>, usize, usize), AnalysisError> {
    let shape = arr.shape.clone();
    let [n, k] = shape[..] else {
        return Err(invalid(
            path,
            format!("{what} must be a 2-D array (examples x {what}), found shape {shape:?}"),
        ));
    };
    let values = arr.into_f32(path)?;
    check_finite(&values, k, path, what)?;
    Ok((values, n, k))
}

/// Read labels: a 1-D integer array with values in `0..classes`.
///
/// # Errors
/// [`AnalysisError`] naming the file.
pub fn read_labels(path: &Path, classes: usize) -> Result<Vec<i64>, AnalysisError> {
    let labels = labels_of(npy::read(path)?, path)?;
    check_labels(&labels, classes, path)?;
    Ok(labels)
}

/// Load a runvar run directory: `logits.npy`, `labels.npy`, and `features.npy` if present,
/// after checking every file against its `SHA256SUMS` ([`crate::store::checksum`]).
///
/// # Errors
/// [`AnalysisError`] naming the file; a directory without `DONE`, or with a file that changed
/// since the run finished, is refused.
pub fn load_run_dir(dir: &Path) -> Result<(RunOutputs, Vec<i64>), AnalysisError> {
    if !RunFiles::at(dir).is_complete() {
        return Err(invalid(
            dir,
            "not a finished run directory (no DONE marker)",
        ));
    }
    crate::store::checksum::verify(dir, &RunFiles::REQUIRED)?;
    read_run_dir(dir)
}

/// [`load_run_dir`] without the checks of `DONE` and the checksums, for runs a
/// [`crate::study::Survey`] has checked already.
pub(crate) fn read_run_dir(dir: &Path) -> Result<(RunOutputs, Vec<i64>), AnalysisError> {
    let files = RunFiles::at(dir);
    let (logits, n, classes) = read_matrix(&files.logits(), "logits")?;
    let labels = read_labels(&files.labels(), classes)?;
    let fpath = files.features();
    let features = if fpath.exists() {
        let (f, fn_, d) = read_matrix(&fpath, "features")?;
        if fn_ != n {
            return Err(invalid(
                &fpath,
                format!("{fn_} rows but the logits have {n}"),
            ));
        }
        Some((f, d))
    } else {
        None
    };
    Ok((
        RunOutputs {
            source: dir.to_path_buf(),
            logits,
            n,
            classes,
            features,
        },
        labels,
    ))
}

/// Check that all runs agree in shape with each other and with the labels.
///
/// # Errors
/// [`AnalysisError::Invalid`] naming the first run that differs.
pub fn check_runs(
    runs: &[RunOutputs],
    labels: &[i64],
    labels_path: &Path,
) -> Result<(), AnalysisError> {
    let Some(first) = runs.first() else {
        return Ok(());
    };
    if labels.len() != first.n {
        return Err(invalid(
            labels_path,
            format!(
                "{} labels but {} has {} examples",
                labels.len(),
                first.source.display(),
                first.n
            ),
        ));
    }
    for r in runs {
        if (r.n, r.classes) != (first.n, first.classes) {
            return Err(invalid(
                &r.source,
                format!(
                    "logits are {} x {} but {} has {} x {}; all runs must score the same test set",
                    r.n,
                    r.classes,
                    first.source.display(),
                    first.n,
                    first.classes
                ),
            ));
        }
    }
    Ok(())
}
