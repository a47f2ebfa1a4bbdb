//! The two small tables on single test examples, shared by the terminal, Markdown and HTML
//! pages: the test set's share of the accuracy SD (binomial SD, always right / always wrong /
//! flipping), and the disagreement per true class. Kept out of Table 1, which already has 13
//! columns: a terminal has no room for seven more.

use super::{Gallery, StudyReport};
use crate::render::text::num;

/// Decimals of the two SDs (pp): those of Table 1's accuracy SD.
const SD_DECIMALS: usize = 3;
/// Decimals of `SD/binom`: those of Table 1's ratios.
const RATIO_DECIMALS: usize = 2;
/// Decimals of the shares of test examples (%).
const SHARE_DECIMALS: usize = 1;
/// Decimals of the per-class disagreement (%).
const CLASS_DECIMALS: usize = 1;

/// Column headers of the test-set table.
pub(super) const TEST_SET_HEADERS: [&str; 7] = [
    "condition",
    "acc SD",
    "binom SD",
    "SD/binom",
    "always right %",
    "always wrong %",
    "flip %",
];

/// What the test-set table shows, one sentence.
pub(super) const TEST_SET_CAPTION: &str = "How much of the spread is the test set's: binom SD \
     is the accuracy SD (pp) if each test example were an independent coin with its own error \
     rate over the condition's runs, sqrt(sum_i p_i (1 - p_i)) / n; SD/binom near 1 means the \
     run-to-run spread is what those coin flips give (Jordan 2023), above 1 that runs are \
     better or worse on many examples together.";

/// What the per-class table shows, one sentence.
pub(super) const CLASS_CAPTION: &str = "Disagreement per true class: the mean over pairs of \
     runs of the share (%) of that class's test examples the two runs predict differently.";

/// The cells of the test-set table, one row per condition that has the numbers; empty when
/// none has.
pub(super) fn test_set_rows(r: &StudyReport) -> Vec<Vec<String>> {
    r.conditions
        .iter()
        .filter_map(|c| {
            let t = c.test_set?;
            Some(vec![
                c.name.clone(),
                num(c.acc_sd, SD_DECIMALS),
                num(t.binomial_sd, SD_DECIMALS),
                t.acc_sd_over_binomial
                    .map_or_else(|| "-".into(), |v| num(v, RATIO_DECIMALS)),
                num(t.always_right, SHARE_DECIMALS),
                num(t.always_wrong, SHARE_DECIMALS),
                num(t.flipping, SHARE_DECIMALS),
            ])
        })
        .collect()
}

/// The most classes the per-class table shows: a language model's vocabulary (76 characters,
/// 10,000 words) is no table; its per-class numbers stay in `report.json`.
const MAX_CLASS_COLUMNS: usize = 26;

/// Headers and rows of the per-class table: the condition, then one column per class (named
/// when the gallery knows the dataset's class names); `None` when no condition has the
/// numbers.
pub(super) fn class_table(r: &StudyReport) -> Option<(Vec<String>, Vec<Vec<String>>)> {
    let classes = r
        .conditions
        .iter()
        .map(|c| c.class_disagreement.len())
        .max()
        .filter(|&k| k > 0 && k <= MAX_CLASS_COLUMNS)?;
    let names = match &r.gallery {
        Gallery::Inputs(g) if g.class_names.len() == classes => g.class_names.clone(),
        _ => (0..classes).map(|c| c.to_string()).collect(),
    };
    let header = std::iter::once("condition".to_string())
        .chain(names)
        .collect();
    let rows = r
        .conditions
        .iter()
        .filter(|c| !c.class_disagreement.is_empty())
        .map(|c| {
            std::iter::once(c.name.clone())
                .chain(
                    c.class_disagreement
                        .iter()
                        .map(|d| d.map_or_else(|| "-".into(), |d| num(d, CLASS_DECIMALS))),
                )
                .collect()
        })
        .collect();
    Some((header, rows))
}
