//! Language models: an LSTM or a small causal Transformer trained on a token stream with
//! truncated backpropagation through time, every source of randomness isolated as for the
//! image tasks (docs/protocol.md, "Language models").
//!
//! - [`LmTrainer::new`] builds the model from the init stream ([`build`]), applies the
//!   bit flip (the live elements of a probe on the first training tokens) and cuts the streams
//!   into columns ([`stream::Columns`]);
//! - [`LmTrainer::run`] trains: each epoch's segment order from the shuffle stream
//!   ([`stream::epoch_starts`]), its dropout masks from the dropout stream of the epoch, with
//!   low-level nondeterminism on, a permutation of the batch's columns per step from the
//!   low-level stream of the epoch (the same sums in another order); the state carried from
//!   segment to segment and detached (truncated BPTT); the gradient clipped to `train.clip`;
//! - after each epoch, [`eval::evaluate`] scores the validation and test streams; the test
//!   stream's evaluation window gives the run's `logits.npy`, `features.npy` (the last hidden
//!   layer) and `labels.npy` (the next tokens), so every metric of the image tasks applies.
//!
//! The outcome is the image tasks' [`Outcome`]: `record.json` adds the perplexities
//! ([`runvar_core::store::LmMetrics`]).

pub mod eval;
mod lstm;
pub mod net;
pub mod stream;
mod transformer;

use std::time::Instant;

use rand_chacha::ChaCha20Rng;
use runvar_core::data::TextData;
use runvar_core::metrics::accuracy_and_cross_entropy;
use runvar_core::runspec::{DataSpec, ModelSpec, RunSpec, SegmentOrder};
use runvar_core::schedule::LrSchedule;
use runvar_core::seed::{permutation, stream, Source};
use runvar_core::store::{
    BitFlipRecord, Environment, EpochMetrics, LmMetrics, RunRecord, SpecRecord,
};
use tch::nn::{Path, VarStore};
use tch::{Device, Kind, Reduction, Tensor};

use crate::model::init::Init;
use crate::model::layers::REDUCED_LR_GROUP;
use crate::model::Mode;
use crate::params::{self, Replica};
use crate::train::{finite, EpochTrace, Event, Outcome};
use crate::{device, EngineError};

use eval::{evaluate, StreamEval};
use lstm::Lstm;
use net::{LanguageModel, State};
use stream::{epoch_starts, Columns};
use transformer::Transformer;

/// Training tokens of the bit flip's probe (the first ones, as one stream).
pub const PROBE_TOKENS: usize = 256;

/// The rule recorded for a language model's bit flip drawn among live elements.
pub const RULE_LIVE: &str = "live: uniform among the elements whose cross-entropy gradient on \
                             the probe (the first 256 training tokens as one stream, evaluation \
                             mode, initial parameters) is non-zero";

/// Build the language model of `spec` for a vocabulary of `vocab` tokens and the segments of
/// `data`, drawing every initial value from `init`.
///
/// # Errors
/// [`EngineError::Spec`] when `spec` is not a language model.
pub fn build(
    spec: &ModelSpec,
    data: &DataSpec,
    p: &Path,
    vocab: usize,
    init: &mut Init,
) -> Result<Box<dyn LanguageModel>, EngineError> {
    let context = data.bptt.unwrap_or(1);
    Ok(match spec {
        ModelSpec::Lstm { .. } => Box::new(Lstm::new(p, spec, vocab, init)),
        ModelSpec::Transformer { .. } => Box::new(Transformer::new(p, spec, vocab, context, init)),
        _ => {
            return Err(EngineError::spec(
                "model.kind",
                "a text corpus trains a language model: lstm or transformer",
            ))
        }
    })
}

/// A language model, built, initialized (and possibly bit-flipped), ready to train.
pub struct LmTrainer<'a> {
    spec: RunSpec,
    data: &'a TextData,
    vs: VarStore,
    net: Box<dyn LanguageModel>,
    device: Device,
    environment: Environment,
    bit_flip: Option<BitFlipRecord>,
    train: Columns,
    valid: Columns,
    test: Columns,
    trace: bool,
}

