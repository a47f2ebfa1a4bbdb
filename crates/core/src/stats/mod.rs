//! Statistics over runs: mean and percentiles ([`describe`]), the confidence [`Interval`], and
//! the bootstrap errors and confidence intervals of docs/protocol.md section 3: per-run values
//! and SD ratios ([`bootstrap`]), means of pairwise metrics over resampled runs ([`pairwise`]);
//! the p-value of a ratio against 1 from the same resamples ([`ratio_test`]) and Holm's
//! adjustment of several such p-values ([`holm`]).
//!
//! Statistics sit on top of [`crate::metrics`]: they take its per-run values and pair tables
//! ([`crate::metrics::PairMatrix`]), its SD over runs ([`crate::metrics::population_sd`]) and
//! its kernels, and report [`MetricsError`]; nothing in `metrics` uses `stats`.

pub mod bootstrap;
pub mod describe;
pub mod holm;
pub mod interval;
pub mod pairwise;
pub mod ratio_test;

pub use bootstrap::{
    bootstrap_sd, bootstrap_statistic, sd_ratio, Bootstrap, BootstrapEstimate, DEFAULT_RESAMPLES,
};
pub use describe::{mean, percentile_sorted};
pub use holm::holm;
pub use interval::Interval;
pub use pairwise::{bootstrap_pairwise_mean, pair_mean_ratio};
pub use ratio_test::{bootstrap_p_value, pair_mean_ratio_test, sd_ratio_test, RatioTest};

#[cfg(doc)]
use crate::metrics::MetricsError;
