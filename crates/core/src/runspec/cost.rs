//! What one replica of a spec costs, from the spec's shapes alone: trainable parameters, FLOPs
//! and activation elements per example, and the memory of a training step.
//!
//! Everything is counted arithmetically in f64, before anything is built, so an absurd spec
//! (`hidden = [1000000000]`, a ResNet of width 1e9) is sized without overflow or allocation
//! and refused with the largest value that fits ([`check_memory`]). The counts are those of
//! the engine's layers: its tests compare them with a probe forward pass through the built
//! network, preset by preset.

use super::{DataGeometry, ModelSpec, RunSpec, SpecError};
use crate::machine::{check_size, TooLarge};

/// Bytes of a float32.
const F32: f64 = 4.0;

/// A training step keeps about this many activation tensors per counted layer output (the
/// output itself, the ReLU or dropout copy after it, and the gradient flowing back), measured
/// against the peak memory of CPU training runs of the MLP, CNN and ResNet presets.
const ACTIVATION_COPIES: f64 = 3.0;

/// What one replica of a spec costs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Footprint {
    /// Trainable parameters (f64: an absurd spec is counted, not overflowed).
    pub params: f64,
    /// FLOPs of one training example: forward and backward (3x the forward pass).
    pub train_flops_per_example: f64,
    /// Activation elements of one example's forward pass: the outputs of the convolutions,
    /// linear layers and BatchNorms.
    pub activations_per_example: f64,
    /// Width of the penultimate features a run stores (`features.npy`).
    pub feature_dim: f64,
}

/// Running totals while walking a network's layers.
#[derive(Default)]
struct Tally {
    params: f64,
    flops: f64,
    activations: f64,
}

impl Tally {
    /// A linear or convolutional layer: `outputs` elements, each a dot product of `fan_in`,
    /// with `params` weights and biases.
    fn layer(&mut self, outputs: f64, fan_in: f64, params: f64) {
        self.params += params;
        self.flops += 2.0 * outputs * fan_in;
        self.activations += outputs;
    }

    /// A BatchNorm over `channels` with `outputs` elements.
    fn batch_norm(&mut self, outputs: f64, channels: f64) {
        self.params += 2.0 * channels;
        self.activations += outputs;
    }

    /// `times` copies of `other` (identical blocks repeated).
    fn add(&mut self, other: &Tally, times: f64) {
        self.params += times * other.params;
        self.flops += times * other.flops;
        self.activations += times * other.activations;
    }
}

/// Output size of a convolution axis of `size` with kernel `k`, stride `s`, padding `k / 2`.
fn same_out(size: f64, k: f64, s: f64) -> f64 {
    ((size + 2.0 * (k / 2.0).floor() - k) / s).floor() + 1.0
}

impl Footprint {
    /// The footprint of one replica of `spec` on its dataset.
    ///
    /// # Errors
    /// [`SpecError::Invalid`] when the model cannot take the dataset's input (the CNN needs
    /// images of at least 6x6).
    pub fn of(spec: &RunSpec) -> Result<Footprint, SpecError> {
        Footprint::of_model(&spec.model, geometry(spec))
    }

