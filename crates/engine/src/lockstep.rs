//! Runs trained in lockstep and compared with a base run as they train (docs/protocol.md
//! section 6): bit-flipped twins, no-flip twins, and independently seeded runs.
//!
//! Every run walks the one training loop ([`crate::train::epoch`]) step by step beside the
//! others. Twins share the base run's seeds, so their batches are the same: each batch is
//! assembled once per distinct data plan and fed to every run that uses it.

use runvar_core::data::Prepared;
use runvar_core::instability::{Curve, TwinKind};
use runvar_core::metrics::{accuracy_and_cross_entropy, argmax};
use runvar_core::runspec::RunSpec;
use tch::Tensor;

use crate::train::epoch::Draws;
use crate::train::{finite, Evaluated, Trainer};
use crate::EngineError;

pub use runvar_core::instability::{record_steps, Followed, Follower};

/// Trainable parameters only (BatchNorm running statistics are buffers), sorted by name.
fn trainable(t: &Trainer) -> Vec<(String, Vec<f32>)> {
    t.params()
        .into_iter()
        .filter(|(name, _)| !name.contains("running_"))
        .collect()
}

fn norm(p: &[(String, Vec<f32>)]) -> f64 {
    p.iter()
        .flat_map(|(_, v)| v.iter())
        .map(|&x| (x as f64) * (x as f64))
        .sum::<f64>()
        .sqrt()
}

/// Per-tensor and total L2 distances between two sorted parameter lists.
fn distances(a: &[(String, Vec<f32>)], b: &[(String, Vec<f32>)]) -> (f64, Vec<f64>) {
    let per: Vec<f64> = a
        .iter()
        .zip(b)
        .map(|((_, x), (_, y))| {
            x.iter()
                .zip(y)
                .map(|(&p, &q)| {
                    let d = p as f64 - q as f64;
                    d * d
                })
                .sum::<f64>()
                .sqrt()
        })
        .collect();
    (per.iter().map(|d| d * d).sum::<f64>().sqrt(), per)
}

