//! The study report: one row per condition, rendered as a terminal table, `report.json`,
//! `report.md`, and a self-contained `report.html` with SVG plots.
//!
//! The pages are drawn with the kit in `crate::render`; this module holds the study's rows,
//! columns, captions and style sheet.
//!
//! Units follow the paper (docs/protocol.md section 5): accuracies, SDs of accuracy, disagreement
//! and ensemble gain in percent (points); cross-entropy in nats; correlations and CKA unitless.

use serde::{Deserialize, Serialize};

use crate::stats::Interval;

mod examples;
#[cfg(test)]
mod examples_tests;
mod gallery;
mod html;
mod markdown;
mod mitigations;
mod perplexity_table;
mod plots;
mod slots;
mod table;
mod test_set_table;
#[cfg(test)]
mod tests;

pub use examples::{
    ConditionVotes, FlipExample, Flips, Gallery, GalleryInputs, MultipleComparisons, TestSetSpread,
    TextGallery, VoteTable,
};
pub use html::render_html;
pub use markdown::render_markdown;
pub use mitigations::{render_mitigation_markdown, render_mitigation_table};
pub use perplexity_table::PerplexitySpread;
pub use table::render_table;

/// The metrics of one condition over its N runs (docs/protocol.md section 3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConditionReport {
    /// Condition name: `control`, `init`, `init+shuffle`, `all`, `bit_flip`, ...
    pub name: String,
    /// Sources varied in this condition (empty for the control).
    pub sources: Vec<String>,
    /// Number of runs.
    pub n: usize,
    /// Mean test accuracy, percent.
    pub mean_acc: f64,
    /// Population SD of test accuracy, percentage points.
    pub acc_sd: f64,
    /// Bootstrap error of `acc_sd` (SD of 10,000 resampled SDs).
    pub acc_sd_err: f64,
    /// Population SD of test cross-entropy, nats.
    pub ce_sd: f64,
    /// Bootstrap error of `ce_sd`.
    pub ce_sd_err: f64,
    /// Mean pairwise disagreement, percent.
    pub disagreement: f64,
    /// Bootstrap (over runs) confidence interval of `disagreement`.
    pub disagreement_ci: Option<Interval>,
    /// Mean pairwise Pearson correlation of logits.
    pub correlation: f64,
    /// Its confidence interval.
    pub correlation_ci: Option<Interval>,
    /// Mean pairwise Spearman correlation of logits.
    pub spearman: f64,
    /// Its confidence interval.
    pub spearman_ci: Option<Interval>,
    /// Two-model ensemble gain in accuracy, percentage points.
    pub ensemble_gain: f64,
    /// Its confidence interval.
    pub ensemble_gain_ci: Option<Interval>,
    /// Two-model ensemble gain in cross-entropy (member CE minus ensemble CE), nats.
    pub ensemble_gain_ce: f64,
    /// Its confidence interval.
    pub ensemble_gain_ce_ci: Option<Interval>,
    /// Mean pairwise linear CKA of penultimate features (the estimator named in
    /// [`StudyReport::cka_estimator`]); `None` when features are missing.
    pub cka: Option<f64>,
    /// Its confidence interval.
    pub cka_ci: Option<Interval>,
    /// Mean pairwise linear CKA with the other HSIC estimator (biased when the table shows the
    /// unbiased one), for comparison with Kornblith et al.'s numbers.
    #[serde(default)]
    pub cka_other: Option<f64>,
    /// This condition's accuracy SD over the `all` condition's, when both exist.
    pub acc_sd_ratio_to_all: Option<f64>,
    /// Bootstrap confidence interval of that ratio.
    pub acc_sd_ratio_ci: Option<Interval>,
    /// This condition's mean pairwise disagreement over the `all` condition's, when both
    /// exist: how much of the all-sources spread this condition's sources alone give.
    #[serde(default)]
    pub disagreement_ratio_to_all: Option<f64>,
    /// Bootstrap confidence interval of that ratio (runs of both conditions resampled).
    #[serde(default)]
    pub disagreement_ratio_ci: Option<Interval>,
    /// For a `bit_flip` condition beside a control: how many of its runs predict every test
    /// example exactly as the control's first run does (their flip changed no prediction).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub same_predictions_as_control: Option<usize>,
    /// Per-run test accuracy, percent, in replica order.
    pub accuracies: Vec<f64>,
    /// Two-sided bootstrap p-value of "this condition's accuracy SD equals `all`'s", from the
    /// resamples of `acc_sd_ratio_ci` ([`crate::stats::ratio_test`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acc_sd_ratio_p: Option<f64>,
    /// That p-value adjusted by Holm's method over the conditions compared with `all`
    /// ([`StudyReport::multiple_comparisons`]); `None` outside the family (`all`, control).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acc_sd_ratio_p_holm: Option<f64>,
    /// Two-sided bootstrap p-value of "this condition's disagreement equals `all`'s", from
    /// the resamples of `disagreement_ratio_ci`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disagreement_ratio_p: Option<f64>,
    /// That p-value adjusted by Holm's method, as `acc_sd_ratio_p_holm`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disagreement_ratio_p_holm: Option<f64>,
    /// The accuracy SD the test set alone would give (the binomial SD), and the shares of
    /// test examples always right, always wrong and flipping.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_set: Option<TestSetSpread>,
    /// Mean pairwise disagreement among the test examples of each true class, percent, by
    /// class index (`null` for a class without test examples).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub class_disagreement: Vec<Option<f64>>,
    /// A language model's perplexities over the condition's runs (absent for classifiers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub perplexity: Option<PerplexitySpread>,
    /// The runs' vote on each test example (in `report.json` as [`StudyReport::votes`]).
    #[serde(skip)]
    pub votes: Option<crate::metrics::Votes>,
    /// Per-pair disagreement, percent (for the distribution plot; not written to JSON).
    #[serde(skip)]
    pub pairwise_disagreement: Vec<f64>,
    /// Every pairwise metric's values per pair, for `pairwise/<condition>/<metric>.npy` (not
    /// written to JSON).
    #[serde(skip)]
    pub pair_tables: Vec<PairTable>,
}

