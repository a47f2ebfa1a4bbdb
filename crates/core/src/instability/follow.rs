//! What `runvar instability` follows beside its base run, and what following them measured.
//!
//! The runs are plain specs ([`Follower`]); the engine trains them in lockstep with the base
//! run and hands back the curves ([`Followed`]), from which [`super::build_report`] derives
//! the report.

use serde::{Deserialize, Serialize};

use super::{Curve, TwinKind};
use crate::runspec::{BitFlipSpec, RunSpec};
use crate::study::Condition;

/// A run to follow next to the base run.
#[derive(Debug, Clone)]
pub struct Follower {
    /// Label in reports, e.g. `flip 3`.
    pub label: String,
    /// How it differs from the base run.
    pub kind: TwinKind,
    /// Its spec.
    pub spec: RunSpec,
}

/// What following the runs measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Followed {
    /// One curve per follower, in order.
    pub curves: Vec<Curve>,
    /// Steps per epoch.
    pub steps_per_epoch: usize,
    /// L2 norm of the base run's initial trainable parameters.
    pub initial_norm: f64,
    /// Each bit-flipped twin's absolute change of its flipped weight, in follower order.
    pub flip_sizes: Vec<f64>,
    /// Base run's final test accuracy, percent.
    pub base_accuracy: f64,
}

/// The runs followed beside `base`: `twins` bit-flipped twins (flip seeds `1..=twins`), one
/// twin without a flip (it must stay at distance exactly 0), and `independent` runs of seeds
/// `1..=independent`.
///
/// The independent runs are replica `r` of the study's `all` condition, with one difference:
/// low-level nondeterminism stays off. They train in one process beside the base run and the
/// no-flip twin, and on a GPU the switch that makes libtorch's algorithms deterministic is
/// one per process: turning it off for them would turn it off for the base run too, and the
/// no-flip twin, the check that training is deterministic, would drift. Off on every device,
/// the report reads the same on a CPU and a GPU.
pub fn followers(base: &RunSpec, twins: usize, independent: usize) -> Vec<Follower> {
    let mut out = Vec::with_capacity(twins + independent + 1);
    for k in 1..=twins as u64 {
        let mut spec = base.clone();
        spec.bit_flip = Some(BitFlipSpec {
            seed: k,
            param: None,
        });
        out.push(Follower {
            label: format!("flip {k}"),
            kind: TwinKind::BitFlip,
            spec,
        });
    }
    out.push(Follower {
        label: "no flip".into(),
        kind: TwinKind::NoFlip,
        spec: base.clone(),
    });
    let all = Condition::all(base);
    for r in 1..=independent as u64 {
        let mut spec = all.replica(base, r, 0);
        spec.low_level = false;
        out.push(Follower {
            label: format!("seed {r}"),
            kind: TwinKind::Independent,
            spec,
        });
    }
    out
}

/// The steps to record: 0, then roughly log-spaced (ratio 1.4) up to one epoch, then every
/// epoch end, and the last step.
pub fn record_steps(steps_per_epoch: usize, total: usize) -> Vec<usize> {
    let mut out = vec![0];
    let mut s = 1.0f64;
    while (s as usize) < steps_per_epoch.min(total) {
        let k = s as usize;
        if out.last() != Some(&k) {
            out.push(k);
        }
        s *= 1.4;
    }
    let mut e = steps_per_epoch.max(1);
    while e <= total {
        if out.last() != Some(&e) {
            out.push(e);
        }
        e += steps_per_epoch.max(1);
    }
    if out.last() != Some(&total) {
        out.push(total);
    }
    out
}
