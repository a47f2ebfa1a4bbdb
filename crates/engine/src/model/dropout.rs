//! Dropout with masks drawn from the `dropout` stream.

use rand::RngCore;
use rand_chacha::ChaCha20Rng;
use tch::{Kind, Tensor};

/// The forward mode: training (with each replica's dropout stream of the current epoch) or
/// evaluation.
#[derive(Debug)]
pub enum Mode<'a> {
    /// Training: BatchNorm uses batch statistics; dropout draws replica k's masks from stream k.
    Train(&'a mut [ChaCha20Rng]),
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
    /// in row-major order of `x`; for a pack (`x` is `[K, ...]`), replica k's elements draw
    /// from stream k.
    pub fn dropout(&mut self, x: &Tensor, p: f64) -> Tensor {
        let rngs = match self {
            Mode::Train(rngs) if p > 0.0 => rngs,
            _ => return x.shallow_clone(),
        };
        let per_replica = x.numel() / rngs.len();
        let threshold = (p * 4_294_967_296.0) as u64;
        let scale = (1.0 / (1.0 - p)) as f32;
        let mask: Vec<f32> = rngs
            .iter_mut()
            .flat_map(|rng| {
                (0..per_replica).map(move |_| {
                    if u64::from(rng.next_u32()) >= threshold {
                        scale
                    } else {
                        0.0
                    }
                })
            })
            .collect();
        let mask = Tensor::from_slice(&mask)
            .view(x.size().as_slice())
            .to_device(x.device())
            .to_kind(Kind::Float);
        x * mask
    }
}