    /// The footprint of `model` on inputs of geometry `g`.
    ///
    /// # Errors
    /// As [`Footprint::of`].
    pub fn of_model(model: &ModelSpec, g: DataGeometry) -> Result<Footprint, SpecError> {
        let (c, h, w) = (g.channels as f64, g.height as f64, g.width as f64);
        let classes = g.classes as f64;
        let mut t = Tally::default();
        let mut features = c * h * w;
        if model.is_lm() {
            return Ok(lm_footprint(model, g));
        }
        match model {
            ModelSpec::Linear => t.layer(classes, c * h * w, (c * h * w + 1.0) * classes),
            ModelSpec::Mlp { hidden, .. } => {
                let mut fan_in = c * h * w;
                for &width in hidden {
                    let width = width as f64;
                    t.layer(width, fan_in, (fan_in + 1.0) * width);
                    fan_in = width;
                }
                t.layer(classes, fan_in, (fan_in + 1.0) * classes);
                features = fan_in;
            }
            ModelSpec::Cnn { .. } => {
                if g.height < 6 || g.width < 6 {
                    return Err(SpecError::Invalid {
                        field: "model.kind".into(),
                        message: format!(
                            "the cnn needs images of at least 6x6; this dataset has {}x{}",
                            g.height, g.width
                        ),
                    });
                }
                t.layer(
                    32.0 * (h - 2.0) * (w - 2.0),
                    c * 9.0,
                    32.0 * (c * 9.0 + 1.0),
                );
                t.layer(
                    64.0 * (h - 4.0) * (w - 4.0),
                    32.0 * 9.0,
                    64.0 * (32.0 * 9.0 + 1.0),
                );
                let flat = 64.0 * ((h - 4.0) / 2.0).floor() * ((w - 4.0) / 2.0).floor();
                t.layer(128.0, flat, (flat + 1.0) * 128.0);
                t.layer(classes, 128.0, 129.0 * classes);
                features = 128.0;
            }
            ModelSpec::Lstm { .. } | ModelSpec::Transformer { .. } => {}
            ModelSpec::Resnet { depth, width } => {
                let blocks = (depth.saturating_sub(2) / 6) as f64;
                let widths = [16.0, 32.0, 64.0].map(|base: f64| (base * width).round().max(1.0));
                let kh = if g.height == 1 { 1.0 } else { 3.0 };
                let conv = |t: &mut Tally, c_in: f64, c_out: f64, (h, w): (f64, f64)| {
                    t.layer(c_out * h * w, c_in * kh * 3.0, c_out * c_in * kh * 3.0);
                };
                conv(&mut t, c, widths[0], (h, w));
                t.batch_norm(widths[0] * h * w, widths[0]);
                let (mut c_in, mut size) = (widths[0], (h, w));
                for (stage, &c_out) in widths.iter().enumerate() {
                    if blocks == 0.0 {
                        break;
                    }
                    let stride = if stage > 0 { 2.0 } else { 1.0 };
                    let sh = if kh == 1.0 { 1.0 } else { stride };
                    let out = (same_out(size.0, kh, sh), same_out(size.1, 3.0, stride));
                    // The first block: conv1 (strided), bn1, conv2, bn2, and a shortcut BN on
                    // the subsampled input when the width or the resolution changes.
                    conv(&mut t, c_in, c_out, out);
                    t.batch_norm(c_out * out.0 * out.1, c_out);
                    conv(&mut t, c_out, c_out, out);
                    t.batch_norm(c_out * out.0 * out.1, c_out);
                    if stride != 1.0 || c_in != c_out {
                        t.batch_norm(c_in * out.0 * out.1, c_in);
                    }
                    // The stage's other blocks are alike: conv, bn, conv, bn at `c_out`.
                    let mut other = Tally::default();
                    for _ in 0..2 {
                        conv(&mut other, c_out, c_out, out);
                        other.batch_norm(c_out * out.0 * out.1, c_out);
                    }
                    t.add(&other, blocks - 1.0);
                    (c_in, size) = (c_out, out);
                }
                t.layer(classes, c_in, (c_in + 1.0) * classes);
                features = c_in;
            }
        }
        Ok(Footprint {
            params: t.params,
            train_flops_per_example: 3.0 * t.flops,
            activations_per_example: t.activations,
            feature_dim: features,
        })
    }

    /// Estimated peak bytes of one replica training at `batch`: parameters, gradients and
    /// momentum, plus the activations of a step.
    pub fn bytes_per_replica(&self, batch: usize) -> f64 {
        F32 * (3.0 * self.params + ACTIVATION_COPIES * batch as f64 * self.activations_per_example)
    }

    /// Estimated bytes one replica's training step moves through memory: each activation
    /// written in the forward pass, read and its gradient written in the backward pass; each
    /// parameter read twice, its gradient written, and the optimizer's read-modify-write of
    /// parameter, gradient and momentum. A lower bound: kernels re-read inputs.
    pub fn bytes_per_step(&self, batch: usize) -> f64 {
        F32 * (3.0 * batch as f64 * self.activations_per_example + 8.0 * self.params)
    }
}

/// Why training a spec cannot start: the model does not fit the data, or the memory.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FitError {
    /// The model cannot take the dataset's input.
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// The pack, the batch or the model is too large for the memory.
    #[error(transparent)]
    Memory(#[from] Box<TooLarge>),
}

