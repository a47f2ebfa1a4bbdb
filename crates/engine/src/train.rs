//! One training run: build, flip, train, evaluate.

use std::time::Instant;

use rand_chacha::ChaCha20Rng;
use runvar_core::batches::{AugmentDraw, EpochPlan};
use runvar_core::schedule::LrSchedule;
use runvar_core::seed::{stream, Source};
use runvar_core::spec::{Device, Precision, RunSpec};
use runvar_core::store::{
    BitFlipRecord, Environment, EpochMetrics, PackRecord, RunRecord, SpecRecord,
};
use runvar_core::tta::{Tta, TTA_PADDING};
use tch::nn::{OptimizerConfig, VarStore};
use tch::Tensor;

use crate::batch::{gather, DeviceSplit, Geometry};
use crate::data::Prepared;
use crate::model::{self, init::Init, layers::REDUCED_LR_GROUP, Mode, Network, Shape};
use crate::params::Replica;
use crate::{device, eval, params, EngineError};

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

/// The data draws of one epoch, kept when tracing is on (for isolation tests).
#[derive(Debug, Clone, PartialEq)]
pub struct EpochTrace {
    /// Example ids in the order they were trained on.
    pub order: Vec<usize>,
    /// Augmentation draw per example id.
    pub augment: Vec<AugmentDraw>,
    /// Number of 32-bit draws the dropout stream gave this epoch.
    pub dropout_draws: usize,
}

/// Everything a finished run produced.
#[derive(Debug)]
pub struct Outcome {
    /// `spec.json`: the resolved spec and environment.
    pub spec_record: SpecRecord,
    /// `record.json`.
    pub record: RunRecord,
    /// Per-epoch metrics.
    pub epochs: Vec<EpochMetrics>,
    /// Test logits, `n_test x classes`, row-major.
    pub logits: Vec<f32>,
    /// Penultimate features of the test set, `n_test x feature_dim`.
    pub features: Vec<f32>,
    /// Test labels.
    pub labels: Vec<i64>,
    /// Per-epoch data draws (only with [`Trainer::with_trace`]).
    pub trace: Vec<EpochTrace>,
    /// Test logits with each of the spec's test-time augmentations (final model).
    pub tta: Vec<(Tta, Vec<f32>)>,
    /// With `train.cycles > 1`: each snapshot's test logits and TTA logits, in cycle order.
    pub snapshots: Vec<Snapshot>,
}

/// The model at the end of one snapshot cycle, evaluated.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// Optimizer steps done when it was taken.
    pub step: usize,
    /// Test logits.
    pub logits: Vec<f32>,
    /// Test logits with each of the spec's test-time augmentations.
    pub tta: Vec<Vec<f32>>,
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
}

/// The recipe of `spec` with everything a pack's replicas may differ in (seeds, bit flip)
/// cleared, as JSON.
fn pack_key(spec: &RunSpec) -> serde_json::Value {
    let mut s = spec.clone();
    s.seeds = Default::default();
    s.bit_flip = None;
    serde_json::to_value(&s).unwrap_or_default()
}

impl<'a> Trainer<'a> {
    /// Resolve the thread count, set it, build the network from the init stream on the spec's
    /// device, and apply the bit flip if the spec has one.
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
        let threads = device::resolve_threads(first.threads);
        let specs: Vec<RunSpec> = specs
            .iter()
            .map(|s| RunSpec {
                threads,
                ..s.clone()
            })
            .collect();
        let spec = &specs[0];
        device::set_threads(threads);
        // Off: deterministic kernels everywhere. On CUDA, on: cuDNN may pick nondeterministic
        // (benchmarked) algorithms, the paper's low-level source. On CPU the source is the
        // in-minibatch permutation instead, and the kernels stay deterministic.
        device::set_deterministic(!(spec.low_level && spec.device == Device::Cuda));
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

    /// The bit flip applied at construction to the first replica, if any.
    pub fn bit_flip(&self) -> Option<&BitFlipRecord> {
        self.bit_flips[0].as_ref()
    }

    /// Number of trainable parameters of one replica.
    pub fn param_count(&self) -> usize {
        params::count(&self.vs, self.replicas())
    }

    fn replica(&self, index: usize) -> Replica {
        Replica {
            index,
            of: self.replicas(),
        }
    }

