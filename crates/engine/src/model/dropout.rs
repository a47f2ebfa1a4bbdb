//! Dropout with masks drawn from the `dropout` stream.

use rand::RngCore;
use rand_chacha::ChaCha20Rng;
use tch::{Kind, Tensor};

/// The forward mode: training (with the dropout stream of the current epoch) or evaluation.
#[derive(Debug)]
pub enum Mode<'a> {
    /// Training: BatchNorm uses batch statistics, dropout draws masks from this stream.
    Train(&'a mut ChaCha20Rng),
    /// Evaluation: BatchNorm uses running statistics, dropout is the identity.
    Eval,
}

impl Mode<'_> {
    /// True in training mode.
    pub fn is_train(&self) -> bool {
        matches!(self, Mode::Train(_))
    }

    /// Inverted dropout with probability `p`: each element is kept when its 32-bit draw is at
    /// least `p * 2^32`, and kept elements are scaled by `1 / (1 - p)`. One draw per element,
    /// in row-major order of `x`.
    pub fn dropout(&mut self, x: &Tensor, p: f64) -> Tensor {
        let rng = match self {
            Mode::Train(rng) if p > 0.0 => rng,
            _ => return x.shallow_clone(),
        };
        let n = x.numel();
        let threshold = (p * 4_294_967_296.0) as u64;
        let scale = (1.0 / (1.0 - p)) as f32;
        let mask: Vec<f32> = (0..n)
            .map(|_| {
                if u64::from(rng.next_u32()) >= threshold {
                    scale
                } else {
                    0.0
                }
            })
            .collect();
        let mask = Tensor::from_slice(&mask)
            .view(x.size().as_slice())
            .to_device(x.device())
            .to_kind(Kind::Float);
        x * mask
    }
}