/// Check that a pack of `pack` replicas of `spec` trains in `available` bytes of `place`
/// (`this machine`, `the GPU`), sized from [`Footprint::of`] before anything is built. The
/// refusal names the setting to change, with the largest value that fits: the pack when one
/// replica fits, else the batch size when the model itself fits, else the model's size (the
/// widest hidden layer of an MLP, a ResNet's width).
///
/// # Errors
/// [`FitError`].
pub fn check_training_memory(
    spec: &RunSpec,
    pack: usize,
    available: f64,
    place: &str,
) -> Result<Footprint, FitError> {
    let fp = Footprint::of(spec)?;
    let batch = spec.train.batch_size;
    let usable = crate::machine::USABLE_SHARE * available;
    // A language model's batch is of streams, each `bptt` tokens a step.
    let per_row = spec.examples_per_step() / batch.max(1);
    let total =
        |k: u64, b: u64, fp: &Footprint| k as f64 * fp.bytes_per_replica(b as usize * per_row);
    let place_it = |mut e: Box<TooLarge>| {
        e.place = place.to_string();
        e
    };
    let (k, b) = (pack as u64, batch as u64);
    if total(k, b, &fp) <= usable {
        return Ok(fp);
    }
    let purpose = |k: u64| match k {
        1 => "training one replica".to_string(),
        k => format!("training a pack of {k} replicas"),
    };
    if k > 1 && total(1, b, &fp) <= usable {
        let e = check_size("--pack", k, &purpose(k), available, |k| total(k, b, &fp));
        return Err(place_it(e.expect_err("the pack does not fit")).into());
    }
    if total(k, 1, &fp) <= usable {
        let e = check_size("train.batch_size", b, &purpose(k), available, |b| {
            total(k, b, &fp)
        });
        return Err(place_it(e.expect_err("the batch does not fit")).into());
    }
    // The model itself is too large: find the largest size of it that fits (batch 1, alone).
    let g = geometry(spec);
    let resized = |model: ModelSpec| {
        Footprint::of_model(&model, g).map_or(f64::INFINITY, |f| total(1, 1, &f))
    };
    let mut e = match &spec.model {
        ModelSpec::Mlp { hidden, dropout } if !hidden.is_empty() => {
            let widest = (0..hidden.len())
                .max_by_key(|&i| (hidden[i], std::cmp::Reverse(i)))
                .unwrap_or(0);
            let with = |w: u64| {
                let mut h = hidden.clone();
                h[widest] = w as usize;
                resized(ModelSpec::Mlp {
                    hidden: h,
                    dropout: *dropout,
                })
            };
            let field = format!("model.hidden[{widest}]");
            check_size(&field, hidden[widest] as u64, &purpose(1), available, with)
                .expect_err("the model does not fit")
        }
        ModelSpec::Resnet { depth, width } => {
            // Bisect on the first stage's channels, 16 x width, then say it as a width.
            let channels = (16.0 * width).round().max(1.0);
            let with = |c: u64| {
                resized(ModelSpec::Resnet {
                    depth: *depth,
                    width: c as f64 / 16.0,
                })
            };
            let mut e = check_size("model.width", channels as u64, &purpose(1), available, with)
                .expect_err("the model does not fit");
            e.value = width.to_string();
            e.largest = e
                .largest
                .as_ref()
                .map(|_| (e.largest_count as f64 / 16.0).to_string());
            e
        }
        // The linear model and the CNN have no size to change.
        _ => check_size("train.batch_size", b, &purpose(1), available, |b| {
            total(1, b, &fp)
        })
        .expect_err("nothing fits"),
    };
    e.needed = total(k, b, &fp);
    Err(place_it(e).into())
}

/// The geometry a spec's model is sized on: its dataset's, with a language model's context
/// (the segment length, `data.bptt`) as the width of its one-token examples.
fn geometry(spec: &RunSpec) -> DataGeometry {
    let mut g = spec.data.dataset.geometry();
    if spec.is_lm() {
        g.width = spec.data.bptt.unwrap_or(1);
    }
    g
}

/// A language model's footprint per token (an "example" is one position of a segment), on a
/// vocabulary of `g.classes` with a context of `g.width` tokens. LSTM layer `l` of input width
/// `i` has `4h(i + h + 2)` parameters and `8h(i + h)` FLOPs a token; attention's scores and
/// weighted sums add `4 T d` FLOPs a token for a context of `T`; the decoder `2 h V`.
fn lm_footprint(model: &ModelSpec, g: DataGeometry) -> Footprint {
    let (v, ctx) = (g.classes as f64, g.width as f64);
    let mut t = Tally::default();
    let (width, tie) = match *model {
        ModelSpec::Lstm {
            embed,
            hidden,
            layers,
            tie,
            ..
        } => {
            let (e, h) = (embed as f64, hidden as f64);
            t.params += v * e;
            t.activations += e;
            let mut fan_in = e;
            for _ in 0..layers {
                t.layer(4.0 * h, fan_in + h, 4.0 * h * (fan_in + h + 2.0));
                // The cell state, the hidden state and the gates' nonlinearities.
                t.activations += 2.0 * h + 4.0 * h;
                fan_in = h;
            }
            (h, tie)
        }
        ModelSpec::Transformer {
            dim,
            heads,
            layers,
            ff,
            positions,
            tie,
            ..
        } => {
            let (d, f, a) = (dim as f64, ff as f64, heads as f64);
            t.params += v * d;
            if positions == super::Positions::Learned {
                t.params += ctx * d;
            }
            t.activations += d;
            let mut block = Tally::default();
            block.batch_norm(d, d); // LayerNorm: a scale and a shift per channel
            block.layer(3.0 * d, d, 3.0 * d * (d + 1.0));
            block.flops += 4.0 * ctx * d;
            block.activations += 2.0 * a * ctx;
            block.layer(d, d, d * (d + 1.0));
            block.batch_norm(d, d);
            block.layer(f, d, f * (d + 1.0));
            block.layer(d, f, d * (f + 1.0));
            t.add(&block, layers as f64);
            t.batch_norm(d, d);
            (d, tie)
        }
        _ => (0.0, false),
    };
    // The decoder: its own weight unless tied to the embedding, and a bias.
    t.layer(v, width, if tie { v } else { v * (width + 1.0) });
    Footprint {
        params: t.params,
        train_flops_per_example: 3.0 * t.flops,
        activations_per_example: t.activations,
        feature_dim: width,
    }
}
