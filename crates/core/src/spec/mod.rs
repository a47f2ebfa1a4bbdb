//! What the user asks for: the run specification, its presets, parsing and validation.
//!
//! A [`RunSpec`] fixes everything that determines a run: data, model, recipe, one seed per
//! source of randomness, whether low-level nondeterminism is on, the optional bit flip, the
//! thread count and the device. Specs serialize to TOML and JSON with the same keys; unknown keys
//! are rejected. A spec file may start from a preset (`preset = "digits-mlp"`) and override any
//! key of it.

mod cost;
mod error;
mod presets;
mod validate;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use cost::{check_training_memory, FitError, Footprint};
pub use error::SpecError;
pub use presets::{preset, PRESETS};

/// Which dataset a run trains on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DatasetName {
    /// UCI 8x8 handwritten digits, embedded in the binary.
    Digits,
    /// Procedurally generated 1-D digits (Greydanus 2020), generated from `data.seed`.
    Mnist1d,
    /// MNIST from IDX files in `data.dir`.
    Mnist,
    /// Fashion-MNIST from IDX files in `data.dir`.
    FashionMnist,
    /// CIFAR-10 binary batches in `data.dir`.
    Cifar10,
}

impl DatasetName {
    /// The spelling used in specs.
    pub fn name(self) -> &'static str {
        match self {
            DatasetName::Digits => "digits",
            DatasetName::Mnist1d => "mnist1d",
            DatasetName::Mnist => "mnist",
            DatasetName::FashionMnist => "fashion-mnist",
            DatasetName::Cifar10 => "cifar10",
        }
    }

    /// Example shape, class count and split sizes of the full dataset.
    pub fn geometry(self) -> DataGeometry {
        let (channels, height, width, train, test) = match self {
            DatasetName::Digits => (1, 8, 8, 1348, 449),
            DatasetName::Mnist1d => (1, 1, 40, 4000, 1000),
            DatasetName::Mnist | DatasetName::FashionMnist => (1, 28, 28, 60_000, 10_000),
            DatasetName::Cifar10 => (3, 32, 32, 50_000, 10_000),
        };
        DataGeometry {
            channels,
            height,
            width,
            classes: 10,
            train,
            test,
        }
    }

    /// True when the dataset is read from files in a data directory.
    pub fn needs_dir(self) -> bool {
        matches!(
            self,
            DatasetName::Mnist | DatasetName::FashionMnist | DatasetName::Cifar10
        )
    }
}

/// Shape of a dataset: example geometry, classes, split sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataGeometry {
    /// Channels per example.
    pub channels: usize,
    /// Height (1 for 1-D signals).
    pub height: usize,
    /// Width.
    pub width: usize,
    /// Classes.
    pub classes: usize,
    /// Training examples.
    pub train: usize,
    /// Test examples.
    pub test: usize,
}

/// Training-time augmentation, drawn per example per epoch from the `augment` stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct AugmentSpec {
    /// Zero-pad by this many pixels, then crop back to the original size at a random offset
    /// (0 = no crop). For 1-D signals the crop is a shift along the signal.
    pub crop_padding: usize,
    /// Mirror horizontally with probability 1/2.
    pub flip: bool,
}

impl AugmentSpec {
    /// True when any augmentation is on.
    pub fn is_active(&self) -> bool {
        self.crop_padding > 0 || self.flip
    }
}

/// The data a run trains and evaluates on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSpec {
    /// The dataset.
    pub dataset: DatasetName,
    /// Folder holding the dataset's files (MNIST, Fashion-MNIST, CIFAR-10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dir: Option<PathBuf>,
    /// Use only the first N training examples.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub train_limit: Option<usize>,
    /// Use only the first N test examples.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_limit: Option<usize>,
    /// Seed of generated datasets (mnist1d). Fixed across replicas: the data is not a source.
    #[serde(default)]
    pub seed: u64,
    /// Training-time augmentation.
    #[serde(default)]
    pub augment: AugmentSpec,
}

/// The network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum ModelSpec {
    /// A single linear layer on the flattened input (multinomial logistic regression).
    Linear,
    /// Fully connected ReLU network.
    Mlp {
        /// Widths of the hidden layers.
        hidden: Vec<usize>,
        /// Dropout probability after each hidden activation.
        #[serde(default)]
        dropout: f64,
    },
    /// The classic PyTorch MNIST CNN: conv3x3(32)-ReLU-conv3x3(64)-ReLU-maxpool2-dropout-
    /// fc(128)-ReLU-dropout-fc.
    Cnn {
        /// Dropout after the pooling layer (classic: 0.25).
        #[serde(default)]
        dropout: f64,
        /// Dropout after the hidden fully connected layer (classic: 0.5).
        #[serde(default)]
        dropout_fc: f64,
    },
    /// CIFAR ResNet of depth 6n+2 (docs/protocol.md section 4).
    Resnet {
        /// Depth 6n+2: 8, 14, 20, ... (ResNet-14 has n = 2 blocks per stage).
        depth: usize,
        /// Width multiplier on the stage widths 16, 32, 64.
        #[serde(default = "one")]
        width: f64,
    },
}

