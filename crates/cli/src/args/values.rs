//! The values some flags take (`--device cpu`, `--low-level on`, counts of at least 1), each
//! mapped onto the spec's own type.

use clap::ValueEnum;
use runvar_core::runspec::{Device, Layout, Precision};

/// A count that must be at least 1: `--epochs 0`, `--twins 0` or `--steps 0` would run
/// nothing and report numbers anyway.
pub fn at_least_one(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(e) => Err(format!("{e} (expected a whole number of at least 1)")),
    }
}

/// On or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnOff {
    /// Enabled.
    On,
    /// Disabled.
    Off,
}

impl From<OnOff> for bool {
    fn from(v: OnOff) -> bool {
        v == OnOff::On
    }
}

/// A device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DeviceArg {
    /// The CPU.
    Cpu,
    /// The first CUDA GPU (needs libtorch's CUDA libraries: LD_LIBRARY_PATH with the torch/lib
    /// folder of PyTorch 2.11 for CUDA, or RUNVAR_TORCH_CUDA=<path to libtorch_cuda.so>).
    Cuda,
}

impl From<DeviceArg> for Device {
    fn from(d: DeviceArg) -> Self {
        match d {
            DeviceArg::Cpu => Device::Cpu,
            DeviceArg::Cuda => Device::Cuda,
        }
    }
}

/// Arithmetic of training.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PrecisionArg {
    /// float32 throughout (the paper's setting).
    Fp32,
    /// bfloat16 autocast of the forward pass: faster on GPUs, different numerics.
    Bf16,
}

impl From<PrecisionArg> for Precision {
    fn from(p: PrecisionArg) -> Self {
        match p {
            PrecisionArg::Fp32 => Precision::Fp32,
            PrecisionArg::Bf16 => Precision::Bf16,
        }
    }
}

/// Memory layout of convolutions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LayoutArg {
    /// Channels-last on the CPU, NCHW on GPUs.
    Auto,
    /// PyTorch's default `[n, c, h, w]`.
    Nchw,
    /// Channels-last (`n, h, w, c` in memory).
    ChannelsLast,
}

impl From<LayoutArg> for Layout {
    fn from(l: LayoutArg) -> Self {
        match l {
            LayoutArg::Auto => Layout::Auto,
            LayoutArg::Nchw => Layout::Nchw,
            LayoutArg::ChannelsLast => Layout::ChannelsLast,
        }
    }
}
