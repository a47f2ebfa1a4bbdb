//! Memory: what one replica needs, what the device has free, and what a pack used.
//!
//! Before a pack is built, [`check_fits`] sizes a replica from its model (parameters, their
//! gradients and momentum, and the activations one training step keeps, counted by a probe
//! forward pass) and refuses a pack that would not fit in the device's free memory, so a too
//! large `--pack` fails at once with the largest size that fits instead of crashing mid-study.

use runvar_core::spec::{Device, RunSpec};
use tch::nn::VarStore;
use tch::Tensor;

use crate::model::{self, init::Init, probe, Mode, Shape};
use crate::EngineError;

/// Bytes of a float32.
const F32: f64 = 4.0;

/// A training step keeps about this many activation tensors per counted layer output (the
/// output itself, the ReLU or dropout copy after it, and the gradient flowing back), measured
/// against the peak memory of CPU training runs of the MLP, CNN and ResNet presets.
const ACTIVATION_COPIES: f64 = 3.0;

/// What one replica of a spec costs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Footprint {
    /// Trainable parameters.
    pub params: usize,
    /// FLOPs of one training example: forward and backward (3x the forward pass).
    pub train_flops_per_example: f64,
    /// Activation elements of one example's forward pass (layer outputs).
    pub activations_per_example: f64,
}

impl Footprint {
    /// Estimated peak bytes of one replica training at `batch`: parameters, gradients and
    /// momentum, plus the activations of a step.
    pub fn bytes_per_replica(&self, batch: usize) -> f64 {
        F32 * (3.0 * self.params as f64
            + ACTIVATION_COPIES * batch as f64 * self.activations_per_example)
    }

    /// Estimated bytes one replica's training step moves through memory: each activation
    /// written in the forward pass, read and its gradient written in the backward pass; each
    /// parameter read twice, its gradient written, and the optimizer's read-modify-write of
    /// parameter, gradient and momentum. A lower bound: kernels re-read inputs.
    pub fn bytes_per_step(&self, batch: usize) -> f64 {
        F32 * (3.0 * batch as f64 * self.activations_per_example + 8.0 * self.params as f64)
    }
}

/// Count a solo replica of `spec`: build it on the CPU and run a probe forward pass on two
/// examples of the dataset's shape.
///
/// # Errors
/// [`EngineError::Spec`] when the model does not fit the data.
pub fn footprint(spec: &RunSpec) -> Result<Footprint, EngineError> {
    let g = spec.data.dataset.geometry();
    let shape = Shape::from(g);
    let vs = VarStore::new(tch::Device::Cpu);
    let mut init = [Init::new(runvar_core::seed::stream(
        0,
        runvar_core::seed::Source::Init,
        0,
    ))];
    // Layout changes no count.
    let net = model::build(&spec.model, &vs.root(), shape, &mut init, false)?;
    let x = Tensor::zeros(
        [2, g.channels as i64, g.height as i64, g.width as i64],
        (tch::Kind::Float, tch::Device::Cpu),
    );
    let mut rng = [runvar_core::seed::stream(
        0,
        runvar_core::seed::Source::Dropout,
        0,
    )];
    let counts =
        tch::no_grad(|| probe::count(|| drop(net.forward(&x, &mut Mode::Train(&mut rng)))));
    Ok(Footprint {
        params: crate::params::count(&vs, 1),
        train_flops_per_example: 3.0 * counts.flops / 2.0,
        activations_per_example: counts.activations / 2.0,
    })
}

/// Free memory of `device` in bytes: `MemAvailable` on the CPU, free GPU memory on CUDA
/// (`cudaMemGetInfo`). `None` when it cannot be read.
pub fn available(device: tch::Device) -> Option<f64> {
    match device {
        tch::Device::Cuda(_) => crate::cuda_runtime::mem_info().map(|(free, _)| free),
        _ => meminfo_kib("MemAvailable:").map(|kib| kib * 1024.0),
    }
}

