//! The one-ULP probe: move one element of one initial parameter tensor by one float32 ULP.
//!
//! The paper draws the element uniformly from the first layer's weight. Some elements cannot
//! change anything: a weight that only multiplies an always-zero input, or that feeds a ReLU
//! unit dead on every example, keeps the network's outputs exactly as they are, and a replica
//! flipped there is the control again (seen on digits-mlp: `--bit-flip 3` moved a weight of a
//! unit dead at initialization and gave byte-identical logits). Such replicas dilute the
//! `bit_flip` row. So the element is drawn among the *live* ones: those whose gradient of the
//! cross-entropy on a fixed probe batch ([`PROBE_EXAMPLES`] training examples in index order,
//! no augmentation, evaluation mode, initial parameters) is non-zero. The probe reads no
//! random stream and changes no state. docs/protocol.md section 2 gives the rule.

use std::collections::BTreeMap;

use rand::Rng;
use runvar_core::runspec::{BitFlipSpec, RunSpec};
use runvar_core::seed::{stream, Source};
use runvar_core::store::BitFlipRecord;
use tch::nn::VarStore;
use tch::{Device, Kind, Reduction, Tensor};

use crate::model::pack::{element, replica_part};
use crate::model::{Mode, Network};
use crate::params::Replica;
use crate::EngineError;
use runvar_core::data::Prepared;

/// Training examples in the probe batch (the first ones, in index order).
pub const PROBE_EXAMPLES: usize = 256;

/// The rule recorded when the element was drawn among the live ones.
pub const RULE_LIVE: &str = "live: uniform among the elements whose cross-entropy gradient on \
                             the probe batch (the first 256 training examples, evaluation mode, \
                             initial parameters) is non-zero";

/// The rule recorded when no element of the tensor was live (e.g. it feeds a zero-initialized
/// BatchNorm scale, whose gradient becomes non-zero only after the first step).
pub const RULE_ALL: &str = "all: uniform among all elements (none had a non-zero probe gradient)";

/// Per parameter name, the gradient of the summed cross-entropy of the probe batch (every
/// replica of the pack at once): what [`apply`] draws live elements from.
pub type ProbeGradients = BTreeMap<String, Tensor>;

/// The probe gradients of the tensors `names` of `net`: one evaluation-mode forward and
/// backward pass of the first [`PROBE_EXAMPLES`] training examples through every replica. The
/// parameters' `.grad` fields are left untouched (the gradient is returned, not accumulated).
///
/// # Errors
/// [`EngineError::Spec`] when a name is not a variable of `vs` (the message lists the names).
pub fn probe_gradients(
    net: &dyn Network,
    vs: &VarStore,
    names: &[&str],
    data: &Prepared,
    device: Device,
) -> Result<ProbeGradients, EngineError> {
    let vars = vs.variables();
    let inputs = names
        .iter()
        .map(|n| vars.get(*n).ok_or_else(|| missing(vs, n)))
        .collect::<Result<Vec<_>, _>>()?;
    let ds = &data.dataset;
    let b = ds.train.len().min(PROBE_EXAMPLES);
    let x = Tensor::from_slice(&ds.train.x[..b * ds.example_len()])
        .view([
            b as i64,
            ds.channels as i64,
            ds.height as i64,
            ds.width as i64,
        ])
        .to_device(device);
    let replicas = net.replicas();
    let out = net.forward(&replicas.broadcast(&x), &mut Mode::Eval);
    // Replica-major rows `[K * b, classes]`, each replica scoring the same labels.
    let logits = out.logits.reshape([-1, ds.classes as i64]);
    let y = Tensor::from_slice(&ds.train.y[..b])
        .repeat([replicas.0])
        .to_device(device);
    let loss = logits.to_kind(Kind::Float).cross_entropy_loss::<Tensor>(
        &y,
        None,
        Reduction::Sum,
        -100,
        0.0,
    );
    let grads = Tensor::run_backward(&[loss], &inputs, false, false);
    Ok(names.iter().map(|n| n.to_string()).zip(grads).collect())
}

/// Apply the flip of `spec` to replica `r` of `vs` (after init, before the first step): an
/// element of `spec.param` (default `default_param`) drawn by the `bit_flip` stream uniformly
/// among the live elements of `probe` (all elements when none is live), moved to the next
/// float32 above or below it (`nextafter`, a fair coin from the same stream). The element
/// index is into the replica's own tensor, as in a solo run.
///
/// # Errors
/// [`EngineError::Spec`] when the tensor does not exist (the message lists the names) or has
/// no probe gradient.
pub fn apply(
    vs: &VarStore,
    spec: &BitFlipSpec,
    default_param: &str,
    probe: &ProbeGradients,
    r: Replica,
) -> Result<BitFlipRecord, EngineError> {
    let name = spec.param.as_deref().unwrap_or(default_param);
    let vars = vs.variables();
    let tensor = vars
        .get(name)
        .map(|t| replica_part(t, r.index, r.of))
        .ok_or_else(|| missing(vs, name))?;
    let grad = probe.get(name).ok_or_else(|| {
        EngineError::spec("bit_flip.param", format!("no probe gradient of `{name}`"))
    })?;
    let live = live_elements(&replica_part(grad, r.index, r.of))?;
    let numel = tensor.numel();
    let mut rng = stream(spec.seed, Source::BitFlip, 0);
    let (index, rule) = if live.is_empty() {
        (rng.gen_range(0..numel), RULE_ALL)
    } else {
        (live[rng.gen_range(0..live.len())], RULE_LIVE)
    };
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
        rule: rule.to_string(),
        candidates: if live.is_empty() { numel } else { live.len() },
        elements: numel,
    })
}

/// Apply the bit flip of every replica `specs[k]` that has one (in a pack of `specs.len()`),
/// probing the gradients of the flipped tensors once for all of them; `None` for replicas
/// without a flip.
///
/// # Errors
/// As [`probe_gradients`] and [`apply`].
pub fn apply_all(
    specs: &[RunSpec],
    net: &dyn Network,
    vs: &VarStore,
    data: &Prepared,
    device: Device,
) -> Result<Vec<Option<BitFlipRecord>>, EngineError> {
    let mut flipped: Vec<&str> = specs
        .iter()
        .filter_map(|s| s.bit_flip.as_ref())
        .map(|f| f.param.as_deref().unwrap_or(net.first_weight()))
        .collect();
    flipped.sort_unstable();
    flipped.dedup();
    if flipped.is_empty() {
        return Ok(vec![None; specs.len()]);
    }
    let probe = probe_gradients(net, vs, &flipped, data, device)?;
    let of = specs.len();
    specs
        .iter()
        .enumerate()
        .map(|(index, s)| {
            s.bit_flip
                .as_ref()
                .map(|flip| apply(vs, flip, net.first_weight(), &probe, Replica { index, of }))
                .transpose()
        })
        .collect()
}

/// Row-major indices of the non-zero elements of `grad`, ascending.
fn live_elements(grad: &Tensor) -> Result<Vec<usize>, EngineError> {
    let flat = grad.reshape([-1]).ne(0.0).nonzero().reshape([-1]);
    let ids = Vec::<i64>::try_from(flat.to_device(Device::Cpu))?;
    Ok(ids.into_iter().map(|i| i as usize).collect())
}

fn missing(vs: &VarStore, name: &str) -> EngineError {
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
}