impl ModelSpec {
    /// True when the model has a dropout layer with a non-zero probability.
    pub fn has_dropout(&self) -> bool {
        match self {
            ModelSpec::Mlp { dropout, .. } => *dropout > 0.0,
            ModelSpec::Cnn {
                dropout,
                dropout_fc,
            } => *dropout > 0.0 || *dropout_fc > 0.0,
            ModelSpec::Linear | ModelSpec::Resnet { .. } => false,
        }
    }
}

fn one() -> f64 {
    1.0
}

/// Learning-rate schedule shape, stepped every iteration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Schedule {
    /// Linear warm-up from 0 to `lr`, then cosine decay to 0.
    Cosine,
    /// Linear warm-up from 0 to `lr`, then constant.
    Constant,
}

/// The optimization recipe: SGD with momentum and weight decay.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainSpec {
    /// Passes over the training set.
    pub epochs: usize,
    /// Minibatch size; the last partial batch of an epoch is kept.
    pub batch_size: usize,
    /// Peak learning rate.
    pub lr: f64,
    /// SGD momentum (PyTorch semantics: no dampening, not Nesterov).
    pub momentum: f64,
    /// L2 weight decay, on all parameters.
    pub weight_decay: f64,
    /// Linear warm-up length in epochs (may be fractional).
    pub warmup_epochs: f64,
    /// Schedule after the warm-up.
    pub schedule: Schedule,
    /// LR multiplier of 1-D parameters (biases, BatchNorm scales and shifts).
    pub reduced_lr_factor: f64,
    /// Batch size for evaluation (does not change results; on the CPU, runvar evaluates in
    /// chunks of at most 256, which is faster there).
    pub eval_batch_size: usize,
    /// Snapshot-ensemble cycles: the epochs are split into this many cosine cycles, each with
    /// the warm-up, and the model is kept at the end of each (docs/protocol.md section 7). 1 = an
    /// ordinary run.
    #[serde(default = "one_cycle", skip_serializing_if = "is_one_cycle")]
    pub cycles: usize,
    /// Arithmetic of the forward pass. `bf16` (opt-in) runs it under bfloat16 autocast, which
    /// changes the numerics: its runs are not comparable bit for bit with fp32 runs.
    #[serde(default, skip_serializing_if = "Precision::is_fp32")]
    pub precision: Precision,
    /// Memory layout of convolution activations and weights. Changes which kernels run, so
    /// runs in different layouts are not comparable bit for bit.
    #[serde(default, skip_serializing_if = "Layout::is_auto")]
    pub layout: Layout,
}

/// Memory layout of convolutions (`[n, c, h, w]` tensors).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Layout {
    /// Chosen per device: channels-last on the CPU (oneDNN's fastest layout, solo and
    /// packed), NCHW on GPUs (PyTorch's default; channels-last there is not measured yet).
    #[default]
    Auto,
    /// Row-major `[n, c, h, w]`, PyTorch's default.
    Nchw,
    /// Channels-last (`n, h, w, c` in memory).
    ChannelsLast,
}

impl Layout {
    /// True for the default.
    pub fn is_auto(&self) -> bool {
        *self == Layout::Auto
    }

    /// Whether convolutions run channels-last on the CPU (`cpu`) or a GPU.
    pub fn channels_last(self, cpu: bool) -> bool {
        match self {
            Layout::Auto => cpu,
            Layout::Nchw => false,
            Layout::ChannelsLast => true,
        }
    }
}

/// Arithmetic of training.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// float32 throughout (the paper's setting).
    #[default]
    Fp32,
    /// bfloat16 autocast of the forward pass (matmuls and convolutions in bfloat16, reductions
    /// and the loss in float32); parameters, gradients and the optimizer stay float32.
    Bf16,
}

impl Precision {
    /// True for float32.
    pub fn is_fp32(&self) -> bool {
        *self == Precision::Fp32
    }
}

fn one_cycle() -> usize {
    1
}

fn is_one_cycle(c: &usize) -> bool {
    *c == 1
}

/// One seed per source of randomness.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Seeds {
    /// Initial parameter values.
    pub init: u64,
    /// Example order per epoch.
    pub shuffle: u64,
    /// Crop offsets and flips.
    pub augment: u64,
    /// Dropout masks.
    pub dropout: u64,
    /// In-minibatch permutation (used only when `low_level` is on).
    pub low_level: u64,
}

