//! libtorch's process- and thread-wide settings, made here and nowhere else: the intra-op
//! thread count and whether kernels must be deterministic.
//!
//! Training ([`crate::train::Trainer::pack`]) and the speed measurement call [`configure`]
//! before they build anything. The settings are libtorch globals: the thread count is per OS
//! thread (OpenMP), deterministic algorithms are per process, so a later run's settings replace
//! an earlier one's. (cuBLAS's deterministic workspace is an environment variable set once, when
//! the CUDA backend is loaded, in [`crate::device::tch_device`].)

use std::sync::Once;

use runvar_core::runspec::{Device, RunSpec};

extern "C" {
    fn runvar_set_deterministic(on: bool);
    fn runvar_deterministic_algorithms() -> bool;
}

/// Set the thread count and the determinism `spec` asks for; return the thread count (the
/// spec's `threads`, all cores for 0: [`crate::device::resolve_threads`]).
///
/// Deterministic kernels everywhere, except with `low_level` on CUDA: there cuDNN may pick
/// nondeterministic (benchmarked) algorithms, the paper's low-level source. On the CPU the
/// low-level source is the in-minibatch permutation instead, and the kernels stay
/// deterministic.
pub fn configure(spec: &RunSpec) -> usize {
    let threads = crate::device::resolve_threads(spec.threads);
    set_threads(threads);
    set_deterministic(!(spec.low_level && spec.device == Device::Cuda));
    threads
}

/// Set libtorch's intra-op thread count on this thread (one inter-op thread, set once per
/// process).
pub fn set_threads(threads: usize) {
    static INTEROP: Once = Once::new();
    INTEROP.call_once(|| tch::set_num_interop_threads(1));
    tch::set_num_threads(threads as i32);
}

/// Make libtorch deterministic (`on`) or let it choose the fastest kernels: the equivalent of
/// `torch.use_deterministic_algorithms(on)`, `cudnn.deterministic = on` and
/// `cudnn.benchmark = !on`.
pub fn set_deterministic(on: bool) {
    // SAFETY: plain setters on libtorch's global context; they take no pointers and do not throw.
    unsafe { runvar_set_deterministic(on) }
}

/// Whether libtorch currently enforces deterministic algorithms.
pub fn deterministic() -> bool {
    // SAFETY: a plain getter on libtorch's global context.
    unsafe { runvar_deterministic_algorithms() }
}
