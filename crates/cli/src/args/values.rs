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

/// A fraction of the training set: a number in `(0, 1]` (`--data-fraction`).
pub fn fraction(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(f) if f > 0.0 && f <= 1.0 => Ok(f),
        Ok(f) => Err(format!("must be in (0, 1], e.g. 0.5 (got {f})")),
        Err(e) => Err(format!("{e} (expected a number in (0, 1], e.g. 0.5)")),
    }
}

/// A positive, finite number (`--target-ci`'s width in percentage points).
pub fn positive(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 => Ok(x),
        Ok(x) => Err(format!("must be a positive number, e.g. 0.2 (got {x})")),
        Err(e) => Err(format!("{e} (expected a positive number, e.g. 0.2)")),
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

/// A device: `cpu`, `cuda` (the first visible GPU) or `cuda:N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceArg {
    /// CPU or CUDA.
    pub device: Device,
    /// `N` of `cuda:N`.
    pub gpu: Option<usize>,
}

/// Parse `cpu`, `cuda` or `cuda:N`.
pub fn device(s: &str) -> Result<DeviceArg, String> {
    let t = s.trim().to_ascii_lowercase();
    let (device, gpu) = match t.split_once(':') {
        None if t == "cpu" => (Device::Cpu, None),
        None if t == "cuda" => (Device::Cuda, None),
        Some(("cuda", n)) => {
            let n = n.parse::<usize>().map_err(|_| {
                format!("`{s}`: the GPU's index N of cuda:N is a number, e.g. cuda:1")
            })?;
            (Device::Cuda, Some(n))
        }
        _ => return Err(format!("`{s}`: expected cpu, cuda or cuda:N")),
    };
    Ok(DeviceArg { device, gpu })
}

impl DeviceArg {
    /// Make `cuda:N` the GPU this process trains on (see `device::choose_gpu`).
    pub fn choose(&self) {
        if let Some(n) = self.gpu {
            runvar_engine::device::choose_gpu(n);
        }
    }
}

impl std::fmt::Display for DeviceArg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.device, self.gpu) {
            (Device::Cpu, _) => f.write_str("cpu"),
            (Device::Cuda, None) => f.write_str("cuda"),
            (Device::Cuda, Some(n)) => write!(f, "cuda:{n}"),
        }
    }
}

impl From<DeviceArg> for Device {
    fn from(d: DeviceArg) -> Self {
        d.device
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_parse() {
        let d = |s| device(s).map(|d| (d.device, d.gpu));
        assert_eq!(d("cpu"), Ok((Device::Cpu, None)));
        assert_eq!(d("CUDA"), Ok((Device::Cuda, None)));
        assert_eq!(d("cuda:3"), Ok((Device::Cuda, Some(3))));
        for bad in ["gpu", "cuda:", "cuda:x", "cpu:1", "cuda:-1", "mps"] {
            assert!(device(bad).is_err(), "{bad}");
        }
    }
}
