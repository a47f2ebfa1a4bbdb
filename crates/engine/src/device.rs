//! Threads, device and the environment record.

use std::sync::Once;

use runvar_core::spec::Device;
use runvar_core::store::Environment;

use crate::EngineError;

/// The thread count a spec's `threads` means: itself, or all cores for 0.
pub fn resolve_threads(threads: usize) -> usize {
    if threads > 0 {
        threads
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    }
}

/// Set libtorch's intra-op thread count (one inter-op thread, set once per process).
pub fn set_threads(threads: usize) {
    static INTEROP: Once = Once::new();
    INTEROP.call_once(|| tch::set_num_interop_threads(1));
    tch::set_num_threads(threads as i32);
}

/// The tch device for `device`.
///
/// # Errors
/// [`EngineError::Device`] when CUDA is asked for and no CUDA device can be used.
pub fn tch_device(device: Device) -> Result<tch::Device, EngineError> {
    match device {
        Device::Cpu => Ok(tch::Device::Cpu),
        Device::Cuda if tch::Cuda::is_available() => Ok(tch::Device::Cuda(0)),
        Device::Cuda => Err(EngineError::Device(
            "`device`: cuda asked for, but libtorch sees no CUDA device; on a machine with \
             PyTorch 2.11 for CUDA, run with LD_PRELOAD=<torch>/lib/libtorch_cuda.so"
                .into(),
        )),
    }
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

/// libtorch's version, as the binary was built against.
pub fn libtorch_version() -> &'static str {
    "2.11.0"
}

/// The environment record of a run on `device` with `threads` threads.
pub fn environment(device: tch::Device, threads: usize) -> Environment {
    Environment {
        runvar_version: env!("CARGO_PKG_VERSION").to_string(),
        libtorch_version: libtorch_version().to_string(),
        threads,
        device: match device {
            tch::Device::Cuda(i) => format!("cuda:{i}"),
            _ => "cpu".to_string(),
        },
        cpu: cpu_model(),
        os: format!("{}-{}", std::env::consts::OS, std::env::consts::ARCH),
    }
}
