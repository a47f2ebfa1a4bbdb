//! What the report says about single test examples and about testing many conditions at once:
//! the test set's share of the spread ([`TestSetSpread`], a row field), the runs' vote on
//! every example ([`VoteTable`]), the examples that flip most ([`Flips`]) with their inputs for
//! the HTML gallery ([`Gallery`]), and how the ratios to `all` are adjusted for multiple
//! comparisons ([`MultipleComparisons`]).

use serde::{Deserialize, Serialize, Serializer};

/// How much of a condition's accuracy SD the test set alone gives ([`crate::metrics::binomial`]):
/// percentages of the test set, SDs in percentage points.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TestSetSpread {
    /// `100 sqrt(sum_i p_i (1 - p_i)) / n`: the accuracy SD if each test example were an
    /// independent coin with its own error rate `p_i` over the condition's runs (population
    /// convention, as `acc_sd`).
    pub binomial_sd: f64,
    /// `acc_sd / binomial_sd`; `None` when the binomial SD is 0 (no example flips).
    pub acc_sd_over_binomial: Option<f64>,
    /// Test examples every run gets right, percent.
    pub always_right: f64,
    /// Test examples every run gets wrong, percent.
    pub always_wrong: f64,
    /// Test examples some runs get right and others wrong, percent.
    pub flipping: f64,
}

/// Every condition's vote on every test example: how many of its runs predict each class.
///
/// Written compactly (each array on one line), so a 10,000-example, 10-class test set costs
/// about 230 KB per condition; read with `numpy.array(c["counts"])`, an `examples x classes`
/// integer array whose rows sum to `runs`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VoteTable {
    /// Number of classes.
    pub classes: usize,
    /// Number of test examples.
    pub examples: usize,
    /// The label of each test example, in test-set order.
    #[serde(serialize_with = "compact")]
    pub labels: Vec<i64>,
    /// One entry per condition, in study order.
    pub conditions: Vec<ConditionVotes>,
}

/// One condition's vote ([`VoteTable`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConditionVotes {
    /// The condition.
    pub condition: String,
    /// Its runs (each row of `counts` sums to this).
    pub runs: usize,
    /// `examples x classes`: entry `[i][c]` is the number of runs predicting class `c` for
    /// test example `i`.
    #[serde(serialize_with = "compact")]
    pub counts: Vec<Vec<u32>>,
}

/// The test examples that flip most between the runs of one condition (the `all` condition,
/// else the last condition that varies a source).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flips {
    /// The condition whose runs are counted.
    pub condition: String,
    /// Its runs.
    pub runs: usize,
    /// How the examples are ranked, in words.
    pub ranking: String,
    /// Test examples predicted alike by every run of the condition, percent.
    pub unanimous: f64,
    /// Up to 25 examples, the most split first.
    pub examples: Vec<FlipExample>,
}

/// One example that flips ([`Flips`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlipExample {
    /// Index in the test set.
    pub index: usize,
    /// Its label.
    pub label: i64,
    /// Share of the runs voting for the most predicted class.
    pub modal_share: f64,
    /// `[class, runs]` for each predicted class, most votes first (ties: lower class first).
    #[serde(serialize_with = "compact")]
    pub votes: Vec<[usize; 2]>,
}

/// The inputs of the [`Flips`] examples, for the HTML gallery: not written to `report.json`.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Gallery {
    /// Nothing to show: no example flips, or no condition varies a source.
    #[default]
    Empty,
    /// The test inputs could not be loaded now; why.
    Skipped(String),
    /// The examples' values, in [`Flips::examples`] order.
    Inputs(GalleryInputs),
    /// A language model's examples: the text before each predicted token.
    Text(TextGallery),
}

/// A language model's flipping tokens in context, for the report's table.
#[derive(Debug, Clone, PartialEq)]
pub struct TextGallery {
    /// The vocabulary, each token as shown (a newline as `↵`, a space as `␣` at character
    /// level).
    pub class_names: Vec<String>,
    /// Per example, in [`Flips::examples`] order: the text just before the predicted token.
    pub contexts: Vec<String>,
}

/// Test inputs as the dataset stores them before normalization: pixels in `[0, 1]`, 1-D
/// signals as generated.
#[derive(Debug, Clone, PartialEq)]
pub struct GalleryInputs {
    /// Channels (1 gray, 3 RGB; 1 for signals).
    pub channels: usize,
    /// Height (1 for 1-D signals).
    pub height: usize,
    /// Width (the signal length for 1-D signals).
    pub width: usize,
    /// Class names by index, when the dataset has them (else the class index is shown).
    pub class_names: Vec<String>,
    /// One `channels x height x width` array (row-major) per example.
    pub examples: Vec<Vec<f32>>,
}

/// How the ratios to `all` are tested, once per condition, with the number of tests taken
/// into account: Holm's step-down adjustment of bootstrap p-values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MultipleComparisons {
    /// `holm`: Holm's step-down adjustment (family-wise error rate at most `alpha`).
    pub method: String,
    /// How each raw p-value is computed, in words.
    pub p_value: String,
    /// A ratio is flagged in the notes when its adjusted p-value is below this.
    pub alpha: f64,
    /// Conditions compared with `all` on the accuracy SD ratio (the size of that family).
    pub acc_sd_ratio_comparisons: usize,
    /// Conditions compared with `all` on the disagreement ratio.
    pub disagreement_ratio_comparisons: usize,
}

/// Serializes `value` as compact JSON (no line breaks) even inside a pretty-printed document:
/// a 10,000 x 10 vote table stays 10,000 x 10 numbers, not 100,000 indented lines.
fn compact<T: Serialize, S: Serializer>(value: &T, s: S) -> Result<S::Ok, S::Error> {
    let text = serde_json::to_string(value).map_err(serde::ser::Error::custom)?;
    serde_json::value::RawValue::from_string(text)
        .map_err(serde::ser::Error::custom)?
        .serialize(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrays_stay_on_one_line_in_pretty_documents() {
        let t = VoteTable {
            classes: 2,
            examples: 2,
            labels: vec![0, 1],
            conditions: vec![ConditionVotes {
                condition: "all".into(),
                runs: 3,
                counts: vec![vec![3, 0], vec![1, 2]],
            }],
        };
        let text = crate::store::to_versioned_json(&t);
        assert!(text.contains("\"labels\": [0,1],"), "{text}");
        assert!(text.contains("\"counts\": [[3,0],[1,2]]"), "{text}");
        let back: VoteTable = crate::store::from_versioned_json(&text).unwrap();
        assert_eq!(back, t);
    }
}
