//! The shape of the one training loop: epochs of optimizer steps, the learning rate of each,
//! where snapshot cycles end, and each epoch's data draws.
//!
//! Training ([`Trainer::run_pack`]), timing ([`Trainer::time_steps`]) and lockstep runs
//! ([`crate::lockstep::follow`]) all walk a [`Loop`]: what an epoch is (its steps, their
//! learning rate, the snapshot points) is decided here once.
//!
//! An epoch has `ceil(n_train / batch_size)` steps ([`runvar_core::schedule::steps_per_epoch`];
//! the last, partial batch is kept). Step `t` (0-based, counted over all epochs) trains at
//! [`LrSchedule::lr`]`(t)`. With `train.cycles > 1` a snapshot is taken after the steps that end
//! a cycle ([`LrSchedule::cycle_ends`]). Each epoch's data draws come from the replicas' own
//! streams: the example order, low-level permutation and augmentation of
//! [`EpochPlan::new`] over the replica's training set (the full set, or its resample of it:
//! [`runvar_core::resample`], drawn once per run), and the dropout stream of the epoch. An
//! epoch is a pass over that set, so `n_train` is the resample's size.

use rand_chacha::ChaCha20Rng;
use runvar_core::batches::EpochPlan;
use runvar_core::runspec::{AugmentDraw, TrainSpec};
use runvar_core::schedule::LrSchedule;
use runvar_core::seed::{stream, Source};

use super::Trainer;

/// One optimizer step's place in training.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Step {
    /// 0-based epoch.
    pub epoch: usize,
    /// 0-based minibatch of the epoch's plan.
    pub batch: usize,
    /// 0-based global step index.
    pub index: usize,
    /// Learning rate of this step.
    pub lr: f64,
}

impl Step {
    /// Steps done once this one is: `index + 1`.
    pub fn done(&self) -> usize {
        self.index + 1
    }
}

/// Epochs of steps of a recipe over a training set.
#[derive(Debug, Clone, PartialEq)]
pub struct Loop {
    schedule: LrSchedule,
    epochs: usize,
    snapshot_at: Vec<usize>,
}

impl Loop {
    /// The loop of `train` over `n_train` examples.
    pub fn new(train: &TrainSpec, n_train: usize) -> Loop {
        let schedule = LrSchedule::new(train, n_train);
        let snapshot_at = if train.cycles > 1 {
            schedule.cycle_ends()
        } else {
            Vec::new()
        };
        Loop {
            schedule,
            epochs: train.epochs,
            snapshot_at,
        }
    }

    /// Steps in all: epochs times steps per epoch.
    pub fn total_steps(&self) -> usize {
        self.schedule.total_steps()
    }

    /// Steps per epoch.
    pub fn steps_per_epoch(&self) -> usize {
        self.schedule.steps_per_epoch()
    }

    /// The epochs, in order (0-based).
    pub fn epochs(&self) -> impl Iterator<Item = Epoch<'_>> {
        (0..self.epochs).map(move |index| Epoch { index, of: self })
    }

    /// Whether a snapshot is taken once `done` steps are done (the end of a snapshot cycle;
    /// never with one cycle).
    pub fn ends_cycle(&self, done: usize) -> bool {
        self.snapshot_at.contains(&done)
    }

    /// `n` steps over the first epoch's batches, cycled (batch `i mod steps_per_epoch` of epoch
    /// 0 at step `i`), each at its learning rate: the steps of a timing, which draws one epoch
    /// plan only.
    pub fn first_epoch_cycled(&self, n: usize) -> impl Iterator<Item = Step> + '_ {
        let per_epoch = self.steps_per_epoch().max(1);
        (0..n).map(move |i| Step {
            epoch: 0,
            batch: i % per_epoch,
            index: i,
            lr: self.schedule.lr(i),
        })
    }

    fn step(&self, epoch: usize, batch: usize) -> Step {
        let index = epoch * self.steps_per_epoch() + batch;
        Step {
            epoch,
            batch,
            index,
            lr: self.schedule.lr(index),
        }
    }
}

/// One epoch of a [`Loop`].
#[derive(Debug, Clone, Copy)]
pub struct Epoch<'l> {
    /// 0-based epoch.
    pub index: usize,
    of: &'l Loop,
}

impl Epoch<'_> {
    /// Its steps, in order.
    pub fn steps(&self) -> impl Iterator<Item = Step> + '_ {
        (0..self.of.steps_per_epoch()).map(move |b| self.of.step(self.index, b))
    }
}