impl<'a> LmTrainer<'a> {
    /// Configure libtorch for `spec`, build its model from the init stream on its device, apply
    /// its bit flip, and cut `data`'s streams into columns.
    ///
    /// # Errors
    /// [`EngineError::Device`], [`EngineError::Memory`], [`EngineError::Spec`] (a classifier's
    /// spec, a bit flip of a tensor that does not exist).
    pub fn new(spec: &RunSpec, data: &'a TextData) -> Result<LmTrainer<'a>, EngineError> {
        let threads = crate::runtime::configure(spec);
        let spec = RunSpec {
            threads,
            ..spec.clone()
        };
        let device = device::tch_device(spec.device)?;
        crate::memory::check_fits(&spec, 1, device)?;
        let vs = VarStore::new(device);
        let mut init = Init::new(stream(spec.seeds.init, Source::Init, 0));
        let vocab = data.corpus.vocab_size();
        let net = build(&spec.model, &spec.data, &vs.root(), vocab, &mut init)?;
        let c = &data.corpus;
        let mut trainer = LmTrainer {
            environment: device::environment(device, threads),
            train: Columns::new(&c.train, spec.train.batch_size),
            valid: Columns::new(&c.valid, spec.train.eval_batch_size),
            test: Columns::new(&c.test, spec.train.eval_batch_size),
            spec,
            data,
            vs,
            net,
            device,
            bit_flip: None,
            trace: false,
        };
        trainer.bit_flip = trainer.apply_bit_flip()?;
        Ok(trainer)
    }

    /// Keep each epoch's draws in [`Outcome::trace`]: `order` holds the segments' start rows,
    /// `slots` the low-level column permutations of its steps, concatenated (empty when off).
    pub fn with_trace(mut self) -> Self {
        self.trace = true;
        self
    }

    /// The resolved spec (threads resolved).
    pub fn spec(&self) -> &RunSpec {
        &self.spec
    }

    /// The current variables, sorted by name.
    pub fn params(&self) -> Vec<(String, Vec<f32>)> {
        params::snapshot(&self.vs, Replica::SOLO)
    }

    /// The bit flip applied at construction, if any.
    pub fn bit_flip(&self) -> Option<&BitFlipRecord> {
        self.bit_flip.as_ref()
    }

    fn bptt(&self) -> usize {
        self.spec.data.bptt.unwrap_or(1)
    }

    /// The flip of the spec, among the elements whose gradient on the probe is non-zero.
    fn apply_bit_flip(&self) -> Result<Option<BitFlipRecord>, EngineError> {
        let Some(flip) = &self.spec.bit_flip else {
            return Ok(None);
        };
        let name = flip
            .param
            .clone()
            .unwrap_or_else(|| self.net.first_weight().to_string());
        let vars = self.vs.variables();
        let Some(var) = vars.get(&name) else {
            // `apply` names every tensor the model has.
            let none = Default::default();
            return crate::bitflip::apply(&self.vs, flip, &name, &none, Replica::SOLO).map(Some);
        };
        let n = self.data.corpus.train.len().min(PROBE_TOKENS + 1);
        let tokens: Vec<i64> = self.data.corpus.train[..n]
            .iter()
            .map(|&t| i64::from(t))
            .collect();
        let x = Tensor::from_slice(&tokens[..n - 1])
            .view([n as i64 - 1, 1])
            .to_device(self.device);
        let y = Tensor::from_slice(&tokens[1..]).to_device(self.device);
        let out = self.net.forward(&x, None, &mut Mode::Eval);
        let v = out.logits.size()[2];
        let loss = out.logits.reshape([-1, v]).cross_entropy_loss::<Tensor>(
            &y,
            None,
            Reduction::Sum,
            -100,
            0.0,
        );
        let grad = Tensor::run_backward(&[loss], &[var], false, false);
        let probe = [(name.clone(), grad[0].shallow_clone())]
            .into_iter()
            .collect();
        let mut record = crate::bitflip::apply(&self.vs, flip, &name, &probe, Replica::SOLO)?;
        if record.rule == crate::bitflip::RULE_LIVE {
            record.rule = RULE_LIVE.to_string();
        }
        Ok(Some(record))
    }

    fn optimizer(&self) -> Result<tch::nn::Optimizer, EngineError> {
        crate::train::build_optimizer(&self.vs, &self.spec.train)
    }

    /// Train for the recipe's epochs, evaluating the validation and test streams after each.
    ///
    /// # Errors
    /// [`EngineError::Diverged`] on a non-finite loss; [`EngineError::Torch`].
    pub fn run(self, on_event: &mut dyn FnMut(Event)) -> Result<Outcome, EngineError> {
        let start = Instant::now();
        let (bptt, b) = (self.bptt(), self.train.columns);
        let segments = self.train.segments(bptt);
        let t = &self.spec.train;
        let schedule = LrSchedule::new(t, segments * b);
        let mut opt = self.optimizer()?;
        on_event(Event::Started {
            total_steps: schedule.total_steps(),
        });
        let order = self.spec.data.segment_order();
        let carry = self.net.recurrent() && order == SegmentOrder::Offset;
        let mut epochs = Vec::with_capacity(t.epochs);
        let mut traces = Vec::new();
        let mut last: Option<(StreamEval, StreamEval)> = None;
        for epoch in 0..t.epochs {
            let starts = epoch_starts(order, self.spec.seeds.shuffle, epoch, segments, bptt);
            let mut dropout = [stream(
                self.spec.seeds.dropout,
                Source::Dropout,
                epoch as u64,
            )];
            let mut low = self
                .spec
                .low_level
                .then(|| stream(self.spec.seeds.low_level, Source::LowLevel, epoch as u64));
            let mut perms: Vec<usize> = Vec::new();
            let mut state: Option<State> = None;
            let mut loss_sum = 0.0;
            for (s, &row) in starts.iter().enumerate() {
                let index = epoch * segments + s;
                let perm = low.as_mut().map(|rng| permutation(rng, b));
                let lr = schedule.lr(index);
                let (loss, next) = self.step(
                    &mut opt,
                    (row, lr),
                    state.as_ref(),
                    perm.as_deref(),
                    &mut dropout,
                )?;
                loss_sum += finite(loss, epoch, index)?;
                state = carry.then_some(next);
                if self.trace {
                    perms.extend(perm.unwrap_or_default());
                }
                on_event(Event::Step { step: index });
            }
            let (valid, test) = self.evaluate()?;
            let (acc, ce) = accuracy_and_cross_entropy(
                &test.logits,
                &test.labels,
                self.data.corpus.vocab_size(),
            );
            let m = EpochMetrics {
                epoch: epoch + 1,
                train_loss: loss_sum / segments.max(1) as f64,
                test_accuracy: acc,
                test_cross_entropy: ce,
                elapsed_seconds: start.elapsed().as_secs_f64(),
                lm: Some(LmMetrics::new(
                    (valid.cross_entropy, valid.tokens),
                    (test.cross_entropy, test.tokens),
                )),
            };
            on_event(Event::Epoch(m.clone()));
            epochs.push(m);
            if self.trace {
                traces.push(EpochTrace {
                    order: starts,
                    augment: Vec::new(),
                    slots: perms,
                    dropout_draws: dropout[0].get_word_pos() as usize,
                });
            }
            last = Some((valid, test));
        }
        let (_, test) = last.expect("at least one epoch");
        Ok(self.outcome(epochs, traces, test, start.elapsed().as_secs_f64()))
    }

    /// One step at learning rate `lr` on the segment starting at `row`: forward from `state` (its columns in the
    /// order `perm` when low-level is on), the mean cross-entropy, backward, clipping and the
    /// optimizer; the loss and the state after the segment (detached, in column order).
    fn step(
        &self,
        opt: &mut tch::nn::Optimizer,
        (row, lr): (usize, f64),
        state: Option<&State>,
        perm: Option<&[usize]>,
        dropout: &mut [ChaCha20Rng],
    ) -> Result<(f64, State), EngineError> {
        let (bptt, b) = (self.bptt() as i64, self.train.columns as i64);
        let mut x = Tensor::from_slice(self.train.rows(row, bptt as usize)).view([bptt, b]);
        let mut y = Tensor::from_slice(self.train.rows(row + 1, bptt as usize)).view([bptt, b]);
        let index = perm.map(|p| {
            let p: Vec<i64> = p.iter().map(|&i| i as i64).collect();
            Tensor::from_slice(&p).to_device(self.device)
        });
        let mut state: Option<State> = state.map(|s| {
            s.iter()
                .map(|(h, c)| (h.shallow_clone(), c.shallow_clone()))
                .collect()
        });
        x = x.to_device(self.device);
        y = y.to_device(self.device);
        if let Some(p) = &index {
            x = x.index_select(1, p);
            y = y.index_select(1, p);
            state = state.map(|s| {
                s.iter()
                    .map(|(h, c)| (h.index_select(1, p), c.index_select(1, p)))
                    .collect()
            });
        }
        let out = self
            .net
            .forward(&x, state.as_ref(), &mut Mode::Train(dropout));
        let v = out.logits.size()[2];
        let loss = out
            .logits
            .to_kind(Kind::Float)
            .reshape([-1, v])
            .cross_entropy_for_logits(&y.view([-1]));
        opt.zero_grad();
        loss.backward();
        if let Some(max) = self.spec.train.clip {
            opt.clip_grad_norm(max);
        }
        opt.set_lr_group(0, lr);
        opt.set_lr_group(REDUCED_LR_GROUP, lr * self.spec.train.reduced_lr_factor);
        opt.step();
        let inverse = index.as_ref().map(|p| p.argsort(0, false));
        let next = out
            .state
            .iter()
            .map(|(h, c)| {
                let (h, c) = (h.detach(), c.detach());
                match &inverse {
                    Some(inv) => (h.index_select(1, inv), c.index_select(1, inv)),
                    None => (h, c),
                }
            })
            .collect();
        Ok((loss.double_value(&[]), next))
    }

    /// The validation stream (no window) and the test stream (with the window).
    fn evaluate(&self) -> Result<(StreamEval, StreamEval), EngineError> {
        let bptt = self.bptt();
        let valid = evaluate(self.net.as_ref(), &self.valid, bptt, self.device, 0)?;
        let test = evaluate(
            self.net.as_ref(),
            &self.test,
            bptt,
            self.device,
            self.data.window,
        )?;
        Ok((valid, test))
    }

    fn outcome(
        &self,
        epochs: Vec<EpochMetrics>,
        trace: Vec<EpochTrace>,
        test: StreamEval,
        wall_seconds: f64,
    ) -> Outcome {
        let last = epochs.last().expect("at least one epoch");
        let record = RunRecord {
            param_count: params::count(&self.vs, 1),
            param_hash: params::hash(&self.vs, Replica::SOLO),
            bit_flip: self.bit_flip.clone(),
            data: None,
            test_accuracy: last.test_accuracy,
            test_cross_entropy: last.test_cross_entropy,
            n_test: test.labels.len(),
            classes: self.data.corpus.vocab_size(),
            feature_dim: self.net.feature_dim(),
            wall_seconds,
            pack: None,
            placement: Some(device::placement(self.device)),
            lm: last.lm,
        };
        Outcome {
            spec_record: SpecRecord {
                spec: self.spec.clone(),
                environment: self.environment.clone(),
            },
            record,
            epochs,
            logits: test.logits,
            features: test.features,
            labels: test.labels,
            trace,
            tta: Vec::new(),
            snapshots: Vec::new(),
        }
    }
}
