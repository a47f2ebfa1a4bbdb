//! A language model's perplexities per condition (Table 4 of the pages; after the test-set
//! table in the terminal): the mean and the population SD over runs of the whole test
//! stream's perplexity, and the validation stream's. Table 1's accuracy and cross-entropy are
//! those of the evaluation window, whose logits every pairwise metric reads.

use serde::{Deserialize, Serialize};

use super::StudyReport;
use crate::metrics::MetricsError;
use crate::render::text::num;
use crate::stats::{bootstrap_sd, Bootstrap};
use crate::store::LmMetrics;

/// Decimals of perplexities and their SDs.
const PPL_DECIMALS: usize = 3;

/// A condition's perplexities over its runs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PerplexitySpread {
    /// Mean over runs of the test stream's perplexity.
    pub test_mean: f64,
    /// Population SD over runs of the test stream's perplexity.
    pub test_sd: f64,
    /// Bootstrap error of `test_sd` (as Table 1's SDs).
    pub test_sd_err: f64,
    /// Mean over runs of the validation stream's perplexity.
    pub valid_mean: f64,
    /// Population SD over runs of the validation stream's perplexity.
    pub valid_sd: f64,
}

impl PerplexitySpread {
    /// The spread of the runs' final metrics `runs`, the SD's error from `boot`.
    ///
    /// # Errors
    /// [`MetricsError`] when there are fewer than two runs or a perplexity is not finite.
    pub fn of(runs: &[LmMetrics], boot: &Bootstrap) -> Result<PerplexitySpread, MetricsError> {
        let test: Vec<f64> = runs.iter().map(|m| m.test_perplexity).collect();
        let valid: Vec<f64> = runs.iter().map(|m| m.valid_perplexity).collect();
        let test_sd = bootstrap_sd(&test, boot)?;
        let valid_sd = bootstrap_sd(
            &valid,
            &Bootstrap {
                resamples: 1,
                ..*boot
            },
        )?;
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        Ok(PerplexitySpread {
            test_mean: mean(&test),
            test_sd: test_sd.estimate,
            test_sd_err: test_sd.std_error,
            valid_mean: mean(&valid),
            valid_sd: valid_sd.estimate,
        })
    }
}

/// Column headers of the perplexity table.
pub(super) const PERPLEXITY_HEADERS: [&str; 5] = [
    "condition",
    "test ppl",
    "test ppl SD ± err",
    "valid ppl",
    "valid ppl SD",
];

/// What the perplexity table shows.
pub(super) const PERPLEXITY_CAPTION: &str = "Language model: perplexity (exp of the mean \
     cross-entropy per predicted token) of the whole test and validation streams, mean over \
     runs and population SD; ± is the bootstrap error of the SD. Table 1 scores next-token \
     prediction on the evaluation window (the first tokens of the test stream, the runs' \
     logits.npy).";

/// The cells of the perplexity table, one row per condition that has the numbers; empty when
/// none has (a classifier's study).
pub(super) fn perplexity_rows(r: &StudyReport) -> Vec<Vec<String>> {
    r.conditions
        .iter()
        .filter_map(|c| {
            let p = c.perplexity?;
            Some(vec![
                c.name.clone(),
                num(p.test_mean, PPL_DECIMALS),
                format!(
                    "{} ± {}",
                    num(p.test_sd, PPL_DECIMALS),
                    num(p.test_sd_err, PPL_DECIMALS)
                ),
                num(p.valid_mean, PPL_DECIMALS),
                num(p.valid_sd, PPL_DECIMALS),
            ])
        })
        .collect()
}
