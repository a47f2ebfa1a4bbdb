//! Parameter bookkeeping: counts, sorted snapshots, and the hash of a run's final state.

use sha2::{Digest, Sha256};
use tch::nn::VarStore;
use tch::{Kind, Tensor};

/// Number of trainable parameter elements.
pub fn count(vs: &VarStore) -> usize {
    vs.trainable_variables().iter().map(|t| t.numel()).sum()
}

/// Every variable (parameters and buffers) as `(name, f32 values)`, sorted by name.
pub fn snapshot(vs: &VarStore) -> Vec<(String, Vec<f32>)> {
    let mut vars: Vec<(String, Tensor)> = vs.variables().into_iter().collect();
    vars.sort_by(|a, b| a.0.cmp(&b.0));
    vars.into_iter()
        .map(|(name, t)| {
            let flat = t
                .detach()
                .to_device(tch::Device::Cpu)
                .to_kind(Kind::Float)
                .flatten(0, -1);
            let values = Vec::<f32>::try_from(&flat).expect("a float tensor converts to Vec<f32>");
            (name, values)
        })
        .collect()
}

/// SHA-256 (hex) over every variable sorted by name: the name, its length, and the
/// little-endian bits of its values. Equal hashes mean bit-identical states.
pub fn hash(vs: &VarStore) -> String {
    let mut h = Sha256::new();
    for (name, values) in snapshot(vs) {
        h.update(name.as_bytes());
        h.update((values.len() as u64).to_le_bytes());
        for v in values {
            h.update(v.to_bits().to_le_bytes());
        }
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}
