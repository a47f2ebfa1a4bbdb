//! Variability metrics over runs (docs/protocol.md section 3).
//!
//! A run is represented by its test-set logits, a borrowed `n x C` row-major `f32` view
//! ([`Logits`]), and optionally its penultimate features ([`Features`], `n x d`). The metrics:
//!
//! - per run: [`accuracy`](accuracy()), [`cross_entropy`] (and [`per_run`] for many runs); their spread over
//!   runs is [`population_sd`], with a bootstrap error in [`crate::stats::bootstrap_sd`];
//! - per pair of runs: [`disagreement`](disagreement()), [`pearson`] and [`spearman`] correlation of the raw
//!   logits, two-model [`ensemble_gain`], and [`linear_cka`] of features; each has a
//!   `pairwise_*` version returning a [`PairMatrix`] over all `N (N - 1) / 2` pairs, built to
//!   scale to `N = 1000` runs of `10,000 x 10` logits on a laptop;
//! - per condition: [`condition_metrics`], the table row [`FiveMetrics`] and
//!   [`variability_reduction`] against a baseline;
//! - per test example: the runs' [`Votes`], and from them the [`binomial_spread`] (the accuracy
//!   SD the test set alone would give) and the [`class_disagreement`].
//!
//! Fractions are returned as fractions (`0.107`), [`FiveMetrics`] uses the paper's units
//! (`10.7` %). The deterministic control (all runs bitwise identical) gives exactly SDs 0,
//! disagreement 0, correlation 1 and gains 0. No metric panics on user data: shapes, labels
//! and finiteness are checked and reported as [`MetricsError`] naming the run and position.
//!
//! # Examples
//! ```
//! use runvar_core::metrics::{condition_metrics, FiveMetrics, Logits};
//! let labels = [0, 1, 1];
//! let a = [2.0, 0.0, /**/ 0.0, 1.0, /**/ 1.0, 0.0];
//! let b = [1.0, 0.0, /**/ 0.5, 0.0, /**/ 0.0, 3.0];
//! let runs = [Logits::new(&a, 3, 2)?, Logits::new(&b, 3, 2)?];
//! let m = condition_metrics(&runs, &labels)?;
//! assert_eq!(m.disagreement.get(0, 1), Some(2.0 / 3.0));
//! let five = FiveMetrics::from_condition(&m)?;
//! assert_eq!(five.sd_accuracy, 0.0); // both runs get 2 of 3 right
//! # Ok::<(), runvar_core::metrics::MetricsError>(())
//! ```

mod accuracy;
mod binomial;
mod cka;
mod class_disagreement;
mod correlation;
mod disagreement;
mod ensemble;
mod ensemble_kernel;
mod error;
mod gram;
pub(crate) mod kernels;
mod pair;
mod parallel;
mod spread;
mod summary;
mod view;
mod votes;

#[cfg(test)]
pub(crate) mod examples_tests;
#[cfg(test)]
mod tests;

pub use accuracy::{
    accuracy, accuracy_and_cross_entropy, argmax, cross_entropy, per_run, predictions, RunValues,
};
pub use binomial::{binomial_spread, BinomialSpread};
pub use cka::{
    linear_cka, linear_cka_pairs, pairwise_linear_cka, pairwise_linear_cka_both, HsicEstimator,
};
pub use class_disagreement::class_disagreement;
pub use correlation::{average_ranks, pairwise_pearson, pairwise_spearman, pearson, spearman};
pub use disagreement::{disagreement, pairwise_disagreement};
pub use ensemble::{ensemble_gain, pairwise_ensemble_gain, EnsembleGain, PairwiseEnsemble};
pub use error::{MetricsError, Shape, Subject};
pub use pair::PairMatrix;
pub use spread::population_sd;
pub use summary::{condition_metrics, variability_reduction, ConditionMetrics, FiveMetrics};
pub use view::{Features, Logits};
pub use votes::Votes;

pub(crate) use parallel::map_indexed;
pub(crate) use spread::{check_values, sd_unchecked};
