//! The per-iteration learning-rate schedule: linear warm-up, then cosine decay or constant.

use crate::runspec::{Schedule, TrainSpec};

/// Steps per epoch: `ceil(n / batch_size)` (the last partial batch is kept).
pub fn steps_per_epoch(n: usize, batch_size: usize) -> usize {
    n.div_ceil(batch_size)
}

/// The learning-rate schedule of one run, stepped every iteration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LrSchedule {
    peak: f64,
    per_epoch: usize,
    warmup_steps: usize,
    total_steps: usize,
    shape: Schedule,
    cycles: usize,
}

impl LrSchedule {
    /// The schedule of `train` for `n_train` examples.
    ///
    /// Warm-up lasts `round(warmup_epochs * steps_per_epoch)` steps.
    pub fn new(train: &TrainSpec, n_train: usize) -> LrSchedule {
        let per_epoch = steps_per_epoch(n_train, train.batch_size);
        LrSchedule {
            peak: train.lr,
            per_epoch,
            warmup_steps: (train.warmup_epochs * per_epoch as f64).round() as usize,
            total_steps: train.epochs * per_epoch,
            shape: train.schedule,
            cycles: train.cycles.max(1),
        }
    }

    /// The step counts at which each cycle ends (snapshots are taken after these many steps):
    /// `round(k * total / cycles)` for k = 1..=cycles; just `[total]` for one cycle.
    pub fn cycle_ends(&self) -> Vec<usize> {
        (1..=self.cycles)
            .map(|k| ((k * self.total_steps) as f64 / self.cycles as f64).round() as usize)
            .collect()
    }

    /// Total number of steps.
    pub fn total_steps(&self) -> usize {
        self.total_steps
    }

    /// Steps per epoch: [`crate::schedule::steps_per_epoch`] of the training set.
    pub fn steps_per_epoch(&self) -> usize {
        self.per_epoch
    }

    /// Learning rate at 0-based step `t`:
    /// `peak * (t + 1) / W` for `t < W`, then `peak * (1 + cos(pi * (t - W) / (T - W))) / 2`
    /// (cosine) or `peak` (constant), with `W` warm-up steps of `T` in all.
    pub fn lr(&self, t: usize) -> f64 {
        if self.cycles > 1 {
            // Each cycle is a schedule of its own: warm-up, then the shape, over its steps.
            let ends = self.cycle_ends();
            let k = ends.iter().position(|&e| t < e).unwrap_or(self.cycles - 1);
            let start = if k == 0 { 0 } else { ends[k - 1] };
            let cycle = LrSchedule {
                total_steps: ends[k] - start,
                cycles: 1,
                ..*self
            };
            return cycle.lr(t - start);
        }
        let w = self.warmup_steps;
        if t < w {
            return self.peak * (t + 1) as f64 / w as f64;
        }
        match self.shape {
            Schedule::Constant => self.peak,
            Schedule::Cosine => {
                let span = self.total_steps.saturating_sub(w).max(1) as f64;
                let progress = ((t - w) as f64 / span).min(1.0);
                self.peak * 0.5 * (1.0 + (std::f64::consts::PI * progress).cos())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runspec::RunSpec;

    #[test]
    fn warmup_then_cosine_by_hand() {
        let mut t = RunSpec::from_preset("digits-mlp").unwrap().train;
        t.epochs = 3;
        t.batch_size = 10;
        t.lr = 0.4;
        t.warmup_epochs = 1.0;
        // 100 examples: 10 steps per epoch, W = 10, T = 30.
        let s = LrSchedule::new(&t, 100);
        assert_eq!(s.total_steps(), 30);
        assert_eq!(s.steps_per_epoch(), 10);
        assert!((s.lr(0) - 0.04).abs() < 1e-12);
        assert!((s.lr(9) - 0.4).abs() < 1e-12);
        assert!((s.lr(10) - 0.4).abs() < 1e-12, "cosine starts at the peak");
        // Half way through the decay (t - W = 10 of 20): cos(pi/2) = 0, so peak / 2.
        assert!((s.lr(20) - 0.2).abs() < 1e-12);
        assert!(s.lr(29) > 0.0 && s.lr(29) < 0.01);
    }

    #[test]
    fn partial_last_batch_counts_as_a_step() {
        assert_eq!(steps_per_epoch(60_000, 128), 469);
        assert_eq!(steps_per_epoch(1348, 32), 43);
        assert_eq!(steps_per_epoch(64, 32), 2);
    }

    #[test]
    fn snapshot_cycles_restart_the_schedule() {
        let mut t = RunSpec::from_preset("digits-mlp").unwrap().train;
        t.epochs = 10;
        t.batch_size = 10;
        t.warmup_epochs = 1.0;
        t.cycles = 5;
        // 100 examples: 10 steps per epoch, 100 steps, cycles of 20 with 10 warm-up steps.
        let s = LrSchedule::new(&t, 100);
        assert_eq!(s.cycle_ends(), vec![20, 40, 60, 80, 100]);
        let one = LrSchedule::new(
            &TrainSpec {
                epochs: 2,
                cycles: 1,
                ..t.clone()
            },
            100,
        );
        for k in 0..5 {
            for i in 0..20 {
                assert_eq!(s.lr(20 * k + i), one.lr(i), "cycle {k}, step {i}");
            }
        }
        // The last step of a cycle is near 0 (cos at 9/10 of the way), the next restarts the warm-up.
        assert!(s.lr(19) < 0.03 * t.lr);
        assert!((s.lr(20) - 0.1 * t.lr).abs() < 1e-15);
    }

    #[test]
    fn no_warmup_and_constant() {
        let mut t = RunSpec::from_preset("digits-mlp").unwrap().train;
        t.warmup_epochs = 0.0;
        t.schedule = Schedule::Constant;
        let s = LrSchedule::new(&t, 64);
        assert_eq!(s.lr(0), t.lr);
        assert_eq!(s.lr(s.total_steps() - 1), t.lr);
    }
}
