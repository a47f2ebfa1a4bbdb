//! All metrics of one condition, the paper's five-number summary, and variability reduction
//! (docs/protocol.md sections 3, 5 and 7).

use super::accuracy::{per_run, RunValues};
use super::correlation::{pairwise_pearson, pairwise_spearman};
use super::disagreement::pairwise_disagreement;
use super::ensemble::{pairwise_ensemble_gain, PairwiseEnsemble};
use super::error::MetricsError;
use super::pair::PairMatrix;
use super::spread::population_sd;
use super::view::Logits;

/// Every logit metric of one condition's `N` runs: per-run values and per-pair tables.
#[derive(Debug, Clone, PartialEq)]
pub struct ConditionMetrics {
    /// Accuracy and cross-entropy of each run.
    pub runs: RunValues,
    /// Disagreement per pair, a fraction.
    pub disagreement: PairMatrix,
    /// Pearson correlation of raw logits per pair.
    pub pearson: PairMatrix,
    /// Spearman correlation of raw logits per pair.
    pub spearman: PairMatrix,
    /// Ensemble gains per pair.
    pub ensemble: PairwiseEnsemble,
}

/// Computes [`ConditionMetrics`]: [`per_run`], [`pairwise_disagreement`], [`pairwise_pearson`],
/// [`pairwise_spearman`] and [`pairwise_ensemble_gain`].
///
/// # Errors
/// [`MetricsError::TooFewRuns`] for fewer than 2 runs; shape, non-finite and label errors as
/// the parts.
pub fn condition_metrics(
    runs: &[Logits<'_>],
    labels: &[i64],
) -> Result<ConditionMetrics, MetricsError> {
    Ok(ConditionMetrics {
        runs: per_run(runs, labels)?,
        disagreement: pairwise_disagreement(runs)?,
        pearson: pairwise_pearson(runs)?,
        spearman: pairwise_spearman(runs)?,
        ensemble: pairwise_ensemble_gain(runs, labels)?,
    })
}

/// The five numbers of the paper's tables (docs/protocol.md sections 5 and 7), in the tables' units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FiveMetrics {
    /// Population SD of accuracy over runs, in percentage points.
    pub sd_accuracy: f64,
    /// Population SD of mean cross-entropy over runs, in nats.
    pub sd_cross_entropy: f64,
    /// Mean pairwise disagreement, in percent.
    pub disagreement: f64,
    /// Mean pairwise Pearson correlation of logits.
    pub correlation: f64,
    /// Mean pairwise ensemble accuracy gain, in percentage points.
    pub ensemble_gain: f64,
}

impl FiveMetrics {
    /// The summary of a condition: SDs of per-run values (ddof 0), means over pairs, and the
    /// unit conversions (accuracy SD, disagreement and gain times 100).
    ///
    /// # Errors
    /// [`MetricsError::NonFiniteValue`] when a per-run value is not finite.
    pub fn from_condition(m: &ConditionMetrics) -> Result<Self, MetricsError> {
        Ok(FiveMetrics {
            sd_accuracy: 100.0 * population_sd(&m.runs.accuracy)?,
            sd_cross_entropy: population_sd(&m.runs.cross_entropy)?,
            disagreement: 100.0 * m.disagreement.mean(),
            correlation: m.pearson.mean(),
            ensemble_gain: 100.0 * m.ensemble.accuracy.mean(),
        })
    }
}