    /// Train a solo run for the recipe's epochs, evaluating the test set after each.
    ///
    /// # Errors
    /// [`EngineError::Diverged`] on a non-finite loss; [`EngineError::Torch`];
    /// [`EngineError::Spec`] for a pack (use [`Trainer::run_pack`]).
    pub fn run(self, on_event: &mut dyn FnMut(Event)) -> Result<Outcome, EngineError> {
        if self.replicas() != 1 {
            return Err(EngineError::spec(
                "pack",
                "Trainer::run trains one run; a pack is trained with run_pack",
            ));
        }
        let mut outcomes = self.run_pack(on_event)?;
        outcomes.pop().expect("one replica")
    }

    /// Train every replica for the recipe's epochs, evaluating the test set after each, and
    /// return each replica's run, in pack order. A replica whose loss stops being finite is
    /// [`EngineError::Diverged`]; it cannot disturb the others (replicas share no arithmetic),
    /// which train on. [`Event::Epoch`] reports the first replica still training.
    ///
    /// # Errors
    /// [`EngineError::Torch`] for the whole pack.
    pub fn run_pack(
        self,
        on_event: &mut dyn FnMut(Event),
    ) -> Result<Vec<Result<Outcome, EngineError>>, EngineError> {
        let start = Instant::now();
        let k = self.replicas();
        let t = &self.specs[0].train;
        let ds = &self.data.dataset;
        let schedule = self.schedule();
        let mut opt = self.optimizer()?;
        on_event(Event::Started {
            total_steps: schedule.total_steps(),
        });
        let mut bufs = vec![Vec::new(); k];
        let mut epochs = vec![Vec::new(); k];
        let mut traces = vec![Vec::new(); k];
        let mut snapshots = vec![Vec::new(); k];
        let mut failed: Vec<Option<EngineError>> = (0..k).map(|_| None).collect();
        let snapshot_at = if t.cycles > 1 {
            schedule.cycle_ends()
        } else {
            Vec::new()
        };
        let mut step = 0;
        let mut last_evaluation = None;
        'epochs: for epoch in 0..t.epochs {
            let (plans, mut dropout) = self.epoch_draws(epoch);
            let mut loss_sums = vec![0.0; k];
            let chunks = self.batch_ids(&plans);
            let n_batches = chunks[0].len();
            for j in 0..n_batches {
                let ids: Vec<&[usize]> = chunks.iter().map(|c| c[j]).collect();
                let (x, y) = self.pack_batch(&plans, &ids, &mut bufs);
                let losses = self.step(&mut opt, &x, &y, schedule.lr(step), &mut dropout)?;
                for (r, l) in losses.into_iter().enumerate() {
                    loss_sums[r] += l;
                    if !l.is_finite() && failed[r].is_none() {
                        failed[r] = Some(EngineError::Diverged {
                            epoch: epoch + 1,
                            step,
                            loss: l,
                        });
                    }
                }
                if failed.iter().all(Option::is_some) {
                    break 'epochs;
                }
                on_event(Event::Step { step });
                step += 1;
                if snapshot_at.contains(&step) {
                    let logits = self.evaluate()?;
                    let tta = self.evaluate_tta_all()?;
                    for (r, (l, _)) in logits.into_iter().enumerate() {
                        snapshots[r].push(Snapshot {
                            step,
                            logits: l,
                            tta: tta.iter().map(|v| v[r].clone()).collect(),
                        });
                    }
                }
            }
            let evaluated = self.evaluate()?;
            let mut reported = false;
            for (r, (logits, _)) in evaluated.iter().enumerate() {
                let (acc, ce) = eval::accuracy_and_ce(logits, &ds.test.y, ds.classes);
                let m = EpochMetrics {
                    epoch: epoch + 1,
                    train_loss: loss_sums[r] / n_batches as f64,
                    test_accuracy: acc,
                    test_cross_entropy: ce,
                    elapsed_seconds: start.elapsed().as_secs_f64(),
                };
                if !reported && failed[r].is_none() {
                    on_event(Event::Epoch(m.clone()));
                    reported = true;
                }
                epochs[r].push(m);
            }
            last_evaluation = Some(evaluated);
            if self.trace {
                for (r, (plan, rng)) in plans.into_iter().zip(&dropout).enumerate() {
                    traces[r].push(EpochTrace {
                        order: plan.order,
                        augment: plan.augment,
                        dropout_draws: rng.get_word_pos() as usize,
                    });
                }
            }
        }
        // The model has not changed since the last epoch's evaluation (unless training
        // stopped early because every replica diverged).
        let finals = match last_evaluation {
            Some(e) if !failed.iter().all(Option::is_some) => e,
            _ => self.evaluate()?,
        };
        let tta = self.evaluate_tta_all()?;
        let wall_seconds = start.elapsed().as_secs_f64();
        let outcomes = finals
            .into_iter()
            .enumerate()
            .map(|(r, (logits, features))| {
                if let Some(e) = failed[r].take() {
                    return Err(e);
                }
                let last = epochs[r].last().expect("at least one epoch");
                let record = RunRecord {
                    param_count: self.param_count(),
                    param_hash: params::hash(&self.vs, self.replica(r)),
                    bit_flip: self.bit_flips[r].clone(),
                    test_accuracy: last.test_accuracy,
                    test_cross_entropy: last.test_cross_entropy,
                    n_test: ds.test.len(),
                    classes: ds.classes,
                    feature_dim: self.net.feature_dim(),
                    wall_seconds,
                    pack: (k > 1).then_some(PackRecord { size: k, index: r }),
                };
                Ok(Outcome {
                    spec_record: SpecRecord {
                        spec: self.specs[r].clone(),
                        environment: self.environment.clone(),
                    },
                    record,
                    epochs: std::mem::take(&mut epochs[r]),
                    logits,
                    features,
                    labels: ds.test.y.clone(),
                    trace: std::mem::take(&mut traces[r]),
                    tta: self.specs[r]
                        .tta
                        .iter()
                        .copied()
                        .zip(tta.iter().map(|v| v[r].clone()))
                        .collect(),
                    snapshots: std::mem::take(&mut snapshots[r]),
                })
            })
            .collect();
        Ok(outcomes)
    }

    /// Seconds per optimizer step of the whole pack: `warmup` steps untimed, then `steps`
    /// timed, each assembling the replicas' batches and taking an SGD step, as training does
    /// (no evaluation). Cycles through the first epoch's batches.
    ///
    /// # Errors
    /// [`EngineError::Torch`]; [`EngineError::Diverged`] when a loss is not finite.
    pub fn time_steps(&self, warmup: usize, steps: usize) -> Result<f64, EngineError> {
        let k = self.replicas();
        let schedule = self.schedule();
        let mut opt = self.optimizer()?;
        let (plans, mut dropout) = self.epoch_draws(0);
        let chunks = self.batch_ids(&plans);
        let mut bufs = vec![Vec::new(); k];
        let mut start = Instant::now();
        for i in 0..warmup + steps {
            if i == warmup {
                device::synchronize(self.device);
                start = Instant::now();
            }
            let j = i % chunks[0].len();
            let ids: Vec<&[usize]> = chunks.iter().map(|c| c[j]).collect();
            let (x, y) = self.pack_batch(&plans, &ids, &mut bufs);
            let losses = self.step(&mut opt, &x, &y, schedule.lr(i), &mut dropout)?;
            finite(losses[0], 0, i)?;
        }
        device::synchronize(self.device);
        Ok(start.elapsed().as_secs_f64() / steps.max(1) as f64)
    }

    /// Every replica's data plan and dropout stream of `epoch`.
    fn epoch_draws(&self, epoch: usize) -> (Vec<EpochPlan>, Vec<ChaCha20Rng>) {
        (0..self.replicas())
            .map(|r| (self.replica_plan(r, epoch), self.replica_dropout(r, epoch)))
            .unzip()
    }

    /// Per replica, the example ids of each minibatch of its plan.
    fn batch_ids<'p>(&self, plans: &'p [EpochPlan]) -> Vec<Vec<&'p [usize]>> {
        let bs = self.specs[0].train.batch_size;
        plans.iter().map(|p| p.order.chunks(bs).collect()).collect()
    }

    /// The recipe's learning-rate schedule over this run's training set.
    pub(crate) fn schedule(&self) -> LrSchedule {
        LrSchedule::new(&self.specs[0].train, self.data.dataset.train.len())
    }

    /// SGD with the recipe's momentum and weight decay (PyTorch semantics). Every update is
    /// elementwise, so a pack's replicas are updated exactly as they would be alone.
    pub(crate) fn optimizer(&self) -> Result<tch::nn::Optimizer, EngineError> {
        let t = &self.specs[0].train;
        Ok(tch::nn::Sgd {
            momentum: t.momentum,
            dampening: 0.0,
            wd: t.weight_decay,
            nesterov: false,
        }
        .build(&self.vs, t.lr)?)
    }

    /// The data draws of `epoch` for the first replica.
    pub(crate) fn epoch_plan(&self, epoch: usize) -> EpochPlan {
        self.replica_plan(0, epoch)
    }

    fn replica_plan(&self, r: usize, epoch: usize) -> EpochPlan {
        let ds = &self.data.dataset;
        let spec = &self.specs[r];
        EpochPlan::new(
            &spec.seeds,
            epoch,
            ds.train.len(),
            spec.train.batch_size,
            // On CUDA the low-level source is cuDNN's choice of algorithms, but for grouped
            // convolutions cuDNN picks deterministic ones anyway (measured on an H100), so a
            // pack realizes the source as on the CPU: by the in-minibatch permutation.
            spec.low_level && (!self.device.is_cuda() || self.replicas() > 1),
            &spec.data.augment,
            ds.height > 1,
        )
    }

    /// The dropout stream of `epoch` for the first replica.
    pub(crate) fn dropout_stream(&self, epoch: usize) -> ChaCha20Rng {
        self.replica_dropout(0, epoch)
    }

    fn replica_dropout(&self, r: usize, epoch: usize) -> ChaCha20Rng {
        stream(self.specs[r].seeds.dropout, Source::Dropout, epoch as u64)
    }

    /// The input and label tensors of examples `ids`, cropped and flipped per `plan`.
    pub(crate) fn batch(
        &self,
        plan: &EpochPlan,
        ids: &[usize],
        buf: &mut Vec<f32>,
    ) -> (Tensor, Tensor) {
        let aug = &self.specs[0].data.augment;
        if let Some(dev) = &self.device_train {
            return dev.batch(ids, &plan.augment, aug.crop_padding);
        }
        let ds = &self.data.dataset;
        gather(
            &ds.train,
            self.geometry(),
            ids,
            &plan.augment,
            aug.crop_padding,
            &self.data.pad_value,
            buf,
        );
        let x = Tensor::from_slice(buf)
            .view([
                ids.len() as i64,
                ds.channels as i64,
                ds.height as i64,
                ds.width as i64,
            ])
            .to_device(self.device);
        let y: Vec<i64> = ids.iter().map(|&i| ds.train.y[i]).collect();
        (x, Tensor::from_slice(&y).to_device(self.device))
    }

    /// Each replica's batch (`ids[r]` drawn per `plans[r]`), in the pack's input layout; labels
    /// `[b]` for one replica, `[K, b]` for a pack.
    fn pack_batch(
        &self,
        plans: &[EpochPlan],
        ids: &[&[usize]],
        bufs: &mut [Vec<f32>],
    ) -> (Tensor, Tensor) {
        let (xs, ys): (Vec<Tensor>, Vec<Tensor>) = plans
            .iter()
            .zip(ids)
            .zip(bufs.iter_mut())
            .map(|((plan, ids), buf)| self.batch(plan, ids, buf))
            .unzip();
        let x = self.net.replicas().interleave(&xs);
        let y = if let [y] = &ys[..] {
            y.shallow_clone()
        } else {
            Tensor::stack(&ys, 0)
        };
        (x, y)
    }

    /// One SGD step at learning rate `lr` (1-D parameters at the reduced rate), with replica
    /// k's dropout masks from `dropout[k]`; each replica's mean loss over its batch, which may
    /// be non-finite (see [`finite`]).
    ///
    /// A pack minimizes the sum of its replicas' mean losses: replica k's gradient is exactly
    /// the gradient of its own loss, as in a solo run.
    pub(crate) fn step(
        &self,
        opt: &mut tch::nn::Optimizer,
        x: &Tensor,
        y: &Tensor,
        lr: f64,
        dropout: &mut [ChaCha20Rng],
    ) -> Result<Vec<f64>, EngineError> {
        let autocast = (self.specs[0].train.precision == Precision::Bf16)
            .then(|| device::Bf16Autocast::enter(self.device));
        let out = self.net.forward(x, &mut Mode::Train(dropout));
        // The loss in float32, as autocast does for log_softmax.
        let logits = out.logits.to_kind(tch::Kind::Float);
        drop(autocast);
        let (loss, losses) = if self.net.replicas().is_solo() {
            let loss = logits.cross_entropy_for_logits(y);
            let l = loss.double_value(&[]);
            (loss, vec![l])
        } else {
            let per_example = logits
                .log_softmax(-1, None)
                .gather(2, &y.unsqueeze(-1), false)
                .squeeze_dim(-1)
                .neg();
            let per_replica = per_example.mean_dim(1, false, None);
            let losses = Vec::<f64>::try_from(per_replica.detach().to_device(tch::Device::Cpu))?;
            (per_replica.sum(None), losses)
        };
        opt.set_lr_group(0, lr);
        opt.set_lr_group(REDUCED_LR_GROUP, lr * self.specs[0].train.reduced_lr_factor);
        opt.backward_step(&loss);
        Ok(losses)
    }

    /// Test logits of every replica averaged over the views of `tta` (docs/protocol.md section 7),
    /// the views summed in f64 in view order.
    ///
    /// # Errors
    /// [`EngineError::Spec`] when the variant does not apply to this data (a mirror of a 1-D
    /// signal).
    pub fn evaluate_tta(&self, tta: Tta) -> Result<Vec<Vec<f32>>, EngineError> {
        let ds = &self.data.dataset;
        let views = tta
            .views(ds.height > 1)
            .map_err(|e| EngineError::spec("tta", e.to_string()))?;
        let geo = self.geometry();
        let n = ds.test.len();
        let ids: Vec<usize> = (0..n).collect();
        let mut sums = vec![vec![0f64; n * ds.classes]; self.replicas()];
        let mut buf = Vec::new();
        let _guard = tch::no_grad_guard();
        for view in &views {
            let draws = vec![*view; n];
            for chunk in ids.chunks(self.eval_chunk()) {
                gather(
                    &ds.test,
                    geo,
                    chunk,
                    &draws,
                    TTA_PADDING,
                    &self.data.pad_value,
                    &mut buf,
                );
                let x = Tensor::from_slice(&buf).view([
                    chunk.len() as i64,
                    ds.channels as i64,
                    ds.height as i64,
                    ds.width as i64,
                ]);
                let offset = chunk[0] * ds.classes;
                for (sum, (logits, _)) in sums.iter_mut().zip(self.forward_eval(&x, false)?) {
                    for (s, v) in sum[offset..offset + logits.len()].iter_mut().zip(logits) {
                        *s += v as f64;
                    }
                }
            }
        }
        let k = views.len() as f64;
        Ok(sums
            .into_iter()
            .map(|sum| sum.into_iter().map(|s| (s / k) as f32).collect())
            .collect())
    }

    /// Test examples per evaluation forward pass: the spec's `eval_batch_size`, and on the CPU
    /// at most [`CPU_EVAL_CHUNK`]. Evaluation is per example, so this never changes results
    /// (tested); on the CPU, chunks of 1,000 ResNet inputs were twice as slow as chunks of 250
    /// (their activations pass glibc's mmap threshold and are page-faulted in on every call).
    fn eval_chunk(&self) -> usize {
        let spec = self.specs[0].train.eval_batch_size;
        if self.device.is_cuda() {
            spec
        } else {
            spec.min(CPU_EVAL_CHUNK)
        }
    }

    /// Per TTA variant of the spec, per replica: the TTA logits.
    fn evaluate_tta_all(&self) -> Result<Vec<Vec<Vec<f32>>>, EngineError> {
        self.specs[0]
            .tta
            .iter()
            .map(|&t| self.evaluate_tta(t))
            .collect()
    }

    /// Evaluation-mode forward of the test batch `x` (`[b, c, h, w]`, on the CPU) through every
    /// replica: per replica, its logits and (when `features`) its features, row-major.
    fn forward_eval(&self, x: &Tensor, features: bool) -> Result<Vec<Evaluated>, EngineError> {
        let replicas = self.net.replicas();
        let out = self.net.forward(
            &replicas.broadcast(&x.to_device(self.device)),
            &mut Mode::Eval,
        );
        let per_replica = |t: &Tensor| -> Result<Vec<Vec<f32>>, EngineError> {
            let t = t.to_device(tch::Device::Cpu);
            if replicas.is_solo() {
                return Ok(vec![Vec::<f32>::try_from(t.flatten(0, -1))?]);
            }
            (0..replicas.0)
                .map(|r| Ok(Vec::<f32>::try_from(t.get(r).flatten(0, -1))?))
                .collect()
        };
        let logits = per_replica(&out.logits)?;
        let features = if features {
            per_replica(&out.features)?
        } else {
            vec![Vec::new(); logits.len()]
        };
        Ok(logits.into_iter().zip(features).collect())
    }

    /// Test-set logits and features of every replica in evaluation mode.
    pub(crate) fn evaluate(&self) -> Result<Vec<Evaluated>, EngineError> {
        let ds = &self.data.dataset;
        let len = ds.example_len();
        let dims = [ds.channels as i64, ds.height as i64, ds.width as i64];
        let mut all: Vec<(Vec<f32>, Vec<f32>)> = vec![(Vec::new(), Vec::new()); self.replicas()];
        let _guard = tch::no_grad_guard();
        for chunk in ds.test.x.chunks(self.eval_chunk() * len) {
            let b = (chunk.len() / len) as i64;
            let x = Tensor::from_slice(chunk).view([b, dims[0], dims[1], dims[2]]);
            for (acc, (logits, features)) in all.iter_mut().zip(self.forward_eval(&x, true)?) {
                acc.0.extend(logits);
                acc.1.extend(features);
            }
        }
        Ok(all)
    }
}

