//! The per-iteration learning-rate schedule: linear warm-up, then cosine decay or constant.

use crate::spec::{Schedule, TrainSpec};

/// Steps per epoch: `ceil(n / batch_size)` (the last partial batch is kept).
pub fn steps_per_epoch(n: usize, batch_size: usize) -> usize {
    n.div_ceil(batch_size)
}

/// The learning-rate schedule of one run, stepped every iteration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LrSchedule {
    peak: f64,
    warmup_steps: usize,
    total_steps: usize,
    shape: Schedule,
}

impl LrSchedule {
    /// The schedule of `train` for `n_train` examples.
    ///
    /// Warm-up lasts `round(warmup_epochs * steps_per_epoch)` steps.
    pub fn new(train: &TrainSpec, n_train: usize) -> LrSchedule {
        let per_epoch = steps_per_epoch(n_train, train.batch_size);
        LrSchedule {
            peak: train.lr,
            warmup_steps: (train.warmup_epochs * per_epoch as f64).round() as usize,
            total_steps: train.epochs * per_epoch,
            shape: train.schedule,
        }
    }

    /// Total number of steps.
    pub fn total_steps(&self) -> usize {
        self.total_steps
    }

    /// Learning rate at 0-based step `t`:
    /// `peak * (t + 1) / W` for `t < W`, then `peak * (1 + cos(pi * (t - W) / (T - W))) / 2`
    /// (cosine) or `peak` (constant), with `W` warm-up steps of `T` in all.
    pub fn lr(&self, t: usize) -> f64 {
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
    use crate::spec::RunSpec;

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
    fn no_warmup_and_constant() {
        let mut t = RunSpec::from_preset("digits-mlp").unwrap().train;
        t.warmup_epochs = 0.0;
        t.schedule = Schedule::Constant;
        let s = LrSchedule::new(&t, 64);
        assert_eq!(s.lr(0), t.lr);
        assert_eq!(s.lr(s.total_steps() - 1), t.lr);
    }
}