/// Variability reduction (%) of a mitigation against a baseline, docs/protocol.md section 3:
///
/// `VR = 100/5 * [(1 - sdAcc'/sdAcc) + (1 - sdCE'/sdCE) + (1 - dis'/dis)
///                + (1 - (1 - corr')/(1 - corr)) + (1 - gain'/gain)]`
///
/// with primes on `mitigated`: the mean relative reduction of the five metrics, correlation
/// entering as `1 - corr`. Units cancel within each ratio, so any consistent units work.
///
/// # Remarks
/// A zero baseline metric (or a baseline correlation of exactly 1, as in a deterministic
/// control) makes its ratio infinite or NaN, and so the result; there is no error.
///
/// # Examples
/// ```
/// use runvar_core::metrics::{variability_reduction, FiveMetrics};
/// let single = FiveMetrics { sd_accuracy: 0.26, sd_cross_entropy: 0.0072, disagreement: 10.7,
///                            correlation: 0.871, ensemble_gain: 1.82 };
/// let snapshot = FiveMetrics { sd_accuracy: 0.19, sd_cross_entropy: 0.0044, disagreement: 6.1,
///                              correlation: 0.957, ensemble_gain: 0.63 };
/// assert_eq!(variability_reduction(&single, &snapshot).round(), 48.0); // the paper's 48
/// assert_eq!(variability_reduction(&single, &single), 0.0);
/// ```
pub fn variability_reduction(baseline: &FiveMetrics, mitigated: &FiveMetrics) -> f64 {
    let (b, m) = (baseline, mitigated);
    let terms = [
        1.0 - m.sd_accuracy / b.sd_accuracy,
        1.0 - m.sd_cross_entropy / b.sd_cross_entropy,
        1.0 - m.disagreement / b.disagreement,
        1.0 - (1.0 - m.correlation) / (1.0 - b.correlation),
        1.0 - m.ensemble_gain / b.ensemble_gain,
    ];
    100.0 / 5.0 * terms.iter().sum::<f64>()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(
        sd_accuracy: f64,
        sd_cross_entropy: f64,
        disagreement: f64,
        correlation: f64,
        ensemble_gain: f64,
    ) -> FiveMetrics {
        FiveMetrics {
            sd_accuracy,
            sd_cross_entropy,
            disagreement,
            correlation,
            ensemble_gain,
        }
    }

    /// docs/protocol.md section 7: every published VR value from the published rows.
    ///
    /// Tolerance: the rows are printed to 2-3 significant digits (0.19, 0.0044, 6.1, ...), so
    /// the VR computed from them differs from the authors' VR (computed from unrounded values)
    /// by up to about 1 point, and the published VR is itself rounded to an integer. Hence
    /// `|round(vr) - published| <= 1`.
    #[test]
    fn reproduces_published_variability_reductions() {
        let single = row(0.26, 0.0072, 10.7, 0.871, 1.82);
        let table = [
            (
                "snapshot ensemble",
                row(0.19, 0.0044, 6.1, 0.957, 0.63),
                48.0,
            ),
            ("flip TTA", row(0.24, 0.0061, 8.2, 0.905, 1.20), 21.0),
            ("crop25 TTA", row(0.23, 0.0059, 9.2, 0.893, 1.49), 16.0),
            ("crop81 TTA", row(0.21, 0.0055, 8.8, 0.898, 1.39), 21.0),
            ("flip-crop25 TTA", row(0.21, 0.0051, 7.2, 0.920, 0.99), 33.0),
            ("flip-crop81 TTA", row(0.19, 0.0049, 6.9, 0.922, 0.92), 37.0),
            ("snapshot + flip", row(0.15, 0.0039, 5.0, 0.967, 0.45), 58.0),
            (
                "snapshot + flip-crop81",
                row(0.16, 0.0033, 4.6, 0.972, 0.38),
                61.0,
            ),
        ];
        for (name, mitigated, published) in table {
            let vr = variability_reduction(&single, &mitigated);
            assert!(
                (vr.round() - published).abs() <= 1.0,
                "{name}: VR {vr:.2}, published {published}"
            );
        }
    }

    #[test]
    fn by_hand() {
        // Halving every metric (and 1 - corr) reduces each by 50%: VR = 50.
        let b = row(0.4, 0.01, 10.0, 0.8, 2.0);
        let m = row(0.2, 0.005, 5.0, 0.9, 1.0);
        assert!((variability_reduction(&b, &m) - 50.0).abs() < 1e-12);
        assert_eq!(variability_reduction(&b, &b), 0.0);
        // A deterministic mitigation removes all variability: VR = 100.
        assert_eq!(
            variability_reduction(&b, &row(0.0, 0.0, 0.0, 1.0, 0.0)),
            100.0
        );
    }
}
