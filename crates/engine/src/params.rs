//! Parameter bookkeeping: counts, sorted snapshots, and the hash of a run's final state.
//!
//! A replica pack holds K runs in one var store (see [`crate::model::pack`]); every function
//! here takes the replica and reads only that replica's chunk of each variable, so a packed
//! run is described exactly as a solo run of the same state would be.

use sha2::{Digest, Sha256};
use tch::nn::VarStore;
use tch::{Kind, Tensor};

use crate::model::pack::replica_part;

/// Which replica of how many a var store holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Replica {
    /// Position in the pack (0-based).
    pub index: usize,
    /// Replicas in the pack (1 for a solo run).
    pub of: usize,
}

impl Replica {
    /// The only replica of a solo run.
    pub const SOLO: Replica = Replica { index: 0, of: 1 };
}

/// Number of trainable parameter elements of one replica.
pub fn count(vs: &VarStore, replicas: usize) -> usize {
    vs.trainable_variables()
        .iter()
        .map(|t| t.numel())
        .sum::<usize>()
        / replicas.max(1)
}

/// Every variable (parameters and buffers) of replica `r` as a view, sorted by name.
pub fn views(vs: &VarStore, r: Replica) -> Vec<(String, Tensor)> {
    let mut vars: Vec<(String, Tensor)> = vs
        .variables()
        .into_iter()
        .map(|(name, t)| (name, replica_part(&t, r.index, r.of)))
        .collect();
    vars.sort_by(|a, b| a.0.cmp(&b.0));
    vars
}

/// Every variable (parameters and buffers) of replica `r` as `(name, f32 values)`, sorted by
/// name.
pub fn snapshot(vs: &VarStore, r: Replica) -> Vec<(String, Vec<f32>)> {
    views(vs, r)
        .into_iter()
        .map(|(name, t)| {
            // Row-major logical order, whatever the memory layout.
            let flat = t
                .detach()
                .to_device(tch::Device::Cpu)
                .to_kind(Kind::Float)
                .contiguous()
                .view([-1]);
            let values = Vec::<f32>::try_from(&flat).expect("a float tensor converts to Vec<f32>");
            (name, values)
        })
        .collect()
}

/// SHA-256 (hex) over every variable of replica `r` sorted by name: the name, its length, and
/// the little-endian bits of its values. Equal hashes mean bit-identical states.
pub fn hash(vs: &VarStore, r: Replica) -> String {
    let mut h = Sha256::new();
    for (name, values) in snapshot(vs, r) {
        h.update(name.as_bytes());
        h.update((values.len() as u64).to_le_bytes());
        for v in values {
            h.update(v.to_bits().to_le_bytes());
        }
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}
