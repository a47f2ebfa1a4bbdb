//! Parameter initialization from the `init` stream.
//!
//! Values are drawn in Rust from the run's `init` stream, in the fixed order the model creates
//! its layers, and copied into the var store. libtorch's global generator is never used, so
//! the init seed alone decides the initial parameters.

use rand::Rng;
use rand_chacha::ChaCha20Rng;
use rand_distr::StandardNormal;
use tch::Tensor;

/// Draws initial parameter tensors from the init stream.
#[derive(Debug)]
pub struct Init {
    rng: ChaCha20Rng,
}

impl Init {
    /// Draw from `rng` (the run's init stream).
    pub fn new(rng: ChaCha20Rng) -> Init {
        Init { rng }
    }

    /// A tensor of `dims` uniform in `[-bound, bound)`.
    pub fn uniform(&mut self, dims: &[i64], bound: f64) -> Tensor {
        let n: i64 = dims.iter().product();
        let values: Vec<f32> = (0..n)
            .map(|_| (bound * (2.0 * self.rng.gen::<f64>() - 1.0)) as f32)
            .collect();
        Tensor::from_slice(&values).view(dims)
    }

    /// A tensor of `dims` normal with mean 0 and standard deviation `std`.
    pub fn normal(&mut self, dims: &[i64], std: f64) -> Tensor {
        let n: i64 = dims.iter().product();
        let values: Vec<f32> = (0..n)
            .map(|_| (std * self.rng.sample::<f64, _>(StandardNormal)) as f32)
            .collect();
        Tensor::from_slice(&values).view(dims)
    }
}

/// One tensor per replica, each drawn by `draw` from that replica's own stream, stacked along a
/// new leading dimension; a single replica's tensor is returned as drawn (no leading dimension).
///
/// Each replica's stream advances exactly as it would in a model of its own, because every
/// layer draws its tensors replica by replica in the same order a solo model does.
pub fn per_replica(inits: &mut [Init], mut draw: impl FnMut(&mut Init) -> Tensor) -> Tensor {
    if let [one] = inits {
        return draw(one);
    }
    let parts: Vec<Tensor> = inits.iter_mut().map(&mut draw).collect();
    Tensor::stack(&parts, 0)
}
