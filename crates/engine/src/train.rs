//! One training run: build, flip, train, evaluate.

use std::time::Instant;

use runvar_core::batches::{AugmentDraw, EpochPlan};
use runvar_core::schedule::LrSchedule;
use runvar_core::seed::{stream, Source};
use runvar_core::spec::{Device, RunSpec};
use runvar_core::store::{BitFlipRecord, Environment, EpochMetrics, RunRecord, SpecRecord};
use runvar_core::tta::{Tta, TTA_PADDING};
use tch::nn::{OptimizerConfig, VarStore};
use tch::Tensor;

use crate::batch::{gather, Geometry};
use crate::data::Prepared;
use crate::model::{self, init::Init, layers::REDUCED_LR_GROUP, Mode, Network, Shape};
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

/// A built, initialized (and possibly bit-flipped) network, ready to train.
pub struct Trainer<'a> {
    spec: RunSpec,
    data: &'a Prepared,
    vs: VarStore,
    net: Box<dyn Network>,
    device: tch::Device,
    environment: Environment,
    bit_flip: Option<BitFlipRecord>,
    trace: bool,
}

impl<'a> Trainer<'a> {
    /// Resolve the thread count, set it, build the network from the init stream on the spec's
    /// device, and apply the bit flip if the spec has one.
    ///
    /// # Errors
    /// [`EngineError::Device`] when the device is unavailable; [`EngineError::Spec`] when the
    /// model does not fit the data or the bit-flip tensor does not exist.
    pub fn new(spec: &RunSpec, data: &'a Prepared) -> Result<Trainer<'a>, EngineError> {
        let mut spec = spec.clone();
        spec.threads = device::resolve_threads(spec.threads);
        device::set_threads(spec.threads);
        // Off: deterministic kernels everywhere. On CUDA, on: cuDNN may pick nondeterministic
        // (benchmarked) algorithms, the paper's low-level source. On CPU the source is the
        // in-minibatch permutation instead, and the kernels stay deterministic.
        device::set_deterministic(!(spec.low_level && spec.device == Device::Cuda));
        let device = device::tch_device(spec.device)?;
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
        let mut init = Init::new(stream(spec.seeds.init, Source::Init, 0));
        let net = model::build(&spec.model, &vs.root(), shape, &mut init)?;
        let bit_flip = match &spec.bit_flip {
            Some(flip) => Some(crate::bitflip::apply(&vs, flip, net.first_weight())?),
            None => None,
        };
        Ok(Trainer {
            environment: device::environment(device, spec.threads),
            spec,
            data,
            vs,
            net,
            device,
            bit_flip,
            trace: false,
        })
    }

    /// The resolved spec (threads resolved) this run trains.
    pub fn spec(&self) -> &RunSpec {
        &self.spec
    }

    /// Keep each epoch's data draws in [`Outcome::trace`].
    pub fn with_trace(mut self) -> Self {
        self.trace = true;
        self
    }

    /// The current variables, sorted by name (see [`params::snapshot`]).
    pub fn params(&self) -> Vec<(String, Vec<f32>)> {
        params::snapshot(&self.vs)
    }

    /// The bit flip applied at construction, if any.
    pub fn bit_flip(&self) -> Option<&BitFlipRecord> {
        self.bit_flip.as_ref()
    }

    /// Number of trainable parameters.
    pub fn param_count(&self) -> usize {
        params::count(&self.vs)
    }

    /// Train for the recipe's epochs, evaluating the test set after each, and return the run.
    ///
    /// # Errors
    /// [`EngineError::Diverged`] on a non-finite loss; [`EngineError::Torch`].
    pub fn run(self, on_event: &mut dyn FnMut(Event)) -> Result<Outcome, EngineError> {
        let start = Instant::now();
        let t = &self.spec.train;
        let ds = &self.data.dataset;
        let schedule = self.schedule();
        let mut opt = self.optimizer()?;
        on_event(Event::Started {
            total_steps: schedule.total_steps(),
        });
        let mut buf = Vec::new();
        let mut epochs = Vec::new();
        let mut trace = Vec::new();
        let mut snapshots = Vec::new();
        let snapshot_at = if t.cycles > 1 {
            schedule.cycle_ends()
        } else {
            Vec::new()
        };
        let mut step = 0;
        for epoch in 0..t.epochs {
            let plan = self.epoch_plan(epoch);
            let mut dropout_rng = self.dropout_stream(epoch);
            let mut loss_sum = 0.0;
            let batches = plan.order.chunks(t.batch_size);
            let n_batches = batches.len();
            for ids in batches {
                let (x, y) = self.batch(&plan, ids, &mut buf);
                loss_sum += self.step(
                    &mut opt,
                    &x,
                    &y,
                    schedule.lr(step),
                    &mut dropout_rng,
                    epoch,
                    step,
                )?;
                on_event(Event::Step { step });
                step += 1;
                if snapshot_at.contains(&step) {
                    snapshots.push(Snapshot {
                        step,
                        logits: self.evaluate()?.0,
                        tta: self.evaluate_tta_all()?,
                    });
                }
            }
            let (logits, _) = self.evaluate()?;
            let (acc, ce) = eval::accuracy_and_ce(&logits, &ds.test.y, ds.classes);
            let m = EpochMetrics {
                epoch: epoch + 1,
                train_loss: loss_sum / n_batches as f64,
                test_accuracy: acc,
                test_cross_entropy: ce,
                elapsed_seconds: start.elapsed().as_secs_f64(),
            };
            on_event(Event::Epoch(m.clone()));
            epochs.push(m);
            if self.trace {
                let word = dropout_rng.get_word_pos();
                trace.push(EpochTrace {
                    order: plan.order,
                    augment: plan.augment,
                    dropout_draws: word as usize,
                });
            }
        }
        let (logits, features) = self.evaluate()?;
        let tta = self
            .spec
            .tta
            .iter()
            .copied()
            .zip(self.evaluate_tta_all()?)
            .collect();
        let last = epochs.last().expect("at least one epoch");
        let record = RunRecord {
            param_count: params::count(&self.vs),
            param_hash: params::hash(&self.vs),
            bit_flip: self.bit_flip.clone(),
            test_accuracy: last.test_accuracy,
            test_cross_entropy: last.test_cross_entropy,
            n_test: ds.test.len(),
            classes: ds.classes,
            feature_dim: self.net.feature_dim(),
            wall_seconds: start.elapsed().as_secs_f64(),
        };
        Ok(Outcome {
            spec_record: SpecRecord {
                spec: self.spec.clone(),
                environment: self.environment.clone(),
            },
            record,
            epochs,
            logits,
            features,
            labels: ds.test.y.clone(),
            trace,
            tta,
            snapshots,
        })
    }

    /// The recipe's learning-rate schedule over this run's training set.
    pub(crate) fn schedule(&self) -> LrSchedule {
        LrSchedule::new(&self.spec.train, self.data.dataset.train.len())
    }

    /// SGD with the recipe's momentum and weight decay (PyTorch semantics).
    pub(crate) fn optimizer(&self) -> Result<tch::nn::Optimizer, EngineError> {
        let t = &self.spec.train;
        Ok(tch::nn::Sgd {
            momentum: t.momentum,
            dampening: 0.0,
            wd: t.weight_decay,
            nesterov: false,
        }
        .build(&self.vs, t.lr)?)
    }

    /// The data draws of `epoch` for this run.
    pub(crate) fn epoch_plan(&self, epoch: usize) -> EpochPlan {
        let ds = &self.data.dataset;
        EpochPlan::new(
            &self.spec.seeds,
            epoch,
            ds.train.len(),
            self.spec.train.batch_size,
            self.spec.low_level && !self.device.is_cuda(),
            &self.spec.data.augment,
            ds.height > 1,
        )
    }

    /// The dropout stream of `epoch`.
    pub(crate) fn dropout_stream(&self, epoch: usize) -> rand_chacha::ChaCha20Rng {
        stream(self.spec.seeds.dropout, Source::Dropout, epoch as u64)
    }

    /// The input and label tensors of examples `ids`, cropped and flipped per `plan`.
    pub(crate) fn batch(
        &self,
        plan: &EpochPlan,
        ids: &[usize],
        buf: &mut Vec<f32>,
    ) -> (Tensor, Tensor) {
        let ds = &self.data.dataset;
        let geo = Geometry {
            channels: ds.channels,
            height: ds.height,
            width: ds.width,
        };
        let aug = &self.spec.data.augment;
        gather(
            &ds.train,
            geo,
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

    /// One SGD step at learning rate `lr` (1-D parameters at the reduced rate); the loss.
    ///
    /// # Errors
    /// [`EngineError::Diverged`] when the loss is not finite.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn step(
        &self,
        opt: &mut tch::nn::Optimizer,
        x: &Tensor,
        y: &Tensor,
        lr: f64,
        dropout: &mut rand_chacha::ChaCha20Rng,
        epoch: usize,
        step: usize,
    ) -> Result<f64, EngineError> {
        let out = self.net.forward(x, &mut Mode::Train(dropout));
        let loss = out.logits.cross_entropy_for_logits(y);
        opt.set_lr_group(0, lr);
        opt.set_lr_group(REDUCED_LR_GROUP, lr * self.spec.train.reduced_lr_factor);
        opt.backward_step(&loss);
        let l = loss.double_value(&[]);
        if !l.is_finite() {
            return Err(EngineError::Diverged {
                epoch: epoch + 1,
                step,
                loss: l,
            });
        }
        Ok(l)
    }

    /// Test logits averaged over the views of `tta` (PROTOCOL.md section 7), the views
    /// summed in f64 in view order.
    ///
    /// # Errors
    /// [`EngineError::Spec`] when the variant does not apply to this data (a mirror of a 1-D
    /// signal).
    pub fn evaluate_tta(&self, tta: Tta) -> Result<Vec<f32>, EngineError> {
        let ds = &self.data.dataset;
        let views = tta
            .views(ds.height > 1)
            .map_err(|e| EngineError::spec("tta", e.to_string()))?;
        let geo = Geometry {
            channels: ds.channels,
            height: ds.height,
            width: ds.width,
        };
        let n = ds.test.len();
        let ids: Vec<usize> = (0..n).collect();
        let mut sum = vec![0f64; n * ds.classes];
        let mut buf = Vec::new();
        let _guard = tch::no_grad_guard();
        for view in &views {
            let draws = vec![*view; n];
            for chunk in ids.chunks(self.spec.train.eval_batch_size) {
                gather(
                    &ds.test,
                    geo,
                    chunk,
                    &draws,
                    TTA_PADDING,
                    &self.data.pad_value,
                    &mut buf,
                );
                let x = Tensor::from_slice(&buf)
                    .view([
                        chunk.len() as i64,
                        ds.channels as i64,
                        ds.height as i64,
                        ds.width as i64,
                    ])
                    .to_device(self.device);
                let out = self.net.forward(&x, &mut Mode::Eval);
                let logits =
                    Vec::<f32>::try_from(out.logits.to_device(tch::Device::Cpu).flatten(0, -1))?;
                let offset = chunk[0] * ds.classes;
                for (s, v) in sum[offset..offset + logits.len()].iter_mut().zip(logits) {
                    *s += v as f64;
                }
            }
        }
        let k = views.len() as f64;
        Ok(sum.into_iter().map(|s| (s / k) as f32).collect())
    }

    fn evaluate_tta_all(&self) -> Result<Vec<Vec<f32>>, EngineError> {
        self.spec
            .tta
            .iter()
            .map(|&t| self.evaluate_tta(t))
            .collect()
    }

    /// Test-set logits and features in evaluation mode.
    pub(crate) fn evaluate(&self) -> Result<(Vec<f32>, Vec<f32>), EngineError> {
        let ds = &self.data.dataset;
        let len = ds.example_len();
        let dims = [ds.channels as i64, ds.height as i64, ds.width as i64];
        let mut logits = Vec::with_capacity(ds.test.len() * ds.classes);
        let mut features = Vec::with_capacity(ds.test.len() * self.net.feature_dim());
        let _guard = tch::no_grad_guard();
        for chunk in ds.test.x.chunks(self.spec.train.eval_batch_size * len) {
            let b = (chunk.len() / len) as i64;
            let x = Tensor::from_slice(chunk)
                .view([b, dims[0], dims[1], dims[2]])
                .to_device(self.device);
            let out = self.net.forward(&x, &mut Mode::Eval);
            logits.extend(Vec::<f32>::try_from(
                out.logits.to_device(tch::Device::Cpu).flatten(0, -1),
            )?);
            features.extend(Vec::<f32>::try_from(
                out.features.to_device(tch::Device::Cpu).flatten(0, -1),
            )?);
        }
        Ok((logits, features))
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
        let w = runvar_core::store::RunDirWriter::create(dest)?;
        let n = self.labels.len();
        w.write_json("spec.json", &self.spec_record)?;
        w.write_json("metrics.json", &self.epochs)?;
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
