//! Is my gain real? Two groups of runs compared (`runvar compare`), and how many runs a
//! comparison needs (`runvar plan`).
//!
//! - [`arm`]: one side's runs ([`ArmSource`]: a study condition, a study, or files as
//!   `runvar analyze` reads them), read down to each run's test accuracy and cross-entropy;
//! - [`pairing`]: whether replica i of A and of B share every seed;
//! - [`metric`]: every statistic of one metric (difference with bootstrap interval,
//!   permutation test, Welch's t, probability of improvement, Cohen's d, the paired numbers);
//! - [`verdict`] and [`text`]: the sentence a reader can paste into a paper, and the printout;
//! - [`plan`] and [`plan_text`]: runs per arm for a difference worth detecting, and how wide
//!   intervals are at N.
//!
//! The statistics themselves are in [`crate::stats`], each checked against scipy, numpy or
//! statsmodels.

pub mod arm;
pub mod metric;
pub mod pairing;
pub mod plan;
pub mod plan_text;
pub mod settings;
pub mod text;
pub mod verdict;

use std::path::PathBuf;

use serde::Serialize;

pub use arm::{Arm, ArmSource};
pub use metric::{Estimate, Maybe, MetricComparison, PairedStatistics};
pub use pairing::{Pairing, RunSeeds};
pub use plan::{plan, Plan, PlanRequest, SdSource};
pub use settings::Settings;
pub use verdict::Verdict;

use crate::analysis::AnalysisError;
use crate::metrics::MetricsError;
use crate::runspec::SpecError;
use crate::stats::Better;

/// Why a comparison (or a plan) cannot be made; each names the arm, file or value at fault.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CompareError {
    /// Runs could not be read.
    #[error(transparent)]
    Analysis(#[from] AnalysisError),
    /// A study's `study.json` could not be read.
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// The inputs do not fit (an unknown condition, a path of the wrong kind, ...).
    #[error("{0}")]
    Input(String),
    /// An arm has fewer runs than a comparison needs.
    #[error(
        "{arm}: {what}; a comparison needs at least 2 runs per arm (each arm's run-to-run SD \
         enters Welch's t and the effect size), and 4 per arm before a permutation test can \
         reach p = 0.05"
    )]
    TooFewRuns {
        /// The arm, as given.
        arm: String,
        /// Runs found.
        found: usize,
        /// What was found, in words.
        what: String,
    },
    /// A and B were not scored on the same test set.
    #[error(
        "A ({a}) and B ({b}) were not scored on the same test set: {detail}; compare runs of \
         one task and test set"
    )]
    DifferentTestSets {
        /// A, as given.
        a: String,
        /// B, as given.
        b: String,
        /// What differs.
        detail: String,
    },
    /// A statistic failed on the values (non-finite values, bad settings).
    #[error("{0}")]
    Statistic(#[from] MetricsError),
}

/// One side, as the comparison reports it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArmSummary {
    /// As given on the command line.
    pub label: String,
    /// What the runs are.
    pub description: String,
    /// Runs.
    pub runs: usize,
    /// Where each run came from.
    pub sources: Vec<String>,
    /// Test accuracy of each run, percent.
    pub accuracy: Vec<f64>,
    /// Test cross-entropy of each run, nats.
    pub cross_entropy: Vec<f64>,
}

impl ArmSummary {
    fn of(arm: &Arm) -> ArmSummary {
        ArmSummary {
            label: arm.label.clone(),
            description: arm.description.clone(),
            runs: arm.len(),
            sources: arm
                .sources
                .iter()
                .map(|p| p.display().to_string())
                .collect(),
            accuracy: arm.accuracy.clone(),
            cross_entropy: arm.cross_entropy.clone(),
        }
    }
}

/// A metric's statistics and its verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricResult {
    /// Every statistic.
    #[serde(flatten)]
    pub stats: MetricComparison,
    /// The verdict.
    pub verdict: Verdict,
}

/// The comparison of A and B: what `runvar compare` prints and writes with `--json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// A, the baseline.
    pub a: ArmSummary,
    /// B, the runs compared against A.
    pub b: ArmSummary,
    /// Test examples every run scored.
    pub test_examples: usize,
    /// Classes.
    pub classes: usize,
    /// Whether the runs pair up, and why.
    pub pairing: Pairing,
    /// Test accuracy, in percentage points; higher is better.
    pub accuracy: MetricResult,
    /// Test cross-entropy, in nats; lower is better.
    pub cross_entropy: MetricResult,
    /// The settings used.
    pub settings: Settings,
    /// Runs left out, and what the numbers cannot show with these runs.
    pub notes: Vec<String>,
}

