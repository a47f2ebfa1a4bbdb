//! Devices, the thread count a spec means, bfloat16 autocast and the environment record.
//! Process-wide libtorch settings are made in [`crate::runtime`].

use runvar_core::runspec::Device;
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

extern "C" {
    fn runvar_set_autocast_bf16(cuda: bool, on: bool);
}

/// bfloat16 autocast on this thread while alive (`torch.autocast(device, torch.bfloat16)`).
#[derive(Debug)]
pub struct Bf16Autocast {
    cuda: bool,
}

impl Bf16Autocast {
    /// Turn autocast on for `device` on this thread.
    pub fn enter(device: tch::Device) -> Bf16Autocast {
        let cuda = device.is_cuda();
        // SAFETY: thread-local autocast switches of libtorch; no pointers, no exceptions.
        unsafe { runvar_set_autocast_bf16(cuda, true) };
        Bf16Autocast { cuda }
    }
}

impl Drop for Bf16Autocast {
    fn drop(&mut self) {
        // SAFETY: as in `enter`.
        unsafe { runvar_set_autocast_bf16(self.cuda, false) };
    }
}

/// Wait for the work queued on `device` (a no-op on the CPU, where work is synchronous).
pub fn synchronize(device: tch::Device) {
    if let tch::Device::Cuda(i) = device {
        tch::Cuda::synchronize(i as i64);
    }
}

/// Set `CUBLAS_WORKSPACE_CONFIG=:4096:8` unless the environment sets it, once, before the
/// first CUDA call: cuBLAS reads it when its first handle is made, and deterministic runs need
/// it. Setting it whatever the first run's low-level setting keeps it right when a process
/// trains a low-level-on (nondeterministic) pack before a deterministic one, as a study of
/// several conditions can.
fn set_cublas_workspace() {
    static SET: std::sync::Once = std::sync::Once::new();
    SET.call_once(|| {
        if std::env::var_os("CUBLAS_WORKSPACE_CONFIG").is_none() {
            std::env::set_var("CUBLAS_WORKSPACE_CONFIG", ":4096:8");
        }
    });
}

/// Load libtorch's CUDA backend (`libtorch_cuda.so`) into the process, once.
///
/// A binary built on a CPU machine links only `libtorch_cpu`; on a GPU machine the CUDA backend
/// registers itself when its library is loaded. It is looked for at `$RUNVAR_TORCH_CUDA` if set,
/// else by the dynamic loader's search (`LD_LIBRARY_PATH`, e.g. PyTorch's `torch/lib`).
fn load_cuda_backend() -> Result<(), String> {
    static LOADED: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    LOADED
        .get_or_init(|| {
            let name =
                std::env::var("RUNVAR_TORCH_CUDA").unwrap_or_else(|_| "libtorch_cuda.so".into());
            let flags = libloading::os::unix::RTLD_NOW | libloading::os::unix::RTLD_GLOBAL;
            // SAFETY: loading libtorch's own CUDA library, which only registers the backend.
            match unsafe { libloading::os::unix::Library::open(Some(&name), flags) } {
                Ok(lib) => {
                    std::mem::forget(lib);
                    Ok(())
                }
                Err(e) => Err(format!("{name}: {e}")),
            }
        })
        .clone()
}

/// The GPU `--device cuda:N` chose, if any (see [`choose_gpu`]).
static CHOSEN_GPU: std::sync::OnceLock<usize> = std::sync::OnceLock::new();

/// Train on GPU `ordinal` (`--device cuda:N`) rather than the first visible one. It takes
/// effect at the first [`tch_device`] call for CUDA, before CUDA starts, by narrowing
/// `CUDA_VISIBLE_DEVICES` to that GPU: to the `ordinal`-th entry of the list the process was
/// given (as Slurm sets it for a task's `--gres gpu:K`), else to `ordinal` itself. The process
/// then sees one GPU, `cuda:0` inside libtorch, and every memory query and record refers to it.
/// The first choice of a process stands.
pub fn choose_gpu(ordinal: usize) {
    let _ = CHOSEN_GPU.set(ordinal);
}

/// The GPU chosen by [`choose_gpu`], as `cuda:N`; `None` when none was.
pub fn chosen_gpu() -> Option<String> {
    CHOSEN_GPU.get().map(|n| format!("cuda:{n}"))
}