/// The one-ULP probe (docs/protocol.md section 2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BitFlipSpec {
    /// Seed choosing the element and the direction.
    pub seed: u64,
    /// Parameter tensor to flip in; default: the first layer's weight.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub param: Option<String>,
}

/// Where training runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Device {
    /// The CPU.
    #[default]
    Cpu,
    /// The first CUDA GPU.
    Cuda,
}

/// Everything that determines one training run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunSpec {
    /// The preset this spec started from, if any (informational).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<String>,
    /// Data.
    pub data: DataSpec,
    /// Model.
    pub model: ModelSpec,
    /// Recipe.
    pub train: TrainSpec,
    /// Seeds.
    #[serde(default)]
    pub seeds: Seeds,
    /// Low-level nondeterminism: on CPU, permute each minibatch with the `low_level` stream.
    #[serde(default)]
    pub low_level: bool,
    /// The optional bit flip.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bit_flip: Option<BitFlipSpec>,
    /// Intra-op threads; 0 means all cores (resolved to a number before the run).
    #[serde(default)]
    pub threads: usize,
    /// Device.
    #[serde(default)]
    pub device: Device,
    /// Test-time augmentations to evaluate at the end (and at each snapshot); the plain logits
    /// are always kept. Evaluation only: training is unchanged.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tta: Vec<crate::tta::Tta>,
}

impl RunSpec {
    /// The named preset.
    ///
    /// # Errors
    /// [`SpecError::UnknownPreset`] listing the known names.
    pub fn from_preset(name: &str) -> Result<RunSpec, SpecError> {
        preset(name).ok_or_else(|| SpecError::UnknownPreset {
            name: name.to_string(),
            known: PRESETS
                .iter()
                .map(|p| p.name)
                .collect::<Vec<_>>()
                .join(", "),
        })
    }

    /// Parse a TOML spec. With `preset = "NAME"`, the file's keys override that preset's.
    ///
    /// # Errors
    /// [`SpecError::Parse`] for bad TOML, unknown or missing keys; [`SpecError::InFile`] for an
    /// unknown preset or a value [`RunSpec::validate`] refuses. Each names `path`.
    pub fn from_toml_str(text: &str, path: &Path) -> Result<RunSpec, SpecError> {
        RunSpec::parse_toml(text, path).map_err(|e| e.in_file(path))
    }

    fn parse_toml(text: &str, path: &Path) -> Result<RunSpec, SpecError> {
        let parse_err = |message: String| SpecError::Parse {
            path: path.to_path_buf(),
            message,
        };
        let user: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| parse_err(e.to_string()))?;
        let merged = match user.get("preset") {
            Some(toml::Value::String(name)) => {
                let base = RunSpec::from_preset(name)?;
                let mut base = toml::Table::try_from(&base).expect("presets serialize to TOML");
                merge(&mut base, user);
                base
            }
            Some(other) => {
                return Err(parse_err(format!(
                    "`preset` must be a string, found {}",
                    other.type_str()
                )))
            }
            None => user,
        };
        let spec: RunSpec =
            serde_path_to_error::deserialize(toml::Value::Table(merged)).map_err(|e| {
                let path = e.path().to_string();
                let inner = e.into_inner();
                let message = inner.message();
                if path == "." {
                    parse_err(message.to_string())
                } else {
                    parse_err(format!("`{path}`: {message}"))
                }
            })?;
        spec.validate()?;
        Ok(spec)
    }

    /// Read and parse a TOML spec file ([`RunSpec::from_toml_str`]).
    ///
    /// # Errors
    /// [`SpecError::Io`] when the file cannot be read, then as [`RunSpec::from_toml_str`].
    pub fn from_toml_file(path: &Path) -> Result<RunSpec, SpecError> {
        let text = std::fs::read_to_string(path).map_err(|source| SpecError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        RunSpec::from_toml_str(&text, path)
    }

    /// The spec as TOML text (round-trips through [`RunSpec::from_toml_str`]).
    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("a RunSpec always serializes to TOML")
    }

    /// Check every field for impossible values.
    ///
    /// # Errors
    /// [`SpecError::Invalid`] naming the first bad field.
    pub fn validate(&self) -> Result<(), SpecError> {
        validate::validate(self)
    }
}

/// Merge `over` into `base`: tables merge key by key, anything else replaces.
fn merge(base: &mut toml::Table, over: toml::Table) {
    for (key, value) in over {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) if key != "model" => merge(b, o),
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => {
                // A different model kind replaces the whole table; the same kind merges.
                if o.get("kind").is_none_or(|k| Some(k) == b.get("kind")) {
                    merge(b, o)
                } else {
                    *b = o
                }
            }
            (_, v) => {
                base.insert(key, v);
            }
        }
    }
}

#[cfg(test)]
mod tests;
