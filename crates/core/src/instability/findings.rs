//! What every rendering of the instability report says: the columns of the runs table, each
//! run's cells, the findings in plain sentences and "How to read this". The terminal
//! ([`super::text`]) and the page ([`super::page`]) lay them out; the numbers are formatted
//! here once, so all three show the same digits.
//!
//! Distances span many orders of magnitude, so they print with 3 significant digits
//! ([`sig`]); missing and non-finite values print as `-`.

use super::{Curve, InstabilityReport, TwinKind};

/// Column headers of the runs table.
pub(super) const HEADERS: [&str; 6] = [
    "run",
    "kind",
    "param dist",
    "rel. dist",
    "logit dist",
    "disagree %",
];

/// `v` with 3 significant digits: plain from 0.001 to 99,999, otherwise `1.23e-8`; `0` for
/// zero and `-` when not finite.
pub(super) fn sig(v: f64) -> String {
    if !v.is_finite() {
        return "-".to_string();
    }
    if v == 0.0 {
        return "0".to_string();
    }
    let a = v.abs();
    if (1e-3..1e5).contains(&a) {
        let decimals = (2 - a.log10().floor() as i32).max(0) as usize;
        format!("{v:.decimals$}")
    } else {
        format!("{v:.2e}")
    }
}

/// A percentage with 2 decimals, `-` when not finite.
pub(super) fn pct(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.2}")
    } else {
        "-".to_string()
    }
}

/// How the runs table names a run's kind.
fn kind_name(k: TwinKind) -> &'static str {
    match k {
        TwinKind::BitFlip => "bit flip",
        TwinKind::NoFlip => "no flip",
        TwinKind::Independent => "independent",
    }
}

/// The last recorded value, NaN when there is none.
fn final_of(v: &[f64]) -> f64 {
    v.last().copied().unwrap_or(f64::NAN)
}

/// The table cells of one run, in [`HEADERS`] order.
pub(super) fn row_cells(c: &Curve) -> [String; 6] {
    [
        c.label.clone(),
        kind_name(c.kind).to_string(),
        sig(final_of(&c.param_distance)),
        sig(final_of(&c.param_distance_rel)),
        sig(final_of(&c.logit_distance)),
        pct(final_of(&c.disagreement)),
    ]
}

/// The findings under the table, `(key, sentence)`, as plain text.
pub(super) fn findings(r: &InstabilityReport) -> Vec<(&'static str, String)> {
    let growth = match &r.growth {
        Some(g) => {
            let doubling = if g.doubling_steps.is_finite() {
                format!("doubling every {} steps", sig(g.doubling_steps))
            } else {
                "no doubling (the rate is not positive)".to_string()
            };
            format!(
                "{} per step (natural log of the twins' mean parameter distance), fitted over \
                 steps {} to {} ({} recorded steps), r² {:.3}; {doubling}",
                sig(g.rate_per_step),
                g.window.0,
                g.window.1,
                g.points,
                g.r_squared
            )
        }
        None => "no fit: fewer than 3 recorded steps with a positive distance before the twins' \
                 mean distance passes 10% of its final value"
            .to_string(),
    };
    let saturation = match r.saturation_step {
        Some(s) => {
            let epoch = if r.steps_per_epoch > 0 {
                format!(" (epoch {:.1})", s as f64 / r.steps_per_epoch as f64)
            } else {
                String::new()
            };
            format!(
                "step {s}{epoch}: the twins' mean parameter distance reaches 90% of its final value"
            )
        }
        None => "none: the twins' final mean distance is 0 or missing".to_string(),
    };
    let mut level = format!(
        "twins {} relative parameter distance, {}% disagreement",
        sig(r.twin_level),
        pct(r.twin_disagreement)
    );
    match (r.independent_level, r.independent_disagreement) {
        (None, None) => level.push_str("; no independent runs to compare with"),
        (lvl, dis) => {
            level.push_str(&format!(
                "; independent runs {}, {}%",
                sig(lvl.unwrap_or(f64::NAN)),
                pct(dis.unwrap_or(f64::NAN))
            ));
            if let Some(i) = lvl.filter(|&i| i > 0.0 && r.twin_level.is_finite()) {
                let share = 100.0 * r.twin_level / i;
                level.push_str(&format!(" (twins at {share:.0}% of the independent level)"));
            }
        }
    }
    let mut condition = match r.condition_number {
        Some(k) if k.is_finite() => format!("at least {}", sig(k)),
        _ => "not computed".to_string(),
    };
    if !r.condition_number_basis.is_empty() {
        condition.push_str(&format!(". {}", r.condition_number_basis));
    }
    vec![
        ("growth rate", growth),
        ("saturation", saturation),
        ("level", level),
        ("condition number", condition),
    ]
}

/// What the page measures and how to read it, in plain sentences.
pub(super) const HOW_TO_READ: &str =
    "The base run and its twins start from the same seeds. A bit-flip \
    twin differs only by a one-ULP change of one initial weight; a no-flip twin differs in \
    nothing and must stay at distance exactly 0 (a check of determinism); independent runs have \
    every source seeded differently. At each recorded step every run is compared with the base \
    run: the L2 distance of all trainable parameters (absolute, and relative to the base run's \
    parameter norm), the RMS distance of the test logits per example, and the share of test \
    examples predicted differently. If training is unstable, the twins' distance grows roughly \
    exponentially from the flip (a straight line on a log axis; its slope is the growth rate) \
    and saturates at the level of the independent runs: one bit at initialization ends as far \
    apart as a different seed. The condition-number bound divides the final relative distance \
    by the relative size of the flip (docs/protocol.md section 6, or `runvar protocol`).";