/// The largest evaluation chunk on the CPU (see `Trainer::eval_chunk`).
pub const CPU_EVAL_CHUNK: usize = 256;

/// One replica's test-set logits and features, row-major.
pub(crate) type Evaluated = (Vec<f32>, Vec<f32>);

/// `loss` when it is finite, else [`EngineError::Diverged`] at `epoch` (0-based) and `step`.
///
/// # Errors
/// [`EngineError::Diverged`].
pub(crate) fn finite(loss: f64, epoch: usize, step: usize) -> Result<f64, EngineError> {
    if loss.is_finite() {
        Ok(loss)
    } else {
        Err(EngineError::Diverged {
            epoch: epoch + 1,
            step,
            loss,
        })
    }
}

impl Outcome {
    /// Write the run directory `dest` atomically (see [`runvar_core::store`]).
    ///
    /// # Errors
    /// [`runvar_core::store::StoreError`] naming the path; nothing is left at `dest` then.
    pub fn save(
        &self,
        dest: &std::path::Path,
    ) -> Result<std::path::PathBuf, runvar_core::store::StoreError> {
        self.write(runvar_core::store::RunDirWriter::create(dest)?)
    }

    /// Write the run's files through `w` (made before training, so that a destination that
    /// cannot be written is refused before any work) and commit it.
    ///
    /// # Errors
    /// As [`Outcome::save`].
    pub fn write(
        &self,
        w: runvar_core::store::RunDirWriter,
    ) -> Result<std::path::PathBuf, runvar_core::store::StoreError> {
        let n = self.labels.len();
        w.write_json("spec.json", &self.spec_record)?;
        w.write_json(
            "metrics.json",
            &runvar_core::store::MetricsRecord {
                epochs: self.epochs.clone(),
            },
        )?;
        w.write_npy_f32("logits.npy", &[n, self.record.classes], &self.logits)?;
        w.write_npy_f32(
            "features.npy",
            &[n, self.record.feature_dim],
            &self.features,
        )?;
        w.write_npy_i64("labels.npy", &[n], &self.labels)?;
        for (t, logits) in &self.tta {
            w.write_npy_f32(
                &format!("logits_tta_{}.npy", t.name()),
                &[n, self.record.classes],
                logits,
            )?;
        }
        if !self.snapshots.is_empty() {
            let shape = [self.snapshots.len(), n, self.record.classes];
            let all: Vec<f32> = self
                .snapshots
                .iter()
                .flat_map(|s| s.logits.iter().copied())
                .collect();
            w.write_npy_f32("snapshots.npy", &shape, &all)?;
            for (k, t) in self.spec_record.spec.tta.iter().enumerate() {
                let all: Vec<f32> = self
                    .snapshots
                    .iter()
                    .flat_map(|s| s.tta[k].iter().copied())
                    .collect();
                w.write_npy_f32(&format!("snapshots_tta_{}.npy", t.name()), &shape, &all)?;
            }
        }
        w.write_json("record.json", &self.record)?;
        w.commit()
    }
}