/// Where two label vectors differ, in words: `360 labels against 359`, `12 of 360 labels
/// differ, the first at index 4 (3 against 5)`.
pub(crate) fn label_difference(ours: &[i64], theirs: &[i64]) -> String {
    if ours.len() != theirs.len() {
        return format!("{} labels against {}", ours.len(), theirs.len());
    }
    let differ = ours.iter().zip(theirs).filter(|(x, y)| x != y).count();
    match ours.iter().zip(theirs).position(|(x, y)| x != y) {
        Some(i) => format!(
            "{differ} of {} labels differ, the first at index {i} ({} against {})",
            ours.len(),
            ours[i],
            theirs[i]
        ),
        None => "the same labels".into(),
    }
}

/// Compare the runs of `a` and `b` (module documentation).
///
/// # Errors
/// [`CompareError::DifferentTestSets`] when the arms scored different test sets;
/// [`CompareError::TooFewRuns`] under 2 runs in an arm; [`CompareError::Input`] when A and B
/// are the same runs or a setting is out of range.
pub fn compare(a: &Arm, b: &Arm, s: &Settings) -> Result<Comparison, CompareError> {
    s.validate()?;
    same_runs(a, b)?;
    if a.examples() != b.examples() || a.classes != b.classes || a.labels != b.labels {
        let detail = if a.classes != b.classes {
            format!("{} classes against {}", a.classes, b.classes)
        } else {
            label_difference(&a.labels, &b.labels)
        };
        return Err(CompareError::DifferentTestSets {
            a: format!("{}, labels {}", a.label, a.labels_source.display()),
            b: format!("{}, labels {}", b.label, b.labels_source.display()),
            detail,
        });
    }
    for arm in [a, b] {
        if arm.len() < 2 {
            return Err(CompareError::TooFewRuns {
                arm: arm.label.clone(),
                found: arm.len(),
                what: format!("{} run", arm.len()),
            });
        }
    }
    let pairing = Pairing::of(a, b);
    let metric = |name, unit, better, x: &[f64], y: &[f64]| -> Result<_, CompareError> {
        let stats = MetricComparison::new(name, unit, better, x, y, pairing.paired, s)?;
        let verdict = Verdict::of(&stats, &a.label, &b.label, s, (a.len(), b.len()));
        Ok(MetricResult { stats, verdict })
    };
    let accuracy = metric("accuracy", "pp", Better::Higher, &a.accuracy, &b.accuracy)?;
    let cross_entropy = metric(
        "cross_entropy",
        "nats",
        Better::Lower,
        &a.cross_entropy,
        &b.cross_entropy,
    )?;
    let mut notes: Vec<String> = a.notes.iter().chain(&b.notes).cloned().collect();
    notes.extend(verdict::reach_note(&accuracy.stats, s, (a.len(), b.len())));
    Ok(Comparison {
        a: ArmSummary::of(a),
        b: ArmSummary::of(b),
        test_examples: a.examples(),
        classes: a.classes,
        pairing,
        accuracy,
        cross_entropy,
        settings: *s,
        notes,
    })
}

