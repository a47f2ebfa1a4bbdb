//! Memory: what one replica needs, what the device has free, and what a pack used.
//!
//! Before a pack is built, [`check_fits`] sizes a replica from its spec's shapes (parameters,
//! their gradients and momentum, and the activations one training step keeps, counted
//! arithmetically by [`Footprint::of`]) and refuses work that would not fit in the device's
//! free memory, so a too large `--pack`, batch or model fails at once with the largest value
//! that fits instead of crashing mid-study (or in the check itself).

use runvar_core::runspec::{
    check_training_memory, Device, FitError, Footprint, RunSpec, SpecError,
};
use tch::nn::VarStore;
use tch::Tensor;

use crate::model::{self, init::Init, probe, Mode, Shape};
use crate::EngineError;

/// Count a solo replica of `spec` as the built network does: build it on the CPU and run a
/// probe forward pass on two examples of the dataset's shape. Sizing uses the arithmetic
/// [`Footprint::of`] (nothing built); this is its check.
///
/// # Errors
/// [`EngineError::Spec`] when the model does not fit the data.
pub fn probe_footprint(spec: &RunSpec) -> Result<Footprint, EngineError> {
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
        params: crate::params::count(&vs, 1) as f64,
        train_flops_per_example: 3.0 * counts.flops / 2.0,
        activations_per_example: counts.activations / 2.0,
        feature_dim: net.feature_dim() as f64,
    })
}

/// Free memory of `device` in bytes: `MemAvailable` on the CPU, free GPU memory on CUDA
/// (`cudaMemGetInfo`). `None` when it cannot be read.
pub fn available(device: tch::Device) -> Option<f64> {
    match device {
        tch::Device::Cuda(_) => crate::cuda_runtime::mem_info().map(|(free, _)| free),
        _ => runvar_core::machine::available_memory(),
    }
}

/// Refuse a pack of `k` replicas of `spec` that would not fit in `device`'s free memory (with
/// a 10% margin), sized arithmetically before anything is built
/// ([`runvar_core::runspec::check_training_memory`]); the footprint otherwise.
///
/// # Errors
/// [`EngineError::Memory`] naming the setting to change and its largest value that fits;
/// [`EngineError::Spec`] when the model cannot take the data.
pub fn check_fits(spec: &RunSpec, k: usize, device: tch::Device) -> Result<Footprint, EngineError> {
    let place = match spec.device {
        Device::Cpu => "this machine",
        Device::Cuda => "the GPU",
    };
    let free = available(device).unwrap_or(f64::INFINITY);
    match check_training_memory(spec, k, free, place) {
        Ok(fp) => Ok(fp),
        Err(FitError::Memory(e)) => Err(EngineError::Memory(e)),
        Err(FitError::Spec(SpecError::Invalid { field, message })) => {
            Err(EngineError::Spec { field, message })
        }
        Err(e) => Err(EngineError::spec("model", e.to_string())),
    }
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

fn status_kib(key: &str) -> Option<f64> {
    runvar_core::machine::meminfo_kib(&std::fs::read_to_string("/proc/self/status").ok()?, key)
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
    fn the_arithmetic_footprint_is_the_built_networks() {
        // Every preset, and shapes the presets do not cover: a deep narrow MLP, a ResNet-8 of
        // width 0.5 on 8x8 digits (odd sizes after striding), the linear model.
        let mut specs: Vec<RunSpec> = runvar_core::runspec::PRESETS
            .iter()
            .map(|p| RunSpec::from_preset(p.name).unwrap())
            .collect();
        let mut mlp = RunSpec::from_preset("digits-mlp").unwrap();
        mlp.model = runvar_core::runspec::ModelSpec::Mlp {
            hidden: vec![7, 3, 5],
            dropout: 0.0,
        };
        let mut resnet = RunSpec::from_preset("digits-mlp").unwrap();
        resnet.model = runvar_core::runspec::ModelSpec::Resnet {
            depth: 8,
            width: 0.5,
        };
        let mut linear = RunSpec::from_preset("digits-mlp").unwrap();
        linear.model = runvar_core::runspec::ModelSpec::Linear;
        specs.extend([mlp, resnet, linear]);
        for spec in specs.iter().filter(|s| s.is_lm()) {
            // A language model's parameters, built for the vocabulary its sizing assumes.
            let vs = VarStore::new(tch::Device::Cpu);
            let vocab = spec.data.dataset.geometry().classes;
            let mut init = Init::new(runvar_core::seed::stream(
                0,
                runvar_core::seed::Source::Init,
                0,
            ));
            crate::lm::build(&spec.model, &spec.data, &vs.root(), vocab, &mut init).unwrap();
            let counted = Footprint::of(spec).unwrap();
            assert_eq!(
                crate::params::count(&vs, 1) as f64,
                counted.params,
                "{:?}",
                spec.model
            );
        }
        for spec in specs.iter().filter(|s| !s.is_lm()) {
            let built = probe_footprint(spec).unwrap();
            let counted = Footprint::of(spec).unwrap();
            assert_eq!(
                built, counted,
                "{:?} on {:?}",
                spec.model, spec.data.dataset
            );
        }
    }

    #[test]
    fn footprint_counts_the_mlp_by_hand() {
        // digits-mlp: 64 -> 256 -> 10. Forward FLOPs 2 * (64*256 + 256*10) per example;
        // outputs 256 + 10.
        let spec = RunSpec::from_preset("digits-mlp").unwrap();
        let fp = Footprint::of(&spec).unwrap();
        assert_eq!(fp.params, (64 * 256 + 256 + 256 * 10 + 10) as f64);
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
        let per = Footprint::of(&spec)
            .unwrap()
            .bytes_per_replica(spec.train.batch_size);
        let too_many = (free / per) as usize + 1;
        match check_fits(&spec, too_many, tch::Device::Cpu) {
            Err(EngineError::Memory(e)) => {
                assert_eq!(
                    (e.field.as_str(), e.value.clone()),
                    ("--pack", too_many.to_string())
                );
                assert!(e.largest_count < too_many as u64 && e.largest_count > 0);
            }
            other => panic!("not refused: {other:?}"),
        }
        assert!(check_fits(&spec, 4, tch::Device::Cpu).is_ok());
    }
}
