//! The loops over [`super::epoch::Loop`]: training a pack to its outcomes, and timing its steps.

use std::time::Instant;

use runvar_core::metrics::accuracy_and_cross_entropy;
use runvar_core::store::{DataRecord, EpochMetrics, PackRecord, RunRecord, SpecRecord};

use super::evaluator::Evaluated;
use super::outcome::{EpochTrace, Outcome, Snapshot};
use super::step::finite;
use super::{Event, Trainer};
use crate::{device, params, EngineError};

/// What training collected for one replica, before its final evaluation.
#[derive(Default)]
struct Collected {
    epochs: Vec<EpochMetrics>,
    traces: Vec<EpochTrace>,
    snapshots: Vec<Snapshot>,
    /// Why the replica stopped training, if it did.
    failed: Option<EngineError>,
}

impl Trainer<'_> {
    /// Train a solo run for the recipe's epochs, evaluating the test set after each.
    ///
    /// # Errors
    /// [`EngineError::Diverged`] on a non-finite loss; [`EngineError::Torch`];
    /// [`EngineError::Spec`] for a pack (use [`Trainer::run_pack`]).
    pub fn run(self, on_event: &mut dyn FnMut(Event)) -> Result<Outcome, EngineError> {
        if self.replicas() != 1 {
            return Err(EngineError::spec(
                "pack",
                "Trainer::run trains one run; a pack is trained with run_pack",
            ));
        }
        let mut outcomes = self.run_pack(on_event)?;
        outcomes.pop().expect("one replica")
    }

    /// Train every replica for the recipe's epochs, evaluating the test set after each, and
    /// return each replica's run, in pack order. A replica whose loss stops being finite is
    /// [`EngineError::Diverged`]; it cannot disturb the others (replicas share no arithmetic),
    /// which train on. [`Event::Epoch`] reports the first replica still training.
    ///
    /// # Errors
    /// [`EngineError::Torch`] for the whole pack.
    pub fn run_pack(
        self,
        on_event: &mut dyn FnMut(Event),
    ) -> Result<Vec<Result<Outcome, EngineError>>, EngineError> {
        let start = Instant::now();
        let k = self.replicas();
        let ds = &self.data.dataset;
        let lp = self.training_loop();
        let evaluator = self.evaluator();
        let mut opt = self.optimizer()?;
        on_event(Event::Started {
            total_steps: lp.total_steps(),
        });
        let mut bufs = vec![Vec::new(); k];
        let mut replicas: Vec<Collected> = (0..k).map(|_| Collected::default()).collect();
        let mut last_evaluation = None;
        'epochs: for epoch in lp.epochs() {
            let mut draws = self.draws(epoch.index);
            let mut loss_sums = vec![0.0; k];
            for s in epoch.steps() {
                let (x, y) = self.pack_batch(&draws, s.batch, &mut bufs);
                let losses = self.step(&mut opt, &x, &y, s.lr, &mut draws.dropout)?;
                for ((sum, l), rep) in loss_sums.iter_mut().zip(losses).zip(&mut replicas) {
                    *sum += l;
                    if rep.failed.is_none() {
                        rep.failed = finite(l, s.epoch, s.index).err();
                    }
                }
                if replicas.iter().all(|r| r.failed.is_some()) {
                    break 'epochs;
                }
                on_event(Event::Step { step: s.index });
                if lp.ends_cycle(s.done()) {
                    let logits = evaluator.test_set()?;
                    let tta = evaluator.ttas(&self.specs[0].tta)?;
                    for (r, (l, _)) in logits.into_iter().enumerate() {
                        replicas[r].snapshots.push(Snapshot {
                            step: s.done(),
                            logits: l,
                            tta: tta.iter().map(|v| v[r].clone()).collect(),
                        });
                    }
                }
            }
            let evaluated = evaluator.test_set()?;
            let mut reported = false;
            for ((logits, _), (rep, loss_sum)) in
                evaluated.iter().zip(replicas.iter_mut().zip(&loss_sums))
            {
                let (acc, ce) = accuracy_and_cross_entropy(logits, &ds.test.y, ds.classes);
                let m = EpochMetrics {
                    epoch: epoch.index + 1,
                    train_loss: loss_sum / lp.steps_per_epoch() as f64,
                    test_accuracy: acc,
                    test_cross_entropy: ce,
                    elapsed_seconds: start.elapsed().as_secs_f64(),
                    lm: None,
                };
                if !reported && rep.failed.is_none() {
                    on_event(Event::Epoch(m.clone()));
                    reported = true;
                }
                rep.epochs.push(m);
            }
            last_evaluation = Some(evaluated);
            if self.trace {
                for (rep, (plan, rng)) in replicas
                    .iter_mut()
                    .zip(draws.plans.into_iter().zip(&draws.dropout))
                {
                    rep.traces.push(EpochTrace {
                        order: plan.order,
                        augment: plan.augment,
                        slots: plan.slots,
                        dropout_draws: rng.get_word_pos() as usize,
                    });
                }
            }
        }
        // The model has not changed since the last epoch's evaluation (unless training
        // stopped early because every replica diverged).
        let finals = match last_evaluation {
            Some(e) if !replicas.iter().all(|r| r.failed.is_some()) => e,
            _ => evaluator.test_set()?,
        };
        let tta = evaluator.ttas(&self.specs[0].tta)?;
        let wall_seconds = start.elapsed().as_secs_f64();
        Ok(finals
            .into_iter()
            .zip(replicas)
            .enumerate()
            .map(|(r, (evaluated, rep))| {
                let tta = tta.iter().map(|v| v[r].clone()).collect();
                self.outcome(r, rep, evaluated, tta, wall_seconds)
            })
            .collect())
    }

    /// Replica `r`'s outcome from what training collected, its final evaluation and its TTA
    /// logits (one per variant of the spec); its error if it diverged.
    fn outcome(
        &self,
        r: usize,
        rep: Collected,
        (logits, features): Evaluated,
        tta: Vec<Vec<f32>>,
        wall_seconds: f64,
    ) -> Result<Outcome, EngineError> {
        if let Some(e) = rep.failed {
            return Err(e);
        }
        let ds = &self.data.dataset;
        let k = self.replicas();
        let last = rep.epochs.last().expect("at least one epoch");
        let record = RunRecord {
            param_count: self.param_count(),
            param_hash: params::hash(&self.vs, self.replica(r)),
            bit_flip: self.bit_flips[r].clone(),
            data: self.specs[r].seeds.data.map(|seed| DataRecord {
                seed,
                examples: self.sets[r].len(),
                distinct: self.sets[r].distinct(),
                of: ds.train.len(),
            }),
            test_accuracy: last.test_accuracy,
            test_cross_entropy: last.test_cross_entropy,
            n_test: ds.test.len(),
            classes: ds.classes,
            feature_dim: self.net.feature_dim(),
            wall_seconds,
            pack: (k > 1).then_some(PackRecord { size: k, index: r }),
            placement: Some(device::placement(self.device)),
            lm: None,
        };
        Ok(Outcome {
            spec_record: SpecRecord {
                spec: self.specs[r].clone(),
                environment: self.environment.clone(),
            },
            record,
            epochs: rep.epochs,
            logits,
            features,
            labels: ds.test.y.clone(),
            trace: rep.traces,
            tta: self.specs[r].tta.iter().copied().zip(tta).collect(),
            snapshots: rep.snapshots,
        })
    }

    /// Seconds per optimizer step of the whole pack: `warmup` steps untimed, then `steps`
    /// timed, each assembling the replicas' batches and taking an SGD step, as training does
    /// (no evaluation). Cycles through the first epoch's batches ([`super::epoch::Loop::first_epoch_cycled`]).
    ///
    /// # Errors
    /// [`EngineError::Torch`]; [`EngineError::Diverged`] when a loss is not finite.
    pub fn time_steps(&self, warmup: usize, steps: usize) -> Result<f64, EngineError> {
        let k = self.replicas();
        let lp = self.training_loop();
        let mut opt = self.optimizer()?;
        let mut draws = self.draws(0);
        let mut bufs = vec![Vec::new(); k];
        let mut start = Instant::now();
        for s in lp.first_epoch_cycled(warmup + steps) {
            if s.index == warmup {
                device::synchronize(self.device);
                start = Instant::now();
            }
            let (x, y) = self.pack_batch(&draws, s.batch, &mut bufs);
            let losses = self.step(&mut opt, &x, &y, s.lr, &mut draws.dropout)?;
            finite(losses[0], s.epoch, s.index)?;
        }
        device::synchronize(self.device);
        Ok(start.elapsed().as_secs_f64() / steps.max(1) as f64)
    }
}
