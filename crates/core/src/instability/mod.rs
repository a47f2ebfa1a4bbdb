//! Instability (docs/protocol.md section 6): bit-flipped twins followed through training.
//!
//! A base run and K twins that differ from it only by a one-ULP flip of one initial weight are
//! trained in lockstep, with runs from independent seeds for reference. At recorded steps
//! (log-spaced early, then every epoch) runvar measures each run's distance to the base run.
//! This module holds the measured curves and what is derived from them without libtorch: the
//! early growth rate, the saturation step and level, and the lower bound on the condition
//! number of training.

use serde::{Deserialize, Serialize};

mod build;
mod figures;
mod findings;
mod follow;
mod growth;
mod page;
mod plot;
mod sweep;
#[cfg(test)]
mod tests;
mod text;

pub use build::build_report;
pub use follow::{followers, record_steps, Followed, Follower};
pub use growth::{condition_number_bound, fit_growth, saturation_step, GrowthFit};
pub use page::render_instability_html;
pub use plot::curves_svg;
pub use sweep::{render_sweep_table, sweep_configs, sweep_row, sweep_study, SweepConfig, SweepRow};
pub use text::{render_instability_markdown, render_instability_table};

/// How a followed run differs from the base run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TwinKind {
    /// Same seeds, one initial weight moved by one ULP.
    BitFlip,
    /// Same seeds and no flip: must stay at distance exactly 0 (a check of determinism).
    NoFlip,
    /// Every source seeded independently: the level divergence saturates at.
    Independent,
}

/// One run's distance to the base run over training.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Curve {
    /// Label, e.g. `flip 3` or `seed 1`.
    pub label: String,
    /// What kind of run it is.
    pub kind: TwinKind,
    /// The recorded steps (optimizer steps done; 0 = after init and flip, before training).
    pub steps: Vec<usize>,
    /// L2 distance of all trainable parameters to the base run's, per recorded step.
    pub param_distance: Vec<f64>,
    /// `param_distance` over the L2 norm of the base run's trainable parameters at that step.
    pub param_distance_rel: Vec<f64>,
    /// Per parameter tensor (name → L2 distance per recorded step).
    pub per_layer: Vec<(String, Vec<f64>)>,
    /// Per parameter tensor, relative: the distance over the base run's L2 norm of that tensor
    /// at the same step (NaN where that norm is 0, e.g. a zero-initialized BatchNorm scale).
    #[serde(default)]
    pub per_layer_rel: Vec<(String, Vec<f64>)>,
    /// L2 distance of the test-set logits to the base run's, over `sqrt(n_test)` (RMS per
    /// example), per recorded step.
    pub logit_distance: Vec<f64>,
    /// Share of test examples whose predicted class differs from the base run's, in percent.
    pub disagreement: Vec<f64>,
}

/// The result of `runvar instability`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstabilityReport {
    /// Title.
    pub title: String,
    /// One line on the task.
    pub task: String,
    /// Steps per epoch (to place epochs on the step axis).
    pub steps_per_epoch: usize,
    /// Every followed run.
    pub curves: Vec<Curve>,
    /// L2 norm of the base run's initial trainable parameters.
    pub initial_norm: f64,
    /// L2 size of each twin's flip (the initial distance), one per bit-flip curve.
    pub flip_sizes: Vec<f64>,
    /// Early exponential growth of the twins' mean parameter distance.
    pub growth: Option<GrowthFit>,
    /// First recorded step where the twins' mean parameter distance reaches 90% of its final
    /// value.
    pub saturation_step: Option<usize>,
    /// Final mean relative parameter distance of the twins.
    pub twin_level: f64,
    /// Final mean relative parameter distance of the independently seeded runs.
    pub independent_level: Option<f64>,
    /// Final mean disagreement of the twins with the base run, percent.
    pub twin_disagreement: f64,
    /// Final mean disagreement of the independent runs with the base run, percent.
    pub independent_disagreement: Option<f64>,
    /// Lower bound on the condition number of training: relative change of the final
    /// parameters over the relative size of the initial perturbation (median over twins).
    pub condition_number: Option<f64>,
    /// How the bound is computed (norm and parameters), in a sentence.
    pub condition_number_basis: String,
    /// Findings and caveats.
    pub notes: Vec<String>,
}
