//! Count what a forward pass costs: floating-point operations and activation elements.
//!
//! Layers report to a thread-local counter while [`count`] runs a forward pass; the counts
//! size a replica's memory before training (so a pack that cannot fit is refused up front) and
//! turn measured step times into achieved FLOP/s.

use std::cell::RefCell;

use tch::Tensor;

/// The cost of one forward pass.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Counts {
    /// Multiply-adds times 2 of the convolutions and linear layers.
    pub flops: f64,
    /// Elements of the layer outputs (convolutions, linear layers, BatchNorm): the activations
    /// a training step keeps for the backward pass, up to the ReLU and dropout copies.
    pub activations: f64,
}

thread_local! {
    static COUNTS: RefCell<Option<Counts>> = const { RefCell::new(None) };
}

/// Run `forward` with counting on and return what the layers reported.
pub fn count(forward: impl FnOnce()) -> Counts {
    COUNTS.with(|c| *c.borrow_mut() = Some(Counts::default()));
    forward();
    COUNTS.with(|c| c.borrow_mut().take().unwrap_or_default())
}

/// Report a layer's output `out` and its FLOPs (a no-op unless [`count`] is running).
pub(crate) fn record(out: &Tensor, flops: f64) {
    COUNTS.with(|c| {
        if let Some(counts) = c.borrow_mut().as_mut() {
            counts.flops += flops;
            counts.activations += out.numel() as f64;
        }
    });
}
