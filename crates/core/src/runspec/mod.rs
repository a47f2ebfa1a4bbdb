//! What the user asks for: the run specification, its presets, parsing and validation.
//!
//! A [`RunSpec`] fixes everything that determines a run: data, model, recipe, one seed per
//! source of randomness, whether low-level nondeterminism is on, the optional bit flip, the
//! thread count and the device. Specs serialize to TOML and JSON with the same keys; unknown keys
//! are rejected. A spec file may start from a preset (`preset = "digits-mlp"`) and override any
//! key of it.

mod cost;
mod data;
mod error;
mod model;
mod presets;
mod train;
mod tta;
mod validate;

use std::path::Path;

use serde::{Deserialize, Serialize};

pub use cost::{check_training_memory, FitError, Footprint};
pub use data::{
    AugmentDraw, AugmentSpec, DataGeometry, DataSpec, DatasetName, SegmentOrder,
    DEFAULT_EVAL_WINDOW,
};
pub use error::SpecError;
pub use model::{ModelSpec, Positions};
pub use presets::{preset, PRESETS};
pub use train::{Layout, Optimizer, Precision, Schedule, TrainSpec};
pub use tta::{Tta, TTA_PADDING};

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
    /// The run's resample of the training set ([`crate::resample`]); `None` (the default, and
    /// absent from the file): the full training set, every example once per epoch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<u64>,
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
    pub tta: Vec<Tta>,
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

    /// True for a language model (a text corpus and an LSTM or Transformer).
    pub fn is_lm(&self) -> bool {
        self.data.dataset.is_text()
    }

    /// Training examples of one step: the batch for a classifier; for a language model, the
    /// tokens of a step (`batch_size` streams of `bptt` tokens).
    pub fn examples_per_step(&self) -> usize {
        self.train.batch_size * self.data.bptt.filter(|_| self.is_lm()).unwrap_or(1)
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

#[cfg(test)]
mod tests_lm;
