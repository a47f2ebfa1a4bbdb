//! Layers with explicit names, initializers and parameter groups.
//!
//! Group 0 holds weights (full learning rate); group 1 holds 1-D parameters, biases and
//! BatchNorm scales and shifts, which train at `train.reduced_lr_factor` times the rate.
//!
//! Every layer is built for `inits.len()` replicas (one init stream each): a solo layer for
//! one, a replica pack (see [`super::pack`]) for more.

use tch::nn::{self, Path};
use tch::Tensor;

use super::init::{per_replica, Init};
use super::pack::channels_last as to_channels_last;
use super::probe;

/// The optimizer group of 1-D parameters.
pub const REDUCED_LR_GROUP: usize = 1;

/// A fully connected layer: weight `[out, in]` and bias `[out]`, or `[K, out, in]` and
/// `[K, out]` for a pack of K.
#[derive(Debug)]
pub struct Linear {
    w: Tensor,
    b: Tensor,
}

impl Linear {
    /// PyTorch's default `nn.Linear` init: weight and bias uniform in `±1/sqrt(fan_in)`.
    pub fn new(p: &Path, in_dim: i64, out_dim: i64, inits: &mut [Init]) -> Linear {
        let bound = 1.0 / (in_dim as f64).sqrt();
        let mut w = Vec::new();
        let b = per_replica(inits, |init| {
            w.push(init.uniform(&[out_dim, in_dim], bound));
            init.uniform(&[out_dim], bound)
        });
        let w = if let [one] = &w[..] {
            one.shallow_clone()
        } else {
            Tensor::stack(&w, 0)
        };
        let w = p.var_copy("weight", &w);
        let b = p.set_group(REDUCED_LR_GROUP).var_copy("bias", &b);
        Linear { w, b }
    }

    /// `x W^T + b` on flat `[b, in]`; a batched matmul on a pack's `[K, b, in]`.
    pub fn forward(&self, x: &Tensor) -> Tensor {
        let out = if self.w.dim() == 2 {
            x.linear(&self.w, Some(&self.b))
        } else {
            self.b
                .unsqueeze(1)
                .baddbmm(x, &self.w.transpose(1, 2), 1, 1)
        };
        let fan_in = *self.w.size().last().expect("a weight has dimensions");
        probe::record(&out, 2.0 * out.numel() as f64 * fan_in as f64);
        out
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

/// A 2-D convolution: `kh x kw` kernel, stride in both axes, zero padding `(ph, pw)`; for a
/// pack of K, one group per replica.
#[derive(Debug)]
pub struct Conv2d {
    w: Tensor,
    b: Option<Tensor>,
    stride: [i64; 2],
    padding: [i64; 2],
    groups: i64,
    channels_last: bool,
}

/// Shape of a convolution: channels in and out, kernel height and width.
#[derive(Debug, Clone, Copy)]
pub struct ConvShape {
    /// Input channels.
    pub c_in: i64,
    /// Output channels.
    pub c_out: i64,
    /// Kernel height (1 for 1-D signals).
    pub kh: i64,
    /// Kernel width.
    pub kw: i64,
}

impl ConvShape {
    /// A square `k x k` kernel.
    pub fn square(c_in: i64, c_out: i64, k: i64) -> ConvShape {
        ConvShape {
            c_in,
            c_out,
            kh: k,
            kw: k,
        }
    }
}

impl Conv2d {
    /// A convolution of shape `s`, with `padding` of `(kh / 2, kw / 2)` when `same` is true and
    /// none otherwise, channels-last when `channels_last` is true. With stride 2 on an axis of
    /// size 1 (a 1-D signal), that axis keeps size 1.
    pub fn new(
        p: &Path,
        s: ConvShape,
        stride: i64,
        same: bool,
        how: ConvInit,
        inits: &mut [Init],
        channels_last: bool,
    ) -> Conv2d {
        let dims = [s.c_out, s.c_in, s.kh, s.kw];
        let packed = [-1, s.c_in, s.kh, s.kw];
        let (w, b) = match how {
            ConvInit::Default => {
                let bound = 1.0 / ((s.c_in * s.kh * s.kw) as f64).sqrt();
                let mut b = Vec::new();
                let w = per_replica(inits, |init| {
                    let w = init.uniform(&dims, bound);
                    b.push(init.uniform(&[s.c_out], bound));
                    w
                });
                let w = p.var_copy("weight", &w.reshape(packed));
                let b = p
                    .set_group(REDUCED_LR_GROUP)
                    .var_copy("bias", &Tensor::cat(&b, 0));
                (w, Some(b))
            }
            ConvInit::KaimingFanOut => {
                let std = (2.0 / (s.c_out * s.kh * s.kw) as f64).sqrt();
                let w = per_replica(inits, |init| init.normal(&dims, std));
                (p.var_copy("weight", &w.reshape(packed)), None)
            }
        };
        // Channels-last weights and inputs (see `pack::channels_last`); the optimizer's buffers
        // follow the parameter's layout.
        let mut w = w;
        if channels_last {
            tch::no_grad(|| w.set_data(&to_channels_last(&w)));
        }
        let padding = if same { [s.kh / 2, s.kw / 2] } else { [0, 0] };
        let stride = [if s.kh == 1 { 1 } else { stride }, stride];
        Conv2d {
            w,
            b,
            stride,
            padding,
            groups: inits.len() as i64,
            channels_last,
        }
    }

    /// `x` densely stored in the memory layout this convolution computes in (channels-last
    /// or contiguous): a copy-free view when it is already, a copy otherwise (e.g. of a strided
    /// subsampling view, which would send BatchNorm down libtorch's slow generic kernels).
    pub fn dense_input(&self, x: &Tensor) -> Tensor {
        if self.channels_last {
            to_channels_last(x)
        } else {
            x.contiguous()
        }
    }

    /// The convolution, of spatial `[b, K*c_in, h, w]` (see [`super::pack`]).
    pub fn forward(&self, x: &Tensor) -> Tensor {
        // Copy-free when `x` is in this layout already (a previous layer's output); the
        // convolution would make a strided input dense anyway.
        let x = self.dense_input(x);
        let out = x.conv2d(
            &self.w,
            self.b.as_ref(),
            self.stride,
            self.padding,
            [1, 1],
            self.groups,
        );
        let s = self.w.size();
        probe::record(&out, 2.0 * out.numel() as f64 * (s[1] * s[2] * s[3]) as f64);
        out
    }
}

/// BatchNorm over `c` channels (eps 1e-5, momentum 0.1) with scale `gamma` and shift 0, in the
/// reduced-LR group. Deterministic init: no stream draw. For a pack of K, `c` is `K *` the
/// replica's channels: BatchNorm is per channel, so each replica keeps its own statistics.
pub fn batch_norm(p: &Path, c: i64, gamma: f64) -> BatchNorm {
    let config = nn::BatchNormConfig {
        ws_init: nn::Init::Const(gamma),
        bs_init: nn::Init::Const(0.0),
        ..Default::default()
    };
    BatchNorm(nn::batch_norm2d(p.set_group(REDUCED_LR_GROUP), c, config))
}

/// BatchNorm over the channels of spatial `[b, c, h, w]`.
#[derive(Debug)]
pub struct BatchNorm(nn::BatchNorm);

impl BatchNorm {
    /// Normalize with batch statistics (`train`) or the running ones.
    pub fn forward_t(&self, x: &Tensor, train: bool) -> Tensor {
        let out = nn::ModuleT::forward_t(&self.0, x, train);
        probe::record(&out, 0.0);
        out
    }
}