/// The `CUDA_VISIBLE_DEVICES` value that makes GPU `ordinal` of `visible` (the variable's
/// value, if set) the only one.
///
/// # Errors
/// `visible` lists fewer than `ordinal + 1` GPUs.
fn narrowed_visible(ordinal: usize, visible: Option<&str>) -> Result<String, String> {
    let Some(list) = visible else {
        return Ok(ordinal.to_string());
    };
    let entries: Vec<&str> = list
        .split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .collect();
    match entries.get(ordinal) {
        Some(entry) => Ok((*entry).to_string()),
        None => Err(format!(
            "--device cuda:{ordinal}: CUDA_VISIBLE_DEVICES={list} makes {} GPU(s) visible to this \
             process{}",
            entries.len(),
            match entries.len() {
                0 => String::new(),
                n => format!(", cuda:0 to cuda:{}", n - 1),
            }
        )),
    }
}

/// Narrow `CUDA_VISIBLE_DEVICES` to the chosen GPU, once, before CUDA starts.
fn apply_chosen_gpu() -> Result<(), EngineError> {
    static APPLIED: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    let Some(&ordinal) = CHOSEN_GPU.get() else {
        return Ok(());
    };
    APPLIED
        .get_or_init(|| {
            let visible = std::env::var("CUDA_VISIBLE_DEVICES").ok();
            let value = narrowed_visible(ordinal, visible.as_deref())?;
            std::env::set_var("CUDA_VISIBLE_DEVICES", value);
            Ok(())
        })
        .clone()
        .map_err(EngineError::Device)
}

/// The tch device for `device`, loading the CUDA backend when CUDA is asked for (the GPU
/// [`choose_gpu`] chose, else the first visible one).
///
/// # Errors
/// [`EngineError::Device`] when CUDA is asked for and no CUDA device can be used, or the chosen
/// GPU is not among the visible ones.
pub fn tch_device(device: Device) -> Result<tch::Device, EngineError> {
    match device {
        Device::Cpu => Ok(tch::Device::Cpu),
        Device::Cuda => {
            apply_chosen_gpu()?;
            set_cublas_workspace();
            let loaded = if tch::Cuda::is_available() {
                Ok(())
            } else {
                load_cuda_backend()
            };
            if tch::Cuda::is_available() {
                return Ok(tch::Device::Cuda(0));
            }
            let why = loaded
                .err()
                .unwrap_or_else(|| "libtorch_cuda.so is loaded, but no GPU is visible".into());
            Err(EngineError::Device(format!(
                "`device`: cuda asked for, but libtorch has no CUDA device ({why}); on a machine \
                 with PyTorch 2.11 for CUDA, run with LD_LIBRARY_PATH=<site-packages>/torch/lib \
                 (or RUNVAR_TORCH_CUDA=<path to libtorch_cuda.so>)"
            )))
        }
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
            tch::Device::Cuda(i) => crate::cuda_runtime::describe(i),
            _ => "cpu".to_string(),
        },
        cpu: cpu_model(),
        os: format!("{}-{}", std::env::consts::OS, std::env::consts::ARCH),
    }
}

/// Where a run on `device` trained: this process's host and scheduler slot
/// ([`Placement::here`]) and the device as asked for (`cpu`, `cuda:0`, `cuda:N`).
pub fn placement(device: tch::Device) -> runvar_core::store::Placement {
    runvar_core::store::Placement {
        device: Some(match device {
            tch::Device::Cuda(_) => chosen_gpu().unwrap_or_else(|| "cuda:0".into()),
            _ => "cpu".into(),
        }),
        ..runvar_core::store::Placement::here()
    }
}

#[cfg(test)]
mod tests {
    use super::narrowed_visible;

    #[test]
    fn a_chosen_gpu_narrows_the_visible_ones() {
        assert_eq!(narrowed_visible(2, None).as_deref(), Ok("2"));
        // As Slurm sets it for --gres gpu:2: cuda:1 is the second GPU of the task's.
        assert_eq!(narrowed_visible(1, Some("3,5")).as_deref(), Ok("5"));
        assert_eq!(
            narrowed_visible(0, Some("GPU-8f1c, GPU-77aa")).as_deref(),
            Ok("GPU-8f1c")
        );
        let e = narrowed_visible(1, Some("3")).unwrap_err();
        assert!(
            e.contains("CUDA_VISIBLE_DEVICES=3 makes 1 GPU(s)") && e.contains("cuda:0 to cuda:0"),
            "{e}"
        );
        let e = narrowed_visible(0, Some("")).unwrap_err();
        assert!(e.contains("makes 0 GPU(s)"), "{e}");
    }
}
