//! One training run, or a replica pack of runs: built here, trained by the one loop.
//!
//! - this file: [`Trainer`], built from specs: global libtorch settings ([`crate::runtime`]),
//!   the network from the init stream, the bit flip;
//! - [`epoch`]: the loop's shape, epochs of steps with their learning rate
//!   ([`epoch::Loop`]), and each epoch's data draws;
//! - `step.rs`: one minibatch and one SGD step;
//! - `run.rs`: the loops that use them: training ([`Trainer::run_pack`]), timing
//!   ([`Trainer::time_steps`]); [`crate::lockstep`] drives the same loop over several runs;
//! - [`evaluator`]: evaluation of the test set, plain and with test-time augmentation;
//! - [`outcome`]: what a run produced, and its run directory.

pub mod epoch;
pub mod evaluator;
pub mod outcome;
mod run;
mod step;

use runvar_core::data::Prepared;
use runvar_core::resample::TrainingSet;
use runvar_core::runspec::RunSpec;
use runvar_core::seed::{stream, Source};
use runvar_core::store::{BitFlipRecord, Environment, EpochMetrics};
use tch::nn::VarStore;

use crate::assemble::{DeviceSplit, Geometry};
use crate::model::{self, init::Init, Network, Shape};
use crate::params::Replica;
use crate::{device, params, EngineError};

pub use evaluator::{Evaluated, Evaluator, CPU_EVAL_CHUNK};
pub use outcome::{EpochTrace, Outcome, Snapshot};
pub(crate) use step::{build_optimizer, finite};

/// Progress of a run, sent to the caller's observer.
#[derive(Debug, Clone)]
pub enum Event {
    /// Training starts: this many optimizer steps in all.
    Started {
        /// Total steps.
        total_steps: usize,
    },
    /// An optimizer step finished (0-based global step index).
    Step {
        /// The step just done.
        step: usize,
    },
    /// An epoch finished and the test set was evaluated.
    Epoch(EpochMetrics),
}

/// Built, initialized (and possibly bit-flipped) networks, ready to train: one run, or a
/// replica pack of K runs trained as a single stacked model (see [`crate::model::pack`]).
///
/// Each replica of a pack draws everything (initial values, example order, augmentation,
/// dropout masks, low-level permutation, bit flip) from its own spec's seeds, exactly as it
/// would alone; only the floating-point accumulation order of the stacked kernels differs.
pub struct Trainer<'a> {
    specs: Vec<RunSpec>,
    data: &'a Prepared,
    vs: VarStore,
    net: Box<dyn Network>,
    device: tch::Device,
    environment: Environment,
    bit_flips: Vec<Option<BitFlipRecord>>,
    trace: bool,
    device_train: Option<DeviceSplit>,
    /// Each replica's training set: the full set, or its resample (the `data` source).
    sets: Vec<TrainingSet>,
}

/// The recipe of `spec` with everything a pack's replicas may differ in (seeds, bit flip)
/// cleared, as JSON.
fn pack_key(spec: &RunSpec) -> serde_json::Value {
    let mut s = spec.clone();
    s.seeds = Default::default();
    s.bit_flip = None;
    serde_json::to_value(&s).unwrap_or_default()
}

/// Each replica's training set over `n` examples, drawn once for the run from its data seed
/// ([`TrainingSet::of`]). A pack's replicas share one loop, so their sets are of one size (the
/// pack key already makes their fractions equal: a bootstrap and the full set both have `n`).
fn training_sets(specs: &[RunSpec], n: usize) -> Result<Vec<TrainingSet>, EngineError> {
    let sets = specs
        .iter()
        .map(|s| TrainingSet::of(s.seeds.data, s.train.data_fraction, n))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| EngineError::spec("train.data_fraction", e.to_string()))?;
    if sets.iter().any(|s| s.len() != sets[0].len()) {
        return Err(EngineError::spec(
            "pack",
            "the runs of a pack must train on training sets of one size",
        ));
    }
    Ok(sets)
}

