//! Evaluation of the test set: every replica's logits and features in evaluation mode, plain
//! or averaged over the views of a test-time augmentation (docs/protocol.md section 7).
//!
//! Evaluation is per example (no batch statistics in evaluation mode), so the chunk size never
//! changes results.

use runvar_core::data::Prepared;
use runvar_core::runspec::{Tta, TTA_PADDING};
use tch::Tensor;

use crate::assemble::{gather, Geometry};
use crate::model::{Mode, Network};
use crate::EngineError;

/// The largest evaluation chunk on the CPU (see [`Evaluator::new`]).
pub const CPU_EVAL_CHUNK: usize = 256;

/// One replica's test-set logits and features, row-major.
pub type Evaluated = (Vec<f32>, Vec<f32>);

/// Evaluates a (possibly packed) network on the test set of its data.
pub struct Evaluator<'a> {
    net: &'a dyn Network,
    data: &'a Prepared,
    device: tch::Device,
    chunk: usize,
}

impl<'a> Evaluator<'a> {
    /// The evaluator of `net` on `data`'s test set, run on `device`.
    ///
    /// Test examples per forward pass: `eval_batch_size`, and on the CPU at most
    /// [`CPU_EVAL_CHUNK`]: there, chunks of 1,000 ResNet inputs were twice as slow as chunks of
    /// 250 (their activations pass glibc's mmap threshold and are page-faulted in on every
    /// call).
    pub fn new(
        net: &'a dyn Network,
        data: &'a Prepared,
        device: tch::Device,
        eval_batch_size: usize,
    ) -> Evaluator<'a> {
        let chunk = if device.is_cuda() {
            eval_batch_size
        } else {
            eval_batch_size.min(CPU_EVAL_CHUNK)
        };
        Evaluator {
            net,
            data,
            device,
            chunk,
        }
    }

    /// Test-set logits and features of every replica in evaluation mode.
    ///
    /// # Errors
    /// [`EngineError::Torch`].
    pub fn test_set(&self) -> Result<Vec<Evaluated>, EngineError> {
        let ds = &self.data.dataset;
        let len = ds.example_len();
        let dims = [ds.channels as i64, ds.height as i64, ds.width as i64];
        let mut all: Vec<Evaluated> = vec![(Vec::new(), Vec::new()); self.replicas()];
        let _guard = tch::no_grad_guard();
        for chunk in ds.test.x.chunks(self.chunk * len) {
            let b = (chunk.len() / len) as i64;
            let x = Tensor::from_slice(chunk).view([b, dims[0], dims[1], dims[2]]);
            for (acc, (logits, features)) in all.iter_mut().zip(self.forward(&x, true)?) {
                acc.0.extend(logits);
                acc.1.extend(features);
            }
        }
        Ok(all)
    }

    /// Test logits of every replica averaged over the views of `tta`, the views summed in f64
    /// in view order.
    ///
    /// # Errors
    /// [`EngineError::Spec`] when the variant does not apply to this data (a mirror of a 1-D
    /// signal); [`EngineError::Torch`].
    pub fn tta(&self, tta: Tta) -> Result<Vec<Vec<f32>>, EngineError> {
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
        let mut sums = vec![vec![0f64; n * ds.classes]; self.replicas()];
        let mut buf = Vec::new();
        let _guard = tch::no_grad_guard();
        for view in &views {
            let draws = vec![*view; n];
            for chunk in ids.chunks(self.chunk) {
                gather(
                    &ds.test,
                    geo,
                    chunk,
                    &draws[..chunk.len()],
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
                for (sum, (logits, _)) in sums.iter_mut().zip(self.forward(&x, false)?) {
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

    /// Per variant of `ttas`, per replica: the [`Evaluator::tta`] logits.
    ///
    /// # Errors
    /// As [`Evaluator::tta`].
    pub fn ttas(&self, ttas: &[Tta]) -> Result<Vec<Vec<Vec<f32>>>, EngineError> {
        ttas.iter().map(|&t| self.tta(t)).collect()
    }

    fn replicas(&self) -> usize {
        self.net.replicas().0 as usize
    }

    /// Evaluation-mode forward of the test batch `x` (`[b, c, h, w]`, on the CPU) through every
    /// replica: per replica, its logits and (when `features`) its features, row-major.
    fn forward(&self, x: &Tensor, features: bool) -> Result<Vec<Evaluated>, EngineError> {
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
}
