//! The one-ULP probe: move one element of one initial parameter tensor by one float32 ULP.

use rand::Rng;
use runvar_core::seed::{stream, Source};
use runvar_core::spec::BitFlipSpec;
use runvar_core::store::BitFlipRecord;
use tch::nn::VarStore;
use tch::Tensor;

use crate::model::pack::{element, replica_part};
use crate::params::Replica;
use crate::EngineError;

/// Apply the flip of `spec` to replica `r` of `vs` (after init, before the first step): an
/// element of `spec.param` (default `default_param`) chosen uniformly by the `bit_flip`
/// stream, moved to the next float32 above or below it (`nextafter`, a fair coin from the same
/// stream). The element index is into the replica's own tensor, as in a solo run.
///
/// # Errors
/// [`EngineError::Spec`] when the tensor does not exist (the message lists the names).
pub fn apply(
    vs: &VarStore,
    spec: &BitFlipSpec,
    default_param: &str,
    r: Replica,
) -> Result<BitFlipRecord, EngineError> {
    let name = spec.param.as_deref().unwrap_or(default_param);
    let vars = vs.variables();
    let tensor = vars.get(name).map(|t| replica_part(t, r.index, r.of));
    let tensor = tensor.ok_or_else(|| {
        let mut names: Vec<_> = vs
            .variables()
            .into_keys()
            .filter(|n| !n.contains("running_"))
            .collect();
        names.sort();
        EngineError::spec(
            "bit_flip.param",
            format!(
                "no parameter `{name}`; this model has: {}",
                names.join(", ")
            ),
        )
    })?;
    let mut rng = stream(spec.seed, Source::BitFlip, 0);
    let numel = tensor.numel();
    let index = rng.gen_range(0..numel);
    let up = rng.gen_bool(0.5);
    let mut target = element(&tensor, index);
    let old = target.reshape([1]).double_value(&[0]) as f32;
    let new = if up { old.next_up() } else { old.next_down() };
    tch::no_grad(|| {
        let value = Tensor::from_slice(&[new])
            .to_device(target.device())
            .reshape(target.size().as_slice());
        target.copy_(&value);
    });
    Ok(BitFlipRecord {
        param: name.to_string(),
        index,
        direction: if up { "up" } else { "down" }.to_string(),
        old_bits: old.to_bits(),
        new_bits: new.to_bits(),
    })
}
