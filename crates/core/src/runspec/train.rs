//! The optimization recipe, its schedule, and the arithmetic and memory layout it runs in.

use serde::{Deserialize, Serialize};

/// Learning-rate schedule shape, stepped every iteration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Schedule {
    /// Linear warm-up from 0 to `lr`, then cosine decay to 0.
    Cosine,
    /// Linear warm-up from 0 to `lr`, then constant.
    Constant,
}

/// The optimizer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Optimizer {
    /// SGD with `momentum` (PyTorch semantics).
    #[default]
    Sgd,
    /// Adam (PyTorch semantics: betas 0.9 and 0.999, eps 1e-8, `weight_decay` as an L2 term
    /// added to the gradient); `momentum` must be 0.
    Adam,
}

impl Optimizer {
    /// True for SGD, the default.
    pub fn is_sgd(&self) -> bool {
        *self == Optimizer::Sgd
    }
}

/// The optimization recipe: SGD with momentum (or Adam) and weight decay.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainSpec {
    /// Passes over the training set.
    pub epochs: usize,
    /// Minibatch size; the last partial batch of an epoch is kept.
    pub batch_size: usize,
    /// Peak learning rate.
    pub lr: f64,
    /// SGD momentum (PyTorch semantics: no dampening, not Nesterov).
    pub momentum: f64,
    /// L2 weight decay, on all parameters.
    pub weight_decay: f64,
    /// Linear warm-up length in epochs (may be fractional).
    pub warmup_epochs: f64,
    /// Schedule after the warm-up.
    pub schedule: Schedule,
    /// LR multiplier of 1-D parameters (biases, BatchNorm scales and shifts).
    pub reduced_lr_factor: f64,
    /// Batch size for evaluation (does not change results; on the CPU, runvar evaluates in
    /// chunks of at most 256, which is faster there).
    pub eval_batch_size: usize,
    /// Snapshot-ensemble cycles: the epochs are split into this many cosine cycles, each with
    /// the warm-up, and the model is kept at the end of each (docs/protocol.md section 7). 1 = an
    /// ordinary run.
    #[serde(default = "one_cycle", skip_serializing_if = "is_one_cycle")]
    pub cycles: usize,
    /// Arithmetic of the forward pass. `bf16` (opt-in) runs it under bfloat16 autocast, which
    /// changes the numerics: its runs are not comparable bit for bit with fp32 runs.
    #[serde(default, skip_serializing_if = "Precision::is_fp32")]
    pub precision: Precision,
    /// Memory layout of convolution activations and weights. Changes which kernels run, so
    /// runs in different layouts are not comparable bit for bit.
    #[serde(default, skip_serializing_if = "Layout::is_auto")]
    pub layout: Layout,
    /// With a data seed (`seeds.data`): train on a subsample of `round(F n)` distinct training
    /// examples, drawn without replacement, instead of a bootstrap resample of `n`
    /// ([`crate::resample`]). In `(0, 1]`; absent: the bootstrap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_fraction: Option<f64>,
    /// The optimizer (default SGD).
    #[serde(default, skip_serializing_if = "Optimizer::is_sgd")]
    pub optimizer: Optimizer,
    /// Clip the gradient to this total L2 norm before each step (PyTorch's
    /// `clip_grad_norm_`); absent: no clipping.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clip: Option<f64>,
}

/// Memory layout of convolutions (`[n, c, h, w]` tensors).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Layout {
    /// Chosen per device: channels-last on the CPU (oneDNN's fastest layout, solo and
    /// packed), NCHW on GPUs (PyTorch's default; channels-last there is not measured yet).
    #[default]
    Auto,
    /// Row-major `[n, c, h, w]`, PyTorch's default.
    Nchw,
    /// Channels-last (`n, h, w, c` in memory).
    ChannelsLast,
}

impl Layout {
    /// True for the default.
    pub fn is_auto(&self) -> bool {
        *self == Layout::Auto
    }

    /// Whether convolutions run channels-last on the CPU (`cpu`) or a GPU.
    pub fn channels_last(self, cpu: bool) -> bool {
        match self {
            Layout::Auto => cpu,
            Layout::Nchw => false,
            Layout::ChannelsLast => true,
        }
    }
}

/// Arithmetic of training.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// float32 throughout (the paper's setting).
    #[default]
    Fp32,
    /// bfloat16 autocast of the forward pass (matmuls and convolutions in bfloat16, reductions
    /// and the loss in float32); parameters, gradients and the optimizer stay float32.
    Bf16,
}

impl Precision {
    /// True for float32.
    pub fn is_fp32(&self) -> bool {
        *self == Precision::Fp32
    }
}

fn one_cycle() -> usize {
    1
}

fn is_one_cycle(c: &usize) -> bool {
    *c == 1
}
