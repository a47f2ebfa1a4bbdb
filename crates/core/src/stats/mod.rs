//! Statistics over runs: mean and percentiles ([`describe`]), the confidence [`Interval`], and
//! the bootstrap errors and confidence intervals of docs/protocol.md section 3: per-run values
//! and SD ratios ([`bootstrap`]), means of pairwise metrics over resampled runs ([`pairwise`]);
//! the p-value of a ratio against 1 from the same resamples ([`ratio_test`]) and Holm's
//! adjustment of several such p-values ([`holm`]).
//!
//! Comparing two groups of runs (`runvar compare`) and planning how many to train (`runvar
//! plan`): the bootstrap of two independent groups ([`two_sample`]), permutation and sign-flip
//! tests ([`permutation`]), Welch's and the paired t test ([`t_test`]), Cohen's d and the
//! probability of improvement ([`effect`]), the power of the two-sample t test and the width
//! of intervals at a planned N ([`power`], [`ustat`]); under them, the normal, t, chi-square
//! ([`distributions`]) and noncentral t ([`noncentral_t`]) distributions, built on the
//! incomplete beta and gamma functions ([`special`]). Each is checked against scipy, numpy or
//! statsmodels (`scripts/compare_reference.py`, numbers committed in
//! `crates/core/tests/fixtures/compare_reference.json`).
//!
//! Statistics sit on top of [`crate::metrics`]: they take its per-run values and pair tables
//! ([`crate::metrics::PairMatrix`]), its SD over runs ([`crate::metrics::population_sd`]) and
//! its kernels, and report [`MetricsError`]; nothing in `metrics` uses `stats`.

pub mod bootstrap;
pub mod describe;
pub mod distributions;
pub mod effect;
pub mod holm;
pub mod interval;
pub mod noncentral_t;
pub mod pairwise;
pub mod permutation;
pub mod power;
pub mod ratio_test;
pub mod special;
pub mod t_test;
pub mod two_sample;
pub mod ustat;

#[cfg(test)]
pub(crate) mod reference;

pub use bootstrap::{
    bootstrap_sd, bootstrap_statistic, sd_ratio, Bootstrap, BootstrapEstimate, DEFAULT_RESAMPLES,
};
pub use describe::{mean, percentile_sorted};
pub use effect::{cohens_d, probability_of_improvement, Better, CohensD};
pub use holm::holm;
pub use interval::Interval;
pub use pairwise::{bootstrap_pairwise_mean, pair_mean_ratio};
pub use permutation::{permutation_test, sign_flip_test, PermutationTest};
pub use power::{detectable_effect, runs_per_arm, sd_interval, t_test_power, RunsNeeded};
pub use ratio_test::{bootstrap_p_value, pair_mean_ratio_test, sd_ratio_test, RatioTest};
pub use t_test::{paired_t, welch, TTest};
pub use two_sample::bootstrap_two_samples;
pub use ustat::Hoeffding;

#[cfg(doc)]
use crate::metrics::MetricsError;
