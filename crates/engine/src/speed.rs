//! Throughput of replica packs on a device: replica-steps per second, achieved FLOP/s and
//! memory traffic against the device's measured ceilings, and peak memory per replica.

use std::time::Instant;

use runvar_core::runspec::RunSpec;
use tch::{Kind, Tensor};

use crate::memory::PeakMeter;
use crate::train::Trainer;
use crate::EngineError;
use runvar_core::data::Prepared;

/// What the device can do at best, measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ceilings {
    /// FLOP/s of a large square matmul in the training precision.
    pub matmul_flops: f64,
    /// Bytes/s of a large tensor copy (bytes read plus bytes written).
    pub bandwidth: f64,
}

fn best_seconds(device: tch::Device, repeats: usize, mut work: impl FnMut()) -> f64 {
    let sync = || crate::device::synchronize(device);
    work();
    sync();
    (0..repeats)
        .map(|_| {
            let t = Instant::now();
            work();
            sync();
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

/// Measure the matmul and copy ceilings of `device` (`bf16`: the matmul in bfloat16), on the
/// current thread's libtorch threads. About a second.
pub fn ceilings(device: tch::Device, bf16: bool) -> Ceilings {
    let cuda = device.is_cuda();
    let n: i64 = if cuda { 8192 } else { 1024 };
    let kind = if bf16 { Kind::BFloat16 } else { Kind::Float };
    let a = Tensor::randn([n, n], (kind, device));
    let b = Tensor::randn([n, n], (kind, device));
    let mm = best_seconds(device, 5, || drop(a.matmul(&b)));
    let len: i64 = if cuda { 256 << 20 } else { 32 << 20 };
    let src = Tensor::ones([len], (Kind::Float, device));
    let mut dst = Tensor::zeros([len], (Kind::Float, device));
    let copy = best_seconds(device, 5, || {
        dst.copy_(&src);
    });
    Ceilings {
        matmul_flops: 2.0 * (n as f64).powi(3) / mm,
        bandwidth: 2.0 * 4.0 * len as f64 / copy,
    }
}

/// The measured speed of one pack size.
#[derive(Debug, Clone, PartialEq)]
pub struct PackSpeed {
    /// Replicas in the pack.
    pub pack: usize,
    /// Seconds per optimizer step of the whole pack.
    pub step_seconds: f64,
    /// Replica-steps per second: pack / step_seconds.
    pub replica_steps_per_s: f64,
    /// Peak memory the pack added, per replica, in bytes (when the platform reports it).
    pub memory_per_replica: Option<f64>,
}

/// Train a pack of `k` replicas of `spec` (replica i with every seed i) on `data` for
/// `warmup` + `steps` steps and time the last `steps`.
///
/// # Errors
/// [`EngineError::Memory`] when the pack would not fit (checked before anything is built);
/// as [`Trainer::pack`] and [`Trainer::time_steps`].
pub fn time_pack(
    spec: &RunSpec,
    data: &Prepared,
    k: usize,
    warmup: usize,
    steps: usize,
) -> Result<PackSpeed, EngineError> {
    let device = crate::device::tch_device(spec.device)?;
    crate::memory::check_fits(spec, k, device)?;
    let specs: Vec<RunSpec> = (0..k as u64)
        .map(|i| {
            let mut s = spec.clone();
            s.seeds = runvar_core::runspec::Seeds {
                init: i,
                shuffle: i,
                augment: i,
                dropout: i,
                low_level: i,
                data: None,
            };
            s
        })
        .collect();
    let meter = PeakMeter::start(device);
    let trainer = Trainer::pack(&specs, data)?;
    let step_seconds = trainer.time_steps(warmup, steps)?;
    let memory_per_replica = meter.added().map(|b| b / k as f64);
    drop(trainer);
    Ok(PackSpeed {
        pack: k,
        step_seconds,
        replica_steps_per_s: k as f64 / step_seconds,
        memory_per_replica,
    })
}
