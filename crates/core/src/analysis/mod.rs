//! From stored runs to report rows: load logits (runvar run directories, or `.npy` and `.npz`
//! files from any framework: `load`, `inputs`), check them, and compute every metric of a
//! condition.

mod arrays;
#[cfg(test)]
mod examples_tests;
mod flips;
mod inputs;
mod load;
mod multiplicity;
mod test_set;

use std::path::{Path, PathBuf};

use crate::metrics::{
    condition_metrics, pairwise_linear_cka_both, population_sd, Features, HsicEstimator, Logits,
    MetricsError, PairMatrix,
};
use crate::report::{ConditionReport, PairTable};
use crate::stats::{
    bootstrap_pairwise_mean, bootstrap_sd, pair_mean_ratio_test, sd_ratio_test, Bootstrap, Interval,
};
use crate::store::npy::NpyError;

pub use flips::{flips, vote_table, FLIP_GALLERY};
pub use inputs::{
    labels_array, load_arrays, load_inputs, matrix_array, AnalyzeInputs, LoadedRuns, NamedArray,
};
pub(crate) use load::read_run_dir;
pub use load::{check_runs, load_run_dir, read_labels, read_matrix, RunOutputs};
pub use multiplicity::{adjust_ratio_p_values, P_VALUE_DEFINITION};

/// Errors loading or analysing runs; each names the file or the condition.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AnalysisError {
    /// A `.npy` file could not be read.
    #[error(transparent)]
    Npy(#[from] NpyError),
    /// A run directory's files do not match their recorded checksums.
    #[error(transparent)]
    Integrity(#[from] crate::store::checksum::IntegrityError),
    /// The inputs of `runvar analyze` do not fit together (no labels, one run, ...).
    #[error("{0}")]
    Inputs(String),
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

pub(crate) fn invalid(path: &Path, message: impl Into<String>) -> AnalysisError {
    AnalysisError::Invalid {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// The percentile interval of `e` times `scale`, when both ends are finite.
pub fn interval(e: &crate::stats::BootstrapEstimate, scale: f64) -> Option<Interval> {
    e.interval.scaled(scale)
}

fn pair_stat(m: &PairMatrix, boot: &Bootstrap, scale: f64) -> (f64, Option<Interval>) {
    let mean = m.mean() * scale;
    let ci = bootstrap_pairwise_mean(m, boot)
        .ok()
        .and_then(|e| interval(&e, scale));
    (mean, ci)
}

/// Every metric of one condition (docs/protocol.md section 3), as a report row. The `acc_sd_ratio`
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
    let (votes, test_set, class_disagreement) =
        test_set::per_example(&views, labels, acc_sd.estimate).map_err(wrap)?;
    let (disagreement, disagreement_ci) = pair_stat(&m.disagreement, boot, 100.0);
    let (correlation, correlation_ci) = pair_stat(&m.pearson, boot, 1.0);
    let (spearman, spearman_ci) = pair_stat(&m.spearman, boot, 1.0);
    let (ensemble_gain, ensemble_gain_ci) = pair_stat(&m.ensemble.accuracy, boot, 100.0);
    let (ensemble_gain_ce, ensemble_gain_ce_ci) = pair_stat(&m.ensemble.cross_entropy, boot, 1.0);
    let (cka_mean, cka_ci, cka_other, cka_table) = match runs
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
                Some(pm),
            )
        }
        None => (None, None, None, None),
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
        acc_sd_ratio_p: None,
        acc_sd_ratio_p_holm: None,
        disagreement_ratio_p: None,
        disagreement_ratio_p_holm: None,
        test_set: Some(test_set),
        class_disagreement,
        perplexity: None,
        votes: Some(votes),
        pairwise_disagreement: m.disagreement.pairs().map(|(_, _, v)| 100.0 * v).collect(),
        pair_tables: [
            ("disagreement", &m.disagreement, 100.0, 0.0),
            ("correlation", &m.pearson, 1.0, 1.0),
            ("spearman", &m.spearman, 1.0, 1.0),
            ("ensemble_gain", &m.ensemble.accuracy, 100.0, 0.0),
            ("ensemble_gain_ce", &m.ensemble.cross_entropy, 1.0, 0.0),
        ]
        .into_iter()
        .chain(cka_table.as_ref().map(|t| ("cka", t, 1.0, 1.0)))
        .map(|(metric, t, scale, diagonal)| PairTable {
            metric,
            upper: t.pairs().map(|(_, _, v)| scale * v).collect(),
            diagonal,
        })
        .collect(),
    })
}

/// For every condition, the ratios of its accuracy SD and of its mean pairwise disagreement to
/// the `reference` condition's (the `all` row), each with a bootstrap interval resampling both
/// conditions' runs independently ([`crate::stats::sd_ratio`],
/// [`crate::stats::pair_mean_ratio`]) and the two-sided bootstrap p-value of "the ratio is 1"
/// from the same resamples ([`crate::stats::ratio_test`]; the intervals are those the
/// untested functions give). The p-values are adjusted for the number of conditions by
/// [`adjust_ratio_p_values`].
pub fn fill_ratios(rows: &mut [ConditionReport], reference: &str, boot: &Bootstrap) {
    let Some(base) = rows.iter().find(|r| r.name == reference).cloned() else {
        return;
    };
    let sd_defined = population_sd(&base.accuracies).is_ok_and(|sd| sd > 0.0);
    let dis_base = PairMatrix::from_upper(base.n, &base.pairwise_disagreement).ok();
    for row in rows.iter_mut() {
        if sd_defined {
            if let Ok(t) = sd_ratio_test(&row.accuracies, &base.accuracies, boot) {
                let e = t.estimate;
                row.acc_sd_ratio_to_all = e.estimate.is_finite().then_some(e.estimate);
                row.acc_sd_ratio_ci = interval(&e, 1.0);
                row.acc_sd_ratio_p = Some(t.p_value);
            }
        }
        let dis = PairMatrix::from_upper(row.n, &row.pairwise_disagreement).ok();
        if let (Some(dis), Some(dis_base)) = (dis, &dis_base) {
            if let Ok(t) = pair_mean_ratio_test(&dis, dis_base, boot) {
                let e = t.estimate;
                row.disagreement_ratio_to_all = e.estimate.is_finite().then_some(e.estimate);
                row.disagreement_ratio_ci = interval(&e, 1.0);
                row.disagreement_ratio_p = Some(t.p_value);
            }
        }
    }
}