/// Train `base` and every follower in lockstep, recording each follower's distance to the base
/// run at `record` steps (see [`record_steps`]). Every run uses the same data and recipe.
///
/// # Errors
/// As [`Trainer::new`] and training; [`EngineError::Spec`] when a follower's recipe differs.
pub fn follow(
    base: &RunSpec,
    followers: &[Follower],
    data: &Prepared,
    record: &[usize],
    mut on_step: impl FnMut(usize, usize),
) -> Result<Followed, EngineError> {
    for f in followers {
        if f.spec.train != base.train || f.spec.model != base.model || f.spec.data != base.data {
            return Err(EngineError::spec(
                "train",
                format!(
                    "follower `{}` must share the base run's data, model and recipe",
                    f.label
                ),
            ));
        }
    }
    let mut runs = vec![Trainer::new(base, data)?];
    for f in followers {
        runs.push(Trainer::new(&f.spec, data)?);
    }
    // Each bit-flipped twin's change of its flipped weight, from its own flip record.
    let flip_sizes: Vec<f64> = followers
        .iter()
        .zip(&runs[1..])
        .filter(|(f, _)| f.kind == TwinKind::BitFlip)
        .filter_map(|(_, t)| t.bit_flip())
        .map(|rec| {
            (f32::from_bits(rec.new_bits) as f64 - f32::from_bits(rec.old_bits) as f64).abs()
        })
        .collect();
    let mut opts = runs
        .iter()
        .map(|t| t.optimizer())
        .collect::<Result<Vec<_>, _>>()?;
    // Every run has the base run's recipe and data, so one loop walks them all.
    let lp = runs[0].training_loop();
    let total = lp.total_steps();
    let steps_per_epoch = lp.steps_per_epoch();
    let classes = data.dataset.classes;
    let mut curves: Vec<Curve> = followers
        .iter()
        .map(|f| Curve {
            label: f.label.clone(),
            kind: f.kind,
            steps: Vec::new(),
            param_distance: Vec::new(),
            param_distance_rel: Vec::new(),
            per_layer: Vec::new(),
            per_layer_rel: Vec::new(),
            logit_distance: Vec::new(),
            disagreement: Vec::new(),
        })
        .collect();
    let initial_norm = norm(&trainable(&runs[0]));

    let mut measure = |runs: &[Trainer], step: usize| -> Result<(), EngineError> {
        let base_params = trainable(&runs[0]);
        let base_norm = norm(&base_params);
        let layer_norms: Vec<f64> = base_params
            .iter()
            .map(|p| norm(std::slice::from_ref(p)))
            .collect();
        let (base_logits, _) = first(runs[0].evaluator().test_set()?);
        let n = base_logits.len() / classes;
        for (curve, run) in curves.iter_mut().zip(&runs[1..]) {
            let p = trainable(run);
            let (total, per) = distances(&base_params, &p);
            let (logits, _) = first(run.evaluator().test_set()?);
            let sq: f64 = logits
                .iter()
                .zip(&base_logits)
                .map(|(&a, &b)| (a as f64 - b as f64).powi(2))
                .sum();
            let differ = logits
                .chunks_exact(classes)
                .zip(base_logits.chunks_exact(classes))
                .filter(|(a, b)| argmax(a) != argmax(b))
                .count();
            curve.steps.push(step);
            curve.param_distance.push(total);
            curve.param_distance_rel.push(total / base_norm);
            curve.logit_distance.push((sq / n as f64).sqrt());
            curve.disagreement.push(100.0 * differ as f64 / n as f64);
            if curve.per_layer.is_empty() {
                curve.per_layer = base_params
                    .iter()
                    .map(|(name, _)| (name.clone(), Vec::new()))
                    .collect();
                curve.per_layer_rel = curve.per_layer.clone();
            }
            for (k, d) in per.into_iter().enumerate() {
                curve.per_layer[k].1.push(d);
                let rel = if layer_norms[k] > 0.0 {
                    d / layer_norms[k]
                } else {
                    f64::NAN
                };
                curve.per_layer_rel[k].1.push(rel);
            }
        }
        Ok(())
    };

    let mut next_record = record.iter().copied().peekable();
    if next_record.peek() == Some(&0) {
        measure(&runs, 0)?;
        next_record.next();
    }
    let mut bufs = vec![Vec::new()];
    for epoch in lp.epochs() {
        // Each run's plan and dropout stream; a batch is assembled once per distinct plan
        // (twins share the base run's), by the first run that has it.
        let mut draws: Vec<Draws> = runs.iter().map(|r| r.draws(epoch.index)).collect();
        let plan_of: Vec<usize> = (0..runs.len())
            .map(|i| {
                (0..=i)
                    .find(|&j| draws[j].plans == draws[i].plans)
                    .expect("a run's plan equals itself")
            })
            .collect();
        for step in epoch.steps() {
            let mut tensors: Vec<Option<(Tensor, Tensor)>> =
                (0..runs.len()).map(|_| None).collect();
            for (i, run) in runs.iter().enumerate() {
                let p = plan_of[i];
                if tensors[p].is_none() {
                    tensors[p] = Some(runs[p].pack_batch(&draws[p], step.batch, &mut bufs));
                }
                let (x, y) = tensors[p].as_ref().expect("just built");
                let loss = run.step(&mut opts[i], x, y, step.lr, &mut draws[i].dropout)?;
                finite(loss[0], step.epoch, step.index)?;
            }
            on_step(step.done(), total);
            if next_record.peek() == Some(&step.done()) {
                measure(&runs, step.done())?;
                next_record.next();
            }
        }
    }
    let (logits, _) = first(runs[0].evaluator().test_set()?);
    let (acc, _) = accuracy_and_cross_entropy(&logits, &data.dataset.test.y, classes);
    Ok(Followed {
        curves,
        steps_per_epoch,
        initial_norm,
        flip_sizes,
        base_accuracy: 100.0 * acc,
    })
}

/// The only replica's `(logits, features)` of a solo trainer's evaluation.
fn first(mut evaluated: Vec<Evaluated>) -> Evaluated {
    evaluated.swap_remove(0)
}
