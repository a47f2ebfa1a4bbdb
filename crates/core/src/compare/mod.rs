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
/// are the same runs; [`CompareError::Statistic`] on bad settings.
pub fn compare(a: &Arm, b: &Arm, s: &Settings) -> Result<Comparison, CompareError> {
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