/// Refuse A and B that are the same runs (one study condition twice, or one file).
fn same_runs(a: &Arm, b: &Arm) -> Result<(), CompareError> {
    let canonical = |p: &PathBuf| std::fs::canonicalize(p).unwrap_or_else(|_| p.clone());
    let same_study = match (&a.study, &b.study) {
        (Some((da, ca)), Some((db, cb))) => ca == cb && canonical(da) == canonical(db),
        _ => false,
    };
    let shared = a
        .sources
        .iter()
        .map(canonical)
        .find(|p| b.sources.iter().map(canonical).any(|q| q == *p));
    if same_study || shared.is_some() {
        let what = shared.map_or_else(String::new, |p| format!(" ({} is in both)", p.display()));
        return Err(CompareError::Input(format!(
            "A ({}) and B ({}) are the same runs{what}; compare two different conditions or \
             studies",
            a.label, b.label
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runspec::Seeds;

    fn arm(label: &str, acc: &[f64], labels: Vec<i64>, seeds: Option<Vec<u64>>) -> Arm {
        Arm {
            label: label.into(),
            description: "test runs".into(),
            sources: (0..acc.len())
                .map(|i| PathBuf::from(format!("{label}[{i}]")))
                .collect(),
            accuracy: acc.to_vec(),
            cross_entropy: acc.iter().map(|a| 1.0 - a / 100.0).collect(),
            labels,
            labels_source: PathBuf::from(format!("{label}/labels.npy")),
            classes: 3,
            seeds: seeds.map(|s| {
                s.into_iter()
                    .map(|i| RunSeeds {
                        seeds: Seeds {
                            init: i,
                            shuffle: i,
                            ..Seeds::default()
                        },
                        bit_flip: None,
                    })
                    .collect()
            }),
            notes: Vec::new(),
            study: None,
        }
    }

    #[test]
    fn different_test_sets_are_refused_naming_both() {
        let s = Settings::default();
        let a = arm("A", &[90.0, 91.0], vec![0, 1, 2, 0], None);
        let b = arm("B", &[90.5, 91.5], vec![0, 1, 2, 1], None);
        let msg = compare(&a, &b, &s).unwrap_err().to_string();
        assert!(
            msg.contains("A (A, labels A/labels.npy) and B (B, labels B/labels.npy)")
                && msg.contains("1 of 4 labels differ, the first at index 3 (0 against 1)"),
            "{msg}"
        );
        let b = arm("B", &[90.5, 91.5], vec![0, 1, 2], None);
        let msg = compare(&a, &b, &s).unwrap_err().to_string();
        assert!(msg.contains("4 labels against 3"), "{msg}");
        let mut b = arm("B", &[90.5, 91.5], vec![0, 1, 2, 0], None);
        b.classes = 4;
        let msg = compare(&a, &b, &s).unwrap_err().to_string();
        assert!(msg.contains("3 classes against 4"), "{msg}");
    }

    #[test]
    fn too_few_runs_the_same_runs_and_bad_settings_are_refused() {
        let s = Settings::default();
        let a = arm("A", &[90.0, 91.0], vec![0, 1, 2, 0], None);
        let one = arm("B", &[90.5], vec![0, 1, 2, 0], None);
        let msg = compare(&a, &one, &s).unwrap_err().to_string();
        assert!(
            msg.contains("B: 1 run; a comparison needs at least 2 runs per arm"),
            "{msg}"
        );
        let msg = compare(&a, &a, &s).unwrap_err().to_string();
        assert!(msg.contains("are the same runs (A[0] is in both)"), "{msg}");
        let b = arm("B", &[90.5, 91.5], vec![0, 1, 2, 0], None);
        let bad = Settings { alpha: 1.5, ..s };
        assert!(compare(&a, &b, &bad)
            .unwrap_err()
            .to_string()
            .contains("--alpha 1.5"));
    }

    #[test]
    fn seeds_decide_the_pairing() {
        let s = Settings::default();
        let labels = vec![0, 1, 2, 0];
        let a = arm(
            "A",
            &[90.0, 91.0, 90.4],
            labels.clone(),
            Some(vec![0, 1, 2]),
        );
        let b = arm(
            "B",
            &[90.5, 91.5, 90.6],
            labels.clone(),
            Some(vec![0, 1, 2]),
        );
        let c = compare(&a, &b, &s).unwrap();
        assert!(c.pairing.paired && c.pairing.pairs == 3, "{:?}", c.pairing);
        let p = c.accuracy.stats.paired.as_ref().unwrap();
        assert!((p.mean_difference.estimate - 0.4).abs() < 1e-12);
        assert!(c.accuracy.verdict.test.starts_with("sign-flip"));
        let other = arm(
            "B",
            &[90.5, 91.5, 90.6],
            labels.clone(),
            Some(vec![0, 5, 2]),
        );
        let c = compare(&a, &other, &s).unwrap();
        assert!(!c.pairing.paired && c.accuracy.stats.paired.is_none());
        assert!(
            c.pairing.reason.contains("run 1 of A (A[1]) and of B (B[1]) differ in seed init (1 against 5), shuffle (1 against 5)"),
            "{}",
            c.pairing.reason
        );
        let arrays = arm("B", &[90.5, 91.5, 90.6], labels.clone(), None);
        let c = compare(&a, &arrays, &s).unwrap();
        assert!(
            c.pairing.reason.contains("the runs of B record no seeds"),
            "{}",
            c.pairing.reason
        );
        let fewer = arm("B", &[90.5, 91.5], labels, Some(vec![0, 1]));
        let c = compare(&a, &fewer, &s).unwrap();
        assert!(
            c.pairing.reason.contains("A has 3 runs and B has 2"),
            "{}",
            c.pairing.reason
        );
        // Two runs per arm: 6 splits, the smallest p is 1/3, and the note says 4 are needed.
        assert!(
            c.notes
                .iter()
                .any(|n| n.contains("at least 4 runs per arm")),
            "{:?}",
            c.notes
        );
    }
}
