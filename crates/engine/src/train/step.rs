//! One step of the loop: the minibatch of every replica, and one SGD step on it.

use rand_chacha::ChaCha20Rng;
use runvar_core::runspec::AugmentDraw;
use runvar_core::runspec::{Optimizer, Precision, TrainSpec};
use tch::nn::OptimizerConfig;
use tch::Tensor;

use super::epoch::Draws;
use super::Trainer;
use crate::assemble::gather;
use crate::model::{layers::REDUCED_LR_GROUP, Mode};
use crate::{device, EngineError};

impl Trainer<'_> {
    /// The recipe's optimizer over every replica's variables ([`build_optimizer`]).
    pub(crate) fn optimizer(&self) -> Result<tch::nn::Optimizer, EngineError> {
        build_optimizer(&self.vs, &self.specs[0].train)
    }

    /// The input and label tensors of examples `ids`, `ids[k]` cropped and flipped per
    /// `augment[k]` (empty: none).
    pub(crate) fn batch(
        &self,
        ids: &[usize],
        augment: &[AugmentDraw],
        buf: &mut Vec<f32>,
    ) -> (Tensor, Tensor) {
        let aug = &self.specs[0].data.augment;
        if let Some(dev) = &self.device_train {
            return dev.batch(ids, augment, aug.crop_padding);
        }
        let ds = &self.data.dataset;
        gather(
            &ds.train,
            self.geometry(),
            ids,
            augment,
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

    /// Each replica's minibatch `batch` of its plan in `draws`, in the pack's input layout;
    /// labels `[b]` for one replica, `[K, b]` for a pack.
    pub(crate) fn pack_batch(
        &self,
        draws: &Draws,
        batch: usize,
        bufs: &mut [Vec<f32>],
    ) -> (Tensor, Tensor) {
        let (xs, ys): (Vec<Tensor>, Vec<Tensor>) = draws
            .batch(batch)
            .into_iter()
            .zip(bufs.iter_mut())
            .map(|((ids, augment), buf)| self.batch(ids, &augment, buf))
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
        opt.zero_grad();
        loss.backward();
        // A pack with clipping is refused when it is built: the norm would mix replicas.
        if let Some(max) = self.specs[0].train.clip {
            opt.clip_grad_norm(max);
        }
        opt.step();
        Ok(losses)
    }
}

/// The optimizer of recipe `t` over the variables of `vs`: SGD with momentum, or Adam (betas
/// 0.9 and 0.999, eps 1e-8), with `t.weight_decay` as an L2 term; PyTorch's semantics. Every
/// update is elementwise, so a pack's replicas are updated exactly as they would be alone.
///
/// # Errors
/// [`EngineError::Torch`].
pub(crate) fn build_optimizer(
    vs: &tch::nn::VarStore,
    t: &TrainSpec,
) -> Result<tch::nn::Optimizer, EngineError> {
    Ok(match t.optimizer {
        Optimizer::Sgd => tch::nn::Sgd {
            momentum: t.momentum,
            dampening: 0.0,
            wd: t.weight_decay,
            nesterov: false,
        }
        .build(vs, t.lr)?,
        Optimizer::Adam => tch::nn::Adam {
            beta1: 0.9,
            beta2: 0.999,
            wd: t.weight_decay,
            eps: 1e-8,
            amsgrad: false,
        }
        .build(vs, t.lr)?,
    })
}

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
