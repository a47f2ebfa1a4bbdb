//! Layers with explicit names, initializers and parameter groups.
//!
//! Group 0 holds weights (full learning rate); group 1 holds 1-D parameters, biases and
//! BatchNorm scales and shifts, which train at `train.reduced_lr_factor` times the rate.

use tch::nn::{self, Path};
use tch::Tensor;

use super::init::Init;

/// The optimizer group of 1-D parameters.
pub const REDUCED_LR_GROUP: usize = 1;

/// A fully connected layer.
#[derive(Debug)]
pub struct Linear {
    w: Tensor,
    b: Tensor,
}

impl Linear {
    /// PyTorch's default `nn.Linear` init: weight and bias uniform in `±1/sqrt(fan_in)`.
    pub fn new(p: &Path, in_dim: i64, out_dim: i64, init: &mut Init) -> Linear {
        let bound = 1.0 / (in_dim as f64).sqrt();
        let w = p.var_copy("weight", &init.uniform(&[out_dim, in_dim], bound));
        let b = p
            .set_group(REDUCED_LR_GROUP)
            .var_copy("bias", &init.uniform(&[out_dim], bound));
        Linear { w, b }
    }

    /// `x W^T + b`.
    pub fn forward(&self, x: &Tensor) -> Tensor {
        x.linear(&self.w, Some(&self.b))
    }
}

/// How a convolution's weight is initialized.
#[derive(Debug, Clone, Copy)]
pub enum ConvInit {
    /// PyTorch's default `nn.Conv2d` init: uniform in `±1/sqrt(fan_in)`, with a bias.
    Default,
    /// Kaiming normal, fan_out mode, ReLU gain: std `sqrt(2 / (out * k * k))`; no bias.
    KaimingFanOut,
}

/// A 2-D convolution with square kernel, `padding = kernel / 2` or 0.
#[derive(Debug)]
pub struct Conv2d {
    w: Tensor,
    b: Option<Tensor>,
    stride: i64,
    padding: i64,
}

impl Conv2d {
    /// A `k x k` convolution from `c_in` to `c_out` channels.
    pub fn new(
        p: &Path,
        (c_in, c_out, k): (i64, i64, i64),
        stride: i64,
        padding: i64,
        how: ConvInit,
        init: &mut Init,
    ) -> Conv2d {
        let dims = [c_out, c_in, k, k];
        let (w, b) = match how {
            ConvInit::Default => {
                let bound = 1.0 / ((c_in * k * k) as f64).sqrt();
                let w = p.var_copy("weight", &init.uniform(&dims, bound));
                let b = p
                    .set_group(REDUCED_LR_GROUP)
                    .var_copy("bias", &init.uniform(&[c_out], bound));
                (w, Some(b))
            }
            ConvInit::KaimingFanOut => {
                let std = (2.0 / (c_out * k * k) as f64).sqrt();
                (p.var_copy("weight", &init.normal(&dims, std)), None)
            }
        };
        Conv2d {
            w,
            b,
            stride,
            padding,
        }
    }

    /// The convolution.
    pub fn forward(&self, x: &Tensor) -> Tensor {
        x.conv2d(
            &self.w,
            self.b.as_ref(),
            [self.stride, self.stride],
            [self.padding, self.padding],
            [1, 1],
            1,
        )
    }
}

/// BatchNorm over `c` channels (eps 1e-5, momentum 0.1) with scale `gamma` and shift 0, in the
/// reduced-LR group. Deterministic init: no stream draw.
pub fn batch_norm(p: &Path, c: i64, gamma: f64) -> nn::BatchNorm {
    let config = nn::BatchNormConfig {
        ws_init: nn::Init::Const(gamma),
        bs_init: nn::Init::Const(0.0),
        ..Default::default()
    };
    nn::batch_norm2d(p.set_group(REDUCED_LR_GROUP), c, config)
}