/// One pairwise metric of a condition, pair by pair, in the units of its report column.
#[derive(Debug, Clone, PartialEq)]
pub struct PairTable {
    /// File stem: `disagreement`, `correlation`, `spearman`, `ensemble_gain`,
    /// `ensemble_gain_ce` or `cka`.
    pub metric: &'static str,
    /// Values of the pairs `(0, 1), (0, 2), ..., (1, 2), ...` (`i < j`, row-major), as
    /// `scipy.spatial.distance.squareform` reads them.
    pub upper: Vec<f64>,
    /// The value of a run with itself, for the diagonal of the square matrix (0 for
    /// disagreement and gains, 1 for correlations and CKA).
    pub diagonal: f64,
}

impl PairTable {
    /// The full symmetric `runs x runs` matrix, row-major.
    pub fn square(&self, runs: usize) -> Vec<f64> {
        let mut out = vec![self.diagonal; runs * runs];
        let mut values = self.upper.iter();
        for i in 0..runs {
            for j in i + 1..runs {
                let v = *values
                    .next()
                    .expect("upper has runs * (runs - 1) / 2 values");
                out[i * runs + j] = v;
                out[j * runs + i] = v;
            }
        }
        out
    }
}

/// A whole study's report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StudyReport {
    /// Title, e.g. `runvar study: mnist1d-mlp`.
    pub title: String,
    /// One line on the task: data, model, recipe.
    pub task: String,
    /// Replicas per condition.
    pub replicas: usize,
    /// Which CKA estimator the `cka` column shows (`unbiased` or `biased`).
    pub cka_estimator: String,
    /// Confidence level of the intervals, e.g. 0.95.
    pub confidence: f64,
    /// The conditions, in study order.
    pub conditions: Vec<ConditionReport>,
    /// Findings and caveats in plain sentences, shown under the table.
    pub notes: Vec<String>,
    /// runvar version, thread count, CPU, libtorch version: where the runs came from.
    pub environment: String,
    /// The mitigation table (docs/protocol.md section 7), when the study evaluated mitigations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mitigations: Vec<MitigationRow>,
    /// How the ratios to `all` are adjusted for the number of conditions compared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multiple_comparisons: Option<MultipleComparisons>,
    /// The test examples that flip most between runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flips: Option<Flips>,
    /// Per condition, how many runs predict each class for each test example.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub votes: Option<VoteTable>,
    /// The inputs of the examples in `flips`, for the HTML gallery (not written to JSON).
    #[serde(skip)]
    pub gallery: Gallery,
    /// `runs.csv`: one line per finished run (written beside the report, not into its JSON).
    #[serde(skip)]
    pub runs_csv: String,
}

/// One row of the mitigation table: a way of making one "model" out of trained runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MitigationRow {
    /// `single model`, `flip`, `snapshot`, `snapshot+flip`, `snapshot (last)`, ...
    pub name: String,
    /// Training cost relative to one single model (snapshot ensembles: the same epochs).
    pub training_cost: f64,
    /// Forward passes per test example.
    pub inference_cost: usize,
    /// The metrics of these models over the runs (same fields as a condition row).
    pub metrics: ConditionReport,
    /// Variability reduction against the single-model `all` row, percent (docs/protocol.md
    /// section 3).
    pub vr: Option<f64>,
}