/// Every replica's data draws of one epoch: its plan and its dropout stream.
#[derive(Debug)]
pub struct Draws {
    /// Per replica: example order and augmentation.
    pub plans: Vec<EpochPlan>,
    /// Per replica: the dropout stream, advanced as masks are drawn.
    pub dropout: Vec<ChaCha20Rng>,
    batch_size: usize,
}

impl Draws {
    /// Per replica, the example ids of minibatch `batch` of its plan and their augmentation
    /// draws (empty without augmentation).
    ///
    /// # Panics
    /// When `batch` is past the epoch's last batch (a loop bug, not input).
    pub fn batch(&self, batch: usize) -> Vec<(&[usize], Vec<AugmentDraw>)> {
        self.plans
            .iter()
            .map(|p| {
                let start = batch * self.batch_size;
                assert!(start < p.order.len(), "the loop's batches are the plan's");
                let end = (start + self.batch_size).min(p.order.len());
                (&p.order[start..end], p.augment_at(start..end))
            })
            .collect()
    }
}

impl Trainer<'_> {
    /// The loop of this run's recipe over its training set (the replicas' resamples, when they
    /// vary the data source, all of one size).
    pub fn training_loop(&self) -> Loop {
        Loop::new(&self.specs[0].train, self.sets[0].len())
    }

    /// Every replica's data plan and dropout stream of `epoch`.
    pub(crate) fn draws(&self, epoch: usize) -> Draws {
        let (plans, dropout) = (0..self.replicas())
            .map(|r| (self.replica_plan(r, epoch), self.replica_dropout(r, epoch)))
            .unzip();
        Draws {
            plans,
            dropout,
            batch_size: self.specs[0].train.batch_size,
        }
    }

    fn replica_plan(&self, r: usize, epoch: usize) -> EpochPlan {
        let ds = &self.data.dataset;
        let spec = &self.specs[r];
        EpochPlan::new(
            &spec.seeds,
            epoch,
            &self.sets[r],
            spec.train.batch_size,
            // On CUDA the low-level source is cuDNN's choice of algorithms, but for grouped
            // convolutions cuDNN picks deterministic ones anyway (measured on an H100), so a
            // pack realizes the source as on the CPU: by the in-minibatch permutation.
            spec.low_level && (!self.device.is_cuda() || self.replicas() > 1),
            &spec.data.augment,
            ds.height > 1,
        )
    }

    fn replica_dropout(&self, r: usize, epoch: usize) -> ChaCha20Rng {
        stream(self.specs[r].seeds.dropout, Source::Dropout, epoch as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use runvar_core::runspec::RunSpec;

    fn recipe(epochs: usize, batch_size: usize, cycles: usize) -> TrainSpec {
        TrainSpec {
            epochs,
            batch_size,
            cycles,
            ..RunSpec::from_preset("digits-mlp").unwrap().train
        }
    }

    #[test]
    fn epochs_count_every_step_once_with_the_partial_batch() {
        let t = recipe(3, 32, 1);
        let lp = Loop::new(&t, 100); // 4 steps an epoch, the last of 4 examples
        let schedule = LrSchedule::new(&t, 100);
        let steps: Vec<Step> = lp
            .epochs()
            .flat_map(|e| e.steps().collect::<Vec<_>>())
            .collect();
        assert_eq!((lp.steps_per_epoch(), lp.total_steps()), (4, 12));
        assert_eq!(steps.len(), 12);
        for (i, s) in steps.iter().enumerate() {
            assert_eq!(
                (s.epoch, s.batch, s.index, s.done()),
                (i / 4, i % 4, i, i + 1)
            );
            assert_eq!(s.lr.to_bits(), schedule.lr(i).to_bits());
        }
    }

    #[test]
    fn snapshots_end_cycles_and_only_with_several() {
        let lp = Loop::new(&recipe(4, 10, 2), 100);
        let ends: Vec<usize> = (0..=40).filter(|&d| lp.ends_cycle(d)).collect();
        assert_eq!(ends, vec![20, 40]);
        let one = Loop::new(&recipe(4, 10, 1), 100);
        assert!((0..=40).all(|d| !one.ends_cycle(d)));
    }

    #[test]
    fn timing_cycles_the_first_epoch_at_the_global_learning_rate() {
        let t = recipe(2, 32, 1);
        let lp = Loop::new(&t, 100);
        let got: Vec<(usize, usize)> = lp
            .first_epoch_cycled(10)
            .map(|s| (s.epoch, s.batch))
            .collect();
        assert_eq!(got, (0..10).map(|i| (0, i % 4)).collect::<Vec<_>>());
        let s = lp.first_epoch_cycled(10).nth(9).unwrap();
        assert_eq!(s.lr, LrSchedule::new(&t, 100).lr(9));
    }
}