/// Refuse a pack of `k` replicas of `spec` that would not fit in `device`'s free memory (with
/// a 10% margin); the footprint otherwise.
///
/// # Errors
/// [`EngineError::Memory`] with the largest pack that fits; [`EngineError::Spec`] as
/// [`footprint`].
pub fn check_fits(spec: &RunSpec, k: usize, device: tch::Device) -> Result<Footprint, EngineError> {
    let fp = footprint(spec)?;
    let per_replica = fp.bytes_per_replica(spec.train.batch_size);
    if let Some(free) = available(device) {
        let usable = 0.9 * free;
        if per_replica * k as f64 > usable {
            return Err(EngineError::Memory {
                pack: k,
                per_replica_mib: per_replica / MIB,
                available_mib: free / MIB,
                max_pack: (usable / per_replica).floor() as usize,
                device: match spec.device {
                    Device::Cpu => "the CPU".into(),
                    Device::Cuda => "the GPU".into(),
                },
            });
        }
    }
    Ok(fp)
}

/// Bytes in a MiB.
pub const MIB: f64 = 1024.0 * 1024.0;

/// Measures the peak memory a piece of work adds: the process's peak resident set on the CPU
/// (reset through `/proc/self/clear_refs`), memory in use on the GPU.
#[derive(Debug)]
pub struct PeakMeter {
    device: tch::Device,
    before: Option<f64>,
}

impl PeakMeter {
    /// Start measuring on `device`.
    pub fn start(device: tch::Device) -> PeakMeter {
        let before = match device {
            tch::Device::Cuda(_) => cuda_used(),
            _ => {
                // Writing 5 resets the peak resident set (VmHWM) to the current one.
                let _ = std::fs::write("/proc/self/clear_refs", "5");
                status_kib("VmRSS:").map(|k| k * 1024.0)
            }
        };
        PeakMeter { device, before }
    }

    /// Peak bytes added since [`PeakMeter::start`], if the platform reports them.
    pub fn added(&self) -> Option<f64> {
        let before = self.before?;
        let peak = match self.device {
            tch::Device::Cuda(_) => cuda_used()?,
            _ => status_kib("VmHWM:")? * 1024.0,
        };
        Some((peak - before).max(0.0))
    }
}

fn kib_field(text: &str, key: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(key))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn meminfo_kib(key: &str) -> Option<f64> {
    kib_field(&std::fs::read_to_string("/proc/meminfo").ok()?, key)
}

fn status_kib(key: &str) -> Option<f64> {
    kib_field(&std::fs::read_to_string("/proc/self/status").ok()?, key)
}

/// GPU memory in use (total minus free), which includes what libtorch's caching allocator
/// holds: after a step, about the step's peak.
fn cuda_used() -> Option<f64> {
    crate::device::synchronize(tch::Device::Cuda(0));
    crate::cuda_runtime::mem_info().map(|(free, total)| total - free)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn footprint_counts_the_mlp_by_hand() {
        // digits-mlp: 64 -> 256 -> 10. Forward FLOPs 2 * (64*256 + 256*10) per example;
        // outputs 256 + 10.
        let spec = RunSpec::from_preset("digits-mlp").unwrap();
        let fp = footprint(&spec).unwrap();
        assert_eq!(fp.params, 64 * 256 + 256 + 256 * 10 + 10);
        assert_eq!(
            fp.train_flops_per_example,
            3.0 * 2.0 * (64.0 * 256.0 + 2560.0)
        );
        assert_eq!(fp.activations_per_example, 266.0);
    }

    #[test]
    fn a_pack_that_cannot_fit_is_refused_with_the_largest_that_does() {
        let spec = RunSpec::from_preset("digits-mlp").unwrap();
        let free = available(tch::Device::Cpu).expect("MemAvailable on Linux");
        let per = footprint(&spec)
            .unwrap()
            .bytes_per_replica(spec.train.batch_size);
        let too_many = (free / per) as usize + 1;
        match check_fits(&spec, too_many, tch::Device::Cpu) {
            Err(EngineError::Memory { max_pack, pack, .. }) => {
                assert_eq!(pack, too_many);
                assert!(max_pack < too_many && max_pack > 0);
            }
            other => panic!("not refused: {other:?}"),
        }
        assert!(check_fits(&spec, 4, tch::Device::Cpu).is_ok());
    }
}
