//! From stored runs to report rows: load logits (runvar run directories or plain `.npy`
//! files from any framework), check them, and compute every metric of a condition.

use std::path::{Path, PathBuf};

use crate::metrics::{
    condition_metrics, pairwise_linear_cka_both, Features, HsicEstimator, Logits, MetricsError,
    PairMatrix,
};
use crate::report::{ConditionReport, Interval};
use crate::stats::{
    bootstrap_pairwise_mean, bootstrap_sd, pair_mean_ratio, population_sd, sd_ratio, Bootstrap,
};
use crate::store::npy::{self, NpyError};

/// Errors loading or analysing runs; each names the file or the condition.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AnalysisError {
    /// A `.npy` file could not be read.
    #[error(transparent)]
    Npy(#[from] NpyError),
    /// A file has the wrong shape or bad values.
    #[error("{path}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A metric failed on a condition's runs.
    #[error("condition `{condition}`: {source}")]
    Metrics {
        /// The condition.
        condition: String,
        /// The metric's error (it names the run index).
        #[source]
        source: MetricsError,
    },
}

fn invalid(path: &Path, message: impl Into<String>) -> AnalysisError {
    AnalysisError::Invalid {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// One run's test-set outputs.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOutputs {
    /// Where the logits came from (for messages).
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

/// Read a 2-D float array (`n x k`), refusing other ranks and non-finite values.
///
/// # Errors
/// [`AnalysisError`] naming the file.
pub fn read_matrix(path: &Path, what: &str) -> Result<(Vec<f32>, usize, usize), AnalysisError> {
    let arr = npy::read(path)?;
    let shape = arr.shape.clone();
    let [n, k] = shape[..] else {
        return Err(invalid(
            path,
            format!("{what} must be a 2-D array (examples x {what}), found shape {shape:?}"),
        ));
    };
    let values = arr.into_f32(path)?;
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        return Err(invalid(
            path,
            format!(
                "{what} value at example {}, column {} is {}; the run diverged or the file is corrupt",
                i / k.max(1),
                i % k.max(1),
                values[i]
            ),
        ));
    }
    Ok((values, n, k))
}

/// Read labels: a 1-D integer array with values in `0..classes`.
///
/// # Errors
/// [`AnalysisError`] naming the file.
pub fn read_labels(path: &Path, classes: usize) -> Result<Vec<i64>, AnalysisError> {
    let arr = npy::read(path)?;
    if arr.shape.len() != 1 {
        return Err(invalid(
            path,
            format!(
                "labels must be a 1-D integer array, found shape {:?}",
                arr.shape
            ),
        ));
    }
    let labels = arr.into_i64(path)?;
    if let Some(i) = labels.iter().position(|&y| y < 0 || y as usize >= classes) {
        return Err(invalid(
            path,
            format!(
                "label {} at index {i} is out of range 0..{classes} (the logits have {classes} columns)",
                labels[i]
            ),
        ));
    }
    Ok(labels)
}

/// Load a runvar run directory: `logits.npy`, `labels.npy`, and `features.npy` if present.
///
/// # Errors
/// [`AnalysisError`] naming the file; a directory without `DONE` is refused.
pub fn load_run_dir(dir: &Path) -> Result<(RunOutputs, Vec<i64>), AnalysisError> {
    if !crate::store::is_complete(dir) {
        return Err(invalid(
            dir,
            "not a finished run directory (no DONE marker)",
        ));
    }
    let (logits, n, classes) = read_matrix(&dir.join("logits.npy"), "logits")?;
    let labels = read_labels(&dir.join("labels.npy"), classes)?;
    let fpath = dir.join("features.npy");
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

/// The percentile interval of `e` times `scale`, when both ends are finite.
pub fn interval(e: &crate::stats::BootstrapEstimate, scale: f64) -> Option<Interval> {
    let (lo, hi) = (e.interval.lower * scale, e.interval.upper * scale);
    (lo.is_finite() && hi.is_finite()).then_some(Interval { lo, hi })
}

fn pair_stat(m: &PairMatrix, boot: &Bootstrap, scale: f64) -> (f64, Option<Interval>) {
    let mean = m.mean() * scale;
    let ci = bootstrap_pairwise_mean(m, boot)
        .ok()
        .and_then(|e| interval(&e, scale));
    (mean, ci)
}

/// Every metric of one condition (PROTOCOL.md section 3), as a report row. The `acc_sd_ratio`
/// and ratio fields are left empty; see [`fill_ratios`].
///
/// # Errors
/// [`AnalysisError::Metrics`] naming the condition (the message names the run index).
pub fn analyze_condition(
    name: &str,
    sources: Vec<String>,
    runs: &[RunOutputs],
    labels: &[i64],
    boot: &Bootstrap,
    cka: HsicEstimator,
) -> Result<ConditionReport, AnalysisError> {
    let wrap = |source| AnalysisError::Metrics {
        condition: name.to_string(),
        source,
    };
    let views: Vec<Logits> = runs
        .iter()
        .map(|r| Logits::new(&r.logits, r.n, r.classes))
        .collect::<Result<_, _>>()
        .map_err(wrap)?;
    let m = condition_metrics(&views, labels).map_err(wrap)?;
    let acc: Vec<f64> = m.runs.accuracy.iter().map(|a| 100.0 * a).collect();
    let acc_sd = bootstrap_sd(&acc, boot).map_err(wrap)?;
    let ce_sd = bootstrap_sd(&m.runs.cross_entropy, boot).map_err(wrap)?;
    let (disagreement, disagreement_ci) = pair_stat(&m.disagreement, boot, 100.0);
    let (correlation, correlation_ci) = pair_stat(&m.pearson, boot, 1.0);
    let (spearman, spearman_ci) = pair_stat(&m.spearman, boot, 1.0);
    let (ensemble_gain, ensemble_gain_ci) = pair_stat(&m.ensemble.accuracy, boot, 100.0);
    let (ensemble_gain_ce, ensemble_gain_ce_ci) = pair_stat(&m.ensemble.cross_entropy, boot, 1.0);
    let (cka_mean, cka_ci, cka_other) = match runs
        .iter()
        .map(|r| r.features.as_ref())
        .collect::<Option<Vec<_>>>()
    {
        Some(feats) => {
            let views: Vec<Features> = feats
                .iter()
                .zip(runs)
                .map(|((f, d), r)| Features::new(f, r.n, *d))
                .collect::<Result<_, _>>()
                .map_err(wrap)?;
            // Both estimators from one cross-product per pair (the expensive part).
            let (pm, other) = match cka {
                HsicEstimator::Unbiased => {
                    let (b, u) = pairwise_linear_cka_both(&views).map_err(wrap)?;
                    (u, b)
                }
                HsicEstimator::Biased => pairwise_linear_cka_both(&views).map_err(wrap)?,
            };
            let (mean, ci) = pair_stat(&pm, boot, 1.0);
            let other = other.mean();
            (
                mean.is_finite().then_some(mean),
                ci,
                other.is_finite().then_some(other),
            )
        }
        None => (None, None, None),
    };
    Ok(ConditionReport {
        name: name.to_string(),
        sources,
        n: runs.len(),
        mean_acc: acc.iter().sum::<f64>() / acc.len() as f64,
        acc_sd: acc_sd.estimate,
        acc_sd_err: acc_sd.std_error,
        ce_sd: ce_sd.estimate,
        ce_sd_err: ce_sd.std_error,
        disagreement,
        disagreement_ci,
        correlation,
        correlation_ci,
        spearman,
        spearman_ci,
        ensemble_gain,
        ensemble_gain_ci,
        ensemble_gain_ce,
        ensemble_gain_ce_ci,
        cka: cka_mean,
        cka_ci,
        cka_other,
        acc_sd_ratio_to_all: None,
        acc_sd_ratio_ci: None,
        disagreement_ratio_to_all: None,
        disagreement_ratio_ci: None,
        same_predictions_as_control: None,
        accuracies: acc,
        pairwise_disagreement: m.disagreement.pairs().map(|(_, _, v)| 100.0 * v).collect(),
    })
}

/// For every condition, the ratios of its accuracy SD and of its mean pairwise disagreement to
/// the `reference` condition's (the `all` row), each with a bootstrap interval resampling both
/// conditions' runs independently ([`sd_ratio`], [`pair_mean_ratio`]).
pub fn fill_ratios(rows: &mut [ConditionReport], reference: &str, boot: &Bootstrap) {
    let Some(base) = rows.iter().find(|r| r.name == reference).cloned() else {
        return;
    };
    let sd_defined = population_sd(&base.accuracies).is_ok_and(|sd| sd > 0.0);
    let dis_base = PairMatrix::from_upper(base.n, &base.pairwise_disagreement).ok();
    for row in rows.iter_mut() {
        if sd_defined {
            if let Ok(e) = sd_ratio(&row.accuracies, &base.accuracies, boot) {
                row.acc_sd_ratio_to_all = e.estimate.is_finite().then_some(e.estimate);
                row.acc_sd_ratio_ci = interval(&e, 1.0);
            }
        }
        let dis = PairMatrix::from_upper(row.n, &row.pairwise_disagreement).ok();
        if let (Some(dis), Some(dis_base)) = (dis, &dis_base) {
            if let Ok(e) = pair_mean_ratio(&dis, dis_base, boot) {
                row.disagreement_ratio_to_all = e.estimate.is_finite().then_some(e.estimate);
                row.disagreement_ratio_ci = interval(&e, 1.0);
            }
        }
    }
}
