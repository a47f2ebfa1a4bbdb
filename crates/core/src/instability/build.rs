//! The instability report, derived from the curves that following the runs measured.

use super::{
    condition_number_bound, fit_growth, saturation_step, Curve, Followed, InstabilityReport,
    TwinKind,
};
use crate::runspec::RunSpec;

/// The element-wise mean of equally long curves (empty for no curves).
fn mean_over<'a>(curves: impl Iterator<Item = &'a Vec<f64>>) -> Vec<f64> {
    let curves: Vec<&Vec<f64>> = curves.collect();
    let len = curves.first().map_or(0, |c| c.len());
    (0..len)
        .map(|i| curves.iter().map(|c| c[i]).sum::<f64>() / curves.len() as f64)
        .collect()
}

fn last(v: &[f64]) -> f64 {
    v.last().copied().unwrap_or(f64::NAN)
}

/// The report of following the twins of `base`: the early growth rate of the twins' mean
/// parameter distance ([`fit_growth`]), where it saturates ([`saturation_step`]), the levels
/// twins and independent runs end at, the median over twins of the condition-number bound
/// ([`condition_number_bound`], from each twin's flip size), and notes: whether the no-flip twin stayed at exactly 0, how close the twins came
/// to independent runs, and the base run's accuracy.
pub fn build_report(base: &RunSpec, followed: Followed) -> InstabilityReport {
    let Followed {
        curves,
        steps_per_epoch,
        initial_norm,
        flip_sizes,
        base_accuracy,
    } = followed;
    let twins: Vec<&Curve> = curves
        .iter()
        .filter(|c| c.kind == TwinKind::BitFlip)
        .collect();
    let independent: Vec<&Curve> = curves
        .iter()
        .filter(|c| c.kind == TwinKind::Independent)
        .collect();
    let steps = curves.first().map(|c| c.steps.clone()).unwrap_or_default();
    let twin_mean = mean_over(twins.iter().map(|c| &c.param_distance));
    let growth = fit_growth(&steps, &twin_mean);
    let saturation = saturation_step(&steps, &twin_mean);
    let mean_last = |cs: &[&Curve], f: fn(&Curve) -> &Vec<f64>| {
        (!cs.is_empty()).then(|| cs.iter().map(|c| last(f(c))).sum::<f64>() / cs.len() as f64)
    };
    let mut bounds: Vec<f64> = twins
        .iter()
        .zip(&flip_sizes)
        .filter_map(|(c, size)| {
            condition_number_bound(size / initial_norm, last(&c.param_distance_rel))
        })
        .collect();
    bounds.sort_by(f64::total_cmp);
    let condition_number = (!bounds.is_empty()).then(|| bounds[bounds.len() / 2]);
    let mut notes = Vec::new();
    for c in curves.iter().filter(|c| c.kind == TwinKind::NoFlip) {
        let zero = c
            .param_distance
            .iter()
            .chain(&c.logit_distance)
            .all(|&d| d == 0.0);
        notes.push(if zero {
            format!(
                "{}: the twin without a flip stayed at distance exactly 0 at all {} recorded \
                 steps (training is deterministic)",
                c.label,
                c.steps.len()
            )
        } else {
            format!(
                "{}: the twin without a flip moved away from the base run: training is NOT \
                 deterministic here",
                c.label
            )
        });
    }
    let twin_level = mean_last(&twins, |c| &c.param_distance_rel).unwrap_or(f64::NAN);
    let independent_level = mean_last(&independent, |c| &c.param_distance_rel);
    if let Some(ind) = independent_level {
        notes.push(format!(
            "twins end at {:.0}% of the parameter distance of independently seeded runs \
             ({twin_level:.3e} vs {ind:.3e}, relative)",
            100.0 * twin_level / ind
        ));
    }
    notes.push(format!("base run: {:.2}% test accuracy", base_accuracy));
    InstabilityReport {
        title: format!(
            "runvar instability: {}",
            base.preset
                .clone()
                .unwrap_or_else(|| base.data.dataset.name().into())
        ),
        task: format!(
            "{}, {} epochs of {} steps, lr {}, batch {}; {} bit-flipped twins, {} independent runs",
            base.data.dataset.name(),
            base.train.epochs,
            steps_per_epoch,
            base.train.lr,
            base.train.batch_size,
            twins.len(),
            independent.len()
        ),
        steps_per_epoch,
        initial_norm,
        flip_sizes,
        growth,
        saturation_step: saturation,
        twin_level,
        independent_level,
        twin_disagreement: mean_last(&twins, |c| &c.disagreement).unwrap_or(f64::NAN),
        independent_disagreement: mean_last(&independent, |c| &c.disagreement),
        condition_number,
        condition_number_basis: "median over twins of (||theta'_T - theta_T|| / ||theta_T||) / \
            (||theta'_0 - theta_0|| / ||theta_0||), L2 norm over all trainable parameters \
            (BatchNorm running statistics excluded), theta the base run"
            .into(),
        curves,
        notes,
    }
}
