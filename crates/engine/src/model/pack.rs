//! Replica packs: K replicas of one network held as a single stacked model.
//!
//! Every parameter of a pack stores its K replicas contiguously along its first dimension
//! (`[K, out, in]` for a linear weight, `[K * c_out, c_in, kh, kw]` for a convolution,
//! `[K * c]` for BatchNorm), so replica k's tensor is chunk k of the flattened variable; see
//! `replica_chunk`. Activations travel in two layouts:
//!
//! - spatial: `[batch, K * channels, height, width]`, replica k owning channels
//!   `k * channels .. (k + 1) * channels`: convolutions run with `groups = K` and BatchNorm
//!   normalizes each replica's channels with that replica's statistics;
//! - flat: `[K, batch, features]`: linear layers are batched matmuls.
//!
//! With K = 1 both layouts are exactly a solo network's (`[batch, channels, h, w]` and
//! `[batch, features]`) and every layer runs the same libtorch call as a solo model, so a
//! pack of one is bit-identical to a solo run.

use tch::Tensor;

/// The number of replicas a network holds (1 for a solo run).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Replicas(pub i64);

impl Replicas {
    /// True for a solo network.
    pub fn is_solo(self) -> bool {
        self.0 == 1
    }

    /// Spatial `[b, K*c, h, w]` to flat: `[b, c*h*w]` for one replica, `[K, b, c*h*w]` for a
    /// pack. Each replica's features keep a solo network's `(c, h, w)` row-major order.
    pub fn flatten(self, h: &Tensor) -> Tensor {
        if self.is_solo() {
            return h.flatten(1, -1);
        }
        let b = h.size()[0];
        h.reshape([b, self.0, -1]).transpose(0, 1)
    }

    /// Global average pooling of spatial `[b, K*c, h, w]` to flat `[b, c]` / `[K, b, c]`.
    pub fn pool(self, h: &Tensor) -> Tensor {
        self.flatten(&h.mean_dim(&[2i64, 3][..], false, None).unsqueeze(-1))
    }

    /// Zero-pad each replica's channels of spatial `[b, K*c, h, w]` with `extra` more.
    pub fn pad_channels(self, h: &Tensor, extra: i64) -> Tensor {
        if self.is_solo() {
            return h.constant_pad_nd([0, 0, 0, 0, 0, extra]);
        }
        let s = h.size();
        h.reshape([s[0], self.0, s[1] / self.0, s[2], s[3]])
            .constant_pad_nd([0, 0, 0, 0, 0, extra])
            .reshape([s[0], -1, s[2], s[3]])
    }

    /// The same input `[b, c, h, w]` for every replica, in the spatial layout.
    pub fn broadcast(self, x: &Tensor) -> Tensor {
        if self.is_solo() {
            x.shallow_clone()
        } else {
            x.repeat([1, self.0, 1, 1])
        }
    }

    /// Each replica's own input (`xs[k]`, each `[b, c, h, w]`), in the spatial layout.
    pub fn interleave(self, xs: &[Tensor]) -> Tensor {
        if let [x] = xs {
            return x.shallow_clone();
        }
        let s = xs[0].size();
        Tensor::stack(xs, 1).reshape([s[0], -1, s[2], s[3]])
    }
}

/// Replica `k`'s part of a pack variable `t` holding `replicas` replicas: a view of its
/// leading-dimension slice, holding the elements a solo run's tensor of the same name holds,
/// in the same logical order (the memory layout may differ, e.g. channels-last weights).
pub fn replica_part(t: &Tensor, k: usize, replicas: usize) -> Tensor {
    if replicas == 1 {
        return t.shallow_clone();
    }
    let n = t.size()[0] / replicas as i64;
    t.narrow(0, k as i64 * n, n)
}

/// A one-element view of `t` at `index` in row-major logical order, whatever `t`'s strides:
/// writing to it writes to `t`.
pub fn element(t: &Tensor, index: usize) -> Tensor {
    let mut view = t.shallow_clone();
    let mut rest = index as i64;
    let sizes = t.size();
    for (dim, _) in sizes.iter().enumerate() {
        let inner: i64 = sizes[dim + 1..].iter().product();
        view = view.narrow(dim as i64, rest / inner, 1);
        rest %= inner;
    }
    view
}

/// `t` with channels-last strides (`[n, c, h, w]` stored as `n, h, w, c`): the memory layout
/// oneDNN's convolutions run fastest in on the CPU (about 1.2x for the ResNets here). Same
/// values, same logical shape.
pub fn channels_last(t: &Tensor) -> Tensor {
    t.permute([0, 2, 3, 1]).contiguous().permute([0, 3, 1, 2])
}