impl<'a> Trainer<'a> {
    /// Configure libtorch for the spec ([`crate::runtime::configure`]), build the network from
    /// the init stream on the spec's device, and apply the bit flip if the spec has one.
    ///
    /// # Errors
    /// [`EngineError::Device`] when the device is unavailable; [`EngineError::Spec`] when the
    /// model does not fit the data or the bit-flip tensor does not exist.
    pub fn new(spec: &RunSpec, data: &'a Prepared) -> Result<Trainer<'a>, EngineError> {
        Trainer::pack(std::slice::from_ref(spec), data)
    }

    /// A replica pack of `specs.len()` runs (as [`Trainer::new`] for one): the specs must be
    /// the same recipe and differ only in their seeds and bit flip.
    ///
    /// # Errors
    /// As [`Trainer::new`]; [`EngineError::Spec`] when `specs` is empty or the specs differ in
    /// more than seeds and bit flip.
    pub fn pack(specs: &[RunSpec], data: &'a Prepared) -> Result<Trainer<'a>, EngineError> {
        let Some(first) = specs.first() else {
            return Err(EngineError::spec("pack", "a pack needs at least one run"));
        };
        if let Some(other) = specs.iter().find(|s| pack_key(s) != pack_key(first)) {
            return Err(EngineError::spec(
                "pack",
                format!(
                    "the runs of a pack must differ only in their seeds and bit flip; {:?} and \
                     {:?} differ in more",
                    first.seeds, other.seeds
                ),
            ));
        }
        if specs.len() > 1 && first.train.clip.is_some() {
            return Err(EngineError::spec(
                "train.clip",
                "a pack clips one gradient norm over all its replicas; train clipped runs with \
                 --pack 1",
            ));
        }
        let threads = crate::runtime::configure(first);
        let specs: Vec<RunSpec> = specs
            .iter()
            .map(|s| RunSpec {
                threads,
                ..s.clone()
            })
            .collect();
        let spec = &specs[0];
        let device = device::tch_device(spec.device)?;
        crate::memory::check_fits(spec, specs.len(), device)?;
        let ds = &data.dataset;
        let shape = Shape {
            channels: ds.channels,
            height: ds.height,
            width: ds.width,
            classes: ds.classes,
        };
        if ds.height == 1 {
            if let Some(t) = spec.tta.iter().find(|t| t.mirrors()) {
                return Err(EngineError::spec(
                    "tta",
                    format!(
                        "`{}` mirrors the input, which makes no sense for 1-D signals; use crop25, \
                         crop81 or grid<step> (shifts)",
                        t.name()
                    ),
                ));
            }
        }
        let sets = training_sets(&specs, ds.train.len())?;
        let vs = VarStore::new(device);
        let mut inits: Vec<Init> = specs
            .iter()
            .map(|s| Init::new(stream(s.seeds.init, Source::Init, 0)))
            .collect();
        let channels_last = spec.train.layout.channels_last(device == tch::Device::Cpu);
        let net = model::build(&spec.model, &vs.root(), shape, &mut inits, channels_last)?;
        let bit_flips = crate::bitflip::apply_all(&specs, net.as_ref(), &vs, data, device)?;
        let mut trainer = Trainer {
            environment: device::environment(device, threads),
            specs,
            data,
            vs,
            net,
            device,
            bit_flips,
            trace: false,
            device_train: None,
            sets,
        };
        if device.is_cuda() {
            trainer = trainer.with_device_batches();
        }
        Ok(trainer)
    }

    /// The resolved spec (threads resolved) of the first (for a solo run, the only) replica.
    pub fn spec(&self) -> &RunSpec {
        &self.specs[0]
    }

    /// Replicas trained together (1 for a solo run).
    pub fn replicas(&self) -> usize {
        self.specs.len()
    }

    /// Keep the training set on the device and assemble batches there (the default on a GPU;
    /// on the CPU, for tests: batches are bit-identical either way).
    pub fn with_device_batches(mut self) -> Self {
        let ds = &self.data.dataset;
        let split = DeviceSplit::new(
            &ds.train,
            self.geometry(),
            &self.data.pad_value,
            self.device,
        );
        self.device_train = Some(split);
        self
    }

    /// Geometry of one example of the dataset.
    fn geometry(&self) -> Geometry {
        let ds = &self.data.dataset;
        Geometry {
            channels: ds.channels,
            height: ds.height,
            width: ds.width,
        }
    }

    /// Keep each epoch's data draws in [`Outcome::trace`].
    pub fn with_trace(mut self) -> Self {
        self.trace = true;
        self
    }

    /// The current variables of the first replica, sorted by name (see [`params::snapshot`]).
    pub fn params(&self) -> Vec<(String, Vec<f32>)> {
        self.replica_params(0)
    }

    /// The current variables of replica `index`, sorted by name.
    pub fn replica_params(&self, index: usize) -> Vec<(String, Vec<f32>)> {
        params::snapshot(&self.vs, self.replica(index))
    }

    /// Replica `index`'s training set: the full set, or its resample.
    pub fn training_set(&self, index: usize) -> &TrainingSet {
        &self.sets[index]
    }

    /// The bit flip applied at construction to the first replica, if any.
    pub fn bit_flip(&self) -> Option<&BitFlipRecord> {
        self.bit_flips[0].as_ref()
    }

    /// Number of trainable parameters of one replica.
    pub fn param_count(&self) -> usize {
        params::count(&self.vs, self.replicas())
    }

    /// The evaluator of the networks as they are now (every replica).
    pub fn evaluator(&self) -> Evaluator<'_> {
        Evaluator::new(
            self.net.as_ref(),
            self.data,
            self.device,
            self.specs[0].train.eval_batch_size,
        )
    }

    fn replica(&self, index: usize) -> Replica {
        Replica {
            index,
            of: self.replicas(),
        }
    }
}
