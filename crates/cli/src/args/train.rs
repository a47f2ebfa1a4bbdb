//! `runvar train`: one run, from a preset or a spec file, with seeds and training overrides.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use runvar_core::runspec::Tta;
use runvar_core::runspec::{BitFlipSpec, RunSpec};

use super::run::{DataFlags, DeviceFlag, Limits, LowLevel, Numerics, Output, PerCommand};
use super::run::{RunFlags, Task, Threads};
use super::values::{at_least_one, fraction};

/// `runvar train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// `--preset` or `--spec`, one of them required.
    #[command(flatten)]
    pub task: Task<TrainArgs>,
    /// Seed of the initial parameters.
    #[arg(long, value_name = "SEED")]
    pub seed_init: Option<u64>,
    /// Seed of the example order.
    #[arg(long, value_name = "SEED")]
    pub seed_shuffle: Option<u64>,
    /// Seed of the crops and flips.
    #[arg(long, value_name = "SEED")]
    pub seed_augment: Option<u64>,
    /// Seed of the dropout masks.
    #[arg(long, value_name = "SEED")]
    pub seed_dropout: Option<u64>,
    /// `--low-level`.
    #[command(flatten)]
    pub low_level: LowLevel,
    /// Seed of the low-level permutation.
    #[arg(long, value_name = "SEED")]
    pub seed_low_level: Option<u64>,
    /// Train on a bootstrap resample of the training set (n draws with replacement) drawn from
    /// this seed, instead of the full set: the `data` source.
    #[arg(long, value_name = "SEED")]
    pub seed_data: Option<u64>,
    /// With a data seed: a subsample of round(F x n) distinct training examples, drawn without
    /// replacement, instead of the bootstrap; F in (0, 1].
    #[arg(long, value_parser = fraction, value_name = "F")]
    pub data_fraction: Option<f64>,
    /// Move one initial weight by one float32 ULP; SEED picks the element and the direction.
    #[arg(long, value_name = "SEED")]
    pub bit_flip: Option<u64>,
    /// Tensor to flip in (default: the first layer's weight, e.g. conv1.weight).
    #[arg(long, value_name = "NAME", requires = "bit_flip")]
    pub bit_flip_param: Option<String>,
    /// `--data-dir`, `--epochs`.
    #[command(flatten)]
    pub data: DataFlags,
    /// `--train-limit`, `--test-limit`.
    #[command(flatten)]
    pub limits: Limits,
    /// `--threads`.
    #[command(flatten)]
    pub threads: Threads<TrainArgs>,
    /// `--device`.
    #[command(flatten)]
    pub device: DeviceFlag,
    /// `--precision`, `--layout`.
    #[command(flatten)]
    pub numerics: Numerics,
    /// Train as a snapshot ensemble: the epochs split into C cosine cycles, each with the
    /// warm-up; each snapshot's test logits go to snapshots.npy.
    #[arg(long, value_parser = at_least_one, value_name = "C")]
    pub cycles: Option<usize>,
    /// Also evaluate test-time augmentations (flip, crop25, crop81, flip-crop25, flip-crop81,
    /// grid<step>, flip-grid<step>), comma-separated; logits go to logits_tta_<name>.npy.
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub tta: Option<Vec<String>>,
    /// The run directory to create (default: runs/<name>-<UTC time>).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// `--json`, `--quiet`.
    #[command(flatten)]
    pub output: Output<TrainArgs>,
}

impl PerCommand for TrainArgs {
    const PRESET_HELP: &'static str = "Start from this preset (`runvar presets` lists them)";
    const SPEC_HELP: &'static str = "Read the run spec from this TOML file (it may say `preset = \
                                     \"NAME\"` and override keys)";
    const THREADS: usize = 0;
    const THREADS_HELP: &'static str =
        "Intra-op threads (results depend on it; default: the spec's, 0 = all cores)";
    const JSON_HELP: &'static str = "Print record.json to stdout instead of the summary";
}

impl TrainArgs {
    /// The run the arguments describe, validated: the preset or file, then the flags on top.
    ///
    /// # Errors
    /// The spec cannot be had, an unknown `--tta` name, or a value the spec refuses.
    pub fn run_spec(&self) -> anyhow::Result<RunSpec> {
        let mut spec = self.task.run_spec()?;
        RunFlags::new(&self.threads)
            .data(&self.data)
            .limits(&self.limits)
            .device(&self.device)
            .numerics(&self.numerics)
            .low_level(&self.low_level)
            .apply(&mut spec);
        let s = &mut spec.seeds;
        s.init = self.seed_init.unwrap_or(s.init);
        s.shuffle = self.seed_shuffle.unwrap_or(s.shuffle);
        s.augment = self.seed_augment.unwrap_or(s.augment);
        s.dropout = self.seed_dropout.unwrap_or(s.dropout);
        s.low_level = self.seed_low_level.unwrap_or(s.low_level);
        s.data = self.seed_data.or(s.data);
        if let Some(f) = self.data_fraction {
            spec.train.data_fraction = Some(f);
        }
        if let Some(seed) = self.bit_flip {
            spec.bit_flip = Some(BitFlipSpec {
                seed,
                param: self.bit_flip_param.clone(),
            });
        }
        if let Some(c) = self.cycles {
            spec.train.cycles = c;
        }
        if let Some(names) = &self.tta {
            spec.tta = names
                .iter()
                .map(|n| {
                    Tta::parse(n).with_context(|| {
                        format!(
                            "--tta: unknown test-time augmentation `{n}`; use flip, crop25, \
                             crop81, flip-crop25, flip-crop81, grid<step> or flip-grid<step>"
                        )
                    })
                })
                .collect::<anyhow::Result<_>>()?;
        }
        spec.validate()?;
        Ok(spec)
    }
}
