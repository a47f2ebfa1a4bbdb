//! Statistics over runs: mean and percentiles ([`describe`]), the confidence [`Interval`], and
//! the bootstrap errors and confidence intervals of docs/protocol.md section 3: per-run values
//! and SD ratios ([`bootstrap`]), means of pairwise metrics over resampled runs ([`pairwise`]).
//!
//! Statistics sit on top of [`crate::metrics`]: they take its per-run values and pair tables
//! ([`crate::metrics::PairMatrix`]), its SD over runs ([`crate::metrics::population_sd`]) and
//! its kernels, and report [`MetricsError`]; nothing in `metrics` uses `stats`.

pub mod bootstrap;
pub mod describe;
pub mod distributions;
pub mod interval;
pub mod noncentral_t;
pub mod pairwise;
pub mod special;

#[cfg(test)]
pub(crate) mod reference;

pub use bootstrap::{
    bootstrap_sd, bootstrap_statistic, sd_ratio, Bootstrap, BootstrapEstimate, DEFAULT_RESAMPLES,
};
pub use describe::{mean, percentile_sorted};
pub use interval::Interval;
pub use pairwise::{bootstrap_pairwise_mean, pair_mean_ratio};

#[cfg(doc)]
use crate::metrics::MetricsError;
